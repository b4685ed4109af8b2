"""One article with its provenance: every URL it was found at, its near-duplicate cluster, earlier texts."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def article_record(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The article's row, its URLs, the representative or re-posts of its cluster, and earlier versions."""
    conn_factory, conn.row_factory = conn.row_factory, sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            return None
        record = dict(row)
        record["categories"] = json.loads(record["categories"] or "[]")
        record["terms"] = json.loads(record["terms"] or "[]")
        record["urls"] = [dict(r) for r in conn.execute(
            "SELECT url, title, first_seen, crawl_id FROM article_urls WHERE article_id = ? ORDER BY first_seen, url",
            [article_id])]
        cluster = record["duplicate_of"] or article_id
        record["cluster"] = [dict(r) for r in conn.execute(
            "SELECT id, title, site, url, published_at, duplicate_of FROM articles"
            " WHERE (id = ? OR duplicate_of = ?) AND id != ? ORDER BY id", [cluster, cluster, article_id])]
        has_versions = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'article_versions'").fetchone()
        record["versions"] = [dict(r) for r in conn.execute(
            "SELECT url, version, title, published_at, seen_from, seen_until, length(body) AS chars, body"
            " FROM article_versions WHERE article_id = ? ORDER BY url, version", [article_id])] if has_versions else []
        return record
    finally:
        conn.row_factory = conn_factory
