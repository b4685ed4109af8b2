"""A crawl killed with SIGKILL leaves a sound archive, and running it again completes it."""

from __future__ import annotations

import signal
import sqlite3
import time

from tests.conftest import count_rows, fanwen_crawl




def test_kill_9_mid_crawl_then_rerun_completes_the_archive(site, bundle, tmp_path):
    db = tmp_path / "archive.db"
    proc = fanwen_crawl(site, bundle, db, "-s", "FANWEN_BATCH_SIZE=20", popen=True)
    deadline = time.monotonic() + 120
    while count_rows(db, "SELECT count(*) FROM articles") < 60 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    killed_with = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < killed_with < len([t for t in bundle.truth if t.reachable])
    assert conn.execute("SELECT finished_at FROM crawls").fetchone()[0] is None  # the log shows it never finished
    orphans = conn.execute("SELECT count(*) FROM article_urls WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
    assert orphans == 0
    conn.close()

    again = fanwen_crawl(site, bundle, db)
    assert again.returncode == 0, again.stderr[-2000:]
    conn = sqlite3.connect(db)
    reachable = [t for t in bundle.truth if t.reachable]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(reachable)
    urls = {site.url(t.host, p) for t in reachable for p in t.all_paths}
    archived = {row[0] for row in conn.execute("SELECT url FROM article_urls")}
    assert urls <= archived
    assert conn.execute("SELECT count(DISTINCT content_hash) = count(*) FROM articles").fetchone()[0] == 1
