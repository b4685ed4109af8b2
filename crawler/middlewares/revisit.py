"""Incremental recrawls: archived article URLs are skipped until due, then revisited conditionally.

`RevisitSpiderMiddleware` drops links to archived article pages whose next visit is not due, adds
If-None-Match / If-Modified-Since to the due ones, remembers the validators of every article page
and records each archived visit in `url_state`. `NotModifiedMiddleware` turns a 304 into an
"unchanged" skip. List, tag and home pages have no `url_state` row, so they are always fetched.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from fanwen.archive.revisit import RevisitPolicy, UrlStates, listing_urls
from crawler.extensions.archive_session import ArchiveSession
from crawler.items import ArticleItem
from crawler.sitemaps import modified_since
from crawler.spiders.fanwen import ARTICLE_PRIORITY


def policy_from(settings) -> RevisitPolicy:
    return RevisitPolicy(
        settings.getfloat("FANWEN_REVISIT_INITIAL"),
        settings.getfloat("FANWEN_REVISIT_MIN"),
        settings.getfloat("FANWEN_REVISIT_MAX"),
    )


def _validators(response: Response) -> tuple[str | None, str | None]:
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    return (etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None)


def _ask_conditionally(request: Request, etag: str | None, last_modified: str | None) -> None:
    """A revisit: the site may answer 304 Not Modified."""
    if etag:
        request.headers["If-None-Match"] = etag
    if last_modified:
        request.headers["If-Modified-Since"] = last_modified
    request.meta["fanwen_revisit"] = True


def _session(crawler) -> ArchiveSession:
    """The crawl's archive session, for one of the revisit middlewares (both are off with FANWEN_REVISIT_ENABLED)."""
    if not crawler.settings.getbool("FANWEN_REVISIT_ENABLED"):
        raise NotConfigured("FANWEN_REVISIT_ENABLED is off")
    session = ArchiveSession.of(crawler)
    if session is None:
        raise NotConfigured("ARCHIVE_DB is not set")
    return session


class RevisitSpiderMiddleware:
    def __init__(self, session: ArchiveSession, states: UrlStates, stats, crawler=None):
        self.session = session
        self.states = states
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> RevisitSpiderMiddleware:
        session = _session(crawler)
        if crawler.settings.get("FANWEN_REVISIT_LISTINGS") not in ("all", "new"):
            raise ValueError("FANWEN_REVISIT_LISTINGS is all or new")
        middleware = cls(session, UrlStates(session.writer, policy_from(crawler.settings)), crawler.stats, crawler)
        crawler.signals.connect(middleware.item_scraped, signal=signals.item_scraped)
        return middleware

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """After the start URLs: the list, tag and home pages of the previous crawl (not on a resume)."""
        async for out in start:
            yield out
        spider = self.crawler.spider if self.crawler else None
        if spider is None or not self.session.is_open:
            return
        crawl_id = self.session.crawl_id
        # A link an earlier crawl requested (an archived article, a 404, a robots-disallowed page)
        # reveals nothing new: without this, search and calendar traps that link to such pages would
        # look productive on a recrawl and be explored further than the first crawl went.
        spider.requested_before = self.states.requested_before
        # Trap shapes are remembered across crawls (and a resume): each crawl would otherwise explore
        # another window of every trap, and the list pages refetched next time would grow with it.
        guard = getattr(spider, "guard", None)
        if guard is not None:
            guard.preload(self.states.trap_shapes())
            guard.on_exhausted = lambda shape: self.states.save_trap_shape(shape, crawl_id)
        if self.session.resumed:
            return
        refetch_all = self.crawler.settings.get("FANWEN_REVISIT_LISTINGS") == "all"
        seen = getattr(spider, "seen", set())
        urls = [u for u in listing_urls(self.states.writer.db, list(spider.start_urls), crawl_id) if u not in seen]
        self.stats.set_value("fanwen/revisit/listing_pages", len(urls))
        for url in urls:
            seen.add(url)
            request = spider.frontier_request(url, 0)
            if refetch_all:  # the previous crawl's list pages are fetched again even where their shape stops
                request.meta["fanwen_refetch"] = True
            yield request
        # Due articles are asked for by the schedule, not only when a fetched page links to them: an
        # article linked only from other articles' pages (which answer 304 and are not parsed) is due too.
        due = [row for row in self.states.due() if row[0] not in seen]
        for url, etag, last_modified in due:
            seen.add(url)
            request = spider.frontier_request(url, ARTICLE_PRIORITY)
            _ask_conditionally(request, etag, last_modified)
            self.stats.inc_value("fanwen/revisit/due")
            yield request

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for out in result:
            if self._keep(response, out):
                yield out

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in result:
            if self._keep(response, out):
                yield out

    def _keep(self, response: Response, out: Any) -> bool:
        if isinstance(out, ArticleItem):
            if out.fetched_urls and out.fetched_urls[0] == response.url:
                out.validators = _validators(response)
            return True
        if not isinstance(out, Request):
            return True
        item = out.meta.get("article")
        if item is not None:  # the first continuation page: page 1's validators go with the article
            if item.fetched_urls == [response.url]:
                item.validators = _validators(response)
            return True
        if not self.session.is_open:
            return True
        known = self.states.lookup(out.url)
        if known is None:
            return True
        if not known.due:
            if not modified_since(out.meta.get("fanwen_lastmod"), known.last_visit):
                self.stats.inc_value("fanwen/revisit/not_due")
                return False
            self.stats.inc_value("fanwen/revisit/sitemap_lastmod")  # the sitemap says it changed since

        _ask_conditionally(out, known.etag, known.last_modified)
        self.stats.inc_value("fanwen/revisit/due")
        return True

    def item_scraped(self, item: Any, response: Response | None = None, **kwargs: Any) -> None:
        if not isinstance(item, ArticleItem) or item.rejected or not item.fetched_urls or not self.session.is_open:
            return
        outcome = self.states.visited(item.fetched_urls[0], item.content_hash, *item.validators)
        self.stats.inc_value(f"fanwen/revisit/{outcome}")
        if response is not None and response.url == item.fetched_urls[0]:
            # A link that redirected here is known too: due or not with the page it leads to.
            for url in response.meta.get("redirect_urls", []):
                self.states.visited(url, item.content_hash, *item.validators)


class NotModifiedMiddleware:
    """A 304 answer to a revisit: nothing to archive; the page is logged as skipped (unchanged)."""

    def __init__(self, states: UrlStates, stats):
        self.states = states
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> NotModifiedMiddleware:
        return cls(UrlStates(_session(crawler).writer, policy_from(crawler.settings)), crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or not request.meta.get("fanwen_revisit"):
            return response
        self.states.not_modified(request.url)
        self.stats.inc_value("fanwen/revisit/not_modified")
        raise IgnoreRequest("unchanged: not modified since the last visit (HTTP 304)")
