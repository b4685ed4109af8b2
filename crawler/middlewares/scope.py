"""Refuse every request outside the crawl's scope, whoever made it (a link, a redirect, a refresh, a sitemap)."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request


class ScopeMiddleware:
    """The last word on where the crawler may connect: the spider's `scope` (crawler.urls.Scope).

    Runs first among the downloader middlewares, so an out-of-scope request (an off-site 302, a
    refresh to another port, a sitemap entry on another host) never reaches robots.txt, DNS or a
    socket; its errback records it in `fetches` as skipped with the reason.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None:
            return None
        refusal = scope.refusal(request.url)
        if refusal is not None:
            self.crawler.stats.inc_value("fanwen/offsite")
            raise IgnoreRequest(f"offsite: {request.url[:300]}: {refusal}")
        return None
