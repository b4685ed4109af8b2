"""`fanwen reextract`: rebuild the articles from the WARC captures with the current extractor."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from fanwen.archive.lock import ArchiveBusy
from crawler import console
from crawler.cli.exits import (BAD_INPUT, BUSY, FAILED, NOTHING_FETCHED, OK, UNWRITABLE, BusyError, CommandError,
                               UnwritableError, epilog)
from crawler.cli.options import holding_archive, json_option, open_archive, parse_settings
from crawler.cli.verbosity import current_verbosity, verbosity_options


@click.command("reextract", epilog=epilog(OK, FAILED, BAD_INPUT, NOTHING_FETCHED, UNWRITABLE, BUSY))
@click.option("--db", required=True, help="the archive to (re)build (SQLite file)")
@click.option("--site", "sites", multiple=True, metavar="SITE", help="Only this site (e.g. baihuafanwen.com); repeatable.")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False),
              help="Replay the captures of this other archive into --db (default: the captures of --db).")
@click.option("--warc", "warc_dir", metavar="DIR", help="Capture folder of the archive replayed, when not beside it.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for fanwen crawl.")
@json_option
@verbosity_options
def command(db: str, sites: tuple[str, ...], source: str | None, warc_dir: str | None, settings: tuple[str, ...],
            as_json: bool) -> None:
    """Extract every captured page again, without the network, and report what changed.

    Articles whose text changed keep their earlier text in article_versions; the report names them,
    the articles gained and the pages that no longer yield an article. Killed, it resumes when run again.

    \b
    Example:
      fanwen reextract --db data/archive.db --site baihuafanwen.com
    """
    from fanwen.archive.extraction import reextract_report
    from crawler.capture.reextract import NoCaptures, run_reextract

    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    verbosity = current_verbosity()
    console.configure(verbosity)  # one line per warning; a failed archive write is said once, below
    try:
        overrides = {**console.crawl_log_settings(verbosity), **parse_settings(settings)}
        if warc_dir:
            overrides["FANWEN_REPLAY_WARC_DIR"] = warc_dir
        stats = run_reextract(db, source, list(sites), overrides)
    except NoCaptures as exc:
        raise CommandError(str(exc), NOTHING_FETCHED) from exc
    except ArchiveBusy as exc:  # another crawl took the archive
        raise BusyError(str(exc)) from exc
    stop_if_unwritable(db, stats, "re-extraction")
    archive = open_archive(db)
    report = reextract_report(archive.conn, int(stats["fanwen/crawl_id"]))
    report["finish_reason"] = stats.get("finish_reason")
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
    if report["finish_reason"] != "finished":
        sys.exit(1)


def stop_if_unwritable(db: str, stats: dict[str, Any], what: str) -> None:
    """Exit 74 with one line when a write to the archive failed (disk full): the run is resumable."""
    if stats.get("fanwen/archive_error"):
        raise UnwritableError(f"{db}: the {what} stopped: cannot write the archive ({stats['fanwen/archive_error']});"
                              " free space, then run the same command again to resume")


def format_report(r: dict[str, Any], shown: int = 20) -> str:
    lines = [f"re-extraction (crawl {r['crawl_id']}) {r['finish_reason']}: {r['pages']} captured pages,"
             f" {r['missing_captures']} captures missing"]
    for key, label in (("changed", "text changed"), ("gained", "new articles"),
                       ("no_longer_articles", "no longer an article")):
        urls = r[key]
        lines.append(f"  {label}: {len(urls)}")
        lines += [f"    {url}" for url in urls[:shown]]
        if len(urls) > shown:
            lines.append(f"    ... {len(urls) - shown} more (--json lists them all)")
    return "\n".join(lines)
