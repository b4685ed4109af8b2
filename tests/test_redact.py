"""A Redis password given in --redis never reaches the screen, an error, a log line or the archive."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import time

import pytest
import redis

from tests.conftest import run_fanwen

SECRET = "s3cret-Pa55"


@pytest.fixture(scope="module")
def locked_redis(tmp_path_factory):
    """A real redis-server that wants a password."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--requirepass", SECRET,
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, password=SECRET)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_the_password_is_masked_in_output_errors_and_logs(locked_redis, tmp_path):
    url = f"redis://:{SECRET}@127.0.0.1:{locked_redis}/0"
    seeded = run_fanwen("crawl", "http://127.0.0.1:9/", "--redis", url)
    assert seeded.returncode == 0, seeded.stderr
    assert f"seeded redis://:***@127.0.0.1:{locked_redis}/0" in seeded.stdout

    wrong = run_fanwen("crawl", "http://127.0.0.1:9/", "--redis", f"redis://:{SECRET}x@127.0.0.1:{locked_redis}/0")
    refused = run_fanwen("worker", "--redis", f"redis://:{SECRET}@127.0.0.1:1/0")
    assert wrong.returncode == refused.returncode == 1
    assert "redis://:***@" in wrong.stderr and "redis://:***@" in refused.stderr

    db = tmp_path / "archive.db"
    worker = run_fanwen("worker", "--redis", url, "--no-warc", "-v", "-s", "FANWEN_WORKER_IDLE=1", "-s", "RETRY_TIMES=0", timeout=120)
    archiver = run_fanwen("archiver", "--redis", url, "--db", str(db), "-v", "-s", "FANWEN_WORKER_IDLE=1", timeout=120)
    for result in (seeded, wrong, refused, worker, archiver):
        assert SECRET not in result.stdout + result.stderr
    if db.exists():
        dump = "\n".join(sqlite3.connect(db).iterdump())
        assert SECRET not in dump


def test_log_records_are_masked_whichever_handler_shows_them(capsys):
    import logging

    from crawler import console

    console.configure(console.DEFAULT)
    logging.getLogger("scrapy.crawler").warning("Overridden settings: %s", {"REDIS_URL": f"redis://user:{SECRET}@h:6379/0"})
    err = capsys.readouterr().err
    assert "redis://user:***@h:6379/0" in err and SECRET not in err
    assert console.redact("https://h:8080/a@b and http://u:p@h/") == "https://h:8080/a@b and http://u:***@h/"
    console.configure(console.VERBOSE)  # takes fanwen's console handler off again for the other tests
