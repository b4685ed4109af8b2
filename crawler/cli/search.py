"""`fanwen search`: Chinese full-text search of the archive."""

from __future__ import annotations

import json
import shutil
import sys

import click

from fanwen.archive.cjk import BadQuery
from fanwen.archive.search import SearchResult, has_index, search
from crawler.cli.exits import BAD_INPUT, OK, epilog
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, clip_line, filter_options, format_table, make_filters, open_readonly_archive


@click.command("search", epilog=epilog(OK, BAD_INPUT))
@click.argument("query")
@db_option
@filter_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000), help="Number of results.")
@json_option
def command(query: str, db: str, limit: int, as_json: bool, **filter_args) -> None:
    """Find articles by Chinese full text, best first (bm25), with a highlighted snippet.

    QUERY is words or characters (双减, 党), "quoted phrases", AND (or a space), OR, NOT and
    parentheses. Up to 20,000 matches are ranked by bm25 (all of them, exactly); above that the newest
    are shown first, unranked, and the output says so.

    In a terminal the snippet is clipped to its width; --json gives it whole.

    \b
    Examples:
      fanwen search '双减 OR "课后服务" NOT 收费' --db data/archive.db --site baihua.test
      fanwen search '(述职 OR 述廉) 报告' --db data/archive.db --since 2023-01-01 --json
    """
    conn = open_readonly_archive(db)
    if not has_index(conn):
        raise InputError(f"{db} has no search index yet; build it with: fanwen index --db {db}")
    filters = make_filters(conn, **filter_args)
    tty = sys.stdout.isatty() and not as_json
    marks = ("\x1b[1;31m", "\x1b[0m") if tty else ("<mark>", "</mark>") if as_json else ("[", "]")
    try:
        result = search(conn, query, filters, limit, marks)
    except BadQuery as exc:
        raise InputError(f"QUERY: {exc}") from exc
    if as_json:
        click.echo(json.dumps(result_dict(query, result), ensure_ascii=False, indent=2))
    else:
        # In a terminal every row fits its width; piped output keeps whole snippets.
        click.echo(format_result(result, shutil.get_terminal_size((100, 24)).columns if tty else None))


def result_dict(query: str, result: SearchResult) -> dict:
    return {"query": query, "match": result.match, "total": result.total, "more": result.capped,
            "ranking": result.ranking, "hits": result.hits}


def format_result(result: SearchResult, columns: int | None = None) -> str:
    """A table; with `columns` (a terminal's width) every row fits on one line, the snippet clipped."""
    if not result.hits:
        return "no article matches"
    rows = [(h["id"], h["title"], h["site"], (h["published_at"] or "")[:10], h["snippet"]) for h in result.hits]
    count = f"more than {result.total} matches, newest first" if result.capped else f"{result.total} matches, ranked by bm25"
    table = format_table(["id", "title", "site", "published", "snippet"], rows, max_width=30, clip_last=False)
    if columns:
        table = "\n".join(clip_line(line, columns) for line in table.splitlines())
    return table + f"\n({count})"
