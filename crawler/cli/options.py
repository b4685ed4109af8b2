"""Options and checks shared by the commands."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import click

from fanwen.archive.lock import ArchiveBusy, ArchiveLock
from crawler.cli.exits import BAD_INPUT, BusyError, CommandError, UnwritableError, is_unwritable
from crawler.console import redact

DEFAULT_DB = "data/archive.db"
CONTEXT = {"help_option_names": ["-h", "--help"]}


def db_option(f):
    return click.option(
        "--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Archive file."
    )(f)


def redis_option(f):
    return click.option(
        "--redis", "redis_url", required=True, metavar="URL", help="Redis of the distributed crawl, e.g. redis://HOST:6379/0."
    )(f)


def check_redis(url: str) -> None:
    """Stop with a sentence when the crawl's Redis does not answer."""
    from crawler.distributed.run import connect

    try:
        connect(url).close()
    except Exception as exc:  # refused, unknown host, bad URL
        raise CommandError(f"{redact(url)}: Redis does not answer ({exc}); is redis-server running there?") from exc


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


def parse_settings(values: tuple[str, ...]) -> dict[str, Any]:
    """`-s NAME=VALUE` pairs, as `scrapy crawl -s` takes them."""
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r}: write NAME=VALUE, e.g. -s DOWNLOAD_DELAY=1", param_hint="-s")
        settings[name.strip()] = setting
    return settings


def parse_resolve(values: tuple[str, ...]) -> dict[str, str]:
    hosts = {}
    for value in values:
        name, sep, address = value.partition("=")
        if not sep or not name or not address:
            raise click.BadParameter(
                f"{value!r}: write HOST=IP, e.g. --resolve www.example.com=127.0.0.1", param_hint="--resolve"
            )
        hosts[name.strip()] = address.strip()
    return hosts


def check_start_urls(start_urls: tuple[str, ...] | list[str]) -> None:
    """Refuse (exit 2, before anything is written) what a crawl cannot start from."""
    for url in start_urls:
        try:
            parts = urlsplit(url)
            hostname = parts.hostname
        except ValueError:  # an unclosed [ of an IPv6 address, a bad port
            hostname = None
        if parts.scheme not in ("http", "https") or not hostname:
            raise click.BadParameter(f"{redact(url)!r} is not an http(s) URL", param_hint="START_URLS")
        if "@" in parts.netloc:
            raise click.BadParameter(f"{redact(url)!r} carries user info (user:password@): fanwen sends no "
                                     "credentials; give the URL without it", param_hint="START_URLS")


def open_archive(db: str, search_index: bool = True):
    """Open or create the archive, or stop with a sentence that says what to do (`search_index=False`:
    leave the search index as it is, for a command that rebuilds it anyway)."""
    from fanwen.archive import NotAnArchive, connect  # sqlite-utils: only for the commands that write

    try:
        return connect(db, search_index=search_index)
    except NotAnArchive as exc:
        raise CommandError(f"{db}: {exc}", BAD_INPUT) from exc
    except Exception as exc:  # sqlite3 errors: not a database, locked, disk full, unwritable folder
        message = str(exc)
        if "locked" in message:
            raise BusyError(f"{db} is in use by another process ({message}); run this again when it has ended") from exc
        if is_unwritable(exc):
            raise UnwritableError(f"{db}: cannot write the archive ({message}); free space or give a writable path with --db") from exc
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise UnwritableError(f"{db}: cannot open the archive ({message}); give a writable path with --db") from exc
        raise


def existing_archive(db: str):
    """Open an archive that must exist already (commands that change schedules or rebuild): exit 2 if missing."""
    if not Path(db).is_file():
        raise CommandError(f"--db {db}: there is no archive there; crawl into it first or give the right --db", BAD_INPUT)
    return open_archive(db)


@contextmanager
def holding_archive(db: str) -> Iterator[None]:
    """Hold the archive's crawl lock while a command writes it (`fanwen index`, `fanwen dedupe`, and
    `fanwen crawl` while it creates or migrates the archive)."""
    lock = ArchiveLock(db)
    try:
        lock.acquire()
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    except OSError as exc:  # the lock file cannot be made there: an unwritable place
        raise UnwritableError(f"{db}: cannot open the archive ({exc}); give a writable path with --db") from exc
    try:
        yield
    finally:
        lock.release()
