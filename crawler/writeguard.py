"""Stop a crawl at its first failed archive write (disk full, read-only, I/O error).

The archive is written from many places (pipelines, the durable frontier, revisit state, signal
handlers) and Scrapy logs each failure and goes on fetching. This extension watches the crawl's log for
the first such failure, records it in the stat `fanwen/archive_error` and closes the spider with the
reason `archive_unwritable`; `fanwen crawl` then exits with status 74 and one line. The crawl's row
stays unfinished, so the same command resumes it once there is room.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

logger = logging.getLogger(__name__)

_UNWRITABLE = ("database or disk is full", "disk i/o error", "attempt to write a readonly database",
               "read-only file system", "no space left", "disk quota exceeded", "file too large")
# What the writers say once an earlier write failed mid-transaction.
_AFTERMATH = ("cannot commit - no transaction is active", "cannot start a transaction within a transaction")


def is_unwritable(exc: BaseException) -> bool:
    """Whether an error says the archive cannot be written, as SQLite and the OS word it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG):
        return True
    text = str(exc).lower()
    return any(words in text for words in _UNWRITABLE)


def record_says_unwritable(record: logging.LogRecord, aftermath: bool = False) -> bool:
    """Whether a log record reports a failed archive write (or, with `aftermath`, a failure it caused)."""
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None and is_unwritable(exc):
        return True
    text = (record.getMessage() + (f" {exc}" if exc is not None else "")).lower()
    return any(words in text for words in _UNWRITABLE + (_AFTERMATH if aftermath else ()))


class _Watch(logging.Handler):
    def __init__(self, guard: ArchiveWriteGuard):
        super().__init__(logging.ERROR)
        self.guard = guard

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != __name__ and self.guard.error is None and record_says_unwritable(record):
            exc = record.exc_info[1] if record.exc_info else None
            self.guard.failed(str(exc) if exc is not None else record.getMessage())


class ArchiveWriteGuard:
    """Closes the spider (reason `archive_unwritable`) at the first failed archive write."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.error: str | None = None
        self.watch = _Watch(self)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveWriteGuard:
        from scrapy import signals

        guard = cls(crawler)
        crawler.signals.connect(guard.engine_started, signal=signals.engine_started)
        crawler.signals.connect(guard.engine_stopped, signal=signals.engine_stopped)
        return guard

    def engine_started(self) -> None:
        logging.getLogger().addHandler(self.watch)

    def engine_stopped(self) -> None:
        logging.getLogger().removeHandler(self.watch)

    def failed(self, error: str) -> None:
        self.error = " ".join(error.split())
        self.crawler.stats.set_value("fanwen/archive_error", self.error)
        logger.error("cannot write the archive (%s): the crawl stops; free space, then run it again to resume", self.error)
        from twisted.internet import reactor

        reactor.callFromThread(self._close)

    def _close(self) -> None:
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason="archive_unwritable"))
