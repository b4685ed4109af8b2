"""`fanwen query`: run read-only SQL against the archive."""

from __future__ import annotations

import csv
import json
import sys

import click

from archive.query import BadSQL, run_query
from crawler.cli.options import db_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive


@click.command("query")
@click.argument("sql")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
def command(sql: str, db: str, as_json: bool, as_csv: bool) -> None:
    """Run one read-only SQL statement (the connection cannot write) and print its rows.

    fanwen_match(q) turns a search expression into a MATCH string for articles_fts.

    Example: fanwen query "SELECT site, count(*) AS n FROM articles GROUP BY site" --db data/archive.db --csv
    """
    if as_json and as_csv:
        raise InputError("give --json or --csv, not both")
    conn = open_readonly_archive(db)
    try:
        columns, rows = run_query(conn, sql)
        if as_csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        elif as_json:
            records = [dict(zip(columns, row)) for row in rows]
            click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        else:
            click.echo(format_table(columns, list(rows)))
    except BadSQL as exc:
        raise InputError(f"SQL: {exc}") from exc
