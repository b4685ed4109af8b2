"""`fanwen reextract`: the captures replayed through the current extractor, with no network."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import time

import pytest

from fanwen.testsite import build_sites
from tests.conftest import FANWEN, ROOT, count_rows, fanwen_crawl, run_fanwen


def articles(db) -> set[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("SELECT u.url, a.content_hash FROM article_urls u JOIN articles a ON a.id = u.article_id"))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bundle():
    return build_sites(seed=7, articles_per_site=40)


@pytest.fixture(scope="module")
def crawled(site, bundle, tmp_path_factory):
    db = tmp_path_factory.mktemp("reextract") / "archive.db"
    # Small WARC files: the capture rotates, and one file can be deleted below.
    result = fanwen_crawl(site, bundle, db, "-s", "FANWEN_WARC_MAX_SIZE=500000")
    assert result.returncode == 0, result.stderr[-2000:]
    return db


def copy_archive(db, target):
    """A copy of an archive and its capture folder."""
    sqlite3.connect(db).backup(sqlite3.connect(target / "archive.db"))
    shutil.copytree(db.parent / "archive.warc", target / "archive.warc")
    return target / "archive.db"


def test_capture_rotates_files_each_with_its_warcinfo(crawled):
    from warcio.archiveiterator import ArchiveIterator

    files = sorted((crawled.parent / "archive.warc").glob("*.warc.gz"))
    assert len(files) >= 3
    for path in files:
        with open(path, "rb") as handle:
            kinds = [record.rec_type for record in ArchiveIterator(handle)]
        assert kinds[0] == "warcinfo" and kinds.count("warcinfo") == 1
        assert path.with_name(path.name.replace(".warc.gz", ".cdxj")).is_file()
    assert all(path.stat().st_size < 500000 + 2_000_000 for path in files)


def test_a_deleted_warc_file_is_counted_and_loses_no_article(crawled, tmp_path):
    db = copy_archive(crawled, tmp_path)
    before = articles(db)
    gone = sorted((tmp_path / "archive.warc").glob("*.warc.gz"))[1]
    gone.unlink()
    result = run_fanwen("reextract", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["missing_captures"] > 0 and report["changed"] == [] and report["no_longer_articles"] == []
    assert articles(db) == before


def silently_damaged(member: bytes) -> bytes | None:
    """`member` with one byte changed where a gzip reader still inflates it without an error (the damaged
    deflate stream ends early, its trailer checks pass), to a page cut short: damage only the payload digest
    can tell (a bad disk sector, a flaky copy). None when no such byte exists (it depends on the member's
    deflate blocks)."""
    import zlib

    original = zlib.decompress(member, wbits=31)
    body_at = original.index(b"\r\n\r\n", original.index(b"\r\n\r\n") + 4) + 4  # after the WARC and HTTP headers
    for position in range(len(member) - 9, 10, -1):
        for flip in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80):
            damaged = bytearray(member)
            damaged[position] ^= flip
            try:
                inflated = zlib.decompressobj(wbits=31).decompress(bytes(damaged))
            except zlib.error:
                continue
            if inflated[:body_at] == original[:body_at] and inflated[body_at:len(original) - 4] != original[body_at:-4]:
                return bytes(damaged)  # the page's own bytes differ (the record's closing CRLFs aside)
    return None


def test_a_corrupt_record_is_counted_and_its_article_kept_as_it_was(crawled, tmp_path):
    """Damaged bytes inside article pages' gzip members: each capture is unreadable, the page a missing capture,
    and its article keeps the text the crawl archived (not garbage), whether the damage breaks the deflate
    stream or silently inflates to other bytes."""
    db = copy_archive(crawled, tmp_path)
    before = articles(db)
    conn = sqlite3.connect(db)
    candidates = conn.execute(
        "SELECT c.url, c.file, c.offset, c.length FROM captures c JOIN article_urls u ON u.url = c.url"
        " WHERE c.record_type = 'response' AND c.status = 200 AND u.url LIKE '%.html' AND u.url NOT LIKE '%\\_%' ESCAPE '\\'"
        " ORDER BY c.id LIMIT 40 OFFSET 20").fetchall()
    conn.close()
    damaged = []
    for url, file, offset, length in candidates:
        path = tmp_path / "archive.warc" / file
        data = bytearray(path.read_bytes())
        if not damaged:  # bytes that break the deflate stream
            data[offset + length // 2: offset + length // 2 + 16] = b"\xff" * 16
        else:  # one bit that inflates to other page bytes, in the first member where one does
            member = silently_damaged(bytes(data[offset: offset + length]))
            if member is None:
                continue
            data[offset: offset + length] = member
        path.write_bytes(bytes(data))
        damaged.append((url, file, offset, length))
        if len(damaged) == 2:
            break
    assert len(damaged) == 2, "no member of 40 can be damaged silently"
    result = run_fanwen("reextract", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for url, *_ in damaged:
        assert any(url in line and "unreadable" in line for line in result.stderr.splitlines()), result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["missing_captures"] == 2 and report["changed"] == [] and report["no_longer_articles"] == []
    assert articles(db) == before


def test_reextract_into_a_fresh_archive_gives_the_crawls_articles(crawled, site, tmp_path):
    requests_before = len(site.request_log)
    fresh = tmp_path / "fresh.db"
    result = run_fanwen("reextract", "--db", str(fresh), "--from", str(crawled), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(site.request_log) == requests_before  # not one request to the server
    crawl = articles(crawled)
    assert len(crawl) > 100 and articles(fresh) == crawl
    report = json.loads(result.stdout)
    assert len(report["gained"]) == sqlite3.connect(crawled).execute("SELECT count(*) FROM articles").fetchone()[0]
    conn = sqlite3.connect(fresh)
    assert conn.execute("SELECT count(*) FROM articles WHERE extractor_version IS NULL").fetchone()[0] == 0
    # The search index and the near-duplicate links follow, as in a crawl.
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len({a for _, a in crawl})
    linked = "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
    assert conn.execute(linked).fetchone()[0] == sqlite3.connect(crawled).execute(linked).fetchone()[0] > 0


def test_change_report_names_exactly_the_changed_articles(crawled, tmp_path):
    # A copy of the archive and its capture folder, re-extracted in place.
    db = copy_archive(crawled, tmp_path)
    source = sqlite3.connect(crawled)
    rows = source.execute("SELECT id, body FROM articles WHERE site = 'baihua.test' AND duplicate_of IS NULL"
                          " ORDER BY id LIMIT 3").fetchall()
    # The deliberate extractor change: a profile that cleans one long line out of three articles.
    lines = [max(body.split("\n"), key=len) for _, body in rows]
    profiles = tmp_path / "sites"
    profiles.mkdir()
    patterns = ", ".join(json.dumps("^" + re.escape(line) + "$") for line in lines)
    (profiles / "baihua.toml").write_text(f'sites = ["baihua.test"]\n[clean]\nboilerplate = [{patterns}]\n', encoding="utf-8")
    expected = {url for url, body in source.execute(
        "SELECT u.url, a.body FROM article_urls u JOIN articles a ON a.id = u.article_id")
        if any(line in body.split("\n") for line in lines)}
    assert len(expected) >= 3
    result = run_fanwen("reextract", "--db", str(db), "--json", "-s", f"FANWEN_PROFILES_DIR={profiles}")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert set(report["changed"]) == expected
    assert report["no_longer_articles"] == []
    conn = sqlite3.connect(db)
    kept = {url for (url,) in conn.execute("SELECT url FROM article_versions WHERE crawl_id = ?", [report["crawl_id"]])}
    assert kept == expected  # the earlier texts are in the archive
    # No article keeps the old text: a row whose last URL moved to another document with the same new
    # text is history (article_versions), not a row without URLs.
    bodies = [body.split("\n") for (body,) in conn.execute("SELECT body FROM articles WHERE site = 'baihua.test'")]
    assert not any(line in body for line in lines for body in bodies)
    assert conn.execute("SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM article_urls)").fetchone()[0] == 0


def test_reextract_killed_resumes_with_nothing_lost_or_doubled(crawled, tmp_path):
    import subprocess

    fresh = tmp_path / "fresh.db"
    cmd = [*FANWEN, "reextract", "--db", str(fresh), "--from", str(crawled), "-s", "FANWEN_BATCH_SIZE=20",
           "-s", "CONCURRENT_REQUESTS=2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while count_rows(fresh, "SELECT count(*) FROM articles") < 40 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < count_rows(fresh, "SELECT count(*) FROM articles") < len({a for _, a in articles(crawled)})
    result = run_fanwen("reextract", "--db", str(fresh), "--from", str(crawled), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert articles(fresh) == articles(crawled)
    conn = sqlite3.connect(fresh)
    assert conn.execute("SELECT count(DISTINCT id) FROM crawls").fetchone()[0] == 1  # the same crawl, resumed
    # Nothing doubled: one row per document, and no page seen as a "changed" text of itself.
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len({h for _, h in articles(crawled)})
    assert conn.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 0


ARCHIVED = {
    "articles": "SELECT url, site, title, body, published_at, categories, terms, source, content_hash,"
                " pages, partial, extractor_version,"
                " (SELECT url FROM articles d WHERE d.id = a.duplicate_of) FROM articles a",
    "urls": "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id",
    "search": "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid",
    "article pages": "SELECT url, kind, status FROM fetches WHERE kind IN ('article', 'article_part')",
}


def test_direct_reextraction_gives_the_archive_of_the_engine_replay(crawled, tmp_path):
    """The offline loop (crawler.capture.direct) and the replay through Scrapy's engine build the same archive."""
    archives = {}
    for engine in ("direct", "scrapy"):
        db = tmp_path / f"{engine}.db"
        result = run_fanwen("reextract", "--db", str(db), "--from", str(crawled), "--json",
                            "-s", f"FANWEN_REPLAY_ENGINE={engine}")
        assert result.returncode == 0, result.stderr[-2000:]
        conn = sqlite3.connect(db)
        settings = json.loads(conn.execute("SELECT settings FROM crawls").fetchone()[0])
        assert settings["FANWEN_REPLAY_ENGINE"] == engine
        archives[engine] = {name: set(conn.execute(sql)) for name, sql in ARCHIVED.items()}
    direct, scrapy = archives["direct"], archives["scrapy"]
    assert len(direct["articles"]) > 100 and len(direct["article pages"]) > len(direct["articles"])
    for name in ARCHIVED:
        assert direct[name] == scrapy[name], name


