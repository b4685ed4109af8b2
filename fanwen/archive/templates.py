"""Learned site templates in the archive: one row per site, layout and version (crawler.templates)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# Column descriptions double as documentation: docs/schema.md is checked against them.
TEMPLATE_TABLES: dict[str, dict[str, str]] = {
    "site_templates": {
        "site": "site name",
        "layout": "the layout's skeleton key: a hash of the page's box paths two levels below <body>",
        "version": "1 for the layout's first template, one up each time it is learned again after a redesign",
        "content": "path of the article box: tag#id.class signatures from <body>, joined by >",
        "chrome": "JSON array: texts inside the article box that repeat on most pages (numbers as #), dropped",
        "pages": "article pages the template was learned from",
        "learned_at": "UTC time it was learned",
        "retired_at": "UTC time it stopped fitting the site's pages (a redesign), NULL while in use",
    },
}

TEMPLATE_DDL = """
CREATE TABLE IF NOT EXISTS site_templates (
    site TEXT NOT NULL,
    layout TEXT NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    chrome TEXT NOT NULL DEFAULT '[]',
    pages INTEGER NOT NULL,
    learned_at TEXT NOT NULL,
    retired_at TEXT,
    PRIMARY KEY (site, layout, version)
);
"""


@dataclass(frozen=True)
class StoredTemplate:
    site: str
    layout: str
    version: int
    content: str
    chrome: tuple[str, ...]
    pages: int
    learned_at: str
    retired_at: str | None


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def save_template(writer: Any, site: str, layout: str, version: int, content: str, chrome: list[str], pages: int) -> None:
    """Record a newly learned template (through the archive's one writer and its batches)."""
    writer._write(
        "INSERT INTO site_templates(site, layout, version, content, chrome, pages, learned_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(site, layout, version) DO UPDATE SET content = excluded.content, chrome = excluded.chrome,"
        " pages = excluded.pages, learned_at = excluded.learned_at, retired_at = NULL",
        [site, layout, version, content, json.dumps(sorted(chrome), ensure_ascii=False), pages, _now()],
    )


def retire_template(writer: Any, site: str, layout: str, version: int) -> None:
    """Mark a template that stopped fitting the site's pages."""
    writer._write(
        "UPDATE site_templates SET retired_at = ? WHERE site = ? AND layout = ? AND version = ? AND retired_at IS NULL",
        [_now(), site, layout, version],
    )


def latest_templates(db: sqlite3.Connection | Any) -> list[StoredTemplate]:
    """The newest version of every site layout (retired ones included: a relearned layout goes one up)."""
    if not _has_table(db):
        return []
    rows = db.execute(
        "SELECT t.site, t.layout, t.version, t.content, t.chrome, t.pages, t.learned_at, t.retired_at"
        " FROM site_templates t WHERE t.version = (SELECT max(version) FROM site_templates s"
        " WHERE s.site = t.site AND s.layout = t.layout) ORDER BY t.site, t.layout"
    ).fetchall()
    return [StoredTemplate(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6], r[7]) for r in rows]


def _has_table(db: Any) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_templates'").fetchone() is not None
