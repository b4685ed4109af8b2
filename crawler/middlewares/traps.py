"""Drop queued requests whose URL shape the spider's TrapGuard has found to be a trap."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request


class TrapGuardMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls()
        middleware.crawler = crawler
        return middleware

    def process_request(self, request: Request) -> None:
        if request.meta.get("fanwen_refetch"):  # a list page of the previous crawl (FANWEN_REVISIT_LISTINGS=all)
            return None
        shape = request.meta.get("fanwen_shape")
        guard = getattr(self.crawler.spider, "guard", None)
        if shape and guard is not None and guard.exhausted(shape):
            raise IgnoreRequest(f"trap: {shape} keeps yielding nothing new")
        return None
