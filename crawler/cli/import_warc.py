"""`fanwen import-warc`: archive the pages of WARC files written by other tools."""

from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

import click

from fanwen.archive.lock import ArchiveBusy
from crawler.cli.exits import BAD_INPUT, BUSY, FAILED, NOTHING_FETCHED, OK, UNWRITABLE, BusyError, CommandError, epilog
from crawler import console
from crawler.cli.options import holding_archive, json_option, open_archive, parse_settings
from crawler.cli.verbosity import current_verbosity, verbosity_options


@click.command("import-warc", epilog=epilog(OK, FAILED, BAD_INPUT, NOTHING_FETCHED, UNWRITABLE, BUSY))
@click.argument("files", nargs=-1, required=True)
@click.option("--db", required=True, help="the archive to write (SQLite file)")
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="Only records of this host or site (www./m. mirrors included); repeatable. Default: all.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for fanwen crawl.")
@json_option
@verbosity_options
def command(files: tuple[str, ...], db: str, sites: tuple[str, ...], settings: tuple[str, ...], as_json: bool) -> None:
    """Index the WARC FILES (globs work) into the archive's captures and archive their pages as a crawl would.

    wget --warc-file, browsertrix-crawler, Heritrix and Common Crawl WARCs (.warc.gz or .warc) are read;
    records of other hosts are skipped fast; damaged records are skipped and counted. The files are
    read where they are (captures.file is their absolute path): keep them there for reextract.
    Killed, it resumes when run again.

    \b
    Example:
      fanwen import-warc crawls/*.warc.gz --db data/archive.db --site www.example.com
    """
    from fanwen.archive.extraction import reextract_report
    from crawler.capture.importer import import_files
    from crawler.capture.reextract import NoCaptures, run_reextract
    from crawler.cli.reextract import stop_if_unwritable

    paths, missing = expand(files)
    for name in missing:
        click.echo(f"skipped {name}: no such file", err=True)
    if not paths:
        raise CommandError("no WARC file to read: give .warc.gz or .warc files (or globs)", BAD_INPUT)
    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    try:
        counts, start_urls = import_files(db, paths, set(sites))
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    click.echo(f"read {counts.files} files: {counts.records} records, {counts.kept} kept"
               + "".join(f", {n} {why}" for why, n in sorted(counts.skipped.items())), err=True)
    if not start_urls:
        raise CommandError("no page of the named hosts in these files" if sites else "no HTTP page in these files", NOTHING_FETCHED)
    verbosity = current_verbosity()
    console.configure(verbosity)  # one line per warning; a failed archive write is said once, below
    try:
        stats = run_reextract(db, None, list(sites), {**console.crawl_log_settings(verbosity), **parse_settings(settings)},
                              start_urls)
    except NoCaptures as exc:
        raise CommandError(str(exc), NOTHING_FETCHED) from exc
    except ArchiveBusy as exc:  # another crawl took the archive
        raise BusyError(str(exc)) from exc
    stop_if_unwritable(db, stats, "import")
    report = reextract_report(open_archive(db).conn, int(stats["fanwen/crawl_id"]))
    report.update(finish_reason=stats.get("finish_reason"), records=counts.as_dict())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(f"imported (crawl {report['crawl_id']}) {report['finish_reason']}: {report['pages']} pages,"
                   f" {len(report['gained'])} new articles, {report['missing_captures']} captures unreadable")
    if report["finish_reason"] != "finished" or missing:
        sys.exit(1)


def expand(files: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """Files and glob matches, each once; names that match nothing."""
    paths: dict[Path, None] = {}
    missing = []
    for name in files:
        matches = [name] if Path(name).is_file() else sorted(glob.glob(name))
        matches = [m for m in matches if Path(m).is_file()]
        if not matches:
            missing.append(name)
        for match in matches:
            paths.setdefault(Path(match).resolve(), None)
    return list(paths), missing
