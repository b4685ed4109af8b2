"""Filters shared by search, export and the analyses: site, category, term, genre, dates, duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Which articles to keep. Sites are alternatives; every category and term must be present."""

    sites: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    since: str | None = None  # YYYY-MM-DD, inclusive, on published_at
    until: str | None = None  # YYYY-MM-DD, inclusive
    include_duplicates: bool = False
    genres: tuple[str, ...] = ()  # articles.genre values (fanwen/archive/genre.py), alternatives

    def where(self, alias: str = "a") -> tuple[list[str], list[Any]]:
        """SQL conditions on `articles AS alias` and their parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.sites:
            clauses.append(f"{alias}.site IN ({', '.join('?' * len(self.sites))})")
            params.extend(self.sites)
        if self.genres:
            clauses.append(f"{alias}.genre IN ({', '.join('?' * len(self.genres))})")
            params.extend(self.genres)
        for column, values in (("categories", self.categories), ("terms", self.terms)):
            for value in values:
                clauses.append(f"EXISTS (SELECT 1 FROM json_each({alias}.{column}) WHERE value = ?)")
                params.append(value)
        if self.since:
            clauses.append(f"{alias}.published_at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"substr({alias}.published_at, 1, 10) <= ?")
            params.append(self.until)
        if not self.include_duplicates:
            clauses.append(f"{alias}.duplicate_of IS NULL")
        return clauses, params


def unknown_sites(conn: Any, sites: tuple[str, ...]) -> list[str]:
    """The sites that have no article in the archive (a typo, most likely)."""
    return [s for s in sites if conn.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1", [s]).fetchone() is None]


def known_sites(conn: Any) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT site FROM articles ORDER BY site")]
