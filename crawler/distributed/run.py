"""The plain functions behind `fanwen crawl --redis`, `fanwen worker` and `fanwen archiver`."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.shared_frontier import Frontier, Keys
from crawler.spiders.fanwen import FanwenSpider

logger = logging.getLogger(__name__)

# Scrapy settings that turn a `fanwen crawl` process into a worker of the shared crawl.
WORKER_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "crawler.distributed.scheduler.DistributedScheduler",
    "SCHEDULER_QUEUE_CLASS": "crawler.distributed.scheduler.InFlightQueue",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_PERSIST": True,
    "ITEM_PIPELINES": {"crawler.distributed.stream.StreamPipeline": 100},
    "FANWEN_REVISIT_ENABLED": False,  # incremental recrawls need the archive: not in a distributed crawl
    "FANWEN_TEMPLATES_ENABLED": False,  # site templates are learned and stored by one crawl process
    "LOG_FORMATTER": "crawler.logformat.QuietItems",
}
# The archiver fetches nothing: no durable frontier to resume, no listing pages to revisit.
ARCHIVER_SETTINGS: dict[str, Any] = {"FANWEN_FRONTIER_ENABLED": False, "FANWEN_REVISIT_ENABLED": False,
                                     "LOG_FORMATTER": "crawler.logformat.QuietItems"}
WORKER_COMPONENTS = {
    "EXTENSIONS": {"crawler.distributed.worker.WorkerLoop": 0},
    "DOWNLOADER_MIDDLEWARES": {"crawler.distributed.polite.SharedPoliteness": 950},
}
ARCHIVER_COMPONENTS = {
    "ITEM_PIPELINES": {"crawler.distributed.archiver.AckPipeline": 990},
}


def connect(url: str) -> redis.Redis:
    server = redis.Redis.from_url(url)
    server.ping()
    return server


def seed_crawl(url: str, start_urls: list[str], fresh: bool = False) -> dict[str, int]:
    """Queue the start URLs in the shared frontier; `fresh` forgets an earlier crawl's state first."""
    server = connect(url)
    frontier = Frontier(server)
    if fresh and frontier.live_workers():
        raise RuntimeError("workers are running on this crawl: --fresh would pull the frontier from under them")
    cleared = frontier.clear() if fresh else 0
    spider = FanwenSpider(start_urls=start_urls)
    keys = Keys()
    queue = PriorityQueue(server, spider, keys.queue)
    dupefilter = RFPDupeFilter(server, keys.dupefilter)
    queued = 0
    for start in spider.start_urls:
        request = spider._request(spider.scope.canonical(start), spider.parse)
        queued += frontier.enqueue(dupefilter.request_fingerprint(request), -request.priority, queue._encode_request(request))
    server.sadd(keys.start_urls, *spider.start_urls)
    return {"queued": queued, "seen": len(spider.start_urls) - queued, "cleared_keys": cleared}


def wait_for_start_urls(frontier: Frontier, timeout: float) -> list[str]:
    """The crawl's start URLs (they define its scope); waits up to `timeout` for a seed."""
    deadline = time.monotonic() + timeout
    while True:
        urls = frontier.start_urls()
        if urls or time.monotonic() >= deadline:
            return urls
        time.sleep(0.2)


def _with_components(settings, components: dict[str, dict[str, int]]) -> None:
    for name, extra in components.items():
        merged = dict(settings.getdict(name))
        merged.update(extra)
        settings.set(name, merged, priority="cmdline")


def run_worker(url: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fetch pages from the shared frontier until it has been empty for FANWEN_WORKER_IDLE seconds."""
    from scrapy.crawler import CrawlerProcess

    from crawler.distributed.spider import WorkerSpider
    from crawler.run import project_settings

    from crawler.distributed.capture import NoWarcFolder

    settings = project_settings("", {**WORKER_SETTINGS, "REDIS_URL": url, **(overrides or {})})
    _with_components(settings, WORKER_COMPONENTS)
    if settings.getbool("FANWEN_WARC_ENABLED") and not settings.get("FANWEN_WARC_DIR"):
        raise NoWarcFolder("capture is on: give the worker a folder for its WARC files (--warc DIR, a folder the"
                           " archiver's machine can read), or --no-warc")
    start_urls = wait_for_start_urls(Frontier(connect(url)), settings.getfloat("FANWEN_WORKER_IDLE"))
    if not start_urls:
        return {"finish_reason": "no seed"}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WorkerSpider)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    return dict(crawler.stats.get_stats())


def run_archiver(url: str, db: str | Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Archive the items of the shared stream until the crawl is over; returns the archiver's stats."""
    from scrapy.crawler import CrawlerProcess

    from crawler.distributed.archiver import ArchiverSpider
    from crawler.run import project_settings, start_crawl

    settings = project_settings(db, {**ARCHIVER_SETTINGS, "REDIS_URL": url, **(overrides or {})})
    _with_components(settings, ARCHIVER_COMPONENTS)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArchiverSpider)
    start_crawl(process, crawler)
    return dict(crawler.stats.get_stats())
