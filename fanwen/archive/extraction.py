"""What a re-extraction changed. (Which extractor made each article, `articles.extractor_version`, is
written by the archive writer with the article: the record's `extractor_version`.)"""

from __future__ import annotations

from typing import Any


def reextract_report(db: Any, crawl_id: int) -> dict[str, Any]:
    """What a re-extraction (crawl `crawl_id` replayed from captures) changed, from what it wrote."""
    changed = [r[0] for r in db.execute(
        "SELECT DISTINCT url FROM article_versions WHERE crawl_id = ? ORDER BY url", [crawl_id])]
    gained = [r[0] for r in db.execute("SELECT url FROM articles WHERE crawl_id = ? ORDER BY url", [crawl_id])]
    lost = [r[0] for r in db.execute(
        "SELECT DISTINCT f.url FROM fetches f JOIN article_urls u ON u.url = f.url"
        " WHERE f.crawl_id = ? AND f.kind IN ('list', 'tag', 'home', 'other')"
        " AND (f.error IS NULL OR f.error NOT LIKE 'missing_capture:%') ORDER BY f.url", [crawl_id])]
    missing = db.execute("SELECT count(*) FROM fetches WHERE crawl_id = ? AND error LIKE 'missing_capture:%'",
                         [crawl_id]).fetchone()[0]
    pages = db.execute("SELECT count(*) FROM fetches WHERE crawl_id = ?", [crawl_id]).fetchone()[0]
    return {"crawl_id": crawl_id, "pages": pages, "changed": changed, "gained": gained,
            "no_longer_articles": lost, "missing_captures": missing}
