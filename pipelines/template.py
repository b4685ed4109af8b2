"""Articles extracted before their site's template was learned wait for it, then are extracted again."""

from __future__ import annotations

from typing import Any

from crawler.items import ArticleItem


class TemplatePipeline:
    """Runs before cleaning: an item with a `template_hold` (crawler.templates) waits for its site's
    templates and has its pages extracted again with them. Other items pass straight through."""

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.template_hold is not None:
            hold, item.template_hold = item.template_hold, None
            await hold.settle(item)
        return item
