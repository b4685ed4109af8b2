"""`fanwen query`: run read-only SQL against the archive."""

from __future__ import annotations

import csv
import json
import signal
import sys

import click

from fanwen.archive.query import BadSQL, Deadline, QueryStopped, run_query
from crawler.cli.exits import BAD_INPUT, FAILED, INTERRUPTED, OK, CommandError, epilog
from crawler.cli.options import db_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive


@click.command("query", epilog=epilog(OK, FAILED, BAD_INPUT, INTERRUPTED))
@click.argument("sql")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0),
              help="Stop the query after this many seconds (0: no limit).")
def command(sql: str, db: str, as_json: bool, as_csv: bool, timeout: float) -> None:
    """Run one read-only SQL statement (the connection cannot write) and print its rows.

    fanwen_match(q) turns a search expression into a MATCH string for articles_fts. Ctrl-C stops
    a long query; --timeout stops it by itself (exit status 1).

    \b
    Examples:
      fanwen query "SELECT site, count(*) AS n FROM articles GROUP BY site" --db data/archive.db --csv
      fanwen query "SELECT id, title FROM articles WHERE id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH fanwen_match('双减'))"
    """
    if as_json and as_csv:
        raise InputError("give --json or --csv, not both")
    conn = open_readonly_archive(db)
    deadline = Deadline(timeout or None)
    previous = signal.signal(signal.SIGINT, deadline.interrupt)  # Ctrl-C reaches SQLite through the handler
    try:
        columns, rows = run_query(conn, sql, deadline=deadline)
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
    except QueryStopped as exc:
        raise CommandError(f"SQL: {exc}", INTERRUPTED if deadline.interrupted else FAILED) from exc
    finally:
        signal.signal(signal.SIGINT, previous)
