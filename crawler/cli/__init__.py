"""The `fanwen` command: a click group; each subcommand is one module of this package."""

from __future__ import annotations

import importlib

import click

CONTEXT = {"help_option_names": ["-h", "--help"]}
# One module per command, each defining `command`. Add a command by adding its module here.
COMMAND_MODULES = ["crawl", "demo", "sites", "search", "index", "query", "export", "stats", "serve", "dedupe",
                   "schedule", "scheduler", "worker", "archiver"]
COMMAND_MODULES += ["kwic", "trend", "collocates", "keywords"]  # the research workbench (docs/research.md)


@click.group(context_settings=CONTEXT)
def main() -> None:
    """Crawl Chinese 范文/公文 sites into a clean, deduplicated SQLite archive."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(f"crawler.cli.{_name}").command)
