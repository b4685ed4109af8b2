"""What changes between crawls: withheld (not yet published) and edited articles, and their validators.

Tests use it to make a site add and edit articles between two crawls:

    app = server.app
    app.revisions.withhold(site, post)      # 404 until published
    app.revisions.publish(site, post)       # a new article appears
    app.revisions.edit(site, post, 2, "改过的段落。")   # the article's text changes
"""
from __future__ import annotations

import hashlib
import threading
import time
from email.utils import formatdate, parsedate_to_datetime

from .model import Post, Site


class Revisions:
    """Per-post publication state and modification times; thread-safe."""

    def __init__(self) -> None:
        self._withheld: set[tuple[str, int]] = set()
        self._edited: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def withhold(self, site: Site, post: Post) -> None:
        with self._lock:
            self._withheld.add((site.host, post.index))

    def publish(self, site: Site, post: Post) -> None:
        with self._lock:
            self._withheld.discard((site.host, post.index))

    def is_withheld(self, site: Site, index: int) -> bool:
        with self._lock:
            return (site.host, index) in self._withheld

    def edit(self, site: Site, post: Post, paragraph: int, text: str) -> None:
        """Replace one paragraph of the post's document (shared by its re-posts) from now on."""
        paragraphs = list(post.doc.paragraphs)
        paragraphs[paragraph] = text
        post.doc.paragraphs = tuple(paragraphs)
        with self._lock:
            self._edited[(site.host, post.index)] = time.time()

    def validators(self, site: Site, post: Post, part: int) -> tuple[str, str]:
        """(ETag, Last-Modified) of one page of an article: they change when its text changes."""
        text = "\n".join([post.title, *post.doc.paragraphs, str(part)])
        etag = '"' + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16] + '"'
        with self._lock:
            edited = self._edited.get((site.host, post.index))
        published = time.mktime(time.strptime(post.doc.published, "%Y-%m-%d %H:%M:%S"))
        return etag, formatdate(edited or published, usegmt=True)


def not_modified(headers: dict[str, str], etag: str, last_modified: str) -> bool:
    """Whether a conditional request's validators still match (If-None-Match wins, as in RFC 9110)."""
    if "if-none-match" in headers:
        return etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    if "if-modified-since" in headers:
        try:
            return parsedate_to_datetime(headers["if-modified-since"]) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


__all__ = ["Revisions", "not_modified"]
