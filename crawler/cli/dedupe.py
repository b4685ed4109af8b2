"""`fanwen dedupe`: recompute near-duplicate clusters over an existing archive."""

from __future__ import annotations

import json
from typing import Any

import click

from crawler.cli.exits import BAD_INPUT, BUSY, OK, UNWRITABLE, epilog
from crawler.cli.options import db_option, holding_archive
from crawler.cli.reading import open_readonly_archive

DEFAULT_THRESHOLD = 0.6  # archive.neardup.DEFAULT_THRESHOLD (checked by a test; imported late, it loads numpy)


@click.command("dedupe", epilog=epilog(OK, BAD_INPUT, UNWRITABLE, BUSY))
@db_option
@click.option("--threshold", type=click.FloatRange(0.05, 1.0), default=DEFAULT_THRESHOLD, show_default=True,
              help="exact Jaccard of the shingle sets at or above which two articles are near-duplicates")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def command(db: str, threshold: float, as_json: bool) -> None:
    """Recompute near-duplicate clusters (articles.duplicate_of) without refetching, and report the changes.

    Signatures stored in the archive are reused; missing ones are computed.

    \b
    Example:
      fanwen dedupe --db data/archive.db --threshold 0.7
    """
    from fanwen.archive.neardup import recompute_clusters  # numpy, rensa: only when it runs

    open_readonly_archive(db).close()  # refuses a missing, foreign or newer file before anything writes
    with holding_archive(db):
        report = recompute_clusters(db, threshold)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


def format_report(r: dict[str, Any]) -> str:
    return "\n".join([
        f"near-duplicates at threshold {r['threshold']}: {r['articles']} articles"
        f" ({r['signatures_computed']} signatures computed, {r['pairs_verified']} pairs verified)",
        f"  clusters: {r['clusters_before']} -> {r['clusters_after']}",
        f"  linked articles: {r['linked_before']} -> {r['linked_after']}"
        f" ({r['newly_linked']} newly linked, {r['unlinked']} unlinked, {r['moved']} moved to another representative)",
    ])
