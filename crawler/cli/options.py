"""Options and checks shared by the commands."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import click

from archive import NotAnArchive, connect
from archive.lock import ArchiveBusy, ArchiveLock

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
        raise click.ClickException(f"{url}: Redis does not answer ({exc}); is redis-server running there?") from exc


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


def open_archive(db: str):
    """Open or create the archive, or stop with a sentence that says what to do."""
    try:
        return connect(db)
    except NotAnArchive as exc:
        raise click.ClickException(f"{db}: {exc}") from exc
    except Exception as exc:  # sqlite3 errors: not a database, unwritable folder
        raise click.ClickException(f"{db}: cannot open the archive ({exc}); give a writable path with --db") from exc


class BusyError(click.ClickException):
    """The archive is in use by another crawl or scheduler (exit status 75, EX_TEMPFAIL)."""

    exit_code = 75


def ensure_free(db: str, role: str = "crawl") -> None:
    """Stop with a clear message when another crawl (or scheduler) holds the archive."""
    try:
        ArchiveLock(db, role).check()
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    except OSError:
        pass  # an unwritable place: open_archive says so


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
        raise click.ClickException(f"{db}: cannot open the archive ({exc}); give a writable path with --db") from exc
    try:
        yield
    finally:
        lock.release()
