"""WARC capture: a crawl's records read back with warcio match the bytes the fixture server sent."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import fanwen_crawl

IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def read_records(folder: Path) -> list[dict]:
    """Every record of every file, read with warcio, with its file, type, headers and raw payload."""
    out = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                out.append({
                    "file": path.name, "type": record.rec_type, "headers": record.rec_headers,
                    "http": record.http_headers, "payload": record.raw_stream.read(),
                    "version": record.rec_headers.protocol,
                })
    return out


@pytest.fixture(scope="module")
def crawled(site, bundle, tmp_path_factory):
    db = tmp_path_factory.mktemp("warc") / "archive.db"
    first = fanwen_crawl(site, bundle, db, "-s", "FANWEN_REVISIT_INITIAL=1", "-s", "FANWEN_REVISIT_MIN=1")
    assert first.returncode == 0, first.stderr[-2000:]
    files_after_first = {p.name for p in (db.parent / "archive.warc").glob("*.warc.gz")}
    records_first = read_records(db.parent / "archive.warc")
    # A recrawl of the unchanged site with every article due: 304s and identical payloads.
    time.sleep(1.5)
    second = fanwen_crawl(site, bundle, db, "-s", "FANWEN_REVISIT_INITIAL=1", "-s", "FANWEN_REVISIT_MIN=1")
    assert second.returncode == 0, second.stderr[-2000:]
    return db, files_after_first, records_first


def test_every_payload_is_the_bytes_the_server_sent(crawled, site):
    db, _, records = crawled
    responses = [r for r in records if r["type"] == "response" and r["http"].get_statuscode() == "200"]
    assert len(responses) > 300
    gbk = 0
    for record in responses:
        url = record["headers"].get_header("WARC-Target-URI")
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = site.app.handle("GET", parts.netloc, target)
        assert sent.status == 200, url
        assert record["payload"] == sent.body, url
        assert record["version"] == "WARC/1.1"
        try:
            sent.body.decode("utf-8")
        except UnicodeDecodeError:
            sent.body.decode("gb18030")  # a GBK page: its bytes kept as they were
            gbk += 1
    assert gbk > 20


def test_each_response_has_its_request_with_the_query_string(crawled):
    _, _, records = crawled
    requests = {r["headers"].get_header("WARC-Concurrent-To"): r for r in records if r["type"] == "request"}
    with_query = 0
    for record in records:
        if record["type"] not in ("response", "revisit"):
            continue
        request = requests[record["headers"].get_header("WARC-Record-ID")]
        url = record["headers"].get_header("WARC-Target-URI")
        assert request["headers"].get_header("WARC-Target-URI") == url
        parts = urlsplit(url)
        line = f"{request['http'].protocol} {request['http'].statusline}"
        assert line == f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1"
        with_query += bool(parts.query)
    assert with_query > 0
    assert sum(r["type"] == "warcinfo" for r in records) == len({r["file"] for r in records})


def test_captures_index_reads_each_record_in_one_seek(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, record_id, file, offset, length, status, payload_digest FROM captures").fetchall()
    assert len(rows) > 300
    folder = db.parent / "archive.warc"
    for url, record_id, file, offset, length, status, digest in rows:
        assert file.endswith(".warc.gz") and "/" not in file
        with open(folder / file, "rb") as handle:
            handle.seek(offset)
            member = handle.read(length)
        record = next(ArchiveIterator(io.BytesIO(member)))
        assert record.rec_headers.get_header("WARC-Record-ID") == record_id
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.rec_headers.get_header("WARC-Payload-Digest") == digest
        assert int(record.http_headers.get_statuscode()) == status
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")  # one complete gzip member


def test_cdxj_beside_each_file_names_file_and_offset(crawled):
    db, _, _ = crawled
    folder = db.parent / "archive.warc"
    conn = sqlite3.connect(db)
    indexed = {(f, o) for f, o in conn.execute("SELECT file, offset FROM captures")}
    lines = []
    for path in folder.glob("*.warc.gz"):
        cdxj = path.with_name(path.name.replace(".warc.gz", ".cdxj"))
        lines += cdxj.read_text(encoding="utf-8").splitlines()
    assert lines
    keys = []
    found = set()
    for line in lines:
        key, stamp, fields = line.split(" ", 2)
        data = json.loads(fields)
        assert len(stamp) == 14 and stamp.isdigit()
        found.add((data["filename"], int(data["offset"])))
        keys.append((key, stamp))
    assert found == indexed


def test_recrawl_writes_revisits_not_full_responses(crawled):
    db, files_first, _ = crawled
    folder = db.parent / "archive.warc"
    later = [p for p in folder.glob("*.warc.gz") if p.name not in files_first]
    assert later
    records = [r for r in read_records(folder) if r["file"] in {p.name for p in later}]
    revisits = [r for r in records if r["type"] == "revisit"]
    full = [r for r in records if r["type"] == "response" and r["http"].get_statuscode() == "200"]
    profiles = {r["headers"].get_header("WARC-Profile") for r in revisits}
    assert profiles == {IDENTICAL, NOT_MODIFIED}
    assert len(revisits) > 300 and full == []
    for record in revisits:
        assert record["payload"] == b""
        assert record["headers"].get_header("WARC-Refers-To-Target-URI")
        assert record["headers"].get_header("WARC-Refers-To-Date")
    conn = sqlite3.connect(db)
    crawl2 = conn.execute("SELECT max(id) FROM crawls").fetchone()[0]
    kinds = dict(conn.execute("SELECT profile, count(*) FROM captures WHERE crawl_id = ? GROUP BY 1", [crawl2]).fetchall())
    assert kinds.get("server-not-modified", 0) > 50 and None not in kinds
    size_first = sum((folder / f).stat().st_size for f in files_first)
    assert sum(p.stat().st_size for p in later) < size_first / 3


def test_no_warc_writes_no_capture(site, bundle, tmp_path):
    db = tmp_path / "a.db"
    result = fanwen_crawl(site, bundle, db, "--no-warc", "-s", "CLOSESPIDER_PAGECOUNT=20")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert not (tmp_path / "a.warc").exists()
    assert sqlite3.connect(db).execute("SELECT count(*) FROM captures").fetchone()[0] == 0


def test_wacz_export_passes_the_wacz_validator(crawled, tmp_path):
    import subprocess
    import sys
    import zipfile

    from tests.conftest import run_fanwen

    db, _, _ = crawled
    wacz = tmp_path / "site.wacz"
    result = run_fanwen("export", "--wacz", str(wacz), "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(wacz)], capture_output=True, text=True,
                           timeout=300)
    assert check.returncode == 0 and "Validation succeeded" in check.stdout, check.stdout[-2000:] + check.stderr[-2000:]
    with zipfile.ZipFile(wacz) as zf:
        names = zf.namelist()
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in names if n.startswith("archive/"))
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()[1:]]
        index = zf.read("indexes/index.cdx").decode().splitlines()
        # A page of the list replays from the index: its line names a member that reads back as its response.
        page = pages[0]["url"]
        line = next(line for line in index if json.loads(line.split(" ", 2)[2])["url"] == page)
        fields = json.loads(line.split(" ", 2)[2])
        data = zf.read(f"archive/{fields['filename']}")
    conn = sqlite3.connect(db)
    assert len(pages) == conn.execute("SELECT count(*) FROM article_urls").fetchone()[0]
    member = data[int(fields["offset"]): int(fields["offset"]) + int(fields["length"])]
    record = next(ArchiveIterator(io.BytesIO(member)))
    assert record.rec_headers.get_header("WARC-Target-URI") == page


def test_each_crawl_with_capture_reports_the_cpu_time_capture_took(crawled):
    db, _, _ = crawled
    conn = sqlite3.connect(db)
    for (raw,) in conn.execute("SELECT stats FROM crawls ORDER BY id"):
        stats = json.loads(raw)
        # Timed inside the crawl (bench/warc_bench.py divides it by the crawl's CPU time): some, not all of it.
        assert 0 < stats["fanwen/warc/cpu_seconds"] < stats["elapsed_time_seconds"]
