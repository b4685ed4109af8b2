"""Columns derived from an article's text (genre, occasion, masks): kept by the writer, filled on upgrade."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fanwen.archive.genre import GENRE_VERSION, fields
from fanwen.archive.hooks import WriterHook
from fanwen.archive.period_stats import ensure_period_stats

COLUMNS = ("genre", "occasion", "masks")
UPDATE_SQL = "UPDATE articles SET genre = ?, occasion = ?, masks = ? WHERE id = ?"
# Trend figures read period, filters and size from this index alone (never the bodies).
PERIOD_INDEX = ("CREATE INDEX IF NOT EXISTS articles_period"
                " ON articles(published_at, duplicate_of, site, genre, chars)")


def update_params(article_id: int, title: str | None, body: str | None) -> list[Any]:
    """Parameters of UPDATE_SQL for one article."""
    return [*fields(title, body), article_id]


def ensure_fields(db: Any, batch: int = 5000) -> int:
    """Fill the derived columns of articles classified by older rules (or none); returns how many.

    Runs when the archive is opened for writing, so an archive made before these columns gets them."""
    conn = db.conn if hasattr(db, "conn") else db
    row = conn.execute("SELECT value FROM meta WHERE key = 'genre_version'").fetchone()
    conn.execute(PERIOD_INDEX)
    ensure_period_stats(conn)  # before the genres below change: its triggers follow them
    if row and row[0] == GENRE_VERSION:
        return 0
    conn.execute("BEGIN IMMEDIATE")  # one transaction: a crash leaves the old values and version
    try:
        count = 0
        cursor = conn.cursor()
        last = 0
        while True:
            chunk = cursor.execute("SELECT id, title, body FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                                   [last, batch]).fetchall()
            if not chunk:
                break
            conn.executemany(UPDATE_SQL, [update_params(i, t, b) for i, t, b in chunk])
            count += len(chunk)
            last = chunk[-1][0]
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('genre_version', ?)", [GENRE_VERSION])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return count


class DerivedFields(WriterHook):
    """The writer hook that keeps genre, occasion and masks with each new or changed article."""

    def __init__(self) -> None:
        self.writer: Any = None

    def opened(self, writer: Any) -> None:
        self.writer = writer

    def _update(self, article_id: int, title: str | None, body: str | None,
                values: tuple[Any, ...] | None = None) -> None:
        """`values`: the columns already worked out for this title and body (pipelines.prepare), or None."""
        # Inside the document's open transaction; not counted in the batch (a batch commits whole documents).
        params = [*values, article_id] if values is not None else update_params(article_id, title, body)
        self.writer.db.execute(UPDATE_SQL, params)

    def article_added(self, article_id: int, article: Mapping[str, Any]) -> None:
        self._update(article_id, article["title"], article["body"], article.get("fields"))

    def text_changing(self, article_id: int, article: Mapping[str, Any], previous_body: str) -> None:
        self._update(article_id, article["title"], article["body"], article.get("fields"))

    def title_changing(self, article_id: int, title: str | None) -> None:
        body = self.writer.db.execute("SELECT body FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        self._update(article_id, title, body)