def test_a_disk_that_fills_stops_reextract_with_status_74_and_a_rerun_completes_it(crawled, tmp_path):
    """A real limit on file size (writes past it fail with EFBIG, as on a full disk), not a mock."""
    import resource
    import subprocess

    from crawler.cli.exits import UNWRITABLE
    from fanwen.archive import connect

    fresh = tmp_path / "fresh.db"
    connect(fresh).conn.close()
    room = fresh.stat().st_size + 1_500_000  # full once the archive (or its WAL) has grown by this much: mid-run

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    cmd = [*FANWEN, "reextract", "--db", str(fresh), "--from", str(crawled), "-s", "FANWEN_BATCH_SIZE=20"]
    full = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=full_disk)
    assert full.returncode == UNWRITABLE, full.stderr[-3000:]
    lines = [line for line in full.stderr.splitlines() if not line.startswith(("progress:", "WARNING:"))]
    assert len(lines) == 1 and "cannot write the archive" in lines[0] and "Traceback" not in full.stderr, full.stderr[-3000:]
    stored = count_rows(fresh, "SELECT count(*) FROM articles")
    assert 0 < stored < len({a for _, a in articles(crawled)})

    # With room again, the same command resumes the same re-extraction and completes it: nothing lost or doubled.
    result = run_fanwen("reextract", "--db", str(fresh), "--from", str(crawled), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert articles(fresh) == articles(crawled)
    conn = sqlite3.connect(fresh)
    assert conn.execute("SELECT count(DISTINCT id) FROM crawls").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len({h for _, h in articles(crawled)})
