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


def test_the_meta_refresh_middleware_answers_as_scrapys_and_skips_pages_without_refresh():
    """The byte check in front of Scrapy's MetaRefreshMiddleware changes no answer: each page is
    redirected (or not) exactly as Scrapy's own middleware does it, whatever its encoding."""
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.response import _metaref_cache
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.redirects import ChainMetaRefreshMiddleware

    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    ours, scrapys = ChainMetaRefreshMiddleware.from_crawler(crawler), MetaRefreshMiddleware.from_crawler(crawler)
    crawler.spider = None  # admit_redirect is a spider's: none here
    refresh = '<html><head><meta http-equiv="{}" content="0;url=/b.html"><title>跳转</title></head><body>稍候</body></html>'
    plain = "<html><head><title>百花范文网</title></head><body><p>工作总结，全文。</p></body></html>"
    pages = [(refresh.format(spelling), encoding) for spelling in ("refresh", "REFRESH", "Refresh")
             for encoding in ("utf-8", "gbk", "utf-16")]
    pages += [(plain, encoding) for encoding in ("utf-8", "gbk", "utf-16")]
    redirected = 0
    for html, encoding in pages:
        response = HtmlResponse("http://www.a.test/a.html", body=html.encode(encoding),
                                headers={"Content-Type": f"text/html; charset={encoding}"})
        mine = ours.process_response(Request("http://www.a.test/a.html"), response)
        # A page whose bytes spell no "refresh" is not decoded and scanned (Scrapy caches each scan).
        scanned = "REFRESH" in html.upper() or encoding == "utf-16"
        assert (response in _metaref_cache) == scanned, (html, encoding)
        theirs = scrapys.process_response(Request("http://www.a.test/a.html"), response)
        assert type(mine) is type(theirs), (html, encoding)
        if isinstance(theirs, Request):
            assert mine.url == theirs.url == "http://www.a.test/b.html"
            redirected += 1
        else:
            assert mine is response
    assert redirected == 9
