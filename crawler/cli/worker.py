"""`fanwen worker`: fetch pages from a shared frontier in Redis (any number, on any machine)."""

from __future__ import annotations

import json

import click

from crawler import console
from crawler.cli.exits import BAD_INPUT, FAILED, OK, CommandError, epilog
from crawler.cli.options import check_redis, json_option, parse_resolve, parse_settings, redis_option
from crawler.cli.verbosity import current_verbosity, verbosity_options


@click.command("worker", epilog=epilog(OK, FAILED, BAD_INPUT))
@redis_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for scrapy crawl -s.")
@click.option("--resolve", multiple=True, metavar="HOST=IP", help="Resolve HOST to IP (like curl --resolve).")
@click.option("--warc", "warc_dir", metavar="DIR",
              help="Folder for this worker's WARC files (one the archiver's machine can read; workers may share it).")
@click.option("--no-warc", is_flag=True, help="Do not capture the fetched pages into WARC files.")
@json_option
@verbosity_options
def command(redis_url: str, settings: tuple[str, ...], resolve: tuple[str, ...], warc_dir: str | None, no_warc: bool,
            as_json: bool) -> None:
    """Take requests from the shared frontier of a crawl seeded by `fanwen crawl --redis` and send the
    pages' items to `fanwen archiver`; stops when the frontier has been empty for FANWEN_WORKER_IDLE seconds.

    \b
    Example:
      fanwen worker --redis redis://10.0.0.5:6379/0 --warc /shared/warc -s DOWNLOAD_DELAY=1
    """
    from crawler.distributed.capture import NoWarcFolder
    from crawler.distributed.run import run_worker

    check_redis(redis_url)
    overrides = parse_settings(settings)
    if resolve:
        overrides["FANWEN_RESOLVE"] = parse_resolve(resolve)
    if warc_dir or no_warc:  # WARC capture (docs/warc.md): each worker its own files
        overrides.update({"FANWEN_WARC_DIR": warc_dir or "", "FANWEN_WARC_ENABLED": not no_warc})
    verbosity = current_verbosity()
    console.configure(verbosity)
    try:
        stats = run_worker(redis_url, {**console.crawl_log_settings(verbosity), **overrides})
    except NoWarcFolder as exc:
        raise CommandError(str(exc), BAD_INPUT) from exc
    if stats.get("finish_reason") == "no seed":
        raise CommandError(f"{redis_url}: no crawl is seeded there; seed one with fanwen crawl START_URL --redis {redis_url}")
    summary = {
        "finish_reason": stats.get("finish_reason"),
        "requests": stats.get("downloader/request_count", 0),
        "items": stats.get("item_scraped_count", 0),
        "requeued": stats.get("fanwen/distributed/requeued", 0),
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"worker {summary['finish_reason']} after {summary['elapsed_seconds'] or 0:.1f}s: {summary['requests']} requests,"
            f" {summary['items']} items sent to the archiver, {summary['requeued']} requests of stopped workers requeued"
        )
