"""fanwen for notebooks: `a = fanwen.open("data/archive.db")`, then a.kwic("双减"), a.trend(...) as DataFrames.

See docs/python.md. The archive is opened read-only; pandas is imported when a method first needs it.
"""

from __future__ import annotations

from pathlib import Path

from fanwen.archive.cjk import BadQuery
from fanwen.archive.schema import NotAnArchive
from fanwen.api import Archive

__all__ = ["Archive", "BadQuery", "NotAnArchive", "open"]


def open(path: str | Path) -> Archive:  # noqa: A001 - the name notebooks expect, as in sqlite3/duckdb
    """Open an archive made by `fanwen crawl` for reading."""
    return Archive(path)
