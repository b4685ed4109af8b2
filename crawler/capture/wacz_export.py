"""`fanwen export --wacz PATH`: the archive's captures packaged for ReplayWeb.page (archive.wacz)."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.capture.names import capture_dir


def export_wacz(db: str, output: str, sites: tuple[str, ...] = (), warc_dir: str = "") -> None:
    """Write the WACZ and say what is in it; a capture file gone from the folder is named, not fatal."""
    from fanwen.archive.wacz import write_wacz

    if not Path(db).is_file():
        raise click.ClickException(f"{db}: no such archive; give the archive with --db")
    if not Path(output).parent.is_dir():
        raise click.ClickException(f"--wacz {output}: no such folder; give a path in an existing folder")
    counts = write_wacz(db, capture_dir(db, warc_dir), output, list(sites))
    if counts["missing_files"]:
        click.echo(f"skipped {counts['missing_files']} WARC files gone from {capture_dir(db, warc_dir)}", err=True)
    click.echo(f"wrote {output}: {counts['warc_files']} WARC files, {counts['captures']} captures,"
               f" {counts['pages']} pages", err=True)
