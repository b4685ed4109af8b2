"""`fanwen crawl`: crawl sites into the archive and print a summary."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from fanwen.archive.lock import ArchiveBusy
from fanwen.archive.summary import crawl_summary
from crawler.cli.exits import (BAD_INPUT, BUSY, FAILED, NOTHING_FETCHED, OK, QUALITY_ALARM, UNWRITABLE, BusyError,
                               CommandError, UnwritableError, epilog)
from crawler.cli.options import (check_start_urls, db_option, holding_archive, json_option, open_archive, parse_resolve,
                                 parse_settings)
from crawler.cli.reading import open_readonly_archive
from crawler.cli.verbosity import current_verbosity, verbosity_options
from crawler.console import redact


@click.command("crawl", epilog=epilog(OK, FAILED, BAD_INPUT, NOTHING_FETCHED, QUALITY_ALARM, UNWRITABLE, BUSY))
@click.argument("start_urls", nargs=-1, required=True)
@db_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for scrapy crawl -s.")
@click.option("--resolve", multiple=True, metavar="HOST=IP", help="Resolve HOST to IP (like curl --resolve).")
@click.option("--redis", "redis_url", metavar="URL", help="Only seed a distributed crawl in this Redis (see fanwen worker).")
@click.option("--fresh", is_flag=True, help="With --redis: forget the seen URLs and frontier of an earlier crawl first.")
@click.option("--warc", "warc_dir", metavar="DIR", help="Capture folder for the WARC files (default: beside the archive, data/archive.warc).")
@click.option("--no-warc", is_flag=True, help="Do not capture the fetched pages into WARC files.")
@json_option
@verbosity_options
def command(start_urls: tuple[str, ...], db: str, settings: tuple[str, ...], resolve: tuple[str, ...],
            redis_url: str | None, fresh: bool, warc_dir: str | None, no_warc: bool, as_json: bool) -> None:
    """Crawl the sites of START_URLS (their hosts and m./www./mip. mirrors) into the archive.

    With --redis, queue them in the shared frontier of a distributed crawl instead, for `fanwen worker`
    processes to fetch and `fanwen archiver` to archive.

    \b
    Examples:
      fanwen crawl https://www.example.com/ --db data/archive.db -s DOWNLOAD_DELAY=2
      fanwen crawl https://www.example.com/ --redis redis://10.0.0.5:6379/0
    """
    check_start_urls(start_urls)
    if redis_url:
        seed_and_report(list(start_urls), redis_url, fresh, as_json)
        return
    overrides = parse_settings(settings)
    if resolve:
        overrides["FANWEN_RESOLVE"] = parse_resolve(resolve)
    if warc_dir or no_warc:  # WARC capture (docs/warc.md)
        overrides.update({"FANWEN_WARC_DIR": warc_dir or "", "FANWEN_WARC_ENABLED": not no_warc})
    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    crawl_and_report(list(start_urls), db, overrides, as_json)


def crawl_and_report(start_urls: list[str], db: str, overrides: dict[str, Any], as_json: bool) -> None:
    """Run the crawl, check its quality, print its summary and exit with the status of docs/cli.md."""
    from crawler.run import run_crawl  # imports Scrapy: only when a crawl runs

    try:
        stats = run_crawl(start_urls, db, overrides, current_verbosity())
    except ArchiveBusy as exc:  # another crawl took the archive since the check above
        raise BusyError(str(exc)) from exc
    if stats.get("fanwen/archive_error"):
        raise UnwritableError(f"{db}: the crawl stopped: cannot write the archive ({stats['fanwen/archive_error']});"
                              " free space, then run the same command again to resume")
    crawl_id = stats.get("fanwen/crawl_id")
    if crawl_id is None:
        raise CommandError(f"the crawl stopped before it began ({stats.get('finish_reason')});"
                           " run again with -v to see why")
    report_crawl(db, crawl_id, as_json, stats.get("fanwen/alarms"))  # the archive session ran the monitors


def report_crawl(db: str, crawl_id: int, as_json: bool, alarms: list[str] | None = None) -> None:
    """Print a crawl's summary (as JSON with --json), then exit with its status: 1 when it did not finish,
    3 when it fetched nothing, 4 on a quality alarm."""
    conn = open_readonly_archive(db)  # reads only: a full disk does not stop the report
    try:
        summary = crawl_summary(conn, crawl_id)
    finally:
        conn.close()
    summary["alarms"] = alarms or []
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, db))
    status = crawl_status(summary)
    if status != OK:
        click.echo(f"Error: {status_line(summary, status)}", err=True)
        sys.exit(status)


def crawl_status(summary: dict[str, Any]) -> int:
    if summary["finish_reason"] not in ("finished", None) or summary["errors"].get("internal_error"):
        return FAILED
    if not summary["fetched"]:
        return NOTHING_FETCHED
    if summary["alarms"]:
        return QUALITY_ALARM
    return OK


def status_line(summary: dict[str, Any], status: int) -> str:
    if status == FAILED and summary["finish_reason"] in ("finished", None):
        return (f"crawl {summary['crawl_id']}: {summary['errors']['internal_error']} page(s) failed on an internal error"
                " (a bug: -v shows its traceback); run the same command again to fetch them again")
    if status == FAILED:
        return f"crawl {summary['crawl_id']} did not finish ({summary['finish_reason']}); run the same command again to resume it"
    if status == NOTHING_FETCHED:
        failed = ", ".join(f"{n} {reason}" for reason, n in summary["errors"].items()) or "no request was made"
        return f"crawl {summary['crawl_id']} fetched no page ({failed}); check the start URLs and the network"
    return f"crawl {summary['crawl_id']} raised {len(summary['alarms'])} quality alarm(s): {'; '.join(summary['alarms'])}"


def seed_and_report(start_urls: list[str], redis_url: str, fresh: bool, as_json: bool) -> None:
    from crawler.distributed.run import seed_crawl

    shown = redact(redis_url)
    try:
        result = seed_crawl(redis_url, start_urls, fresh)
    except RuntimeError as exc:
        raise CommandError(f"{shown}: {exc}; wait for them to finish or seed without --fresh") from exc
    except Exception as exc:  # redis errors: refused, unknown host, bad URL
        raise CommandError(f"{shown}: cannot seed the crawl ({exc}); is redis-server running there?") from exc
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"seeded {shown}: {result['queued']} start URLs queued, {result['seen']} seen before")
    if result["seen"] and not fresh:
        click.echo("  start URLs seen before are not fetched again: add --fresh to crawl them again")


def format_summary(s: dict[str, Any], db: str) -> str:
    pages = ", ".join(f"{n} {kind}" for kind, n in sorted(s["pages"].items(), key=lambda kv: -kv[1]))
    errors = ", ".join(f"{n} {reason}" for reason, n in s["errors"].items()) or "none"
    skipped = ", ".join(f"{n} {reason}" for reason, n in s["skipped"].items()) or "none"
    lines = [
        f"crawl {s['crawl_id']} {s['finish_reason']} in {s['elapsed_seconds'] or 0:.1f}s: {s['requests'] or 0} requests",
        f"  pages:    {pages}",
        f"  errors:   {errors}",
        f"  skipped:  {skipped} (not requested on purpose)",
        f"  archived: {s['articles_new']} new articles, {s['urls_new']} new URLs",
        f"  archive:  {db}: {s['articles_total']} articles at {s['urls_total']} URLs",
    ]
    lines += [f"    {site['site']}: {site['articles']} articles, {site['chars'] or 0} characters" for site in s["sites"]]
    lines += [f"  alarm:    {alarm}" for alarm in s.get("alarms", [])]
    return "\n".join(lines)
