"""Exit statuses and messages a script can rely on (docs/cli.md): each error path ends with its own
status and one line, without a traceback."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.cli.exits import BAD_INPUT, BUSY, NOTHING_FETCHED, UNWRITABLE
from fanwen.testsite import build_sites, serve
from tests.conftest import FANWEN, LOCAL, ROOT, fanwen_crawl, run_fanwen


def error_lines(result) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def assert_one_line(result) -> str:
    """The whole of stderr is one line, and it is an error."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def small_site():
    bundle = build_sites(seed=3, articles_per_site=20)
    with serve(bundle) as server:
        yield bundle, server


def test_a_disk_that_fills_stops_the_crawl_with_one_line_and_status_74(small_site, tmp_path):
    bundle, server = small_site
    db = tmp_path / "archive.db"
    from fanwen.archive import connect

    connect(db).conn.close()
    room = db.stat().st_size + 150_000  # the file system is full once the archive has grown by this much

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))  # writes beyond it fail (EFBIG) as on a full disk

    resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
    started = time.time()
    full = subprocess.run([*FANWEN, "crawl", *server.start_urls, "--db", str(db), *resolve, *LOCAL,
                           "-s", "FANWEN_LEARN_WAIT=1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, preexec_fn=full_disk)
    assert full.returncode == UNWRITABLE, full.stderr[-3000:]
    # Progress and the pages that failed before (a redirect loop of the site) aside, one line says it.
    lines = [line for line in full.stderr.splitlines() if not line.startswith(("progress:", "WARNING:"))]
    assert len(lines) == 1 and "cannot write the archive" in lines[0] and "Traceback" not in full.stderr, full.stderr[-3000:]
    assert "cannot open the archive" not in full.stderr
    served = [r for r in list(server.request_log) if r.at >= started]
    assert len(served) < 300, f"{len(served)} requests: the crawl went on fetching after the archive stopped taking writes"

    # With room again, the same command resumes the crawl and finishes it.
    again = fanwen_crawl(server, bundle, db, "--json", "-s", "FANWEN_LEARN_WAIT=1")
    assert again.returncode == 0, again.stderr[-3000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM crawls").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == json.loads(again.stdout)["articles_total"] == 80


def test_a_page_a_pipeline_raises_on_is_in_the_crawl_log_and_the_crawl_exits_1(small_site, tmp_path):
    """A bug in a pipeline loses no URL: the page is logged as an internal error, the crawl ends with 1
    and one line, and the same command run again archives the page."""
    from crawler.settings import ITEM_PIPELINES

    bundle, server = small_site
    db = tmp_path / "archive.db"
    victim = next(t for t in bundle.truth if t.reachable and not t.partial)
    pipelines = json.dumps({**ITEM_PIPELINES, "tests.faulty_pipeline.FaultyPipeline": 150})
    os.environ["FANWEN_TEST_FAULTY_PATH"] = victim.path
    try:
        broken = fanwen_crawl(server, bundle, db, "-s", f"ITEM_PIPELINES={pipelines}", "-s", "FANWEN_LEARN_WAIT=1")
    finally:
        del os.environ["FANWEN_TEST_FAULTY_PATH"]
    assert broken.returncode == 1, broken.stderr[-3000:]
    lines = [line for line in broken.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "1 page(s) failed on an internal error" in lines[0], broken.stderr[-3000:]
    conn = sqlite3.connect(db)
    logged = conn.execute("SELECT kind, error FROM fetches WHERE url LIKE ?", [f"%{victim.path}"]).fetchall()
    assert logged == [("error", "internal_error: KeyError: 'a bug on this page'")], logged
    # Scrapy's own line names the page, not the article's repr of several kB, and shows no traceback.
    page = server.url(victim.host, victim.path)
    assert f"ERROR: Error processing ArticleItem of {page}: KeyError: 'a bug on this page'\n" in broken.stderr
    assert "Traceback" not in broken.stderr and "page_lines" not in broken.stderr
    assert not conn.execute("SELECT count(*) FROM article_urls WHERE url LIKE ?", [f"%{victim.path}"]).fetchone()[0]
    conn.close()

    again = fanwen_crawl(server, bundle, db, "-s", "FANWEN_LEARN_WAIT=1")
    assert again.returncode == 0, again.stderr[-3000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM article_urls WHERE url LIKE ?", [f"%{victim.path}"]).fetchone()[0] == 1
    conn.close()


def test_a_start_url_that_does_not_resolve_is_nothing_fetched(tmp_path):
    result = run_fanwen("crawl", "http://no-such-host.invalid/", "--db", str(tmp_path / "a.db"),
                        "-s", "RETRY_TIMES=0", "-s", "FANWEN_RETRY_BACKOFF_BASE=0.1", timeout=120)
    assert result.returncode == NOTHING_FETCHED, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    [error] = error_lines(result)
    assert "fetched no page" in error and "dns" in error
    # One line per failed request: each failure line names its URL.
    failures = [line for line in result.stderr.splitlines() if line.startswith(("ERROR:", "WARNING:"))]
    assert failures and all("no-such-host.invalid" in line for line in failures), result.stderr


def test_a_name_that_does_not_resolve_is_retried_once_and_its_host_then_not_at_all(tmp_path):
    result = run_fanwen("crawl", "http://no-such-host.invalid/", "--db", str(tmp_path / "a.db"), "--json",
                        "-s", "FANWEN_RETRY_BACKOFF_BASE=0.1", timeout=120)  # RETRY_TIMES as shipped (3)
    assert result.returncode == NOTHING_FETCHED, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    # robots.txt and its one retry, then the start page once: not 4 + 4 attempts with backoff
    assert summary["requests"] == 3, summary
    assert summary["errors"] == {"dns": 1}


def test_a_start_url_with_user_info_is_refused_before_anything_is_written(tmp_path):
    db = tmp_path / "a.db"
    result = run_fanwen("crawl", "http://bob:s3cret@127.0.0.1:9/", "--db", str(db))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "user info" in result.stderr and "s3cret" not in result.stderr + result.stdout
    assert not db.exists()


def test_scrapy_crawl_keeps_passwords_out_of_the_archive_and_exits_1_when_it_cannot_start(tmp_path):
    db = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "fanwen", "-a", "start_urls=http://bob:s3cret@127.0.0.1:9/",
                             "-s", f"ARCHIVE_DB={db}", "-s", "FANWEN_WARC_ENABLED=0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "did not finish" in result.stderr and "s3cret" not in result.stderr
    conn = sqlite3.connect(db)
    dump = "\n".join(conn.iterdump())
    assert "bob:***@127.0.0.1" in dump and "s3cret" not in dump


def test_a_refused_connection_is_nothing_fetched_too(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    result = run_fanwen("crawl", f"http://127.0.0.1:{port}/", "--db", str(tmp_path / "a.db"),
                        "-s", "RETRY_TIMES=0", timeout=120)
    assert result.returncode == NOTHING_FETCHED, result.stderr[-3000:]
    assert len(error_lines(result)) == 1


def test_the_archive_in_use_is_75_with_the_holders_pid(tmp_path):
    from fanwen.archive.lock import ArchiveLock

    db = tmp_path / "a.db"
    with ArchiveLock(db):
        result = run_fanwen("crawl", "http://127.0.0.1:9/", "--db", str(db))
    assert result.returncode == BUSY
    line = assert_one_line(result)
    assert f"pid {os.getpid()}" in line


def test_read_commands_refuse_a_missing_archive_and_make_nothing(tmp_path):
    typo = tmp_path / "typo.db"
    for args in (["schedule", "list"], ["schedule", "remove", "nightly"], ["scheduler"], ["stats"], ["sites"],
                 ["query", "SELECT 1"], ["search", "双减"], ["dedupe"], ["index"], ["export", "-o", str(tmp_path / "a.jsonl")]):
        result = run_fanwen(*args, "--db", str(typo))
        assert result.returncode == BAD_INPUT, (args, result.stderr)
        assert "typo.db" in assert_one_line(result), args
    assert list(tmp_path.iterdir()) == []


def test_schedule_add_accepts_compound_intervals_and_refuses_a_duplicate_name_with_2(tmp_path):
    db = str(tmp_path / "a.db")
    added = run_fanwen("schedule", "add", "nightly", "http://www.example.test/", "--db", db, "--every", "1h30m")
    assert added.returncode == 0 and "every 1h30m" in added.stdout, added.stderr
    again = run_fanwen("schedule", "add", "nightly", "http://www.example.test/", "--db", db, "--every", "6h")
    assert again.returncode == BAD_INPUT and "exists already" in assert_one_line(again)


def test_a_second_scheduler_while_the_first_crawls_is_75_with_the_holders_pid(small_site, tmp_path):
    bundle, server = small_site
    db = tmp_path / "archive.db"
    resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
    added = run_fanwen("schedule", "add", "slow", *server.start_urls, "--db", str(db), "--every", "1h", *resolve,
                       "-s", "DOWNLOAD_DELAY=0.3", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert added.returncode == 0, added.stderr
    first = subprocess.Popen([*FANWEN, "scheduler", "--db", str(db), "--poll", "0.2"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        crawl_lock = db.with_name("archive.db.lock")
        deadline = time.monotonic() + 180
        while not (crawl_lock.exists() and crawl_lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert crawl_lock.read_text(), "the scheduled crawl did not start"
        time.sleep(1)  # the crawl is writing now
        second = run_fanwen("scheduler", "--db", str(db))
        assert second.returncode == BUSY
        line = assert_one_line(second)
        assert "in use by another scheduler" in line and f"pid {first.pid}" in line
        crawl = run_fanwen("crawl", server.start_urls[0], "--db", str(db))
        # 75 and the holder; when the lock is taken between the command's check and the crawl's own (a race
        # the crawl's lock ownership closes), Scrapy's refusal adds log lines before it.
        assert crawl.returncode == BUSY and "in use by another crawl" in error_lines(crawl)[-1]
    finally:
        first.send_signal(subprocess.signal.SIGTERM)
        _, err = first.communicate(timeout=300)  # the crawl stops cleanly first: slow on a busy machine
    assert first.returncode == 0, err[-3000:]
