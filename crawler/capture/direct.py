"""Offline re-extraction without Scrapy's engine: the crawl's own components, driven directly.

A re-extraction needs no scheduling, no concurrency limits, no link discovery: every captured page is
known up front. So the crawl's spider callbacks, downloader middlewares (decompression, encoding,
redirects) and item pipelines (templates, cleaning, dedupe, store, extractor version) are built as a
crawl builds them and called in a plain loop: a page is read from its WARC record, passed through the
downloader middlewares, parsed, and its items go through the pipelines as tasks (an item may wait for
its site's boilerplate or templates to be learned, as in a crawl). The durable frontier is kept as a
crawl keeps it, so a killed re-extraction resumes where it stopped. Same archive as the crawl path
(`crawler.capture.replay`, kept for `-s FANWEN_REPLAY_ENGINE=scrapy`), at about twice the speed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable

from scrapy import signals
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.items import ArticleItem, PageRecord

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 10
MAX_PENDING_ITEMS = 256  # items in the pipelines at once (most wait only for their site's learning)


class DirectReplay:
    """One re-extraction: the seeds (start URLs, then every captured HTML page) through the crawl's components."""

    def __init__(self, crawler: Any, seeds: list[str]):
        from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
        from scrapy.pipelines import ItemPipelineManager
        from scrapy.utils.misc import build_from_crawler

        from crawler.capture.replay import ReplayDownloadHandler
        from crawler.extensions.archive_session import ArchiveSession

        self.crawler = crawler
        self.spider = crawler.spider
        self.stats = crawler.stats
        self.seeds = seeds
        self.handler = ReplayDownloadHandler.from_crawler(crawler)
        self.downloader = build_from_crawler(DownloaderMiddlewareManager, crawler)
        self.pipelines = build_from_crawler(ItemPipelineManager, crawler)
        self.session = ArchiveSession.of(crawler)
        self.frontier: Any = None
        self._items: set[asyncio.Task[None]] = set()
        self.unwritable: BaseException | None = None  # a failed archive write stops the run
        self.stopping = False  # Ctrl-C or SIGTERM: stop after the current page, resumable

    async def run(self) -> None:
        """Open, replay every pending page, close with the crawl's finish reason."""
        reason = "finished"
        await self._open()
        try:
            for url in self._pending():
                if self.unwritable is not None or self.stopping:
                    break
                await self._visit(self.spider.frontier_request(url, 0))
                await asyncio.sleep(0)  # let waiting items go on
                while len(self._items) > MAX_PENDING_ITEMS:
                    await asyncio.wait(self._items, return_when=asyncio.FIRST_COMPLETED)
            while self._items:
                await asyncio.wait(self._items)
            if self.stopping:
                reason = "shutdown"  # the frontier is kept: the same command resumes
            elif self.unwritable is not None:
                reason = "archive_unwritable"
                logger.error("cannot write the archive (%s): the re-extraction stops; free space, then run it"
                             " again to resume", self.unwritable)
        except BaseException:
            reason = "shutdown"  # resumable, as a crawl stopped half-way
            raise
        finally:
            await self._close(reason)

    async def _open(self) -> None:
        # No engine_started/engine_stopped: their receivers (the redirect middlewares' referer lookup,
        # the write guard that stops the engine) need an engine; a failed write fails the run here instead.
        self.stats.open_spider()
        await self.crawler.signals.send_catch_log_async(signal=signals.spider_opened, spider=self.spider)
        await self.pipelines.open_spider_async()
        self.session.open()
        from fanwen.archive.frontier import Frontier

        self.frontier = Frontier(self.session.writer, self.session.crawl_id)

    def _pending(self) -> list[str]:
        """The pages not done yet: all seeds for a new re-extraction, the frontier's pending ones when resumed."""
        if self.session.resumed:
            self.spider.seen.update(self.frontier.urls())
            pending = [url for url, _, _ in self.frontier.pending()]
            self.stats.set_value("fanwen/frontier/restored", len(pending))
            logger.info("resuming re-extraction %s: %d pages to go", self.session.crawl_id, len(pending))
            return pending
        self.frontier.add_all(self.seeds, 0)
        self.session.writer.flush()
        self.spider.seen.update(self.seeds)
        return list(self.seeds)

    async def _close(self, reason: str) -> None:
        await self.pipelines.close_spider_async()
        if reason == "finished" and self.session.is_open:
            self.frontier.clear()
        await self.handler.close()
        await self.crawler.signals.send_catch_log_async(signal=signals.spider_closed, spider=self.spider, reason=reason)
        self.stats.close_spider(reason=reason)

    # -- pages ------------------------------------------------------------------------------

    async def _visit(self, request: Request) -> None:
        """Read, decode and parse one page (and, through its outputs, its continuation pages)."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                result = await self.downloader.download_async(self.handler.download_request, request)
            except Exception as exc:  # not captured, capture missing, refused by a middleware
                await self._outputs(self._errback(request, exc))
                return
            if isinstance(result, Request):  # a redirect the redirect middleware let through
                request = result
                continue
            await self._outputs(self._callback(request, result))
            return
        await self._outputs(self._errback(request, IgnoreRequest(f"redirect_loop: more than {MAX_REDIRECTS} hops")))

    def _callback(self, request: Request, response: Response) -> Iterable[Any]:
        from scrapy.spidermiddlewares.httperror import HttpError

        self.stats.inc_value("response_received_count")
        if not 200 <= response.status < 300:  # Scrapy's HttpErrorMiddleware: to the errback
            return self._errback(request, HttpError(response, "Ignoring non-200 response"))
        callback = request.callback or self.spider.parse
        return callback(response) or ()

    def _errback(self, request: Request, exc: BaseException) -> Iterable[Any]:
        failure = Failure(exc)
        failure.request = request  # type: ignore[attr-defined]
        return (request.errback or self.spider.on_error)(failure) or ()

    async def _outputs(self, outputs: Iterable[Any]) -> None:
        for out in outputs:
            if isinstance(out, Request):
                if "article" in out.meta:  # a continuation page: its article waits for it
                    await self._visit(out)
                # other links: every captured page is a seed already
            elif out is not None:
                task = asyncio.ensure_future(self._item(out))
                self._items.add(task)
                task.add_done_callback(self._items.discard)

    async def _item(self, item: Any) -> None:
        try:
            await self.pipelines.process_item_async(item)
        except DropItem as exc:
            self.stats.inc_value("item_dropped_count")
            logger.debug("dropped %s: %s", item, exc)
        except Exception as exc:
            from crawler.writeguard import is_unwritable

            if is_unwritable(exc):  # stop (resumable), as the write guard stops a crawl
                self.stats.set_value("fanwen/archive_error", " ".join(str(exc).split()))
                self.unwritable = self.unwritable or exc
                return
            self.stats.inc_value("fanwen/errors/pipeline")
            logger.exception("storing %s failed", getattr(item, "url", item))
            return
        else:
            self.stats.inc_value("item_scraped_count")
        # Done once its result is written (as crawler.scheduler.DurableScheduler.item_done).
        if isinstance(item, ArticleItem) and item.fetched_urls:
            self.frontier.done(item.fetched_urls[0])
        elif isinstance(item, PageRecord) and item.kind != "article_part":
            self.frontier.done(item.url)


def replay_seeds(spider: Any, conn: Any, sites: list[str]) -> list[str]:
    """The start URLs, then every captured HTML page of `sites` (all when empty), in capture order, that is not a
    continuation page (`123_2.html` is read through page 1, as in a crawl): what ReplaySeeds asks for."""
    from fanwen.archive.captures import captured_pages
    from crawler.capture.importer import wanted_host
    from crawler.discover import first_page_url

    wanted = wanted_host(set(sites))
    seeds: dict[str, None] = {}
    for url in spider.start_urls:
        try:
            seeds.setdefault(spider.scope.canonical(url), None)
        except ValueError:
            continue
    for url in captured_pages(conn, capture_order=True):
        if url in seeds or not wanted(url):
            continue
        try:
            canonical = spider.scope.canonical(url)
        except ValueError:
            continue
        if first_page_url(canonical) == canonical:
            seeds[url] = None
    return list(seeds)


def _tune_gc() -> None:
    """Fewer garbage collections: a page makes tens of thousands of short-lived objects (lxml proxies,
    strings, tuples), so the default young-generation threshold (700) runs a collection several times a
    page, each scanning what survives. The start-up's objects (modules, settings, tables) are never
    garbage: frozen, later full collections skip them. Measured: ~8% of a re-extraction's CPU time."""
    import gc

    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def run_direct(settings: Any, start_urls: list[str], sites: list[str]) -> dict[str, Any]:
    """Re-extract the captures of FANWEN_REPLAY_SOURCE with the crawl's components; returns the stats."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.defer import deferred_from_coro

    from crawler.spiders.fanwen import FanwenSpider

    from crawler.capture.replay import open_source

    process = CrawlerProcess(settings)  # installs the asyncio reactor and the crawl's logging
    crawler = process.create_crawler(FanwenSpider)
    crawler.spider = crawler._create_spider(start_urls=start_urls)
    crawler.spider.follow_links = False
    crawler._apply_settings()  # stats, extensions (the archive session takes the lock here)
    conn, _ = open_source(crawler)
    try:
        seeds = replay_seeds(crawler.spider, conn, sites)
    finally:
        conn.close()
    replay = DirectReplay(crawler, seeds)
    _tune_gc()
    from twisted.internet import reactor  # the one CrawlerProcess installed

    failures: list[Failure] = []
    done = deferred_from_coro(replay.run())
    done.addErrback(failures.append)
    done.addBoth(lambda _: reactor.stop())

    def stop(signum: int, _frame: Any) -> None:  # as a crawl: finish the page, close the archive, resumable
        logger.info("stopping after the current page (signal %d); run the same command again to resume", signum)
        replay.stopping = True

    import signal

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failures:
        failures[0].raiseException()
    return dict(crawler.stats.get_stats())
