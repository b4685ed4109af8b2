"""`fanwen crawl`: crawl sites into the archive and print a summary."""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import urlsplit

import click

from archive.lock import ArchiveBusy
from archive.summary import crawl_summary, last_crawl_id
from crawler.cli.options import (BusyError, db_option, holding_archive, json_option, open_archive, parse_resolve,
                                 parse_settings)


@click.command("crawl")
@click.argument("start_urls", nargs=-1, required=True)
@db_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for scrapy crawl -s.")
@click.option("--resolve", multiple=True, metavar="HOST=IP", help="Resolve HOST to IP (like curl --resolve).")
@click.option("--redis", "redis_url", metavar="URL", help="Only seed a distributed crawl in this Redis (see fanwen worker).")
@click.option("--fresh", is_flag=True, help="With --redis: forget the seen URLs and frontier of an earlier crawl first.")
@json_option
def command(start_urls: tuple[str, ...], db: str, settings: tuple[str, ...], resolve: tuple[str, ...],
            redis_url: str | None, fresh: bool, as_json: bool) -> None:
    """Crawl the sites of START_URLS (their hosts and m./www./mip. mirrors) into the archive.

    With --redis, queue them in the shared frontier of a distributed crawl instead, for `fanwen worker`
    processes to fetch and `fanwen archiver` to archive.

    Example: fanwen crawl https://www.example.com/ --db data/archive.db -s DOWNLOAD_DELAY=2
    """
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="START_URLS")
    if redis_url:
        seed_and_report(list(start_urls), redis_url, fresh, as_json)
        return
    overrides = parse_settings(settings)
    if resolve:
        overrides["FANWEN_RESOLVE"] = parse_resolve(resolve)
    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    crawl_and_report(list(start_urls), db, overrides, as_json)


def crawl_and_report(start_urls: list[str], db: str, overrides: dict[str, Any], as_json: bool) -> None:
    from crawler.run import run_crawl  # imports Scrapy: only when a crawl runs

    try:
        stats = run_crawl(start_urls, db, overrides)
    except ArchiveBusy as exc:  # another crawl took the archive since the check above
        raise BusyError(str(exc)) from exc
    archive = open_archive(db)
    report_crawl(archive, db, stats.get("fanwen/crawl_id") or last_crawl_id(archive), as_json)


def report_crawl(archive, db: str, crawl_id: int, as_json: bool) -> None:
    """Print a crawl's summary (as JSON with --json); exit 1 when it did not finish."""
    summary = crawl_summary(archive, crawl_id)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, db))
    if summary["finish_reason"] not in ("finished", None):
        sys.exit(1)


def seed_and_report(start_urls: list[str], redis_url: str, fresh: bool, as_json: bool) -> None:
    from crawler.distributed.run import seed_crawl

    try:
        result = seed_crawl(redis_url, start_urls, fresh)
    except RuntimeError as exc:
        raise click.ClickException(f"{redis_url}: {exc}; wait for them to finish or seed without --fresh") from exc
    except Exception as exc:  # redis errors: refused, unknown host, bad URL
        raise click.ClickException(f"{redis_url}: cannot seed the crawl ({exc}); is redis-server running there?") from exc
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"seeded {redis_url}: {result['queued']} start URLs queued, {result['seen']} seen before")
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
    return "\n".join(lines)
