"""Read-only SQL for `fanwen query` and `fanwen export --sql`."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from fanwen.archive.readonly import ReadOnlyError, run_readonly
from fanwen.archive.search import register_functions


class BadSQL(ValueError):
    """The statement cannot run; the message says why and what to do."""


class QueryStopped(Exception):
    """The statement ran longer than its time limit, or was interrupted (Ctrl-C)."""


class Deadline:
    """A progress handler that stops SQLite's work past a time limit or once `interrupt()` was called
    (SQLite runs C code that a plain Ctrl-C cannot reach; the handler is called every few thousand steps)."""

    STEPS = 10_000

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds if seconds else None
        self.interrupted = False
        self.expired = False

    def interrupt(self, *_: Any) -> None:
        self.interrupted = True

    def __call__(self) -> int:
        if self.interrupted:
            return 1
        if self.ends is not None and time.monotonic() > self.ends:
            self.expired = True
            return 1
        return 0

    def install(self, conn: sqlite3.Connection) -> None:
        conn.set_progress_handler(self, self.STEPS)

    def reason(self) -> str:
        if self.expired:
            return f"the query ran longer than {self.seconds:g}s; narrow it (WHERE, LIMIT) or give a longer --timeout"
        return "interrupted"


def run_query(conn: sqlite3.Connection, sql: str, batch: int = 1000,
              deadline: Deadline | None = None) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Column names and a stream of rows of one read-only statement; `deadline` bounds its run time."""
    register_functions(conn)
    if deadline is not None:
        deadline.install(conn)
    try:
        cursor = run_readonly(conn, sql)
    except ReadOnlyError as exc:
        raise BadSQL(str(exc)) from exc
    except sqlite3.Warning as exc:  # several statements
        raise BadSQL(f"{exc}; give one statement") from exc
    except sqlite3.Error as exc:
        if deadline is not None and (deadline.expired or deadline.interrupted):
            raise QueryStopped(deadline.reason()) from exc
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
            if deadline is not None and (deadline.expired or deadline.interrupted):
                raise QueryStopped(deadline.reason()) from exc
            raise BadSQL(f"{exc}; check the SQL") from exc

    return columns, rows()
