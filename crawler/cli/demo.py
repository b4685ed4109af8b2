"""`fanwen demo`: serve the bundled demo sites on 127.0.0.1 and crawl them."""

from __future__ import annotations

import click

from crawler.cli.crawl import crawl_and_report
from crawler.cli.exits import BAD_INPUT, BUSY, FAILED, OK, QUALITY_ALARM, UNWRITABLE, CommandError, epilog
from crawler.cli.options import db_option, holding_archive, json_option, open_archive
from crawler.cli.verbosity import verbosity_options


@click.command("demo", epilog=epilog(OK, FAILED, BAD_INPUT, QUALITY_ALARM, UNWRITABLE, BUSY))
@db_option
@click.option("--port", default=8765, show_default=True, help="Port of the demo site on 127.0.0.1.")
@click.option("--articles-per-site", default=120, show_default=True, help="Size of each generated demo site.")
@json_option
@verbosity_options
def command(db: str, port: int, articles_per_site: int, as_json: bool) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and crawl them into the archive.

    The port is fixed by default, so that running the demo twice finds the same URLs (and adds
    nothing the second time).

    \b
    Example:
      fanwen demo --db data/archive.db --port 8765
    """
    from crawler.run import LOCAL_SITE_SETTINGS
    from fanwen.testsite import build_sites, serve

    with holding_archive(db):  # creating or migrating the archive is a write: the crawl's lock first
        open_archive(db).conn.close()
    bundle = build_sites(seed=7, articles_per_site=articles_per_site)
    try:
        server = serve(bundle, port=port)
    except OSError as exc:
        raise CommandError(f"cannot serve the demo sites on 127.0.0.1:{port} ({exc.strerror or exc});"
                           " give another port: --port N (make demo PORT=N)", BAD_INPUT) from exc
    with server:
        click.echo(f"demo sites: {', '.join(server.start_urls)}", err=True)
        overrides = dict(LOCAL_SITE_SETTINGS, FANWEN_RESOLVE={host: "127.0.0.1" for host in bundle.hosts})
        crawl_and_report(server.start_urls, db, overrides, as_json)
