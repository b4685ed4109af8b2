"""What the crawl-quality monitors read from the archive (one crawl's pages, earlier crawls' figures)
and where they record their verdict (`crawls.quality`, `crawls.alarms`). The checks: crawler/monitors.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def crawl_row(conn: Any, crawl_id: int) -> dict[str, Any]:
    """start_urls, finish_reason and stats of one crawl."""
    row = conn.execute("SELECT start_urls, finish_reason, stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    if row is None:
        return {"start_urls": [], "finish_reason": None, "stats": {}}
    return {"start_urls": json.loads(row[0] or "[]"), "finish_reason": row[1], "stats": json.loads(row[2] or "{}")}


def judged_pages(conn: Any, crawl_id: int) -> Iterator[tuple[str, str, str | None, int | None, bool]]:
    """(url, kind, error, body chars, duplicate) of the crawl's article pages, of the revisited ones that
    answered 304 (kind 'skipped', error 'unchanged: ...') and of the pages whose extraction failed (kind
    'other' with a reason, or an `extract` error)."""
    rows = conn.execute(
        "SELECT f.url, f.kind, f.error, a.chars, (a.duplicate_of IS NOT NULL OR a.url != f.url)"
        " FROM fetches f LEFT JOIN articles a ON a.id = f.article_id"
        " WHERE f.crawl_id = ? AND (f.kind = 'article' OR (f.kind = 'other' AND f.error IS NOT NULL)"
        "  OR f.error LIKE 'extract%' OR (f.kind = 'skipped' AND f.error LIKE 'unchanged%'))",
        [crawl_id],
    )
    for url, kind, error, chars, duplicate in rows:
        yield url, kind, error, chars, bool(duplicate)


def site_article_count(conn: Any, site: str) -> int:
    return conn.execute("SELECT count(*) FROM articles WHERE site = ?", [site]).fetchone()[0]


def earlier_quality(conn: Any, crawl_id: int, limit: int) -> list[dict[str, Any]]:
    """The recorded figures (`crawls.quality`) of up to `limit` finished crawls before this one, newest first."""
    rows = conn.execute(
        "SELECT quality FROM crawls WHERE id < ? AND quality IS NOT NULL AND finish_reason = 'finished'"
        " ORDER BY id DESC LIMIT ?",
        [crawl_id, limit],
    )
    return [json.loads(row[0]) for row in rows]


def record_quality(db: Any, crawl_id: int, quality: dict[str, Any], alarms: list[str]) -> None:
    """Store the crawl's figures and alarms (NULL alarms: every check passed)."""
    with db.conn:
        db.execute(
            "UPDATE crawls SET quality = ?, alarms = ? WHERE id = ?",
            [json.dumps(quality, ensure_ascii=False), json.dumps(alarms, ensure_ascii=False) if alarms else None, crawl_id],
        )


def quality_history(conn: Any) -> list[dict[str, Any]]:
    """Every crawl's figures and alarms, oldest first, for `fanwen stats`."""
    if "quality" not in {row[1] for row in conn.execute("PRAGMA table_info(crawls)")}:
        return []  # an archive no newer fanwen has opened yet: no crawl was checked
    rows = conn.execute("SELECT id, started_at, finish_reason, quality, alarms FROM crawls ORDER BY id")
    return [
        {"crawl_id": i, "started_at": s, "finish_reason": r, "quality": json.loads(q) if q else None,
         "alarms": json.loads(a) if a else []}
        for i, s, r, q, a in rows
    ]
