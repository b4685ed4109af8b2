"""`fanwen index`: rebuild the full-text search index."""

from __future__ import annotations

import time

import click

from fanwen.archive.search import rebuild_index
from crawler.cli.exits import BAD_INPUT, BUSY, OK, UNWRITABLE, epilog
from crawler.cli.options import db_option, holding_archive, open_archive
from crawler.cli.reading import open_readonly_archive


@click.command("index", epilog=epilog(OK, BAD_INPUT, UNWRITABLE, BUSY))
@db_option
def command(db: str) -> None:
    """Rebuild the Chinese full-text index of every article (the crawl keeps it up to date by itself).

    \b
    Example:
      fanwen index --db data/archive.db
    """
    open_readonly_archive(db).close()  # refuses a missing, foreign or newer file before anything writes
    with holding_archive(db):
        archive = open_archive(db, search_index=False)  # not caught up or upgraded first: built again below
        started = time.monotonic()
        total = archive.execute("SELECT count(*) FROM articles").fetchone()[0]
        with click.progressbar(length=total, label="indexing", file=click.get_text_stream("stderr")) as bar:
            count = rebuild_index(archive, progress=bar.update)
        archive.conn.close()
    click.echo(f"indexed {count} articles in {time.monotonic() - started:.1f}s")
