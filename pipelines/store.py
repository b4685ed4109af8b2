"""Writes articles and the crawl log into the SQLite archive, in batched transactions."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured

from crawler.extensions.archive_session import ArchiveSession
from crawler.extract.version import EXTRACTOR_VERSION
from crawler.items import ArticleItem, PageRecord


class StorePipeline:
    """Each item into the crawl's archive session (crawler.extensions.archive_session)."""

    def __init__(self, session: ArchiveSession, stats):
        self.session = session
        self.writer = session.writer
        self.stats = stats

    @property
    def crawl_id(self) -> int | None:
        return self.session.crawl_id

    @classmethod
    def from_crawler(cls, crawler) -> StorePipeline:
        session = ArchiveSession.of(crawler)
        if session is None:
            raise NotConfigured("ARCHIVE_DB is not set")
        return cls(session, crawler.stats)

    def open_spider(self) -> None:
        self.session.open()

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
            "extractor_version": EXTRACTOR_VERSION,  # written with the article (articles.extractor_version)
        }
        if item.prepared is not None:  # worked out by a distributed worker (pipelines.prepare) for this text
            record["fields"] = tuple(item.prepared["fields"])
            record["folded_lines"] = item.prepared["folded"].split("\n")
        result = self.writer.store_article(record, self.crawl_id)
        self.stats.inc_value(f"fanwen/articles/{result.status}")
        for url in item.fetched_urls[:1]:
            self.writer.log_fetch(self.crawl_id, url, "article", item.status, None, item.size, result.article_id)
