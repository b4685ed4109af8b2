"""Items between workers and the archiver: JSON in a Redis stream (`fanwen:items`).

Workers XADD each ArticleItem and PageRecord as it is yielded, and the `captures` row of each WARC
record they wrote (crawler.distributed.capture); the archiver reads them with a consumer group and
acknowledges each entry after the archive transaction holding it commits.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from crawler.distributed.boilerplate import PublishedBoilerplate
from crawler.distributed.worker import worker_context
from crawler.items import ArticleItem, PageRecord
from fanwen.archive.captures import CaptureRow

FIELD = b"item"
GROUP = "archiver"


def encode_item(item: ArticleItem | PageRecord) -> bytes:
    data = dataclasses.asdict(item) if isinstance(item, PageRecord) else _article_fields(item)
    kind = "article" if isinstance(item, ArticleItem) else "page"
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False).encode("utf-8")


def encode_capture(row: CaptureRow) -> bytes:
    """A written record's `captures` row (crawl id empty: the archiver's crawl is filled in)."""
    return json.dumps({"kind": "capture", "data": list(row.values())}, ensure_ascii=False).encode("utf-8")


def decode_item(raw: bytes) -> ArticleItem | PageRecord | CaptureRow:
    message = json.loads(raw)
    data = message["data"]
    if message["kind"] == "page":
        return PageRecord(**data)
    if message["kind"] == "capture":
        return CaptureRow(*data)
    data["boilerplate"] = tuple(re.compile(pattern, flags) for pattern, flags in data["boilerplate"])
    return ArticleItem(**data)


def _article_fields(item: ArticleItem) -> dict[str, Any]:
    fields = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    fields["boilerplate"] = [[p.pattern, p.flags] for p in item.boilerplate]
    return fields


class StreamPipeline:
    """The item pipeline of a worker: every item goes to the shared stream, nothing else. An article is
    first cleaned and prepared for the archive with its site's boilerplate as the archiver published
    it (pipelines.prepare), unless FANWEN_WORKER_PREPARE is off or the site has none yet."""

    def __init__(self, context, prepare: bool = True):
        self.context = context
        self.boilerplate = PublishedBoilerplate(context.server, context.keys.boilerplate) if prepare else None
        self._preparer = None

    @classmethod
    def from_crawler(cls, crawler) -> StreamPipeline:
        return cls(worker_context(crawler), crawler.settings.getbool("FANWEN_WORKER_PREPARE"))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and self.boilerplate is not None:
            self._prepare(item)
        if isinstance(item, (ArticleItem, PageRecord)):
            self.context.server.xadd(self.context.keys.items, {FIELD: encode_item(item)})
        self.context.ledger.handed_on(item)
        return item

    def _prepare(self, item: ArticleItem) -> None:
        learned = self.boilerplate.learned(item.site)
        if not learned:  # the archiver holds the site's first articles while it learns: it cleans them
            return
        if self._preparer is None:
            from pipelines.prepare import Preparer  # numpy, OpenCC: once the first article comes

            self._preparer = Preparer()
        item.prepared = self._preparer.prepare(item, learned)
