"""The crawl's archive session: the one owner of the archive's lock, writer, crawl id and resume."""

from __future__ import annotations

import json
import sys
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object

from fanwen.archive import ArchiveWriter
from fanwen.archive.frontier import reopen_crawl, resumable_crawl
from fanwen.archive.hooks import WriterHook
from fanwen.archive.lock import ArchiveBusy, ArchiveLock
from fanwen.archive.neardup import NearDupDetector
from crawler.console import redact

logger = logging.getLogger(__name__)

# Settings worth recording with a crawl (the rest are defaults or secrets).
_RECORDED_PREFIXES = ("FANWEN_", "CONCURRENT_", "DOWNLOAD_", "AUTOTHROTTLE_", "ROBOTSTXT_", "RETRY_", "CLOSESPIDER_")


class ArchiveSession:
    """Opens the archive for one crawl, taking its lock first; records the crawl, or resumes the
    interrupted one of the same start URLs; closes it with the crawl's stats when the spider closes.

    The lock is taken when Scrapy builds its extensions, before the engine and every other component
    exist: a refused lock raises ArchiveBusy there, so nothing has been opened or written and the
    crawl fails to start (`fanwen crawl` and `scrapy crawl` exit 75, see crawler.run.refusal).
    The pipelines, the durable scheduler, the revisit middlewares and the distributed archiver ask
    the session (`ArchiveSession.of(crawler)`) and call `open()` from their own open step, whichever
    Scrapy runs first. Off (NotConfigured) without ARCHIVE_DB.
    """

    def __init__(self, crawler, writer: ArchiveWriter, resume: bool = True, neardup: NearDupDetector | None = None):
        self.crawler = crawler
        self.writer = writer  # usable once `open()` has returned
        self.resume = resume
        self.neardup = neardup
        self.lock = ArchiveLock(writer.path)
        self.crawl_id: int | None = None
        self.resumed = False
        if neardup is not None:
            writer.add_hook(neardup)

    @classmethod
    def from_crawler(cls, crawler) -> ArchiveSession:
        settings = crawler.settings
        path = settings.get("ARCHIVE_DB")
        if not path:
            raise NotConfigured("ARCHIVE_DB is not set")
        neardup = None
        if settings.getbool("FANWEN_NEARDUP_ENABLED"):
            neardup = NearDupDetector(settings.getfloat("FANWEN_NEARDUP_THRESHOLD"), settings.getbool("FANWEN_NEARDUP_PARAGRAPHS"))
        writer = ArchiveWriter(path, settings.getint("FANWEN_BATCH_SIZE"))
        session = cls(crawler, writer, settings.getbool("FANWEN_FRONTIER_ENABLED"), neardup)
        for hook in writer_hooks(crawler):
            writer.add_hook(hook)
        session.take_lock()
        return session

    @staticmethod
    def of(crawler) -> ArchiveSession | None:
        """The crawl's session, or None when the crawl has no archive (ARCHIVE_DB is empty)."""
        return crawler.get_extension(ArchiveSession)

    @property
    def is_open(self) -> bool:
        return self.crawl_id is not None and self.writer.db is not None

    def take_lock(self) -> None:
        """One crawl per archive (released by the kernel even on kill -9); raises ArchiveBusy."""
        try:
            self.lock.acquire()
        except ArchiveBusy as exc:
            logger.error("%s", exc)
            raise

    def open(self) -> None:
        """Open the archive and start (or resume) the crawl; a no-op once open."""
        if self.crawl_id is not None:
            return
        self.take_lock()  # held since from_crawler; taken here when the session was built directly
        try:
            self.writer.open()
            # Passwords in URLs never reach the archive (a start URL with user info is refused later).
            start_urls = [redact(url) for url in getattr(self.crawler.spider, "start_urls", [])]
            resumed = resumable_crawl(self.writer.db, start_urls) if self.resume else None
            if resumed is not None:
                reopen_crawl(self.writer, resumed)
                self.crawl_id, self.resumed = resumed, True
            else:
                self.crawl_id = self.writer.start_crawl(start_urls, recorded_settings(self.crawler.settings))
        except BaseException:
            self.writer.close()
            self.lock.release()
            raise
        stats = self.crawler.stats
        if self.resumed:
            stats.set_value("fanwen/resumed", 1)
        stats.set_value("fanwen/crawl_id", self.crawl_id)
        stats.set_value("fanwen/archive", str(self.writer.path))
        # Connected now, after every component: the crawl row gets the stats they set when the spider closes.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.crawler.signals.connect(self.item_failed, signal=signals.item_error)

    def item_failed(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        """A pipeline raised on an item (a bug; Scrapy logged the traceback): its page goes to the crawl
        log as an `internal_error`, so no URL goes unaccounted and the crawl exits 1."""
        url = getattr(item, "url", None) or next(iter(getattr(item, "fetched_urls", None) or []), None)
        self.crawler.stats.inc_value("fanwen/errors/internal_error")
        if url is None or not self.is_open:
            return
        error = f"internal_error: {type(failure.value).__name__}: {failure.value}"[:500]
        try:
            self.writer.log_fetch(self.crawl_id, url, "error", getattr(item, "status", None), error,
                                  getattr(item, "size", None))
        except Exception as exc:  # noqa: BLE001 - the writer itself may be what failed; the stats still say so
            logger.error("%s: the internal error could not be logged: %s", url, exc)

    def defer_commits(self) -> None:
        """Commit only when `writer.flush()` is called (the distributed archiver acknowledges stream
        entries after each commit)."""
        self.writer.batch_size = sys.maxsize

    def spider_closed(self, spider, reason: str) -> None:
        if not self.is_open:
            return
        if self.neardup is not None:
            for name, value in self.neardup.counts.items():
                self.crawler.stats.set_value(f"fanwen/neardup/{name}", value)
        self.writer.finish_crawl(self.crawl_id, dict(self.crawler.stats.get_stats()), reason)
        self.writer.close()
        try:
            self.check_quality()
        finally:
            self.lock.release()

    def check_quality(self) -> None:
        """Run the crawl-quality monitors on the finished crawl (whichever way it was started) and leave
        its alarms in the stats, for the command's exit status; they are recorded in `crawls.alarms`."""
        from crawler.monitors import check_and_record
        from crawler.writeguard import is_unwritable

        try:
            alarms = check_and_record(self.writer.path, self.crawl_id, self.crawler.settings)
        except Exception as exc:  # noqa: BLE001 - the crawl's rows are committed; its check cannot be
            if not is_unwritable(exc):
                raise
            self.crawler.stats.set_value("fanwen/archive_error", str(exc))
            logger.error("crawl %s: its quality could not be recorded: %s", self.crawl_id, exc)
            return
        self.crawler.stats.set_value("fanwen/alarms", alarms)


def writer_hooks(crawler) -> list[WriterHook]:
    """The FANWEN_WRITER_HOOKS (dotted paths, in order), each built with `from_crawler` when it has one;
    a hook that raises NotConfigured is left out."""
    hooks = []
    for path in crawler.settings.getlist("FANWEN_WRITER_HOOKS"):
        try:
            hooks.append(build_from_crawler(load_object(path), crawler))
        except NotConfigured:
            continue
    return hooks


def recorded_settings(settings) -> dict[str, Any]:
    out = {}
    for name in sorted(settings.attributes):
        if name.startswith(_RECORDED_PREFIXES) or name == "ARCHIVE_DB":
            value = settings.get(name)
            try:
                json.dumps(value)
            except TypeError:
                value = str(value)
            out[name] = redact(value) if isinstance(value, str) else value
    return out
