"""Read-only summary of a whole archive: sizes per site, category and month, duplicates, short bodies, crawls."""

from __future__ import annotations

import sqlite3
from typing import Any

SHORT_CHARS = 200  # bodies below this are worth a look (a failed extraction, a pay wall)


def archive_stats(conn: sqlite3.Connection, short_chars: int = SHORT_CHARS) -> dict[str, Any]:
    """Everything `fanwen stats` shows, as plain data."""
    def pairs(sql: str, *params: Any) -> list[dict[str, Any]]:
        return [{"name": name, "articles": n} for name, n in conn.execute(sql, params)]

    total, duplicates, empty, short, chars = conn.execute(
        "SELECT count(*), count(duplicate_of), sum(chars = 0), sum(chars > 0 AND chars < ?), sum(chars) FROM articles",
        [short_chars],
    ).fetchone()
    crawls = conn.execute(
        "SELECT c.id, c.started_at, c.finished_at, c.finish_reason,"
        " (SELECT count(*) FROM articles WHERE crawl_id = c.id),"
        " (SELECT count(*) FROM fetches WHERE crawl_id = c.id),"
        " (SELECT count(*) FROM fetches WHERE crawl_id = c.id AND error IS NOT NULL AND kind != 'skipped')"
        " FROM crawls c ORDER BY c.id"
    ).fetchall()
    return {
        "articles": total,
        "characters": chars or 0,
        "urls": conn.execute("SELECT count(*) FROM article_urls").fetchone()[0],
        "duplicates": duplicates,
        "duplicate_ratio": round(duplicates / total, 4) if total else 0.0,
        "empty_bodies": empty or 0,
        "short_bodies": short or 0,
        "short_chars": short_chars,
        "partial": conn.execute("SELECT count(*) FROM articles WHERE partial").fetchone()[0],
        "sites": pairs("SELECT site, count(*) FROM articles GROUP BY site ORDER BY 2 DESC, 1"),
        "categories": pairs(
            "SELECT c.value, count(*) FROM articles a, json_each(a.categories) c WHERE c.key = 0"
            " GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        "months": pairs(
            "SELECT coalesce(substr(published_at, 1, 7), 'unknown'), count(*) FROM articles GROUP BY 1 ORDER BY 1"
        ),
        "crawls": [
            {"id": i, "started_at": s, "finished_at": f, "finish_reason": r, "articles_new": a, "fetches": n, "errors": e}
            for i, s, f, r, a, n, e in crawls
        ],
    }
