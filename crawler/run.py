"""Run a crawl in this process: the plain function behind `fanwen crawl` and `fanwen demo`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler import console
from crawler.spiders.fanwen import FanwenSpider

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
    process.crawl(crawler, start_urls=list(start_urls))
    process.start()
    return dict(crawler.stats.get_stats())


def check_crawl(db: str | Path, crawl_id: int, overrides: dict[str, Any] | None = None) -> list[str]:
    """Run the crawl-quality monitors (FANWEN_MONITOR_* settings) on a finished crawl; record and
    return its alarms (empty when it passed)."""
    from crawler.monitors import check_and_record

    return check_and_record(db, crawl_id, project_settings(db, overrides))
