"""The project deploys to a real scrapyd with scrapyd-deploy, and a job scheduled through its HTTP API
writes into the archive named in its settings."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fanwen.archive.lock import ArchiveLock
from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, endpoint: str, data: dict | list | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A real scrapyd on a free port, with its eggs, logs and queues in a temporary folder."""
    port = _free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\nmax_proc = 1\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
    )
    output = (home / "scrapyd.out").open("w")  # its own log: how each job's process ended
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=output, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _api(base, "daemonstatus.json")
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, (home / "scrapyd.out").read_text()[-2000:]
            time.sleep(0.2)
    try:
        yield base, home
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        output.close()


def _run_job(base: str, home: Path, start: list[str], settings: dict[str, str]) -> tuple[str, str]:
    """Schedule a crawl, wait for it to finish; returns its job id and log."""
    job = _api(base, "schedule.json", [("project", "fanwen"), ("spider", "fanwen"), ("start_urls", ",".join(start))]
               + [("setting", f"{name}={value}") for name, value in settings.items()])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 120
    while not any(j["id"] == job["jobid"] for j in _api(base, "listjobs.json?project=fanwen")["finished"]):
        assert time.monotonic() < deadline, "the scrapyd job did not finish"
        time.sleep(0.3)
    return job["jobid"], next((home / "logs" / "fanwen" / "fanwen").glob(f"{job['jobid']}.log")).read_text()


def test_scrapyd_deploy_and_a_scheduled_job_writes_the_archive_of_its_settings(scrapyd, site, bundle, tmp_path):
    base, home = scrapyd
    config = tmp_path / "config"
    config.mkdir()
    # A deploy target of this machine's own, as a user keeps in ~/.config/scrapy.cfg.
    (config / "scrapy.cfg").write_text(f"[deploy:local]\nurl = {base}/\nproject = fanwen\n")
    deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "local", "-v", "r1"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, env=dict(os.environ, XDG_CONFIG_HOME=str(config)))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert _api(base, "listspiders.json?project=fanwen")["spiders"] == ["fanwen"]

    db = tmp_path / "archive.db"
    start = [site.url(site.bundle.sites[0].host, "/")]
    settings = {
        "ARCHIVE_DB": str(db),
        "FANWEN_RESOLVE": json.dumps({host: "127.0.0.1" for host in bundle.hosts}),
        "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "FANWEN_RETRY_BACKOFF_BASE": "0.1",
    }

    # While another crawl holds the archive, the job stops before writing anything and its process fails.
    with ArchiveLock(db):
        busy_job, busy = _run_job(base, home, start, settings)
    assert "in use by another crawl" in busy, busy[-3000:]
    assert not db.exists()
    assert re.search(rf"Process died: exitstatus=75 .*job='{busy_job}'", (home / "scrapyd.out").read_text())

    _, log = _run_job(base, home, start, settings)
    # The egg is a zip: code that reads its package data by file path fails on every page it needs it.
    assert "Error processing" not in log, log[log.find("Error processing"):][:3000]
    conn = sqlite3.connect(db)
    try:
        (finish_reason, start_urls, recorded), = conn.execute("SELECT finish_reason, start_urls, settings FROM crawls")
        assert finish_reason == "finished", log[-3000:]
        assert json.loads(start_urls) == start
        assert json.loads(recorded)["ARCHIVE_DB"] == str(db)
        site_name = bundle.sites[0].host.removeprefix("www.")
        reachable = [t for t in bundle.truth if t.reachable and t.site == site_name]
        archived = conn.execute("SELECT count(*) FROM articles WHERE site = ?", [site_name]).fetchone()[0]
        assert archived == len(reachable), log[-3000:]
        assert conn.execute("SELECT count(*) FROM articles WHERE site != ?", [site_name]).fetchone()[0] == 0
    finally:
        conn.close()
