"""The durable frontier: every URL a crawl decided to fetch, pending until its result is written.

Rows are written through the archive writer, in the same batches as the crawl's results, so a
committed "done" implies the links found on that page are committed too.
"""

from __future__ import annotations

import json
from typing import Any

# A crawl that stopped with one of these (or never recorded a stop) is resumed by the next crawl
# of the same start URLs.
RESUMABLE_REASONS = ("shutdown",)


class Frontier:
    """The frontier rows of one crawl."""

    def __init__(self, writer: Any, crawl_id: int):
        self.writer = writer
        self.crawl_id = crawl_id

    def add(self, url: str, priority: int, request: dict[str, Any] | None = None) -> None:
        """`request`: what must be asked again besides the URL (`{"headers": ..., "meta": ...}`)."""
        self.writer.write(
            "INSERT OR IGNORE INTO frontier(crawl_id, url, priority, request) VALUES (?, ?, ?, ?)",
            [self.crawl_id, url, priority, json.dumps(request, ensure_ascii=False) if request else None],
        )

    def add_all(self, urls: list[str], priority: int) -> None:
        """Many URLs in one statement of the open batch: with a flush after it, all of them or none are
        committed (a re-extraction killed, or stopped by a full disk, while seeding leaves no part-frontier)."""
        self.writer.write_many("INSERT OR IGNORE INTO frontier(crawl_id, url, priority, request) VALUES (?, ?, ?, NULL)",
                               [(self.crawl_id, url, priority) for url in urls])

    def done(self, url: str) -> None:
        self.writer.write(
            "UPDATE frontier SET state = 'done' WHERE crawl_id = ? AND url = ? AND state = 'pending'", [self.crawl_id, url]
        )

    def pending(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(url, priority, request extras) of every request not done yet, highest priority first."""
        rows = self.writer.db.execute(
            "SELECT url, priority, request FROM frontier WHERE crawl_id = ? AND state = 'pending'"
            " ORDER BY priority DESC, url",
            [self.crawl_id],
        ).fetchall()
        return [(url, priority, json.loads(extras) if extras else {}) for url, priority, extras in rows]

    def urls(self) -> set[str]:
        """Every URL of the crawl, done or pending: the seen set."""
        return {row[0] for row in self.writer.db.execute("SELECT url FROM frontier WHERE crawl_id = ?", [self.crawl_id])}

    def clear(self) -> None:
        """A finished crawl needs no frontier."""
        self.writer.write("DELETE FROM frontier WHERE crawl_id = ?", [self.crawl_id])


def resumable_crawl(db: Any, start_urls: list[str]) -> int | None:
    """The last crawl of the same start URLs, if it was interrupted and left a frontier."""
    row = db.execute(
        "SELECT id, finished_at, finish_reason FROM crawls WHERE start_urls = ? ORDER BY id DESC LIMIT 1",
        [json.dumps(start_urls, ensure_ascii=False)],
    ).fetchone()
    if row is None or (row[1] is not None and row[2] not in RESUMABLE_REASONS):
        return None
    has_frontier = db.execute("SELECT 1 FROM frontier WHERE crawl_id = ? LIMIT 1", [row[0]]).fetchone()
    return int(row[0]) if has_frontier else None


def reopen_crawl(writer: Any, crawl_id: int) -> None:
    """Mark a resumed crawl as running again."""
    writer.write("UPDATE crawls SET finished_at = NULL, finish_reason = NULL WHERE id = ?", [crawl_id])
    writer.flush()
