"""Records the extractor version of each stored article (after the store stage)."""

from __future__ import annotations

from typing import Any

from archive.extraction import set_extractor_version
from crawler.extract.version import EXTRACTOR_VERSION
from crawler.items import ArticleItem
from pipelines.shared import shared_writer


class ExtractorVersionPipeline:
    def __init__(self, writer: Any, version: str = EXTRACTOR_VERSION):
        self.writer = writer
        self.version = version

    @classmethod
    def from_crawler(cls, crawler) -> ExtractorVersionPipeline:
        return cls(shared_writer(crawler))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and not item.rejected and self.writer.db is not None:
            set_extractor_version(self.writer, item.url, self.version)
        return item
