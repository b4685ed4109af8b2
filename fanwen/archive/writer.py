"""The single writer of an archive: idempotent upserts in batched transactions."""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from fanwen.archive.fields import DerivedFields
from fanwen.archive.hooks import WriterHook
from fanwen.archive.schema import connect
from fanwen.archive.search import SearchIndexer
from fanwen.archive.versions import save_previous

logger = logging.getLogger(__name__)


_last_stamp: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The time to the second, as stored (formatted once a second: every fetch row asks for it)."""
    global _last_stamp
    second = int(time.time())
    if second != _last_stamp[0]:
        _last_stamp = (second, datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return _last_stamp[1]


def url_order(url: str) -> tuple[int, str]:
    """Order in which the kept copy of a document is chosen: shortest URL, then text order."""
    return (len(url), url)


@dataclass(frozen=True)
class StoreResult:
    article_id: int
    status: str  # new | duplicate (new URL of a known document) | unchanged | changed


class ArchiveWriter:
    """Writes articles, their URLs and the crawl log; commits every `batch_size` writes.

    Derived data (the search index, near-duplicates, ...) is kept by `hooks` (archive.hooks.WriterHook),
    told of every new or changed article inside the same transaction."""

    def __init__(self, path: str | Path, batch_size: int = 200, search_index: bool = True,
                 hooks: Iterable[WriterHook] = ()):
        """`search_index=False` does not index new articles for search (benchmarks of the other stages);
        the next writer that does catches the index up when it opens the archive."""
        self.path = Path(path)
        self.batch_size = batch_size
        self.search_index = search_index
        self.hooks: list[WriterHook] = [DerivedFields(), *([SearchIndexer()] if search_index else [])]
        self.hooks += hooks
        self.db: Any = None
        self._pending = 0
        self.failed: sqlite3.OperationalError | None = None  # the write that stopped all writes
        self._depth = 0  # > 0 inside one document's writes: a batch commits whole documents only

    def add_hook(self, hook: WriterHook) -> None:
        """Keep `hook`'s derived data with every write from now on (add hooks before `open`)."""
        self.hooks.append(hook)
        if self.db is not None:
            hook.opened(self)

    def open(self) -> None:
        if self.db is None:
            self.db = connect(self.path, self.search_index)
            for hook in self.hooks:
                hook.opened(self)

    def close(self) -> None:
        if self.db is not None:
            self.flush()
            for hook in self.hooks:
                hook.closed()
            self.db.conn.close()
            self.db = None

    # -- transactions -------------------------------------------------------------------

    def _write(self, sql: str, params: list[Any] | tuple[Any, ...]) -> Any:
        with self._failing_stops_writes():
            if self._pending == 0:
                self.db.execute("BEGIN IMMEDIATE")
            cursor = self.db.execute(sql, params)
        self._pending += 1
        if self._pending >= self.batch_size and not self._depth:
            self._commit()
        return cursor

    @contextmanager
    def _one_document(self) -> Iterator[None]:
        """The writes of one document (its row, URLs, signature, paragraphs, index) commit together."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._pending >= self.batch_size and not self._depth:
            self._commit()

    def write(self, sql: str, params: list[Any] | tuple[Any, ...]) -> Any:
        """One statement in the current batch (for the archive's other table modules)."""
        return self._write(sql, params)

    def write_many(self, sql: str, rows: Iterable[Any]) -> None:
        """One statement run for many rows, in the current batch (`rows` may be made as they are read)."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        counted = 1  # the first row; the others as executemany reads them

        def the_rest() -> Iterator[Any]:
            nonlocal counted
            for row in rows:
                counted += 1
                yield row

        with self._failing_stops_writes():
            if self._pending == 0:
                self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.conn.executemany(sql, itertools.chain((first,), the_rest()))
            finally:  # the transaction is open: its count says so even when a row failed
                self._pending += counted

    def flush(self) -> None:
        """Commit everything written so far, with the work hooks defer over batches (the search index)."""
        for hook in self.hooks:
            if flushing := getattr(hook, "flushing", None):  # hooks written before it may not have it
                flushing()
        self._commit()

    def commit(self) -> None:
        """Commit the open batch as a full batch does: the articles are durable, work that hooks defer
        over batches may wait (the search index sees new articles within ~2,000 articles or 30 s)."""
        self._commit()

    def _commit(self) -> None:
        if self._pending:
            self._depth += 1  # the hooks' writes join this batch: none of them may commit it
            try:
                for hook in self.hooks:
                    hook.before_commit()
            finally:
                self._depth -= 1
            with self._failing_stops_writes():
                self.db.execute("COMMIT")
            self._pending = 0

    @contextmanager
    def _failing_stops_writes(self) -> Iterator[None]:
        """A write the disk refused (full, read-only, I/O error) loses the batch: no later write may
        commit on its own in autocommit mode, or the archive would hold a frontier or URL state
        that says done for pages whose articles were lost. Every later write raises the first error."""
        if self.failed is not None:
            raise sqlite3.OperationalError(f"archive writes stopped after: {self.failed}")
        try:
            yield
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if (any(w in message for w in ("full", "disk i/o", "readonly", "read-only"))
                    or (self._pending and not self.db.conn.in_transaction)):
                self.failed = exc
                if self.db.conn.in_transaction:
                    with suppress(sqlite3.Error):
                        self.db.conn.rollback()
            raise

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

    def log_fetches(self, crawl_id: int, rows: list[tuple[str, str, int | None, str | None, int | None]]) -> None:
        """`log_fetch` of many pages (url, kind, status, error, size) with one statement."""
        now = utc_now()
        self.write_many(
            "INSERT INTO fetches(crawl_id, url, status, kind, error, fetched_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(crawl_id, url, status, kind, error, now, size) for url, kind, status, error, size in rows],
        )

    # -- articles -------------------------------------------------------------------------

    def store_article(self, article: dict[str, Any], crawl_id: int | None) -> StoreResult:
        """Archive one document found at `article["url"]`; exact copies share one row."""
        with self._one_document():
            return self._store_article(article, crawl_id)

    def _store_article(self, article: dict[str, Any], crawl_id: int | None) -> StoreResult:
        now = utc_now()
        url = article["url"]
        known = self.db.execute(
            "SELECT id, url FROM articles WHERE content_hash = ?", [article["content_hash"]]
        ).fetchone()
        if known is not None:
            article_id, kept_url = known
            moved = self._move_url(url, article_id, article.get("display_title"), now, crawl_id)
            is_new_url = not moved and self._add_url(url, article_id, article.get("display_title"), now, crawl_id)
            # (A URL whose earlier document still holds it as kept URL stays with that document's row,
            # on this visit and on every later one.)
            if url_order(url) < url_order(kept_url) and not self._is_kept_url(url):
                for hook in self.hooks:
                    hook.title_changing(article_id, article["title"])
                self._write(
                    "UPDATE articles SET url = ?, title = ? WHERE id = ?", [url, article["title"], article_id]
                )
                self._kept_url_changed(article_id)
            # The text the current extractor made is this row's: it records that extractor (one statement).
            self._write("UPDATE articles SET last_seen = ?, extractor_version = coalesce(?, extractor_version)"
                        " WHERE id = ?", [now, article.get("extractor_version"), article_id])
            return StoreResult(article_id, "changed" if moved else "duplicate" if is_new_url else "unchanged")

        previous = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if previous is not None:
            # Same URL, new text: the earlier text goes to article_versions, never overwritten silently.
            logger.info("content changed at %s; earlier text kept as a version", url)
            return StoreResult(self._new_version(article, url, int(previous[0]), now, crawl_id), "changed")

        article_id = self._insert_article(article, now, crawl_id)
        self._add_url(url, article_id, article.get("display_title"), now, crawl_id)
        return StoreResult(article_id, "new")

    def _insert_article(self, article: dict[str, Any], now: str, crawl_id: int | None) -> int:
        url = article["url"]
        cursor = self._write(
            "INSERT INTO articles(url, site, title, body, published_at, categories, terms, source,"
            " content_hash, chars, pages, partial, first_seen, last_seen, crawl_id, extractor_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                article.get("extractor_version"),
            ],
        )
        article_id = int(cursor.lastrowid)
        for hook in self.hooks:
            hook.article_added(article_id, article)
        return article_id

    def _kept_url_changed(self, article_id: int) -> None:
        for hook in self.hooks:
            hook.kept_url_changed(article_id)

    # -- versions: a known URL shows another text ---------------------------------------------

    def _move_url(self, url: str, article_id: int, title: str | None, now: str, crawl_id: int | None) -> bool:
        """`url` showed another document and now shows the known document `article_id`."""
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        if row is None or row[0] == article_id:
            return False
        save_previous(self, url, row[0], crawl_id, now)
        self._write("UPDATE article_urls SET article_id = ?, title = ? WHERE url = ?", [article_id, title, url])
        self._release_kept_url(row[0], url)
        if not self.db.execute("SELECT 1 FROM article_urls WHERE article_id = ? LIMIT 1", [row[0]]).fetchone():
            self._retire(row[0])
        return True

    def _retire(self, article_id: int) -> None:
        """No URL shows document `article_id` any more (its last one now shows another archived text):
        its text is history, already in article_versions, so the row goes, with its derived data.

        Users read `articles` as what the sites show; a row no URL leads to would count in every
        statistic, search and export as a live document."""
        body = self.db.execute("SELECT body FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        for hook in self.hooks:
            hook.article_removing(article_id, body)
        self._write("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = ?", [article_id])
        self._write("DELETE FROM articles WHERE id = ?", [article_id])
        logger.info("article %d retired: its last URL shows another archived text", article_id)

    def _release_kept_url(self, article_id: int, url: str) -> None:
        """`url` no longer shows document `article_id`: its kept URL becomes its smallest other URL, if any."""
        kept = self.db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        others = [r[0] for r in self.db.execute("SELECT url FROM article_urls WHERE article_id = ?", [article_id])]
        if kept == url and others:
            self._write("UPDATE articles SET url = ? WHERE id = ?", [min(others, key=url_order), article_id])
            self._kept_url_changed(article_id)

    def _is_kept_url(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone() is not None

    def _new_version(self, article: dict[str, Any], url: str, old_id: int, now: str, crawl_id: int | None) -> int:
        """`url` shows a text never archived: keep the earlier one as a version, archive the new one."""
        save_previous(self, url, old_id, crawl_id, now)
        others = [r[0] for r in self.db.execute(
            "SELECT url FROM article_urls WHERE article_id = ? AND url != ?", [old_id, url])]
        if not others:
            # The document lived only at this URL: the row takes the new text (the old one is a version).
            previous = self.db.execute("SELECT body FROM articles WHERE id = ?", [old_id]).fetchone()[0]
            for hook in self.hooks:
                hook.text_changing(old_id, article, previous)
            self._write(
                "UPDATE articles SET title = ?, body = ?, published_at = ?, categories = ?, terms = ?, source = ?,"
                " content_hash = ?, chars = ?, pages = ?, partial = ?, last_seen = ?, extractor_version = ? WHERE id = ?",
                [article["title"], article["body"], article.get("published_at"), _json(article.get("categories") or []),
                 _json(article.get("terms") or []), article.get("source"), article["content_hash"],
                 len(article["body"]), article.get("pages", 1), int(bool(article.get("partial"))), now,
                 article.get("extractor_version"), old_id],
            )
            self._write("UPDATE article_urls SET title = ? WHERE url = ?", [article.get("display_title"), url])
            return old_id
        # Other URLs still show the earlier text: this URL gets a document of its own.
        kept = self.db.execute("SELECT url FROM articles WHERE id = ?", [old_id]).fetchone()[0]
        if kept == url:
            self._write("UPDATE articles SET url = ? WHERE id = ?", [min(others, key=url_order), old_id])
            self._kept_url_changed(old_id)
        article_id = self._insert_article(article, now, crawl_id)
        self._write("UPDATE article_urls SET article_id = ?, title = ? WHERE url = ?",
                    [article_id, article.get("display_title"), url])
        return article_id

    def _add_url(self, url: str, article_id: int, title: str | None, now: str, crawl_id: int | None) -> bool:
        cursor = self._write(
            "INSERT OR IGNORE INTO article_urls(url, article_id, title, first_seen, crawl_id) VALUES (?, ?, ?, ?, ?)",
            [url, article_id, title, now, crawl_id],
        )
        return cursor.rowcount == 1


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
