"""Progress while a crawl runs: pages, articles, duplicates, errors and rate."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger("fanwen.progress")


def progress_figures(stats: dict, elapsed: float) -> dict[str, float]:
    pages = stats.get("response_received_count", 0)
    errors = sum(v for k, v in stats.items() if k.startswith("fanwen/errors/"))
    return {
        "pages": pages,
        "articles": stats.get("fanwen/articles/new", 0),
        "duplicates": stats.get("fanwen/articles/duplicate", 0),
        "errors": errors,
        "rate": pages / elapsed if elapsed > 0 else 0.0,
    }


def format_progress(f: dict[str, float]) -> str:
    return (
        f"{f['pages']:.0f} pages ({f['rate']:.1f}/s), {f['articles']:.0f} articles, "
        f"{f['duplicates']:.0f} duplicate URLs, {f['errors']:.0f} errors"
    )


class Progress:
    """Logs one progress line every FANWEN_PROGRESS_INTERVAL seconds (0 switches it off)."""

    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("FANWEN_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler.stats, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.log)
        self.loop.start(self.interval, now=False)

    def log(self) -> None:
        figures = progress_figures(self.stats.get_stats(), time.monotonic() - self.started)
        logger.info("progress: %s", format_progress(figures))

    def spider_closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
