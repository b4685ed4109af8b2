"""`fanwen serve`: browse and search the archive in Datasette."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import click

from fanwen.archive.search import has_index
from crawler.cli.exits import BAD_INPUT, FAILED, OK, CommandError, epilog
from crawler.cli.options import db_option
from crawler.cli.reading import open_readonly_archive


@click.command("serve", epilog=epilog(OK, FAILED, BAD_INPUT))
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
def command(db: str, host: str, port: int) -> None:
    """Open the archive in Datasette: table descriptions, a search box for Chinese, facets, canned queries.

    \b
    Example:
      fanwen serve --db data/archive.db --port 8001
      (then open http://127.0.0.1:8001/archive/articles)
    """
    listener = claim_port(host, port)  # before anything says "serving": a busy port is one line, exit 2
    conn = open_readonly_archive(db)
    if not has_index(conn):
        click.echo(f"warning: {db} has no search index; build it with: fanwen index --db {db}", err=True)
    conn.close()
    import uvicorn

    from fanwen.archive.datasette import quiet_bad_requests

    quiet_bad_requests()
    datasette = make_datasette(db)
    asyncio.run(datasette.invoke_startup())
    port = listener.getsockname()[1]
    click.echo(f"serving http://{host}:{port}/ (workbench; tables at /{Path(db).stem}; Ctrl-C stops)", err=True)
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])


def claim_port(host: str, port: int) -> socket.socket:
    """Bind the listening socket first, so that a busy port is said before anything else."""
    try:
        listener = socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); give another port with --port",
                           BAD_INPUT) from exc
    listener.set_inheritable(True)
    return listener


def make_datasette(db: str):
    """A Datasette for the archive (read-only) with fanwen's metadata and search plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from fanwen.archive import datasette as plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="fanwen")
    from fanwen.web import TEMPLATES

    return Datasette([str(db)], metadata=plugin.metadata(db), template_dir=str(TEMPLATES), settings={"facet_time_limit_ms": 1000,
                                                                         "sql_time_limit_ms": 5000})
