"""The single writer of an archive: idempotent upserts in batched transactions."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archive.schema import connect
from archive.search import index_articles, retitle_article

logger = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def url_order(url: str) -> tuple[int, str]:
    """Order in which the kept copy of a document is chosen: shortest URL, then text order."""
    return (len(url), url)


@dataclass(frozen=True)
class StoreResult:
    article_id: int
    status: str  # new | duplicate (new URL of a known document) | unchanged | changed


class ArchiveWriter:
    """Writes articles, their URLs and the crawl log; commits every `batch_size` writes."""

    def __init__(self, path: str | Path, batch_size: int = 200):
        self.path = Path(path)
        self.batch_size = batch_size
        self.db: Any = None
        self._pending = 0
        self._unindexed: dict[int, tuple[str | None, str]] = {}  # new articles of the batch: indexed at commit
        # Near-duplicate detection (pipelines.dedupe.NearDupDetector), told of new rows and changed URLs.
        self.neardup: Any = None

    def open(self) -> None:
        if self.db is None:
            self.db = connect(self.path)
            if self.neardup is not None:
                self.neardup.open(self)

    def close(self) -> None:
        if self.db is not None:
            self.flush()
            self.db.conn.close()
            self.db = None

    # -- transactions -------------------------------------------------------------------

    def _write(self, sql: str, params: list[Any] | tuple[Any, ...]) -> Any:
        if self._pending == 0:
            self.db.execute("BEGIN IMMEDIATE")
        cursor = self.db.execute(sql, params)
        self._pending += 1
        if self._pending >= self.batch_size:
            self.flush()
        return cursor

    def write(self, sql: str, params: list[Any] | tuple[Any, ...]) -> Any:
        """One statement in the current batch (for the archive's other table modules)."""
        return self._write(sql, params)

    def flush(self) -> None:
        if self._pending:
            if self._unindexed:
                index_articles(self.db.conn, ((i, t, b) for i, (t, b) in self._unindexed.items()))
                self._unindexed.clear()
            self.db.execute("COMMIT")
            self._pending = 0

    # -- crawls ---------------------------------------------------------------------------

    def start_crawl(self, start_urls: list[str], settings: dict[str, Any]) -> int:
        self.flush()
        cursor = self.db.execute(
            "INSERT INTO crawls(started_at, start_urls, settings) VALUES (?, ?, ?)",
            [utc_now(), _json(start_urls), _json(settings)],
        )
        return int(cursor.lastrowid)

    def finish_crawl(self, crawl_id: int, stats: dict[str, Any], reason: str) -> None:
        self._write(
            "UPDATE crawls SET finished_at = ?, stats = ?, finish_reason = ? WHERE id = ?",
            [utc_now(), json.dumps(stats, ensure_ascii=False, default=str), reason, crawl_id],
        )
        self.flush()

    def log_fetch(
        self,
        crawl_id: int,
        url: str,
        kind: str,
        status: int | None = None,
        error: str | None = None,
        size: int | None = None,
        article_id: int | None = None,
    ) -> None:
        self._write(
            "INSERT INTO fetches(crawl_id, url, status, kind, error, fetched_at, bytes, article_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [crawl_id, url, status, kind, error, utc_now(), size, article_id],
        )

    # -- articles -------------------------------------------------------------------------

    def store_article(self, article: dict[str, Any], crawl_id: int | None) -> StoreResult:
        """Archive one document found at `article["url"]`; exact copies share one row."""
        now = utc_now()
        url = article["url"]
        known = self.db.execute(
            "SELECT id, url FROM articles WHERE content_hash = ?", [article["content_hash"]]
        ).fetchone()
        if known is not None:
            article_id, kept_url = known
            is_new_url = self._add_url(url, article_id, article.get("display_title"), now, crawl_id)
            if url_order(url) < url_order(kept_url):
                if article_id in self._unindexed:
                    self._unindexed[article_id] = (article["title"], self._unindexed[article_id][1])
                else:
                    retitle_article(self.db, self.db.execute, article_id, article["title"])  # index rows do not count in a batch
                self._write(
                    "UPDATE articles SET url = ?, title = ? WHERE id = ?", [url, article["title"], article_id]
                )
                if self.neardup is not None:
                    self.neardup.url_changed(article_id)
            self._write("UPDATE articles SET last_seen = ? WHERE id = ?", [now, article_id])
            return StoreResult(article_id, "duplicate" if is_new_url else "unchanged")

        previous = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if previous is not None:
            # Same URL, new text: versions are kept by a later schema; never overwrite silently.
            logger.info("content changed at %s; earlier text kept", url)
            return StoreResult(int(previous[0]), "changed")

        cursor = self._write(
            "INSERT INTO articles(url, site, title, body, published_at, categories, terms, source,"
            " content_hash, chars, pages, partial, first_seen, last_seen, crawl_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                url,
                article["site"],
                article["title"],
                article["body"],
                article.get("published_at"),
                _json(article.get("categories") or []),
                _json(article.get("terms") or []),
                article.get("source"),
                article["content_hash"],
                len(article["body"]),
                article.get("pages", 1),
                int(bool(article.get("partial"))),
                now,
                now,
                crawl_id,
            ],
        )
        article_id = int(cursor.lastrowid)
        self._unindexed[article_id] = (article["title"], article["body"])  # indexed when the batch commits
        self._add_url(url, article_id, article.get("display_title"), now, crawl_id)
        if self.neardup is not None:
            self.neardup.added(article_id, url, article["body"])
        return StoreResult(article_id, "new")

    def _add_url(self, url: str, article_id: int, title: str | None, now: str, crawl_id: int | None) -> bool:
        cursor = self._write(
            "INSERT OR IGNORE INTO article_urls(url, article_id, title, first_seen, crawl_id) VALUES (?, ?, ?, ?, ?)",
            [url, article_id, title, now, crawl_id],
        )
        return cursor.rowcount == 1


    # -- what the crawl learns about a site ---------------------------------------------------

    def save_boilerplate(self, site: str, templates: set[str], pages: int) -> None:
        for template in sorted(templates):
            self._write(
                "INSERT INTO site_boilerplate(site, template, pages, learned_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(site, template) DO UPDATE SET pages = excluded.pages",
                [site, template, pages, utc_now()],
            )

    def learned_boilerplate(self) -> dict[str, tuple[set[str], int]]:
        """site -> (templates, pages the site had when they were learned)."""
        out: dict[str, tuple[set[str], int]] = {}
        for site, template, pages in self.db.execute("SELECT site, template, pages FROM site_boilerplate"):
            templates, seen = out.get(site, (set(), 0))
            templates.add(template)
            out[site] = (templates, max(seen, pages))
        return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
