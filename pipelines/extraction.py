"""Records the extractor version of each stored article (after the store stage)."""

from __future__ import annotations

from typing import Any

from fanwen.archive.extraction import set_extractor_version
from crawler.extract.version import EXTRACTOR_VERSION
from crawler.items import ArticleItem
from scrapy.exceptions import NotConfigured

from crawler.extensions.archive_session import ArchiveSession


class ExtractorVersionPipeline:
    def __init__(self, writer: Any, version: str = EXTRACTOR_VERSION):
        self.writer = writer
        self.version = version

    @classmethod
    def from_crawler(cls, crawler) -> ExtractorVersionPipeline:
        session = ArchiveSession.of(crawler)
        if session is None:
            raise NotConfigured("no archive (ARCHIVE_DB is empty)")
        return cls(session.writer)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and not item.rejected and self.writer.db is not None:
            set_extractor_version(self.writer, item.url, self.version)
        return item
