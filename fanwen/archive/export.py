"""Streaming export of articles with their provenance, one JSON record per article."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from fanwen.archive import cjk
from fanwen.archive.filters import Filters
from fanwen.archive.query import run_query

# Built by SQLite's JSON functions: one C call per record, no Python decoding of the JSON columns.
RECORD_SQL = """
SELECT json_object(
    'id', a.id, 'title', a.title, 'body', a.body, 'published_at', a.published_at,
    'categories', json(a.categories), 'terms', json(a.terms), 'source', a.source,
    'chars', a.chars, 'pages', a.pages, 'partial', json(CASE WHEN a.partial THEN 'true' ELSE 'false' END),
    'site', a.site, 'url', a.url,
    'urls', (SELECT json_group_array(u.url) FROM (SELECT url FROM article_urls WHERE article_id = a.id ORDER BY url) u),
    'first_seen', a.first_seen, 'last_seen', a.last_seen, 'crawl_id', a.crawl_id,
    'content_hash', a.content_hash, 'duplicate_of', a.duplicate_of, 'cluster_id', coalesce(a.duplicate_of, a.id),
    'duplicates', (SELECT json_group_array(d.id) FROM (SELECT id FROM articles WHERE duplicate_of = a.id ORDER BY id) d)
    {derived}
) FROM articles a
"""
FIELDS = ["id", "title", "body", "published_at", "categories", "terms", "source", "chars", "pages", "partial",
          "site", "url", "urls", "first_seen", "last_seen", "crawl_id", "content_hash", "duplicate_of",
          "cluster_id", "duplicates", "genre", "occasion", "masks"]
# The derived columns (fanwen/archive/fields.py) of archives that have them; older ones export without them.
_DERIVED = ", 'genre', a.genre, 'occasion', a.occasion, 'masks', a.masks"


def record_sql(conn: sqlite3.Connection) -> str:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    return RECORD_SQL.format(derived=_DERIVED if "genre" in columns else "")


def _where(conn: sqlite3.Connection, filters: Filters, query: str | None) -> tuple[str, list[Any]]:
    clauses, params = filters.where("a")
    if query:
        from fanwen.archive.search import any_match

        table, match = any_match(conn, cjk.parse(query))
        clauses.insert(0, f"a.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)")
        params.insert(0, match)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_articles(conn: sqlite3.Connection, filters: Filters, query: str | None = None) -> int:
    where, params = _where(conn, filters, query)
    return conn.execute(f"SELECT count(*) FROM articles a{where}", params).fetchone()[0]


def article_lines(conn: sqlite3.Connection, filters: Filters, query: str | None = None,
                  batch: int = 500) -> Iterator[str]:
    """One JSON text per article, in id order; memory stays flat (rows are fetched in batches)."""
    where, params = _where(conn, filters, query)
    cursor = conn.execute(f"{record_sql(conn)}{where} ORDER BY a.id", params)
    while chunk := cursor.fetchmany(batch):
        for (line,) in chunk:
            yield line


def sql_lines(conn: sqlite3.Connection, sql: str) -> Iterator[str]:
    """One JSON object per row of a read-only statement (column name -> value)."""
    columns, rows = run_query(conn, sql)
    for row in rows:
        yield json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=_blob)


def _blob(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)
