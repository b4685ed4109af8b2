"""Run a crawl in this process: the plain function behind `fanwen crawl` and `fanwen demo`."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler import console
from crawler.spiders.fanwen import FanwenSpider

if TYPE_CHECKING:  # the archive package imports sqlite-utils (and pandas): a bare crawl does not need it
    from fanwen.archive.lock import ArchiveBusy

logger = logging.getLogger(__name__)

# Settings for a site served on this machine: no politeness delays are needed.
LOCAL_SITE_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "FANWEN_RETRY_BACKOFF_BASE": 0.2,
}


def project_settings(db: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.set("ARCHIVE_DB", str(db), priority="cmdline")
    # The summary replaces Scrapy's stats dump; the stats are kept in the crawls table.
    settings.set("STATS_DUMP", False, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(start_urls: list[str], db: str | Path, overrides: dict[str, Any] | None = None,
              verbosity: int = console.DEFAULT) -> dict[str, Any]:
    """Crawl the sites of `start_urls` into the archive at `db`; returns the crawl's stats.

    `verbosity` (crawler.console): -1 errors only, 0 progress and warnings one line each, 1 Scrapy's log."""
    console.configure(verbosity)
    process = CrawlerProcess(project_settings(db, {**console.crawl_log_settings(verbosity), **(overrides or {})}))
    crawler = process.create_crawler(FanwenSpider)
    start_crawl(process, crawler, start_urls=list(start_urls))
    return dict(crawler.stats.get_stats())


def start_crawl(process: CrawlerProcess, crawler, **spider_args: Any) -> None:
    """Run `crawler` to its end; a refused archive lock is raised here, as ArchiveBusy."""
    refused = refusal(process.crawl(crawler, **spider_args))
    process.start()
    if refused:
        raise refused[0]


def refusal(crawl: Any) -> list[ArchiveBusy]:
    """Filled with ArchiveBusy if the crawl (the Deferred or Task of `process.crawl`) is refused the
    archive's lock. The refusal was logged as one error line: it is not logged again as a traceback."""
    from fanwen.archive.lock import ArchiveBusy

    refused: list[ArchiveBusy] = []
    if isinstance(crawl, asyncio.Future):
        def done(task: asyncio.Future) -> None:
            error = None if task.cancelled() else task.exception()  # retrieved: asyncio does not log it
            if isinstance(error, ArchiveBusy):
                refused.append(error)
            elif error is not None:
                logger.error("the crawl failed to start", exc_info=error)

        crawl.add_done_callback(done)
    else:
        def busy(failure: Any) -> Any:
            if failure.check(ArchiveBusy):
                refused.append(failure.value)
                return None
            return failure

        crawl.addErrback(busy)
    return refused
