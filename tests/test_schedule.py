"""Schedules: errors change nothing; a scheduler runs a schedule twice and the second run is incremental."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from types import SimpleNamespace

import pytest

from click.testing import CliRunner

from crawler.cli import main
from fanwen.archive.lock import ArchiveLock
from fanwen.testsite import build_sites, serve
from tests.conftest import FANWEN, LOCAL, ROOT, run_fanwen


def fanwen(*args: str):
    """A fanwen command in this process (for the quick refusals; crawls run in child processes)."""
    result = CliRunner().invoke(main, list(args))
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def _rows(db, sql, params=()):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _dump(db) -> list:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def archive_with_a_schedule(tmp_path):
    db = tmp_path / "archive.db"
    added = fanwen("schedule", "add", "nightly", "http://www.example.test/", "--db", str(db), "--cron", "0 3 * * *")
    assert added.returncode == 0, added.stderr
    return db


@pytest.mark.parametrize("cron", ["61 * * * *", "* * *", "0 3 * * * * *", "every day", ""])
def test_invalid_cron_is_refused_and_changes_nothing(archive_with_a_schedule, cron):
    before = _dump(archive_with_a_schedule)
    result = fanwen("schedule", "add", "bad", "http://www.example.test/", "--db", str(archive_with_a_schedule),
                        "--cron", cron)
    assert result.returncode == 2
    assert "not a valid cron expression" in result.stderr
    assert _dump(archive_with_a_schedule) == before


def test_invalid_interval_and_missing_or_double_timing_are_refused(archive_with_a_schedule):
    before = _dump(archive_with_a_schedule)
    db = str(archive_with_a_schedule)
    bad_every = fanwen("schedule", "add", "bad", "http://www.example.test/", "--db", db, "--every", "6 hours")
    assert bad_every.returncode == 2 and "not an interval" in bad_every.stderr and "1h30m" in bad_every.stderr
    neither = fanwen("schedule", "add", "bad", "http://www.example.test/", "--db", db)
    both = fanwen("schedule", "add", "bad", "http://www.example.test/", "--db", db, "--every", "1h", "--cron", "0 3 * * *")
    assert neither.returncode == both.returncode == 2
    assert "either --every INTERVAL or --cron EXPR" in neither.stderr
    assert _dump(archive_with_a_schedule) == before


def test_unknown_schedule_name_is_refused_and_changes_nothing(archive_with_a_schedule):
    before = _dump(archive_with_a_schedule)
    result = fanwen("schedule", "remove", "weekly", "--db", str(archive_with_a_schedule))
    assert result.returncode == 2
    assert "no schedule named 'weekly'" in result.stderr
    assert _dump(archive_with_a_schedule) == before
    listed = fanwen("schedule", "list", "--db", str(archive_with_a_schedule), "--json")
    assert [s["name"] for s in json.loads(listed.stdout)] == ["nightly"]


def test_second_scheduler_on_the_same_archive_is_refused(archive_with_a_schedule):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    first = subprocess.Popen([*FANWEN, "scheduler", "--db", str(archive_with_a_schedule), "--poll", "0.2"], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        lock = archive_with_a_schedule.with_name("archive.db.scheduler.lock")
        while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        before = _dump(archive_with_a_schedule)
        second = run_fanwen("scheduler", "--db", str(archive_with_a_schedule))
        assert second.returncode == 75
        assert "in use by another scheduler" in second.stderr
        assert _dump(archive_with_a_schedule) == before
    finally:
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err[-2000:]
    assert "scheduler stopped after 0 runs" in out


def _columns(db, table):
    return {r[1] for r in _rows(db, f"PRAGMA table_info({table})")}


def test_scheduler_upgrades_an_archive_only_once_the_crawl_holding_it_lets_go(archive_with_a_schedule):
    db = archive_with_a_schedule
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE articles DROP COLUMN masks")  # an archive written by an older fanwen
    conn.close()
    crawl_lock = ArchiveLock(db)
    crawl_lock.acquire()  # a crawl holds the archive
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    scheduler = subprocess.Popen([*FANWEN, "scheduler", "--db", str(db), "--poll", "0.2"], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = db.with_name("archive.db.scheduler.lock")
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # several polls while the crawl holds the archive
        assert scheduler.poll() is None
        assert "masks" not in _columns(db, "articles")  # nothing upgraded under the crawl's feet
        crawl_lock.release()
        deadline = time.monotonic() + 30
        while "masks" not in _columns(db, "articles") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "masks" in _columns(db, "articles")
    finally:
        crawl_lock.release()
        scheduler.send_signal(signal.SIGTERM)
        out, err = scheduler.communicate(timeout=30)
    assert scheduler.returncode == 0, err[-2000:]
    assert "waiting to open the archive" in err


@pytest.fixture(scope="module")
def changing_site():
    """A small site of its own: this test publishes and edits articles while it is served."""
    bundle = build_sites(seed=11, articles_per_site=30)
    with serve(bundle) as server:
        yield bundle, server


def _single_page_originals(site):
    return [p for p in site.posts if p.canonical == p.index and len(p.pages) == 1 and p.layout == "plain"
            and p.domain_at is None and p.doc.variant is None and sum(q.doc is p.doc for q in site.posts) == 1
            and not any(d.variant_of is p.doc for d in (q.doc for q in site.posts))]


def _wait_for_runs(db, n, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        try:
            if _rows(db, "SELECT count(*) FROM schedule_runs WHERE finished_at IS NOT NULL")[0][0] >= n:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{n} runs did not finish in {timeout}s")


def test_schedule_runs_twice_and_the_second_run_fetches_only_lists_and_new_or_changed_articles(changing_site, tmp_path):
    bundle, server = changing_site
    site = bundle.sites[0]
    new, edited = _single_page_originals(site)[:2]
    server.app.revisions.withhold(site, new)  # published between the runs
    db = tmp_path / "archive.db"
    resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
    added = run_fanwen("schedule", "add", "fixture", *server.start_urls, "--db", str(db), "--every", "4s", *resolve,
                       *LOCAL, "-s", "FANWEN_REVISIT_INITIAL=1", "-s", "FANWEN_REVISIT_MIN=1")
    assert added.returncode == 0, added.stderr

    proc = subprocess.Popen([*FANWEN, "scheduler", "--db", str(db), "--poll", "0.2"], cwd=ROOT,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait_for_runs(db, 1, proc)
        first_run = list(server.request_log)
        archived = {url for (url,) in _rows(db, "SELECT url FROM url_state")}
        old_paragraph = edited.doc.paragraphs[1]
        server.app.revisions.publish(site, new)
        server.app.revisions.edit(site, edited, 1, "这一段在第一次抓取之后被网站编辑改写过，新的版本应当被记录下来。")
        _wait_for_runs(db, 2, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    second_run = server.request_log[len(first_run):]

    runs = _rows(db, "SELECT exit_status, crawl_id, stats FROM schedule_runs ORDER BY id")
    assert [r[0] for r in runs[:2]] == [0, 0]
    assert runs[0][1] != runs[1][1]
    assert json.loads(runs[1][2])["finish_reason"] == "finished"

    def kind(entry):
        owner = bundle.site_for(entry.host)
        route = owner.routes.get(entry.path) if owner is not None and entry.host == owner.host else None
        return route[0] if route else None

    edited_url, new_url = server.url(site.host, edited.path), server.url(site.host, new.path)
    # Of the article pages archived by the first run, only the edited one came back in full; the
    # others were asked conditionally and answered 304.
    answers = {server.url(e.host, e.path): e.status for e in second_run}
    assert edited_url in archived and new_url not in archived
    assert {url for url in archived if answers.get(url) == 200} == {edited_url}
    assert {url for url in archived if answers.get(url) == 304} == archived - {edited_url}
    assert answers[new_url] == 200
    # Full article pages of the second run: the new and the edited article, and pages the first run
    # did not archive as articles (a malformed page read as a list), which are fetched like lists.
    full = {server.url(e.host, e.path) for e in second_run if e.status == 200 and kind(e) == "article"}
    not_articles = {url for (url,) in _rows(db, "SELECT url FROM fetches WHERE crawl_id = ? AND kind != 'article'",
                                            [runs[0][1]])}
    assert full - {new_url, edited_url} <= not_articles
    listing = {(e.host, e.path) for e in first_run if e.status == 200 and kind(e) in ("list", "tag", "home")}
    assert listing <= {(e.host, e.path) for e in second_run if e.status == 200}

    assert _rows(db, "SELECT version FROM article_versions WHERE url = ?", [edited_url]) == [(1,)]
    old_body = _rows(db, "SELECT body FROM article_versions WHERE url = ?", [edited_url])[0][0]
    current = _rows(db, "SELECT a.body FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?",
                    [edited_url])[0][0]
    assert old_paragraph[:20] in old_body and old_paragraph[:20] not in current
    assert "被网站编辑改写过" in current
    assert _rows(db, "SELECT count(*) FROM article_urls WHERE url = ?", [new_url]) == [(1,)]
    # The revisit interval adapts: doubled for the unchanged pages, shortened for the edited one.
    intervals = dict(_rows(db, "SELECT url, interval FROM url_state"))
    assert intervals[edited_url] == 1
    assert set(intervals.values()) == {1.0, 2.0}


def test_sigterm_stops_the_running_crawl_cleanly_and_the_same_crawl_resumes_later(tmp_path):
    bundle = build_sites(seed=7, articles_per_site=30)
    db = tmp_path / "archive.db"
    resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
    with serve(bundle) as server:
        added = run_fanwen("schedule", "add", "hourly", *server.start_urls, "--db", str(db), "--every", "1h",
                           *resolve, *LOCAL)
        assert added.returncode == 0, added.stderr
        due = _rows(db, "SELECT next_run FROM schedules")
        proc = subprocess.Popen([*FANWEN, "scheduler", "--db", str(db), "--poll", "0.2"], cwd=ROOT,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert proc.poll() is None
                try:
                    if _rows(db, "SELECT count(*) FROM fetches")[0][0] >= 40:
                        break
                except sqlite3.OperationalError:
                    pass
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err[-3000:]
        assert "scheduler stopped after 1 runs" in out

        (status, crawl_id, finished), = _rows(db, "SELECT exit_status, crawl_id, finished_at FROM schedule_runs")
        assert status == 1 and finished is not None  # the crawl stopped early, and says so
        assert _rows(db, "SELECT finish_reason FROM crawls") == [("shutdown",)]
        assert _rows(db, "SELECT count(*) FROM frontier WHERE state = 'pending'")[0][0] > 0
        assert _rows(db, "SELECT next_run FROM schedules") == due  # still due: the next start resumes it

        again = run_fanwen("crawl", *server.start_urls, "--db", str(db), *resolve, *LOCAL, "--json")
        assert again.returncode == 0, again.stderr[-3000:]
        assert "resuming crawl" in again.stderr
        assert json.loads(again.stdout)["crawl_id"] == crawl_id
        reachable = [t for t in bundle.truth if t.reachable]
        assert _rows(db, "SELECT count(*) FROM articles") == [(len(reachable),)]
        assert _rows(db, "SELECT count(*), finish_reason FROM crawls") == [(1, "finished")]


def test_missed_runs_are_caught_up_once_then_the_next_slot_is_in_the_future():
    from datetime import datetime, timedelta, timezone

    from fanwen.archive.schedules import Schedule
    from crawler.recurring import next_run, parse_every, stamp

    now = datetime(2026, 11, 29, 9, 30, 10, tzinfo=timezone.utc)
    missed = Schedule("six-hourly", ["http://x.test/"], every=parse_every("6h"),
                      next_run=stamp(now - timedelta(hours=20)))  # three slots missed while nothing ran
    assert next_run(missed, now) == datetime(2026, 11, 29, 13, 30, 10, tzinfo=timezone.utc)
    nightly = Schedule("nightly", ["http://x.test/"], cron="0 3 * * *", next_run=stamp(now - timedelta(days=3)))
    assert next_run(nightly, now) == datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    assert [parse_every(t) for t in ("30s", "15m", "6h", "1d")] == [30, 900, 21600, 86400]


def test_recrawl_with_listings_new_stops_unproductive_lists_and_still_finds_the_new_article(tmp_path):
    """FANWEN_REVISIT_LISTINGS=new: list shapes whose pages link only to archived articles stop after the
    trap window, yet an article published since the last crawl (on the first list pages) is archived."""
    from tests.conftest import fanwen_crawl

    bundle = build_sites(seed=13, articles_per_site=30)
    site = bundle.sites[0]
    new = _single_page_originals(site)[0]
    db = tmp_path / "archive.db"
    with serve(bundle) as server:
        server.app.revisions.withhold(site, new)
        first = fanwen_crawl(server, bundle, db)
        assert first.returncode == 0, first.stderr[-2000:]
        articles = _rows(db, "SELECT count(*) FROM articles")[0][0]
        listing_first = _rows(db, "SELECT count(*) FROM fetches WHERE crawl_id = 1 AND kind IN ('list', 'tag', 'home')")[0][0]
        server.app.revisions.publish(site, new)
        second = fanwen_crawl(server, bundle, db, "-s", "FANWEN_REVISIT_LISTINGS=new", "-s", "FANWEN_TRAP_WINDOW=3")
        assert second.returncode == 0, second.stderr[-2000:]
    listing_second = _rows(db, "SELECT count(*) FROM fetches WHERE crawl_id = 2 AND kind IN ('list', 'tag', 'home')")[0][0]
    stats = json.loads(_rows(db, "SELECT stats FROM crawls WHERE id = 2")[0][0])
    assert stats.get("fanwen/skipped/trap", 0) > 0
    assert 0 < listing_second < listing_first
    assert _rows(db, "SELECT count(*) FROM articles")[0][0] == articles + 1
    assert _rows(db, "SELECT count(*) FROM article_urls WHERE url = ?", [server.url(site.host, new.path)]) == [(1,)]


def test_a_recrawl_requests_nothing_the_first_crawl_left_alone(tmp_path):
    """Trap shapes found by the first crawl stay exhausted: the recrawl fetches the first crawl's list,
    tag and home pages again and explores no further window of any trap."""
    from tests.conftest import fanwen_crawl

    bundle = build_sites(seed=17, articles_per_site=40)
    db = tmp_path / "archive.db"
    with serve(bundle) as server:
        for _ in range(2):
            crawl = fanwen_crawl(server, bundle, db)
            assert crawl.returncode == 0, crawl.stderr[-2000:]
    first = {url for (url,) in _rows(db, "SELECT url FROM fetches WHERE crawl_id = 1")}
    second = {url for (url,) in _rows(db, "SELECT url FROM fetches WHERE crawl_id = 2 AND status IS NOT NULL")}
    listings = {url for (url,) in _rows(db, "SELECT url FROM fetches WHERE crawl_id = 1 AND kind IN ('list', 'tag', 'home')")}
    assert _rows(db, "SELECT count(*) FROM trap_shapes")[0][0] > 0
    assert listings <= second
    assert second <= first




def test_every_due_article_is_revisited_even_one_no_fetched_page_links_to(site, bundle, tmp_path):
    """Revisits follow the schedule, not discovery: after a recrawl that fetched few list pages
    (FANWEN_REVISIT_LISTINGS=new with a window of 1), the next crawl starts from those few, yet every
    archived article that is due is asked for, conditionally."""
    from tests.conftest import fanwen_crawl

    db = tmp_path / "archive.db"
    for extra in ([], ["-s", "FANWEN_REVISIT_LISTINGS=new", "-s", "FANWEN_TRAP_WINDOW=1"]):
        crawl = fanwen_crawl(site, bundle, db, *extra)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    conn = sqlite3.connect(db)
    conn.execute("UPDATE url_state SET next_visit = '2000-01-01T00:00:00Z'")
    conn.commit()
    conn.close()
    # (url_state also holds links that redirected to an article: their revisit is logged at the target)
    due = {url for (url,) in _rows(db, "SELECT url FROM url_state WHERE url IN (SELECT url FROM article_urls)")}
    third = fanwen_crawl(site, bundle, db)
    assert third.returncode == 0, third.stderr[-2000:]
    unchanged = {url for (url,) in _rows(db, "SELECT url FROM fetches WHERE crawl_id = 3 AND error LIKE 'unchanged%'")}
    assert len(due) >= 480 and unchanged == due
