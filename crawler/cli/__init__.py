"""The `fanwen` command: a click group; each subcommand is one module of this package, imported only
when it runs (`fanwen --help` must not pay for Scrapy, sqlite-utils or pandas)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from crawler.cli.exits import BUSY, FAILED, INTERRUPTED, BusyError, CommandError, UnwritableError, epilog, is_unwritable
from crawler.cli.verbosity import current_verbosity, verbosity_options

CONTEXT = {"help_option_names": ["-h", "--help"]}
# Command name -> one-line summary for `fanwen --help`; the command itself is in crawler/cli/<name>.py
# (`command`). Add a command by adding its module here.
COMMANDS: dict[str, str] = {
    "crawl": "Crawl sites into the archive (or seed a distributed crawl).",
    "demo": "Serve the bundled demo sites on 127.0.0.1 and crawl them.",
    "sites": "List the archive's sites, their counts and learned boilerplate.",
    "search": "Find articles by Chinese full text, best first.",
    "index": "Rebuild the full-text search index.",
    "query": "Run one read-only SQL statement.",
    "export": "Export articles with provenance to JSON Lines or JSON.",
    "stats": "Articles per site, category and month; crawl history and quality.",
    "serve": "Browse and search the archive in Datasette.",
    "dedupe": "Recompute near-duplicate clusters without refetching.",
    "schedule": "Add, list and remove recurring crawls.",
    "scheduler": "Run the due crawls of the schedules in the foreground.",
    "worker": "Fetch pages from the shared frontier of a distributed crawl.",
    "archiver": "Archive the items of a distributed crawl.",
    "reextract": "Rebuild articles from the WARC captures with the current extractor (no network).",
    "import-warc": "Archive the pages of WARC files written by other tools.",
    # the research workbench (docs/research.md)
    "kwic": "Concordance lines of a word or phrase, with exact totals.",
    "trend": "Frequency of words or phrases per year or month.",
    "collocates": "Words found near a word, scored by logDice and MI.",
    "keywords": "Words that set one sub-corpus apart from another (log-likelihood).",
}
MODULES = {name: name.replace("-", "_") for name in COMMANDS}


class FanwenGroup(click.Group):
    """Commands imported on first use; any error ends with one line and a documented exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"crawler.cli.{MODULES[name]}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """As click's, but a usage error is one line too (click adds the usage and a hint on three more)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            status = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            hint = f" (see {exc.ctx.command_path} -h)" if exc.ctx is not None else ""
            from crawler.console import redact

            click.echo(f"Error: {redact(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(INTERRUPTED)
        sys.exit(status if isinstance(status, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(INTERRUPTED)
        except Exception as exc:
            if current_verbosity() > 0:
                raise
            if type(exc).__name__ == "OperationalError" and ("locked" in str(exc) or "busy" in str(exc)):  # sqlite3's
                raise BusyError(f"the archive is in use by another process ({exc}); run this again when it has ended") from exc
            if is_unwritable(exc):
                raise UnwritableError(f"cannot write ({exc}); free space or give a writable path") from exc
            raise _unexpected(exc) from exc


def _unexpected(exc: BaseException) -> CommandError:
    text = " ".join(str(exc).split())[:300]
    return CommandError(f"{type(exc).__name__}: {text} (run again with -v to see the traceback)", FAILED)


@click.group(cls=FanwenGroup, context_settings=CONTEXT,
             epilog="Run `fanwen COMMAND -h` for a command's options, examples and exit statuses.")
@verbosity_options
def main() -> None:
    """Crawl Chinese 范文/公文 sites into a clean, deduplicated SQLite archive.

    -v and -q also go after the command (fanwen crawl URL -v).
    """


__all__ = ["BUSY", "COMMANDS", "epilog", "main"]
