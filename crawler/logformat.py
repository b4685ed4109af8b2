"""fanwen's log formatter: no per-item "Scraped from" record unless LOG_LEVEL is DEBUG, and an item a
pipeline failed on named by its URL, not by its repr."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietItems(LogFormatter):
    """Scrapy's formatter, less the DEBUG line of every item when nothing shows DEBUG lines.

    Scrapy makes that record for each item whatever the level, and fanwen's password masking
    (crawler.console) formats every record: the item's repr, several kB for an article, a cost per
    item of the crawl (and of the one distributed archiver) that no one reads."""

    def __init__(self, debug: bool = True):
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler) -> QuietItems:
        level = crawler.settings.get("LOG_LEVEL")
        numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(not isinstance(numeric, int) or numeric <= logging.DEBUG)

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return super().scraped(item, response, spider) if self.debug else None

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> Any:
        """One line naming the page (the traceback follows with -v): an article's repr is several kB."""
        entry = super().item_error(item, exception, response, spider)
        if self.debug:
            return entry
        name = f"{type(item).__name__} of {getattr(item, 'url', None) or '?'}"
        return {**entry, "msg": "Error processing %(item)s", "args": {"item": name}}
