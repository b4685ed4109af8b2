"""`fanwen import-warc` on a WARC written by Debian's wget, and on damaged WARC input."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from fanwen.testsite import build_sites
from tests.conftest import FANWEN, ROOT, count_rows, fanwen_crawl, run_fanwen
from tests.warc_records import record_at

ARTICLES = "SELECT u.url, a.content_hash FROM article_urls u JOIN articles a ON a.id = u.article_id"


@pytest.fixture(scope="module")
def bundle():
    return build_sites(seed=7, articles_per_site=40)


@pytest.fixture(scope="module")
def mirrored(site, tmp_path_factory):
    """baihua.test crawled by fanwen, and mirrored by `wget --mirror --warc-file` (through the server as a proxy;
    its endless search pages and redirect loops left out, as a wget user would)."""
    folder = tmp_path_factory.mktemp("wget")
    home = site.url("www.baihua.test", "/")
    wget = subprocess.run(["wget", "--mirror", "-l", "3", f"--warc-file={folder / 'baihua'}", "-e", "use_proxy=yes",
                           "-e", f"http_proxy=http://127.0.0.1:{site.port}", "--no-verbose", "-P", str(folder / "mirror"),
                           "--reject-regex", "/(search|go)/", home], capture_output=True, text=True, timeout=300)
    assert wget.returncode in (0, 8), wget.stderr[-2000:]  # 8: some pages answered 404, as on the real web
    crawl = folder / "crawl.db"
    result = fanwen_crawl(site, site.bundle, crawl, start_urls=[home])
    assert result.returncode == 0, result.stderr[-2000:]
    return folder / "baihua.warc.gz", crawl


def articles(db: Path) -> set[tuple[str, str]]:
    return set(sqlite3.connect(db).execute(ARTICLES))


def test_wget_warc_imports_the_sites_articles_like_a_crawl(mirrored, site, tmp_path):
    warc, crawl = mirrored
    requests = len(site.request_log)
    db = tmp_path / "imported.db"
    result = run_fanwen("import-warc", str(warc), "--db", str(db), "--site", "www.baihua.test", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(site.request_log) == requests  # read from the file, not fetched
    expected = articles(crawl)
    assert len(expected) > 40 and articles(db) == expected
    report = json.loads(result.stdout)
    assert report["records"]["skipped"]["request"] > 100 and report["records"]["skipped"]["resource"] >= 1
    # The index points into wget's file: every capture reads back in one seek.
    conn = sqlite3.connect(db)
    file, offset, length, record_id = conn.execute("SELECT file, offset, length, record_id FROM captures LIMIT 1").fetchone()
    record = record_at(file, offset, length)
    assert record.rec_headers.get_header("WARC-Record-ID") == record_id


def damaged_copy(warc: Path, target: Path) -> tuple[Path, str]:
    """wget's file with one article's response member corrupted and the last member cut in half."""
    members = []
    with open(warc, "rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
            members.append((iterator.get_record_offset(), record.rec_type, url))
    data = bytearray(warc.read_bytes())
    victim = next((o, u) for o, t, u in members if t == "response" and u.endswith(".html") and "/20" not in u
                  and u.rsplit("/", 1)[-1][:-5].isdigit())
    position = victim[0] + 200
    data[position:position + 64] = b"\x00" * 64
    last = members[-1][0]
    data = data[: last + (len(data) - last) // 2]
    target.write_bytes(bytes(data))
    return target, victim[1]


def odd_records(target: Path, home: str) -> Path:
    """A file of records other tools write: not HTTP, no Content-Type, revisits whose original is elsewhere."""
    with open(target, "wb") as out:
        payload = b"\x00\x01 not an HTTP message"  # a response record whose block is no HTTP response
        out.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: " + (home + "raw.bin").encode()
                                + b"\r\nWARC-Record-ID: <urn:uuid:11111111-1111-1111-1111-111111111111>\r\n"
                                b"WARC-Date: 2020-01-01T00:00:00Z\r\nContent-Type: application/octet-stream\r\n"
                                b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload + b"\r\n\r\n"))
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        body = b"<html><head><title>x</title></head><body><p>no content type</p></body></html>"
        http = StatusAndHeaders("200 OK", [("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(home + "no-type.html", "response", payload=io.BytesIO(body),
                                                      length=len(body), http_headers=http))
        for url in (home + "gone/1.html", home):
            revisit = writer.create_revisit_record(url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url,
                                                   "2020-01-01T00:00:00Z",
                                                   http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                                                                 protocol="HTTP/1.1"))
            revisit.rec_headers.add_header("WARC-Refers-To", "<urn:uuid:00000000-0000-0000-0000-000000000000>")
            writer.write_record(revisit)
    return target


def test_damaged_and_odd_records_are_skipped_and_counted(mirrored, site, tmp_path):
    warc, crawl = mirrored
    damaged, victim = damaged_copy(warc, tmp_path / "damaged.warc.gz")
    odd = odd_records(tmp_path / "odd.warc.gz", site.url("www.baihua.test", "/"))
    db = tmp_path / "imported.db"
    result = run_fanwen("import-warc", str(tmp_path / "*.warc.gz"), "--db", str(db), "--site", "baihua.test", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    skipped = report["records"]["skipped"]
    assert skipped["corrupt"] >= 2 and skipped["not_http"] == 1
    assert "unreadable data between bytes" in result.stderr
    assert report["missing_captures"] == 1  # the revisit of a page no file holds
    got = articles(db)
    conn = sqlite3.connect(db)
    # Nothing but the damaged article is lost; the revisit of the home page fell back to its full response.
    lost = {url for url, _ in articles(crawl) - got}
    assert lost <= {victim} and len(got) >= len(articles(crawl)) - 1
    assert conn.execute("SELECT count(*) FROM fetches WHERE url LIKE '%/no-type.html'").fetchone()[0] == 1


def test_import_killed_resumes_with_nothing_lost_or_doubled(mirrored, tmp_path):
    warc, crawl = mirrored
    db = tmp_path / "imported.db"
    cmd = [*FANWEN, "import-warc", str(warc), "--db", str(db), "--site", "www.baihua.test",
           "-s", "FANWEN_BATCH_SIZE=20", "-s", "CONCURRENT_REQUESTS=2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while count_rows(db, "SELECT count(*) FROM articles") < 10 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = run_fanwen("import-warc", str(warc), "--db", str(db), "--site", "www.baihua.test")
    assert result.returncode == 0, result.stderr[-2000:]
    assert articles(db) == articles(crawl)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM crawls").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) - count(DISTINCT record_id) FROM captures").fetchone()[0] == 0


def test_a_warc_gzipped_as_one_member_is_imported(mirrored, tmp_path):
    """Some tools gzip the whole file as one member: it is read through a copy with a member per record."""
    warc, crawl = mirrored
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(gzip.decompress(warc.read_bytes())))  # one member for the whole file
    db = tmp_path / "imported.db"
    result = run_fanwen("import-warc", str(whole), "--db", str(db), "--site", "www.baihua.test", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "one member" in result.stderr
    assert json.loads(result.stdout)["records"]["recompressed"] == 1
    assert articles(db) == articles(crawl)
    conn = sqlite3.connect(db)
    files = {file for (file,) in conn.execute("SELECT DISTINCT file FROM captures")}
    assert len(files) == 1 and files != {str(whole)}
    file, offset, length, record_id = conn.execute(
        "SELECT file, offset, length, record_id FROM captures ORDER BY id DESC LIMIT 1").fetchone()
    record = record_at(file, offset, length)
    assert record.rec_headers.get_header("WARC-Record-ID") == record_id
