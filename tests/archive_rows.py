"""Content rows of an archive that do not depend on crawl order, ids or times: for comparing archives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

ARTICLE_COLUMNS = "url, site, title, body, published_at, categories, terms, source, content_hash, chars, pages, partial"


def content_rows(db: Path) -> dict[str, set[tuple]]:
    """articles, article_urls, article_versions and site_boilerplate keyed by content, not by id."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            "articles": set(conn.execute(
                f"SELECT {ARTICLE_COLUMNS}, (SELECT r.url FROM articles r WHERE r.id = a.duplicate_of) FROM articles a")),
            "article_urls": set(conn.execute(
                "SELECT u.url, a.content_hash, u.title FROM article_urls u JOIN articles a ON a.id = u.article_id")),
            "article_versions": set(conn.execute("SELECT url, version, content_hash, body FROM article_versions")),
            "site_boilerplate": set(conn.execute("SELECT site, template FROM site_boilerplate")),
        }
    finally:
        conn.close()
