"""Writes articles and the crawl log into the SQLite archive, in batched transactions."""

from __future__ import annotations

import json
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider

from archive import ArchiveWriter
from archive.frontier import reopen_crawl, resumable_crawl
from archive.lock import ArchiveBusy, ArchiveLock
from crawler.items import ArticleItem, PageRecord
from pipelines.dedupe import DEFAULT_THRESHOLD, NearDupDetector
from pipelines.shared import shared_writer

logger = logging.getLogger(__name__)

# Settings worth recording with a crawl (the rest are defaults or secrets).
_RECORDED_PREFIXES = ("FANWEN_", "CONCURRENT_", "DOWNLOAD_", "AUTOTHROTTLE_", "ROBOTSTXT_", "RETRY_", "CLOSESPIDER_")


class StorePipeline:
    def __init__(self, writer: ArchiveWriter, crawler):
        self.writer = writer
        self.crawler = crawler
        self.stats = crawler.stats
        self.crawl_id: int | None = None
        self.lock = ArchiveLock(writer.path)
        self.neardup: NearDupDetector | None = None

    @classmethod
    def from_crawler(cls, crawler) -> StorePipeline:
        writer = shared_writer(crawler)
        pipeline = cls(writer, crawler)
        pipeline.neardup = near_dup_detector(crawler.settings)
        if pipeline.neardup is not None:
            writer.add_hook(pipeline.neardup)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        try:
            self.lock.acquire()  # one crawl per archive; released by the kernel even on kill -9
        except ArchiveBusy as exc:
            logger.error("%s", exc)
            raise CloseSpider("archive_busy") from exc
        self.writer.open()
        start_urls = list(getattr(self.crawler.spider, "start_urls", []))
        resumed = resumable_crawl(self.writer.db, start_urls) if self.crawler.settings.getbool("FANWEN_FRONTIER_ENABLED", True) else None
        if resumed is not None:
            reopen_crawl(self.writer, resumed)
            self.crawl_id = resumed
            self.stats.set_value("fanwen/resumed", 1)
        else:
            self.crawl_id = self.writer.start_crawl(start_urls, recorded_settings(self.crawler))
        self.stats.set_value("fanwen/crawl_id", self.crawl_id)
        self.stats.set_value("fanwen/archive", str(self.writer.path))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageRecord):
            self.writer.log_fetch(self.crawl_id, item.url, item.kind, item.status, item.error, item.size)
        elif isinstance(item, ArticleItem):
            self._store_article(item)
        return item

    def _store_article(self, item: ArticleItem) -> None:
        if item.rejected:
            self.stats.inc_value("fanwen/articles/rejected")
            self.writer.log_fetch(self.crawl_id, item.fetched_urls[0], "other", item.status, item.rejected, item.size)
            return
        record = {
            "url": item.url,
            "site": item.site,
            "title": item.title,
            "display_title": item.display_title,
            "body": item.body,
            "published_at": item.published_at,
            "categories": item.categories,
            "terms": item.terms,
            "source": item.source,
            "content_hash": item.content_hash,
            "pages": len(item.page_lines),
            "partial": item.partial,
        }
        result = self.writer.store_article(record, self.crawl_id)
        self.stats.inc_value(f"fanwen/articles/{result.status}")
        for url in item.fetched_urls[:1]:
            self.writer.log_fetch(self.crawl_id, url, "article", item.status, None, item.size, result.article_id)

    def close_spider(self) -> None:
        self.writer.flush()

    def spider_closed(self, spider, reason: str) -> None:
        if self.writer.db is None:
            return
        if self.neardup is not None:
            for name, value in self.neardup.counts.items():
                self.stats.set_value(f"fanwen/neardup/{name}", value)
        stats = {k: v for k, v in self.stats.get_stats().items()}
        self.writer.finish_crawl(self.crawl_id, stats, reason)
        self.writer.close()
        self.lock.release()


def near_dup_detector(settings) -> NearDupDetector | None:
    """The near-duplicate stage that runs with the writer (FANWEN_NEARDUP_* settings), or None."""
    if not settings.getbool("FANWEN_NEARDUP_ENABLED", True):
        return None
    return NearDupDetector(settings.getfloat("FANWEN_NEARDUP_THRESHOLD", DEFAULT_THRESHOLD),
                           settings.getbool("FANWEN_NEARDUP_PARAGRAPHS", True))


def recorded_settings(crawler) -> dict[str, Any]:
    settings = crawler.settings
    out = {}
    for name in sorted(settings.attributes):
        if name.startswith(_RECORDED_PREFIXES) or name == "ARCHIVE_DB":
            value = settings.get(name)
            try:
                json.dumps(value)
            except TypeError:
                value = str(value)
            out[name] = value
    return out
