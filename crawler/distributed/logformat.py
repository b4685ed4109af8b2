"""The distributed processes' log formatter: no per-item "Scraped from" record unless LOG_LEVEL is DEBUG."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietItems(LogFormatter):
    """Scrapy's formatter, less the DEBUG line of every item when nothing shows DEBUG lines.

    Scrapy makes that record for each item whatever the level, and fanwen's password masking
    (crawler.console) formats every record: the item's repr, several kB for an article, a cost per
    item of the one archiver that no one reads."""

    def __init__(self, debug: bool = True):
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler) -> QuietItems:
        level = crawler.settings.get("LOG_LEVEL")
        numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(not isinstance(numeric, int) or numeric <= logging.DEBUG)

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return super().scraped(item, response, spider) if self.debug else None
