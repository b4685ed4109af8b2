"""The sites of an archive: what the crawls learned about each (boilerplate templates) and an overview."""

from __future__ import annotations

import sqlite3
from typing import Any

from fanwen.archive.writer import ArchiveWriter, utc_now


class SiteBoilerplate:
    """Each site's learned boilerplate templates (`site_boilerplate`), through the archive writer."""

    def __init__(self, writer: ArchiveWriter):
        self.writer = writer

    def save(self, site: str, templates: set[str], pages: int) -> None:
        for template in sorted(templates):
            self.writer.write(
                "INSERT INTO site_boilerplate(site, template, pages, learned_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(site, template) DO UPDATE SET pages = excluded.pages",
                [site, template, pages, utc_now()],
            )

    def learned(self) -> dict[str, tuple[set[str], int]]:
        """site -> (templates, pages the site had when they were learned)."""
        return self.of_connection(self.writer.db)

    @staticmethod
    def of_connection(db: Any) -> dict[str, tuple[set[str], int]]:
        """The learned templates of the archive open as `db` (read-only is enough)."""
        out: dict[str, tuple[set[str], int]] = {}
        for site, template, pages in db.execute("SELECT site, template, pages FROM site_boilerplate"):
            templates, seen = out.get(site, (set(), 0))
            templates.add(template)
            out[site] = (templates, max(seen, pages))
        return out

from fanwen.archive.templates import latest_templates


def site_overview(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """One entry per site: article and URL counts, first and last seen, learned boilerplate and templates."""
    sites = {
        site: {"site": site, "articles": n, "urls": 0, "first_seen": first, "last_seen": last, "boilerplate": []}
        for site, n, first, last in db.execute(
            "SELECT site, count(*), min(first_seen), max(last_seen) FROM articles GROUP BY site ORDER BY site"
        )
    }
    for site, urls in db.execute(
        "SELECT a.site, count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id GROUP BY a.site"
    ):
        sites[site]["urls"] = urls
    for site, template, pages in db.execute(
        "SELECT site, template, pages FROM site_boilerplate ORDER BY site, template"
    ):
        entry = sites.setdefault(
            site, {"site": site, "articles": 0, "urls": 0, "first_seen": None, "last_seen": None, "boilerplate": []}
        )
        entry["boilerplate"].append({"template": template, "pages": pages})
    for stored in latest_templates(db):
        entry = sites.setdefault(
            stored.site, {"site": stored.site, "articles": 0, "urls": 0, "first_seen": None, "last_seen": None, "boilerplate": []}
        )
        entry.setdefault("templates", []).append({
            "layout": stored.layout, "version": stored.version, "content": stored.content, "chrome": list(stored.chrome),
            "pages": stored.pages, "learned_at": stored.learned_at, "retired_at": stored.retired_at,
        })
    for entry in sites.values():
        entry.setdefault("templates", [])
    return list(sites.values())
