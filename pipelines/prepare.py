"""What the archive derives from a cleaned article, worked out ahead where the article is cleaned.

A distributed crawl has one archiver and many workers. A worker cleans each article with its site's
boilerplate templates as the archiver last published them (crawler.distributed.boilerplate) and
carries the result in the item (`ArticleItem.prepared`): title, body, flags, content hash, the derived
columns (genre, occasion, masks) and the near-duplicate comparison form. The archiver takes it only
when the templates it has learned for the site by then are the same ones (their digest) and the
versions of the derived data match; otherwise it cleans the article itself, as one process does. So
the archive is the same either way, and the archiver's share of the work is mostly writing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from crawler.extract.clean import title_forms
from crawler.items import ArticleItem
from pipelines.boilerplate import templates_digest
from pipelines.clean import clean_article
from pipelines.dedupe import content_hash


@lru_cache(maxsize=1)
def version() -> str:
    """The versions of the derived data carried: a worker of another fanwen version prepares in vain."""
    from fanwen.archive.genre import GENRE_VERSION
    from fanwen.archive.neardup.shingles import SIGNATURE_VERSION

    return f"genre{GENRE_VERSION}/{SIGNATURE_VERSION}"


def is_current(prepared: dict[str, Any]) -> bool:
    return prepared.get("version") == version()


class Preparer:
    """Prepares articles (holds the near-duplicate folder: one OpenCC converter, made once)."""

    def __init__(self) -> None:
        from fanwen.archive.neardup.shingles import Folder  # numpy, OpenCC: only where articles are prepared

        self.folder = Folder()

    def prepare(self, item: ArticleItem, learned: frozenset[str]) -> dict[str, Any]:
        """The archive's work on `item` given its site's `learned` templates (JSON-ready)."""
        from fanwen.archive.genre import fields

        cleaned = clean_article(item, title_forms(item.display_title), learned)
        body = cleaned.body
        return {
            "version": version(),
            "boilerplate": templates_digest(learned),
            "title": cleaned.title,
            "body": body,
            "partial": cleaned.partial,
            "rejected": cleaned.rejected,
            "content_hash": content_hash(body) if body else "",
            "fields": list(fields(cleaned.title, body)) if body else None,
            # fold_lines' lines hold no line end: joined and split again they are the same list
            "folded": "\n".join(self.folder.fold_lines_many([body])[0]) if body else None,
        }
