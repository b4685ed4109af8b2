"""Scrapy's SCHEDULER slot: a scheduler whose frontier survives kill -9 (Scrapy's own queues plus a
table in the archive).

Every request the spider decides to make is written to `frontier` through the archive writer, and
marked done once its result (fetch row or article row) is written. A crawl resumed after a crash
(see archive.frontier.resumable_crawl) gets its pending requests back and its seen set restored.
Continuation pages (`{id}_{n}.html`) carry their article in memory and are not written: page 1 stays
pending until its article is stored, so a resumed crawl fetches the whole chain again.

The queue of pending requests is on disk (Scrapy's pickle queues, in a scratch folder beside the archive,
FANWEN_SCHEDULER_DISK_QUEUE): a sitemap or a list of links queues a site's pages long before they are
fetched, ~2 KiB a Request object held in memory (200 MiB at 100,000 queued pages), a few hundred bytes
on disk. Only continuation pages, which carry their article, stay in memory.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.http import Request

from fanwen.archive.frontier import RESUMABLE_REASONS, Frontier
from crawler.console import PROGRESS_LOGGER
from crawler.extensions.archive_session import ArchiveSession
from crawler.items import ArticleItem, PageRecord


logger = logging.getLogger(__name__)


# What a resumed crawl must ask again besides the URL: a recrawl's conditional request (so an unchanged
# page still answers 304) and the revisit middleware's flag that lets a previous crawl's list page past
# the trap guard.
_KEPT_HEADERS = (b"If-None-Match", b"If-Modified-Since")
_KEPT_META = ("fanwen_refetch", "fanwen_sitemap", "fanwen_sitemap_depth")


def request_extras(request: Request) -> dict[str, Any]:
    headers = {name.decode(): request.headers[name].decode("latin-1") for name in _KEPT_HEADERS if name in request.headers}
    meta = {key: request.meta[key] for key in _KEPT_META if request.meta.get(key)}
    return {k: v for k, v in (("headers", headers), ("meta", meta)) if v}


def restore_request(request: Request, extras: dict[str, Any]) -> Request:
    for name, value in extras.get("headers", {}).items():
        request.headers[name] = value
    request.meta.update(extras.get("meta", {}))
    return request


class DurableScheduler(Scheduler):
    """Scrapy's scheduler, with the frontier mirrored into the archive (FANWEN_FRONTIER_ENABLED)."""

    frontier: Frontier | None = None
    session: ArchiveSession | None = None
    disk_queue = False  # FANWEN_SCHEDULER_DISK_QUEUE, unless Scrapy's JOBDIR gives the disk queue a folder
    queue_dir: Path | None = None  # the disk queue's scratch folder, removed when the crawl closes

    @classmethod
    def from_crawler(cls, crawler) -> DurableScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.disk_queue = crawler.settings.getbool("FANWEN_SCHEDULER_DISK_QUEUE") and scheduler.dqdir is None
        if crawler.settings.getbool("FANWEN_FRONTIER_ENABLED"):
            scheduler.session = ArchiveSession.of(crawler)
        if scheduler.session is not None:
            crawler.signals.connect(scheduler.item_done, signal=signals.item_scraped)
            crawler.signals.connect(scheduler.item_done, signal=signals.item_dropped)
        return scheduler

    def open(self, spider) -> Any:
        """Open the crawl's archive session (Scrapy opens the scheduler first) and restore what an
        interrupted run of the crawl left pending."""
        if self.disk_queue:
            self.queue_dir = self._scratch_queue_dir()
            self.dqdir = str(self.queue_dir)
        opened = super().open(spider)
        if self.session is not None:
            self.session.open()
            self.frontier = Frontier(self.session.writer, self.session.crawl_id)
            if self.session.resumed:
                self._restore(spider)
        return opened

    def _scratch_queue_dir(self) -> Path:
        """`.NAME.queue/` beside the archive (emptied first: a crawl killed with -9 leaves its queue, and the
        archive's lock, held since the session was built, says no other crawl uses it); a temporary
        folder without an archive."""
        archive = getattr(ArchiveSession.of(self.crawler), "writer", None) if self.crawler else None
        if archive is None or str(archive.path) == ":memory:":
            return Path(tempfile.mkdtemp(prefix="fanwen-queue-"))
        folder = archive.path.parent / f".{archive.path.name}.queue"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def _dqpush(self, request: Request) -> bool:
        """A continuation page carries its article (one object, appended to page after page): kept in memory."""
        if "article" in request.meta:
            return False
        return super()._dqpush(request)

    def _restore(self, spider) -> None:
        seen = getattr(spider, "seen", None)
        if seen is not None:
            seen.update(self.frontier.urls())
        pending = self.frontier.pending()
        for url, priority, extras in pending:
            super().enqueue_request(restore_request(spider.frontier_request(url, priority), extras))
        self.crawler.stats.set_value("fanwen/frontier/restored", len(pending))
        # on the console by default, like the progress lines: a user should see that a crawl resumed
        logging.getLogger(PROGRESS_LOGGER).info("resuming crawl %s: %d pending requests restored", self.frontier.crawl_id, len(pending))

    def enqueue_request(self, request: Request) -> bool:
        added = super().enqueue_request(request)
        if added and self.frontier is not None and "article" not in request.meta:
            self.frontier.add(request.url, request.priority, request_extras(request))
        return added

    def item_done(self, item: Any, **kwargs: Any) -> None:
        """The page's result is written: it is done (continuation pages are done with page 1)."""
        if self.frontier is None:
            return
        if isinstance(item, ArticleItem) and item.fetched_urls:
            self.frontier.done(item.fetched_urls[0])
        elif isinstance(item, PageRecord) and item.kind != "article_part":
            self.frontier.done(item.url)

    def close(self, reason: str) -> Any:
        if self.frontier is not None and reason not in RESUMABLE_REASONS and self.session.is_open:
            self.frontier.clear()
        closed = super().close(reason)
        if self.queue_dir is not None:  # what is left pending is in the frontier table
            shutil.rmtree(self.queue_dir, ignore_errors=True)
        return closed
