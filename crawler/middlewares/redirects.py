"""Redirects and meta refreshes that stop at the first repeat and never fetch a page twice.

Scrapy's RedirectMiddleware and MetaRefreshMiddleware, with one `_redirect` shared by both:
- a target already in the chain is a loop: the request fails with `redirect_loop: a -> b -> a`;
- a target the crawl requested before is not fetched again (Scrapy's dupefilter would drop it
  without a trace): the hop is recorded as `redirect` with its target;
- otherwise the target is claimed by the spider and passes the dupefilter, so every hop of the chain
  reaches a callback or errback, which records one `fetches` row per hop (FanwenSpider.hop_records).
Out-of-scope targets are refused by crawler.middlewares.scope when the new request is processed.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.urls import canonicalize


def hop_label(reason: Any) -> str:
    """`HTTP 302` for a status, `meta refresh` otherwise (the reasons Scrapy keeps in `redirect_reasons`)."""
    return f"HTTP {reason}" if isinstance(reason, int) else str(reason)


def _canonical(url: str) -> str:
    try:
        return canonicalize(url)
    except ValueError:
        return url


class _ChainMixin:
    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        target = _canonical(redirected.url)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        status = reason if isinstance(reason, int) else None
        if status is not None:
            request.meta["fanwen_status"] = status
        if target in {_canonical(u) for u in chain}:
            raise IgnoreRequest(f"redirect_loop: {' -> '.join([*chain, redirected.url])}")
        redirected = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        redirected.meta.pop("fanwen_status", None)  # the status of this hop, not of the next
        spider = self.crawler.spider  # type: ignore[attr-defined]
        admit = getattr(spider, "admit_redirect", None)
        if admit is not None and not request.dont_filter and not admit(redirected):
            raise IgnoreRequest(f"redirect: {hop_label(reason)} -> {redirected.url} (requested already)")
        return redirected


class ChainRedirectMiddleware(_ChainMixin, RedirectMiddleware):
    """3xx with Location (replaces scrapy.downloadermiddlewares.redirect.RedirectMiddleware)."""


def _writes_ascii_as_ascii(encoding: str) -> bool:
    try:
        return "refresh".encode(encoding) == b"refresh"
    except (LookupError, UnicodeError):
        return False


class ChainMetaRefreshMiddleware(_ChainMixin, MetaRefreshMiddleware):
    """`<meta http-equiv="refresh">` (replaces scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware)."""

    def process_response(self, request: Request, response: Any) -> Any:
        """Scrapy's, after a check of the bytes: a page that spells no "refresh" in any case has no meta
        refresh (in an encoding that writes ASCII as ASCII). Scrapy's scan of the decoded head costs ~0.1
        ms a page, the check ~0.01 (`bytes.lower` and `in` run in C; a regex is slower than the scan)."""
        encoding = getattr(response, "encoding", None)
        if encoding and b"refresh" not in response.body.lower() and _writes_ascii_as_ascii(encoding):
            return response
        return super().process_response(request, response)
