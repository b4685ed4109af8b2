"""Exact duplicates: a hash of the normalised body (near-duplicates are a writer hook: archive.neardup)."""

from __future__ import annotations

import hashlib
import re

from crawler.items import ArticleItem

_INVISIBLE = re.compile(r"\s+")


def content_hash(body: str) -> str:
    """sha1 of the body without any white space: the same text laid out differently is one document."""
    return hashlib.sha1(_INVISIBLE.sub("", body).encode("utf-8")).hexdigest()


class ExactDedupePipeline:
    """Sets `content_hash`; the archive keeps one article per hash and every URL it was found at."""

    def process_item(self, item):
        if isinstance(item, ArticleItem) and item.body:
            # a distributed worker's (pipelines.prepare), when the clean pipeline kept its body
            item.content_hash = item.prepared["content_hash"] if item.prepared is not None else content_hash(item.body)
        return item
