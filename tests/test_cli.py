"""The command line as a user meets it: `fanwen demo`, `scrapy crawl fanwen`, and clear errors."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import foreign_database
from tests.conftest import run_fanwen as run

ROOT = Path(__file__).resolve().parent.parent




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_and_crawls_the_bundled_sites(tmp_path):
    db = tmp_path / "demo.db"
    result = run("demo", "--db", str(db), "--port", str(free_port()), "--articles-per-site", "20", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["articles_new"] == 80
    assert {s["site"] for s in summary["sites"]} == {"baihua.test", "dede.test", "phpcms.test", "moyun.test"}
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 80


def test_scrapy_crawl_runs_the_same_spider(site, bundle, tmp_path):
    db = tmp_path / "scrapy.db"
    resolve = json.dumps({host: "127.0.0.1" for host in bundle.hosts})
    cmd = [sys.executable, "-m", "scrapy", "crawl", "fanwen", "-a", f"start_urls={site.start_urls[0]}",
           "-s", f"ARCHIVE_DB={db}", "-s", f"FANWEN_RESOLVE={resolve}", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "DOWNLOAD_DELAY=0", "-s", "CLOSESPIDER_ITEMCOUNT=40"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    assert conn.execute("SELECT finish_reason FROM crawls").fetchone()[0] == "closespider_itemcount"


def test_start_url_that_is_not_http_is_refused(tmp_path):
    result = run("crawl", "www.example.com", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "is not an http(s) URL" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_bad_setting_syntax_is_refused(tmp_path):
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "a.db"), "-s", "DOWNLOAD_DELAY")
    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr


def test_foreign_database_is_refused_and_left_alone(tmp_path):
    path = foreign_database(tmp_path / "other.db")
    before = path.read_bytes()
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(path))
    assert result.returncode == 2
    assert "not a fanwen archive" in result.stderr
    assert path.read_bytes() == before


def test_unwritable_archive_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(blocker / "a.db"))
    assert result.returncode == 74
    assert "cannot open the archive" in result.stderr
    assert_one_line(result)


def assert_one_line(result) -> None:
    """An error as the house rules want it: one line on stderr, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]


def test_index_and_dedupe_refuse_an_archive_that_a_crawl_holds(tmp_path):
    """`fanwen index` and `fanwen dedupe` rewrite the archive: while a crawl holds it they stop (75)."""
    from archive.lock import ArchiveLock
    from tests.archive_factory import make_archive

    db = make_archive(tmp_path / "a.db")
    before = list(sqlite3.connect(db).iterdump())
    with ArchiveLock(db):
        for args in (["index", "--db", str(db)], ["dedupe", "--db", str(db)]):
            result = run(*args)
            assert result.returncode == 75, result.stderr
            assert "in use by another crawl" in result.stderr
    assert list(sqlite3.connect(db).iterdump()) == before
    assert run("index", "--db", str(db)).returncode == 0
    assert run("dedupe", "--db", str(db)).returncode == 0


def test_dedupe_help_shows_the_detectors_default_threshold():
    """The command keeps its own copy so that `--help` does not import numpy; it must not drift."""
    from archive.neardup import DEFAULT_THRESHOLD
    from crawler.cli import dedupe

    assert dedupe.DEFAULT_THRESHOLD == DEFAULT_THRESHOLD
