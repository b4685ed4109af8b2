"""Earlier texts of URLs whose content changed (`article_versions`): history is kept, never overwritten."""

from __future__ import annotations

from typing import Any


def save_previous(writer: Any, url: str, article_id: int, crawl_id: int | None, now: str) -> int:
    """Copy the text `url` showed until `now` (article `article_id`) into article_versions; returns its number."""
    db = writer.db
    content_hash, title, body, published_at = db.execute(
        "SELECT content_hash, title, body, published_at FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    last_version, last_until = db.execute(
        "SELECT max(version), max(seen_until) FROM article_versions WHERE url = ?", [url]
    ).fetchone()
    seen_from = last_until
    if seen_from is None:
        row = db.execute("SELECT first_seen FROM article_urls WHERE url = ?", [url]).fetchone()
        seen_from = row[0] if row else now
    version = (last_version or 0) + 1
    writer.write(
        "INSERT INTO article_versions(url, version, article_id, content_hash, title, body, published_at,"
        " seen_from, seen_until, crawl_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [url, version, article_id, content_hash, title, body, published_at, seen_from, now, crawl_id],
    )
    return version


def versions(db: Any, url: str) -> list[dict[str, Any]]:
    """Earlier versions of a URL, oldest first."""
    rows = db.execute(
        "SELECT version, article_id, content_hash, title, body, seen_from, seen_until FROM article_versions"
        " WHERE url = ? ORDER BY version",
        [url],
    ).fetchall()
    keys = ("version", "article_id", "content_hash", "title", "body", "seen_from", "seen_until")
    return [dict(zip(keys, row)) for row in rows]
