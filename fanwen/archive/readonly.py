"""A connection to an archive that cannot write: `mode=ro`, `query_only`, no ATTACH, no PRAGMA changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from fanwen.archive.schema import SCHEMA_VERSION, NotAnArchive

# PRAGMAs that take an argument but only read (table_info(x) and the like).
_READING_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"}


class ReadOnlyError(Exception):
    """A statement tried to change something; the message says what is allowed."""


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    # mode=ro already refuses writes to the archive; this stops writing other files and undoing query_only.
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and (arg1 or "").lower() not in _READING_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing fanwen archive for reading only; raise NotAnArchive for anything else."""
    path = Path(path)
    if not path.is_file():
        raise NotAnArchive(f"there is no archive at {path}; crawl into it first or give the right --db")
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only=ON")
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in names or "articles" not in names:
            raise NotAnArchive("this database is not a fanwen archive; give the archive made by fanwen crawl with --db")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise NotAnArchive(f"archive schema version {version} is newer than this fanwen ({SCHEMA_VERSION}); upgrade fanwen")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise NotAnArchive(f"{path} is not an SQLite database ({exc}); give a fanwen archive with --db") from exc
    except NotAnArchive:
        conn.close()
        raise
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.set_authorizer(_authorize)
    return conn


def run_readonly(conn: sqlite3.Connection, sql: str, params: list | tuple = ()) -> sqlite3.Cursor:
    """Execute one read-only statement, turning refusals into ReadOnlyError."""
    try:
        return conn.execute(sql, params)
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if "readonly" in message or "not authorized" in message or "authorization denied" in message:
            raise ReadOnlyError(f"the archive is read-only here ({message}); give a SELECT statement") from exc
        raise
