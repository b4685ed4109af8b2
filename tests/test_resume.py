"""kill -9 at random moments, then the same command again: the archive ends as an uninterrupted crawl's."""

from __future__ import annotations

import random
import signal
import sqlite3
import time

import pytest

from fanwen.testsite import build_sites, serve
from tests.archive_rows import content_rows
from tests.conftest import fanwen_crawl

BATCH = ["-s", "FANWEN_BATCH_SIZE=20"]


@pytest.fixture(scope="module")
def small_bundle():
    return build_sites(seed=7, articles_per_site=30)


@pytest.fixture(scope="module")
def small_site(small_bundle):
    with serve(small_bundle) as server:
        yield server


def _sqlite(db, sql):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _count(db, sql) -> int:
    try:
        return _sqlite(db, sql)[0][0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_at_random_moments_then_resume_equals_uninterrupted_crawl(small_site, small_bundle, tmp_path):
    reference = tmp_path / "reference.db"
    done = fanwen_crawl(small_site, small_bundle, reference, *BATCH)
    assert done.returncode == 0, done.stderr[-2000:]
    total_fetches = _sqlite(reference, "SELECT count(*) FROM fetches")[0][0]

    db = tmp_path / "killed.db"
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    killed_states = []
    for _ in range(3):
        # A random moment: after a random number of newly committed fetch rows, plus a random delay.
        before = _count(db, "SELECT count(*) FROM fetches")
        after, delay = rng.randrange(1, total_fetches // 5), rng.uniform(0, 0.3)
        proc = fanwen_crawl(small_site, small_bundle, db, *BATCH, popen=True)
        deadline = time.monotonic() + 120
        while _count(db, "SELECT count(*) FROM fetches") < before + after and time.monotonic() < deadline:
            assert proc.poll() is None, f"crawl ended before the kill (seed {seed}): {proc.stderr.read()[-2000:]}"
            time.sleep(0.02)
        time.sleep(delay)
        assert proc.poll() is None, f"crawl ended before the kill (seed {seed})"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        if db.exists():
            assert _sqlite(db, "PRAGMA integrity_check") == [("ok",)]
            killed_states.append(_sqlite(db, "SELECT count(*) FROM articles")[0][0])

    resumed = fanwen_crawl(small_site, small_bundle, db, *BATCH)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming crawl" in resumed.stderr
    # Every run after the first continued the same crawl: one crawls row, resumed, finished.
    assert _sqlite(db, "SELECT count(*), json_extract(stats, '$.\"fanwen/resumed\"') FROM crawls") == [(1, 1)]

    want, got = content_rows(reference), content_rows(db)
    assert killed_states and min(killed_states) < len(want["articles"]), (seed, killed_states)
    for table in want:
        assert got[table] == want[table], (table, seed, len(got[table] - want[table]), len(want[table] - got[table]))
    assert _sqlite(db, "SELECT count(*) FROM frontier") == [(0,)]  # finished: nothing left to resume
    assert _sqlite(db, "SELECT finish_reason FROM crawls") == [("finished",)]
    urls = _sqlite(db, "SELECT url, count(*) FROM article_urls GROUP BY url HAVING count(*) > 1")
    assert urls == []


def test_second_crawl_on_the_same_archive_is_refused_and_writes_nothing(small_site, small_bundle, tmp_path):
    db = tmp_path / "archive.db"
    first = fanwen_crawl(small_site, small_bundle, db, *BATCH, popen=True)
    try:
        deadline = time.monotonic() + 60
        while _count(db, "SELECT count(*) FROM fetches") == 0 and time.monotonic() < deadline:
            assert first.poll() is None
            time.sleep(0.05)
        second = fanwen_crawl(small_site, small_bundle, db, *BATCH)
        assert second.returncode == 75, second.stderr[-2000:]
        assert "in use by another crawl" in second.stderr and "pid" in second.stderr
        assert _count(db, "SELECT count(*) FROM crawls") == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
        first.stdout.close()
        first.stderr.close()


def test_pending_requests_keep_their_conditional_headers_and_refetch_flag(tmp_path):
    """A recrawl killed mid-way asks its pending pages again as it would have: 304-able, list pages
    past the trap guard."""
    from scrapy.http import Request

    from fanwen.archive import ArchiveWriter
    from fanwen.archive.frontier import Frontier
    from crawler.scheduler import request_extras, restore_request

    writer = ArchiveWriter(tmp_path / "a.db")
    writer.open()
    frontier = Frontier(writer, writer.start_crawl(["http://x.test/"], {}))
    due = Request("http://x.test/a/1.html", headers={"If-None-Match": '"v1"', "If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"})
    listing = Request("http://x.test/list_2.html", meta={"fanwen_refetch": True, "fanwen_shape": "list"})
    plain = Request("http://x.test/new.html")
    for request, priority in ((due, 5), (listing, 0), (plain, 0)):
        frontier.add(request.url, priority, request_extras(request))
    writer.flush()
    assert _sqlite(tmp_path / "a.db", "SELECT url FROM frontier WHERE request IS NULL") == [("http://x.test/new.html",)]
    restored = {url: restore_request(Request(url), extras) for url, _priority, extras in frontier.pending()}
    writer.close()
    assert restored[due.url].headers.to_unicode_dict() == due.headers.to_unicode_dict()
    assert restored[listing.url].meta.get("fanwen_refetch") is True
    assert not restored[plain.url].headers and not restored[plain.url].meta.get("fanwen_refetch")
