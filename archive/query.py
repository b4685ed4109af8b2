"""Read-only SQL for `fanwen query` and `fanwen export --sql`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from archive.readonly import ReadOnlyError, run_readonly
from archive.search import register_functions


class BadSQL(ValueError):
    """The statement cannot run; the message says why and what to do."""


def run_query(conn: sqlite3.Connection, sql: str, batch: int = 1000) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Column names and a stream of rows of one read-only statement."""
    register_functions(conn)
    try:
        cursor = run_readonly(conn, sql)
    except ReadOnlyError as exc:
        raise BadSQL(str(exc)) from exc
    except sqlite3.Warning as exc:  # several statements
        raise BadSQL(f"{exc}; give one statement") from exc
    except sqlite3.Error as exc:
        hint = "see the columns in docs/schema.md" if "no such" in str(exc) else "check the SQL"
        raise BadSQL(f"{exc}; {hint}") from exc
    if cursor.description is None:
        raise BadSQL("the statement returns no rows; give a SELECT statement")
    columns = [d[0] for d in cursor.description]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while chunk := cursor.fetchmany(batch):
                yield from chunk
        except sqlite3.Error as exc:  # some errors (a bad MATCH) surface only while stepping
            raise BadSQL(f"{exc}; check the SQL") from exc

    return columns, rows()
