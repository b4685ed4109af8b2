"""The spider's second discovery source beside links: robots.txt `Sitemap:` lines and /sitemap.xml.

A mixin of FanwenSpider (it uses the spider's scope, seen set, resolver, trap guard and callbacks);
reading a sitemap's bytes is crawler.sitemaps' job.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator
from urllib.parse import urljoin

from scrapy.http import Request, Response
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.discover import Link
from crawler.items import PageRecord
from crawler.sitemaps import SitemapError, SitemapLimits, read_sitemap
from crawler.urls import url_shape

logger = logging.getLogger(__name__)

SITEMAP_PRIORITY = 5  # a sitemap names many pages at once: read it before more lists


class SitemapDiscovery:
    """Sitemap requests and their callback; `sitemap_limits` None switches sitemaps off."""

    sitemap_limits: SitemapLimits | None = None
    _sitemap_files = 0
    article_priority = 0  # the spider's priority for article-like URLs

    def robots_txt_fetched(self, response: Response) -> None:
        """Told by crawler.middlewares.robots of every robots.txt it fetched: the fetch is logged, and
        its `Sitemap:` lines and the site's /sitemap.xml are queued (handed out by the next callback)."""
        self.crawler.stats.inc_value("fanwen/pages/robots")
        self._pending.append(PageRecord(response.url, "robots", response.status, None, len(response.body)))
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        for url in [*urls, urljoin(response.url, "/sitemap.xml")]:
            request = self._sitemap_request(url, 0, listed_by=response.url)
            if request is not None:
                self._pending.append(request)

    def _sitemap_request(self, url: str, depth: int, listed_by: str = "") -> Request | None:
        """A request for a sitemap, or None when sitemaps are off, it is out of scope, known, too deep or one too many."""
        limits = self.sitemap_limits
        if limits is None:
            return None
        stats = self.crawler.stats
        refusal = self.scope.refusal(url)
        if refusal is not None:
            stats.inc_value("fanwen/sitemap/offsite")
            logger.warning("sitemap %s (listed by %s) not read: %s", url, listed_by or "robots.txt", refusal)
            return None
        try:
            url = self.scope.canonical(url)
        except ValueError:
            return None
        if url in self.seen:
            stats.inc_value("fanwen/sitemap/repeated")
            return None
        if depth > limits.max_depth or self._sitemap_files >= limits.max_files:
            stats.inc_value("fanwen/sitemap/over_limit")
            logger.warning("sitemap %s (listed by %s) not read: over FANWEN_SITEMAP_MAX_%s", url, listed_by,
                           "DEPTH" if depth > limits.max_depth else "FILES")
            return None
        self.seen.add(url)
        self._sitemap_files += 1
        meta = {"fanwen_sitemap": True, "fanwen_sitemap_depth": depth, "handle_httpstatus_list": [404, 410],
                "download_maxsize": limits.max_bytes, "fanwen_max_bytes": limits.max_bytes}
        return Request(url, callback=self.parse_sitemap, errback=self.on_error, priority=SITEMAP_PRIORITY, meta=meta)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap: its pages (in scope, new, not traps) are requested, newest `lastmod` first."""
        yield from self._drain()
        yield from self.hop_records(response.request) if response.request is not None else ()
        yield from self._guarded(response, self._read_sitemap(response))

    def _read_sitemap(self, response: Response) -> Iterator[Any]:
        stats, limits = self.crawler.stats, self.sitemap_limits or SitemapLimits()
        size = len(response.body)
        if response.status in (404, 410):
            stats.inc_value("fanwen/skipped/no_sitemap")
            yield PageRecord(response.url, "skipped", response.status, f"no_sitemap: HTTP {response.status}", size)
            return
        try:
            read = read_sitemap(response.body, limits.max_bytes, limits.max_urls)
        except SitemapError as exc:
            stats.inc_value(f"fanwen/errors/{str(exc).split(':')[0]}")
            logger.warning("sitemap %s: %s", response.url, exc)
            yield PageRecord(response.url, "error", response.status, str(exc), size)
            return
        stats.inc_value("fanwen/pages/sitemap")
        depth = response.meta.get("fanwen_sitemap_depth", 0)
        offsite = new = 0
        # Newest first: what changed last is what a recrawl most likely misses.
        for loc, lastmod in sorted(read.entries, key=lambda entry: entry[1] or "", reverse=True):
            if read.kind == "index":
                if self.scope.refusal(loc) is not None:
                    offsite += 1
                    continue
                request = self._sitemap_request(loc, depth + 1, listed_by=response.url)
            else:
                request = self._sitemap_page(response.url, loc, lastmod)
                if request is None and not self.scope.contains(loc):
                    offsite += 1
            if request is not None:
                new += 1
                yield request
        stats.inc_value("fanwen/sitemap/urls", len(read.entries))
        stats.inc_value("fanwen/sitemap/offsite", offsite)
        problems = []
        if read.truncated:
            stats.inc_value("fanwen/sitemap/truncated")
            problems.append(f"sitemap_truncated: only the first {limits.max_urls} entries read (FANWEN_SITEMAP_MAX_URLS)")
        if read.problems:
            stats.inc_value("fanwen/sitemap/invalid_entries", read.problems)
            problems.append(f"sitemap_invalid: {read.problems} malformed parts skipped, {len(read.entries)} entries read")
        logger.info("sitemap %s: %d entries (%s), %d new requests, %d out of scope%s", response.url, len(read.entries),
                    read.kind, new, offsite, "; " + "; ".join(problems) if problems else "")
        yield PageRecord(response.url, "sitemap", response.status, "; ".join(problems) or None, size)

    def _sitemap_page(self, sitemap_url: str, loc: str, lastmod: str | None) -> Request | None:
        """A request for a page a sitemap lists, with its `lastmod` for the revisit middleware."""
        _, url = self.resolver.resolve(sitemap_url, loc, "utf-8")
        if url is None or not self._new_links([Link(url, "")]):
            return None
        self.seen.add(url)
        shape = url_shape(url)
        if self.guard.exhausted(shape):
            self.crawler.stats.inc_value("fanwen/skipped/trap")
            return None
        profile = self.profile_for(url)
        priority = self.article_priority if self.guard.is_article_like(url, profile) else 0
        request = self._request(url, self.parse, priority, fanwen_lastmod=lastmod)
        self.crawler.stats.inc_value("fanwen/sitemap/requests")
        return request
