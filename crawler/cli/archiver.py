"""`fanwen archiver`: archive the items of a distributed crawl, acknowledging each after its commit."""

from __future__ import annotations


import click

from crawler import console
from crawler.cli.crawl import report_crawl
from fanwen.archive.lock import ArchiveBusy
from crawler.cli.exits import BAD_INPUT, BUSY, FAILED, NOTHING_FETCHED, OK, UNWRITABLE, BusyError, epilog
from crawler.cli.options import check_redis, db_option, holding_archive, json_option, open_archive, parse_settings, redis_option
from crawler.cli.verbosity import current_verbosity, verbosity_options


@click.command("archiver", epilog=epilog(OK, FAILED, BAD_INPUT, NOTHING_FETCHED, UNWRITABLE, BUSY))
@redis_option
@db_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for scrapy crawl -s.")
@json_option
@verbosity_options
def command(redis_url: str, db: str, settings: tuple[str, ...], as_json: bool) -> None:
    """Drain the items the workers send into the archive, through the same cleaning and dedupe as
    `fanwen crawl`; stops when no worker is left and nothing has come for FANWEN_WORKER_IDLE seconds.
    Run one archiver per crawl; a restarted archiver loses nothing and archives nothing twice.

    \b
    Example:
      fanwen archiver --redis redis://10.0.0.5:6379/0 --db data/archive.db
    """
    from crawler.distributed.run import run_archiver

    check_redis(redis_url)
    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    verbosity = current_verbosity()
    console.configure(verbosity)
    try:
        stats = run_archiver(redis_url, db, {**console.crawl_log_settings(verbosity), **parse_settings(settings)})
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    report_crawl(db, stats["fanwen/crawl_id"], as_json)
