"""The one spider: walks navigation, lists, tags and recommendations; archives article pages."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from typing import Any, AsyncIterator, Callable, Iterator

import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.discover import (Link, LinkResolver, TrapGuard, continuation_pages, kind_by_url, may_open_multipage_article,
                              page_kind, page_links)
from crawler.errors import describe_failure
from crawler.middlewares.redirects import hop_label
from crawler.extract import ArticleFields, Page, extract_article
from crawler.items import ArticleItem, PageRecord
from crawler.profiles import DEFAULT_PROFILE_DIR, ProfileRegistry, SiteProfile
from crawler.seen import UrlSet
from crawler.sitemaps import SitemapLimits
from crawler.spiders.sitemap_discovery import SitemapDiscovery
from crawler.templates import TemplateBook
from crawler.urls import Scope, site_of, url_shape

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 10  # articles before more lists keeps the frontier small
PART_PRIORITY = 20  # finish a started multi-page article first
# Not requested on purpose (robots.txt, a trap, out of scope), or 304 on a revisit: not errors.
SKIP_REASONS = {"robots", "trap", "unchanged", "offsite"}


class FanwenSpider(SitemapDiscovery, scrapy.Spider):
    name = "fanwen"
    article_priority = ARTICLE_PRIORITY

    def __init__(self, start_urls: str | list[str] = "", **kwargs: Any):
        super().__init__(**kwargs)
        urls = start_urls.split(",") if isinstance(start_urls, str) else list(start_urls)
        self.start_urls = [u.strip() for u in urls if u.strip()]
        if not self.start_urls:
            raise ValueError("give at least one start URL: -a start_urls=http://example.com/")
        self.scope = Scope(self.start_urls)
        self.seen = UrlSet()  # every URL met (requested, or refused as a trap): 8 bytes each
        # Set by crawler.middlewares.revisit: on a recrawl, a link that an earlier crawl requested does
        # not make a page productive, so shapes that reveal nothing new stop like traps.
        self.requested_before: Callable[[str], bool] | None = None
        # Records and requests that arrive outside a callback (robots.txt, fetched by its middleware):
        # handed out by the next callback.
        self._pending: list[Any] = []
        self.sitemap_limits: SitemapLimits | None = None
        self._sitemap_files = 0
        self.templates: TemplateBook | None = None  # the crawl's learned site templates (from_crawler)
        # Off in an offline re-extraction (crawler.capture.direct): every captured page is asked for anyway.
        self.follow_links = True

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> FanwenSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.scope = Scope(spider.start_urls, any_port=settings.getbool("FANWEN_SCOPE_ANY_PORT"))
        spider.guard = TrapGuard(settings.getint("FANWEN_TRAP_WINDOW"))
        folder = settings.get("FANWEN_PROFILES_DIR") or DEFAULT_PROFILE_DIR
        spider.profiles = ProfileRegistry.from_dir(Path(folder))
        spider.resolver = LinkResolver(spider.scope, spider.profile_for)
        if settings.getbool("FANWEN_SITEMAPS_ENABLED"):
            spider.sitemap_limits = SitemapLimits.from_settings(settings)
        spider.sitemaps_from_robots = settings.getbool("ROBOTSTXT_OBEY")
        try:
            spider.templates = TemplateBook.from_crawler(crawler)
        except NotConfigured:
            spider.templates = None
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            canonical = self.scope.canonical(url)
            if canonical in self.seen:  # a resumed crawl: the frontier has it already
                continue
            self.seen.add(canonical)
            yield self._request(canonical, self.parse)
            if not getattr(self, "sitemaps_from_robots", True):  # no robots.txt is read: ask for /sitemap.xml
                request = self._sitemap_request(urljoin(canonical, "/sitemap.xml"), 0)
                if request is not None:
                    yield request

    def _request(self, url: str, callback, priority: int = 0, **meta: Any) -> Request:
        meta["fanwen_shape"] = url_shape(url)
        return Request(url, callback=callback, errback=self.on_error, priority=priority, meta=meta)

    def _new_links(self, links: list[Link]) -> list[Link]:
        """The links not seen before (a distributed crawl asks the shared frontier instead)."""
        return [link for link, unseen in zip(links, self.seen.unseen([link.url for link in links])) if unseen]

    def frontier_request(self, url: str, priority: int) -> Request:
        """A request restored from the durable frontier (crawler.scheduler) of an interrupted crawl."""
        return self._request(url, self.parse, priority)

    def profile_for(self, url: str) -> SiteProfile | None:
        return self.profiles.for_site(site_of(_host(url)))

    def admit_redirect(self, request: Request) -> bool:
        """Claim a redirect target; False when the crawl requested it before.

        A claimed target passes the dupefilter, which would otherwise drop it without a trace.
        """
        try:
            url = self.scope.canonical(request.url)
        except ValueError:
            return True  # refused by the scope middleware, with its reason
        if url in self.seen:
            return False
        self.seen.add(url)
        request.dont_filter = True
        return True

    @staticmethod
    def hop_records(request: Request) -> list[PageRecord]:
        """One `redirect` row per hop that led to `request` (3xx or meta refresh), naming its target."""
        urls = [*request.meta.get("redirect_urls", []), request.url]
        reasons = request.meta.get("redirect_reasons", [])
        return [
            PageRecord(url, "redirect", reason if isinstance(reason, int) else 200, f"redirect: {hop_label(reason)} -> {target}")
            for url, target, reason in zip(urls, urls[1:], reasons)
        ]

    # -- pages -----------------------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Any]:
        if response.meta.get("fanwen_sitemap"):  # a sitemap request restored from the durable frontier
            yield from self.parse_sitemap(response)
            return
        yield from self._drain()
        yield from self.hop_records(response.request) if response.request is not None else ()
        yield from self._guarded(response, self._parse_page(response))

    def _drain(self) -> Iterator[Any]:
        pending, self._pending = self._pending, []
        yield from pending

    def _guarded(self, response: Response, output: Iterator[Any]) -> Iterator[Any]:
        """A page whose parsing raises still leaves a `fetches` row with the reason (and the log a traceback)."""
        try:
            yield from output
        except Exception as exc:  # noqa: BLE001 - any bug or hostile page must not lose the URL
            logger.exception("parsing %s failed", response.url)
            self.crawler.stats.inc_value("fanwen/errors/parse_error")
            yield PageRecord(response.url, "error", response.status, f"parse_error: {type(exc).__name__}: {exc}"[:500],
                             len(response.body))

    def _parse_page(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            reason = response.meta.get("fanwen_not_html") or "not_html: not an HTML page"
            self.crawler.stats.inc_value("fanwen/errors/not_html")
            yield PageRecord(response.url, "error", response.status, reason, len(response.body))
            return
        for url in response.meta.get("redirect_urls", []):
            self.seen.add(self.scope.canonical(url))
        encoding = response.encoding
        url = self.scope.canonical(response.url, encoding)
        profile = self.profile_for(url)
        page = Page.from_html(response.text, response.url)
        kind = kind_by_url(url, profile)  # tag, list and home pages need no article extraction
        site, fetched, template = site_of(_host(url)), datetime.now(), None
        parts: list[str] | None = None  # continuation pages, once looked for
        if kind is None:
            template = self.templates.template_for(site, page) if self.templates else None
            fields = extract_article(page, profile, fetched=fetched, template=template)
            kind = page_kind(url, fields, profile)
            if kind == "list" and may_open_multipage_article(url, fields, profile):
                parts = continuation_pages(page, url, self.resolver, encoding)
                if parts:
                    kind = "article"

        links = page_links(page, self.resolver, encoding) if self.follow_links else []
        new = self._new_links(links)
        if kind == "article":
            self.guard.learn_article(url)
        else:
            productive = any(self.guard.is_article_like(link.url, profile) and not (self.requested_before and self.requested_before(link.url))
                             for link in new)
            self.guard.record(response.meta.get("fanwen_shape") or url_shape(url), productive)
        self.crawler.stats.inc_value(f"fanwen/pages/{kind}")

        for link in new:
            self.seen.add(link.url)
            shape = url_shape(link.url)
            if self.guard.exhausted(shape):
                self.crawler.stats.inc_value("fanwen/skipped/trap")
                continue
            article_like = self.guard.is_article_like(link.url, profile)
            yield self._request(link.url, self.parse, ARTICLE_PRIORITY if article_like else 0)

        if kind != "article":
            yield PageRecord(response.url, kind, response.status, None, len(response.body))
            return
        item = self._article_item(response, url, fields, profile)
        if self.templates:  # before observing: the page that completes the site's learning is held too
            item.template_hold = self.templates.hold(site, response.text, response.url, profile, fetched) if template is None else None
            self.templates.observe(site, page)
        if parts is None:
            parts = continuation_pages(page, url, self.resolver, encoding)
        if parts:
            yield self._request(parts[0], self.parse_part, PART_PRIORITY, article=item, parts=parts[1:])
        else:
            yield item

    def parse_part(self, response: Response) -> Iterator[Any]:
        """A continuation page (`123_2.html`): its text is appended to the article of page 1."""
        yield from self._drain()
        yield from self.hop_records(response.request) if response.request is not None else ()
        yield from self._guarded(response, self._parse_part(response))

    def _parse_part(self, response: Response) -> Iterator[Any]:
        item: ArticleItem = response.meta["article"]
        item.fetched_urls.append(response.url)
        if isinstance(response, TextResponse):
            page = Page.from_html(response.text, response.url)
            template = self.templates.template_for(item.site, page) if self.templates else None
            item.page_lines.append(extract_article(page, self.profile_for(item.url), template=template).lines)
            if item.template_hold is not None:
                item.template_hold.pages.append((response.text, response.url))
            item.size += len(response.body)
        else:
            item.partial = True
        self.crawler.stats.inc_value("fanwen/pages/article_part")
        yield PageRecord(response.url, "article_part", response.status, None, len(response.body))
        parts = response.meta["parts"]
        if parts:
            yield self._request(parts[0], self.parse_part, PART_PRIORITY, article=item, parts=parts[1:])
        else:
            yield item

    def _article_item(self, response: Response, url: str, fields: ArticleFields, profile: SiteProfile | None) -> ArticleItem:
        if fields.canonical:
            try:
                canonical = self.scope.canonical(response.urljoin(fields.canonical), response.encoding)
            except ValueError:  # `http://[::1`: a broken canonical link is ignored, the page is kept
                canonical = ""
            if canonical and self.scope.contains(canonical):
                url = canonical
        return ArticleItem(
            url=url,
            site=site_of(_host(url)),
            display_title=fields.title,
            page_lines=[list(fields.lines)],
            fetched_urls=[response.url],
            categories=fields.categories,
            terms=fields.terms,
            published_at=fields.published_at,
            source=fields.source,
            status=response.status,
            size=len(response.body),
            boilerplate=profile.boilerplate if profile else (),
        )

    # -- failures --------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Every failed or skipped request leaves a reason in the stats and the crawl log."""
        request = failure.request
        yield from self._drain()
        yield from self.hop_records(request)
        reason, status = describe_failure(failure)
        status = status or request.meta.get("fanwen_status")
        key = reason.split(":")[0]
        if key == "redirect":  # a redirect to a page requested before: a hop, not a failure
            self.crawler.stats.inc_value("fanwen/redirects/known_target")
            yield PageRecord(request.url, "redirect", status, reason)
            return
        skipped = key in SKIP_REASONS
        self.crawler.stats.inc_value(f"fanwen/{'skipped' if skipped else 'errors'}/{key}")
        logger.log(logging.DEBUG if skipped else logging.WARNING, "%s: %s", request.url, reason)
        item: ArticleItem | None = request.meta.get("article")
        kind = "article_part" if item is not None else "skipped" if skipped else "error"
        yield PageRecord(request.url, kind, status, reason)
        if item is not None:
            # A continuation page failed: keep what was fetched, flagged as partial.
            item.partial = True
            yield item


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
