"""Small pure parts of the middlewares."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from crawler.middlewares.retry import retry_after_seconds


def test_retry_after_in_seconds_and_as_http_date():
    assert retry_after_seconds(b"3") == 3.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True).encode()
    assert 55 <= retry_after_seconds(later) <= 61
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_every_request_waiting_for_robots_txt_gets_its_rules():
    """Scrapy 2.19's middleware gives the rules to the first waiting request and None (allow all) to
    the others; this runs in a child process because it needs the asyncio reactor."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run([sys.executable, "tests/robots_waiters.py"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["crawler.middlewares.robots"] == ["parser", "parser", "parser"]
