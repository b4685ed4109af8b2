"""Shared by the read-only commands (search, query, export, stats, serve): opening, filters, tables."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from fanwen.archive.filters import Filters, known_sites, unknown_sites
from fanwen.archive.readonly import open_readonly
from fanwen.archive.schema import NotAnArchive


class InputError(click.UsageError):
    """Bad input: one line on stderr ("Error: ..."), exit status 2, nothing changed."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


def open_readonly_archive(db: str) -> sqlite3.Connection:
    """Open the archive read-only, or stop (exit 2) with a sentence that says what to do."""
    try:
        return open_readonly(db)
    except NotAnArchive as exc:
        raise InputError(f"--db {db}: {exc}") from exc


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--site, --category, --term, --since, --until, --include-duplicates."""
    date = click.DateTime(formats=["%Y-%m-%d"])
    options = [
        click.option("--site", "sites", multiple=True, help="Only this site (repeat for any of several)."),
        click.option("--category", "categories", multiple=True, help="Only articles with this category (repeat: all of them)."),
        click.option("--term", "terms", multiple=True, help="Only articles with this related term (repeat: all of them)."),
        click.option("--since", type=date, help="Published on or after YYYY-MM-DD."),
        click.option("--until", type=date, help="Published on or before YYYY-MM-DD."),
        click.option("--include-duplicates", is_flag=True, help="Keep near-duplicates (rows with duplicate_of set)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def make_filters(conn: sqlite3.Connection, sites: tuple[str, ...], categories: tuple[str, ...], terms: tuple[str, ...],
                 since: datetime | None, until: datetime | None, include_duplicates: bool) -> Filters:
    """Filters from the options; an unknown site is refused, since it is most likely a typo."""
    missing = unknown_sites(conn, sites)
    if missing:
        known = ", ".join(known_sites(conn)) or "none yet"
        raise InputError(f"--site: no article comes from {', '.join(missing)}; known sites: {known}")
    if since and until and since > until:
        raise InputError("--since is after --until; swap them")
    day = "%Y-%m-%d"
    return Filters(sites, categories, terms, since.strftime(day) if since else None,
                   until.strftime(day) if until else None, include_duplicates)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def width(text: str) -> int:
    """Columns `text` takes on a terminal: Chinese characters take two, colour codes none."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in _ANSI.sub("", text))


def clip(text: str, limit: int) -> str:
    out, used = [], 0
    for c in text:
        used += width(c)
        if used > limit:
            return "".join(out) + "…"
        out.append(c)
    return text


def clip_line(line: str, columns: int) -> str:
    """`line` cut to `columns` terminal columns with an ellipsis; colour codes kept and closed."""
    if width(line) <= columns:
        return line
    out, used, coloured = [], 0, False
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        if _ANSI.fullmatch(part or "-"):
            out.append(part)
            coloured = part != "\x1b[0m"
            continue
        for c in part:
            if used + width(c) > columns - 1:
                return "".join(out) + ("\x1b[0m" if coloured else "") + "…"
            out.append(c)
            used += width(c)
    return "".join(out)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 40, clip_last: bool = True) -> str:
    """A plain text table that lines up Chinese (double-width) characters."""
    last = len(columns) - 1
    cells = [
        [("" if v is None else str(v).replace("\n", " ")) for v in row] for row in rows
    ]
    cells = [[c if (i == last and not clip_last) else clip(c, max_width) for i, c in enumerate(r)] for r in cells]
    widths = [max([width(c), *(width(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, cells)])
