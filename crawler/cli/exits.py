"""Exit statuses of `fanwen` (the table of docs/cli.md) and the exceptions that end a command with one line."""

from __future__ import annotations

from typing import Any

import click


OK = 0
FAILED = 1  # the crawl did not finish (stopped, killed), or an unexpected error
BAD_INPUT = 2  # click's usage status: a bad option, argument, path or query; nothing was changed
NOTHING_FETCHED = 3  # the crawl fetched no page at all (host unknown, refused, every start URL failed)
QUALITY_ALARM = 4  # the crawl finished but broke a quality threshold (FANWEN_MONITOR_*; crawls.alarms says which)
INTERRUPTED = 130  # Ctrl-C
UNWRITABLE = 74  # EX_IOERR: the archive cannot be written (disk full, read-only file system, I/O error)
BUSY = 75  # EX_TEMPFAIL: another crawl or scheduler holds the archive; run again later

# One line per status, shown in every command's --help (the same table as docs/cli.md).
TABLE = {
    OK: "done",
    FAILED: "the crawl did not finish, or an unexpected error",
    BAD_INPUT: "bad input (option, argument, path, query); nothing changed",
    NOTHING_FETCHED: "the crawl fetched no page",
    QUALITY_ALARM: "a crawl-quality alarm (see fanwen stats)",
    UNWRITABLE: "the archive cannot be written (disk full, read-only)",
    BUSY: "the archive is in use by another crawl or scheduler",
    INTERRUPTED: "interrupted (Ctrl-C)",
}


def epilog(*statuses: int) -> str:
    """The 'Exit status' paragraph of a command's help: `\\b` keeps click from re-wrapping it."""
    return "\b\nExit status:\n" + "\n".join(f"  {s:<3} {TABLE[s]}" for s in statuses)


class CommandError(click.ClickException):
    """One line on stderr ("Error: ...") and a given exit status."""

    def __init__(self, message: str, exit_code: int = FAILED):
        from crawler.console import redact  # logging: only when an error is shown

        super().__init__(redact(message))
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


class BusyError(CommandError):
    """The archive is in use by another crawl or scheduler (exit status 75, EX_TEMPFAIL)."""

    def __init__(self, message: str):
        super().__init__(message, BUSY)


class UnwritableError(CommandError):
    """The archive cannot be written: disk full, read-only, I/O error (exit status 74, EX_IOERR)."""

    def __init__(self, message: str):
        super().__init__(message, UNWRITABLE)


def is_unwritable(exc: BaseException) -> bool:
    """Whether an error says the archive cannot be written (crawler.writeguard.is_unwritable)."""
    from crawler.writeguard import is_unwritable as says_unwritable

    return says_unwritable(exc)
