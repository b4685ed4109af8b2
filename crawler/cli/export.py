"""`fanwen export`: stream articles with their provenance to JSON Lines, a JSON array, CSV or Parquet."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import click

from fanwen.archive.cjk import BadQuery
from fanwen.archive.filters import Filters
from fanwen.archive.export import FIELDS, article_lines, count_articles, sql_lines
from fanwen.archive.query import BadSQL
from crawler.cli.exits import BAD_INPUT, FAILED, OK, epilog
from crawler.cli.options import db_option
from crawler.cli.reading import InputError, open_readonly_archive
from crawler.cli.research_options import analysis_filters, make_analysis_filters

FORMATS = {".jsonl": ("jsonl", False), ".jsonl.gz": ("jsonl", True), ".json": ("json", False), ".json.gz": ("json", True),
           ".csv": ("csv", False), ".csv.gz": ("csv", True), ".parquet": ("parquet", False)}


@click.command("export", epilog=epilog(OK, FAILED, BAD_INPUT))
@db_option
@click.option("-o", "--output",
              help="File to write (.jsonl, .jsonl.gz, .json, .json.gz, .csv, .csv.gz, .parquet), or - for stdout.")
@click.option("--wacz", "wacz_path", metavar="PATH", help="Write the WARC captures, their CDXJ and the page list as WACZ instead (ReplayWeb.page).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv"]), help="Format for -o - (default jsonl).")
@click.option("--search", "query", help="Only articles matching this search expression (as for fanwen search).")
@click.option("--sql", help="Export the rows of this read-only SQL query instead of articles.")
@analysis_filters
def command(db: str, output: str | None, wacz_path: str | None, fmt: str | None, query: str | None, sql: str | None,
            **filter_args) -> None:
    """Export articles with provenance (site, all URLs, times, crawl, content hash, duplicate cluster).

    Near-duplicates are left out unless --include-duplicates. The output loads as it is with
    datasets.load_dataset("json", data_files=...) and pandas.read_json(..., lines=True); .parquet
    and .csv have the same rows and columns (lists in CSV cells as JSON text).

    \b
    Examples:
      fanwen export --db data/archive.db -o articles.jsonl.gz --site baihua.test --since 2023-01-01
      fanwen export --db data/archive.db -o - --search 双减 | head
    """
    if wacz_path:
        from crawler.capture.wacz_export import export_wacz  # WARC captures (docs/warc.md)

        return export_wacz(db, wacz_path, filter_args.get("sites") or ())
    if not output:
        raise InputError("give -o FILE (or --wacz PATH)")
    fmt, compress = output_format(output, fmt)
    refuse_overwriting_the_archive(output, db)
    conn = open_readonly_archive(db)
    filters = make_analysis_filters(conn, **filter_args)
    if sql and (query or filters != Filters()):
        raise InputError("--sql selects the rows itself: give it without --search and the filters")
    try:
        total = _count(conn, sql, filters, query) if sys.stderr.isatty() and output != "-" else None
        lines = sql_lines(conn, sql) if sql else article_lines(conn, filters, query)
        first = next(lines, None)  # a bad query fails here, before the output file is touched
    except (BadSQL, BadQuery) as exc:
        raise InputError(f"{'--sql' if sql else '--search'}: {exc}") from exc
    stream = _chain(first, lines)
    with _progress(total) as bar:
        count = write_records(stream, output, fmt, compress, bar.update if bar else None, None if sql else FIELDS)
    click.echo(f"exported {count} records to {output}", err=True)


def refuse_overwriting_the_archive(output: str, db: str) -> None:
    """`-o` naming the archive (or its WAL, shared-memory or lock file) would replace it by its own export."""
    if output == "-":
        return
    target = Path(output).resolve()
    archive = Path(db).resolve()
    files = [archive, *(archive.with_name(archive.name + suffix) for suffix in ("-wal", "-shm", "-journal", ".lock"))]
    if target in files or (target.exists() and archive.exists() and os.path.samefile(target, archive)):
        raise InputError(f"-o {output} is the archive itself (--db {db}); give another file name")


def output_format(output: str, fmt: str | None) -> tuple[str, bool]:
    if output == "-":
        return fmt or "jsonl", False
    for suffix, (kind, compress) in FORMATS.items():
        if output.endswith(suffix):
            return fmt or kind, compress
    raise InputError(f"-o {output}: name the file .jsonl, .jsonl.gz, .json, .json.gz, .csv, .csv.gz or .parquet"
                     " (or give -o - for stdout)")


def write_records(lines: Iterable[str], output: str, fmt: str, compress: bool, progress=None,
                  fields: list[str] | None = None) -> int:
    """Write the records; a file appears only when complete (written beside it, then renamed)."""
    if output == "-":
        return _write(lines, sys.stdout, fmt, progress, fields)
    target = Path(output)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InputError(f"-o: cannot write {output} ({exc.strerror}); give a writable path") from exc
    try:
        if fmt == "parquet":
            from fanwen.archive.tabular import write_parquet

            os.close(handle)
            count = write_parquet(map(json.loads, lines), temp, fields, progress)
        else:
            with os.fdopen(handle, "wb") as raw:
                binary = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if compress else raw
                with io.TextIOWrapper(binary, encoding="utf-8", newline="") as text:  # closes gzip, not raw's fd twice
                    count = _write(lines, text, fmt, progress, fields)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return count


def _write(lines: Iterable[str], out: IO[str], fmt: str, progress, fields: list[str] | None = None) -> int:
    if fmt == "csv":
        from fanwen.archive.tabular import write_csv

        count = write_csv(map(json.loads, lines), out, fields, progress)
        out.flush()
        return count
    count = 0
    out.write("[\n" if fmt == "json" else "")
    separator = ",\n" if fmt == "json" else "\n"
    for line in lines:
        if count and fmt == "json":
            out.write(separator)
        out.write(line if fmt == "json" else line + "\n")
        count += 1
        if progress and count % 1000 == 0:
            progress(1000)
    out.write("\n]\n" if fmt == "json" and count else "]\n" if fmt == "json" else "")
    out.flush()
    return count


def _chain(first: str | None, rest: Iterator[str]) -> Iterator[str]:
    if first is not None:
        yield first
        yield from rest


def _count(conn, sql: str | None, filters, query: str | None) -> int | None:
    if sql:
        return None  # counting an arbitrary query would run it twice
    return count_articles(conn, filters, query)


@contextlib.contextmanager
def _progress(total: int | None):
    if total is None:
        yield None
        return
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        yield bar
