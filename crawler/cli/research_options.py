"""Options of the analysis commands (kwic, trend, collocates): the filters plus --genre and --all."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from typing import Any

import click

from fanwen.archive.filters import Filters
from fanwen.archive.genre import GENRES, OTHER
from crawler.cli.reading import InputError, filter_options, make_filters

GENRE_NAMES = [*GENRES, OTHER]


def analysis_filters(f: Callable[..., Any]) -> Callable[..., Any]:
    """--site, --category, --term, --since, --until, --include-duplicates (or --all), --genre."""
    f = click.option("--all", "all_articles", is_flag=True, help="Keep near-duplicates (as --include-duplicates).")(f)
    f = click.option("--genre", "genres", multiple=True, metavar="GENRE",
                     help=f"Only this genre (repeat for any of several): {', '.join(GENRE_NAMES)}.")(f)
    return filter_options(f)


def make_analysis_filters(conn: sqlite3.Connection, genres: tuple[str, ...], all_articles: bool,
                          **filter_args: Any) -> Filters:
    unknown = [g for g in genres if g not in GENRE_NAMES]
    if unknown:
        raise InputError(f"--genre: unknown genre {', '.join(unknown)}; choose from {', '.join(GENRE_NAMES)}")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    if "genre" not in columns:
        raise InputError("this archive was made by an older fanwen; add its genre columns with: fanwen index --db PATH")
    filters = make_filters(conn, **filter_args)
    return dataclasses.replace(filters, genres=genres, include_duplicates=filters.include_duplicates or all_articles)
