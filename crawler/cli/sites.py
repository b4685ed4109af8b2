"""`fanwen sites`: the sites of an archive and the boilerplate learned for each."""

from __future__ import annotations

import json

import click

from fanwen.archive.sites import site_overview
from crawler.cli.exits import BAD_INPUT, OK, epilog
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import open_readonly_archive


@click.command("sites", epilog=epilog(OK, BAD_INPUT))
@db_option
@json_option
def command(db: str, as_json: bool) -> None:
    """List the archive's sites with their counts, learned boilerplate and learned page templates.

    \b
    Example:
      fanwen sites --db data/archive.db
    """
    sites = site_overview(open_readonly_archive(db))
    if as_json:
        click.echo(json.dumps(sites, ensure_ascii=False, indent=2))
        return
    if not sites:
        click.echo(f"{db}: no sites yet; run fanwen crawl first")
    for site in sites:
        click.echo(f"{site['site']}: {site['articles']} articles at {site['urls']} URLs, last seen {site['last_seen']}")
        for entry in site["boilerplate"]:
            click.echo(f"    learned ({entry['pages']} pages): {entry['template']}")
        for entry in site["templates"]:
            state = f"retired {entry['retired_at']}" if entry["retired_at"] else f"{len(entry['chrome'])} chrome lines"
            click.echo(f"    template v{entry['version']} of layout {entry['layout']} ({entry['pages']} pages, {state}): {entry['content']}")
