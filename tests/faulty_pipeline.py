"""A pipeline with a bug, for the tests of what a crawl does when a pipeline raises on an item."""

from __future__ import annotations

import os

from crawler.items import ArticleItem


class FaultyPipeline:
    """Raises on the article whose URL ends with $FANWEN_TEST_FAULTY_PATH, as a bug in a pipeline would."""

    def process_item(self, item):
        if isinstance(item, ArticleItem) and item.url.endswith(os.environ["FANWEN_TEST_FAULTY_PATH"]):
            raise KeyError("a bug on this page")
        return item
