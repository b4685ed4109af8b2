"""Shared fixtures: the generated site served over real HTTP, and a helper to run `fanwen crawl`."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from fanwen.testsite import build_sites, serve

ROOT = Path(__file__).resolve().parent.parent
FANWEN = [sys.executable, "-m", "crawler.cli"]
LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
         "-s", "FANWEN_RETRY_BACKOFF_BASE=0.1", "-s", "FANWEN_PROGRESS_INTERVAL=1"]


@pytest.fixture(scope="session")
def bundle():
    return build_sites(seed=7, articles_per_site=120)


@pytest.fixture(scope="module")
def site(bundle):
    with serve(bundle) as server:
        yield server


def foreign_database(path: Path) -> Path:
    """An SQLite file that some other program made: fanwen must refuse it and leave it alone."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things(x)")
    conn.commit()
    conn.close()
    return path


def run_fanwen(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a `fanwen` command as a user would, in a child process from the project root."""
    return subprocess.run([*FANWEN, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def fanwen_crawl(server, bundle, db: Path, *extra: str, start_urls: list[str] | None = None, timeout: float = 600,
                 popen: bool = False):
    """Run `fanwen crawl` as a user would, in a child process, against the served site."""
    resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
    cmd = [*FANWEN, "crawl", *(start_urls or server.start_urls), "--db", str(db), *resolve, *LOCAL, *extra]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if popen:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def count_rows(db: Path, sql: str) -> int:
    """One number from an archive opened read-only, as a reader beside a running crawl would (0 if not there yet)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


@contextmanager
def serving(db: Path, log_path: Path) -> Iterator[str]:
    """`fanwen serve` on a free port until the block ends; yields its base URL.

    Its output goes to a file: a pipe nobody reads fills up (Datasette prints a long traceback for each
    bad request when `rich` is installed) and the server then blocks on its next write."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with log_path.open("w+") as log:
        proc = subprocess.Popen([*FANWEN, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90  # a loaded machine takes 15 s just to import the CLI
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                    break
                except OSError:
                    assert proc.poll() is None, log.seek(0) or log.read()
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)
