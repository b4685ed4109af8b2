"""Read-only summaries of an archive and of one crawl."""

from __future__ import annotations

import json
from typing import Any


def crawl_summary(db: Any, crawl_id: int) -> dict[str, Any]:
    """What one crawl did: pages by kind, errors by reason, articles added, and archive totals.

    `db` is an sqlite3 connection (read-only will do) or a sqlite_utils Database."""
    kinds = dict(db.execute("SELECT kind, count(*) FROM fetches WHERE crawl_id = ? GROUP BY kind", [crawl_id]).fetchall())
    def reasons(kind_test: str) -> dict[str, int]:
        return dict(
            db.execute(
                "SELECT substr(error, 1, instr(error || ':', ':') - 1) AS reason, count(*) FROM fetches"
                f" WHERE crawl_id = ? AND error IS NOT NULL AND kind {kind_test} GROUP BY reason ORDER BY 2 DESC",
                [crawl_id],
            ).fetchall()
        )

    row = db.execute("SELECT started_at, finished_at, finish_reason, stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    stats = json.loads(row[3]) if row and row[3] else {}
    sites = db.execute(
        "SELECT site, count(*), sum(chars) FROM articles GROUP BY site ORDER BY site"
    ).fetchall()
    return {
        "crawl_id": crawl_id,
        "started_at": row[0] if row else None,
        "finished_at": row[1] if row else None,
        "finish_reason": row[2] if row else None,
        "pages": kinds,
        # Pages that answered (any HTTP response, 304 included, that was not an error): 0 means the crawl fetched nothing.
        "fetched": db.execute("SELECT count(*) FROM fetches WHERE crawl_id = ? AND error IS NULL AND kind != 'skipped'",
                              [crawl_id]).fetchone()[0],
        "errors": reasons("NOT IN ('skipped', 'redirect')"),
        "skipped": reasons("= 'skipped'"),
        "articles_new": db.execute("SELECT count(*) FROM articles WHERE crawl_id = ?", [crawl_id]).fetchone()[0],
        "urls_new": db.execute("SELECT count(*) FROM article_urls WHERE crawl_id = ?", [crawl_id]).fetchone()[0],
        "articles_total": db.execute("SELECT count(*) FROM articles").fetchone()[0],
        "urls_total": db.execute("SELECT count(*) FROM article_urls").fetchone()[0],
        "sites": [{"site": s, "articles": n, "chars": c} for s, n, c in sites],
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
        "requests": stats.get("downloader/request_count"),
    }


def last_crawl_id(db: Any) -> int | None:
    row = db.execute("SELECT max(id) FROM crawls").fetchone()
    return row[0] if row else None
