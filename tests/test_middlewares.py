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
