"""The `fanwen` command: a thin layer over crawler.run and archive."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from archive import NotAnArchive, connect
from archive.summary import crawl_summary, last_crawl_id

DEFAULT_DB = "data/archive.db"
CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT)
def main() -> None:
    """Crawl Chinese 范文/公文 sites into a clean, deduplicated SQLite archive."""


def db_option(f):
    return click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Archive file.")(f)


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
            raise click.BadParameter(f"{value!r}: write HOST=IP, e.g. --resolve www.example.com=127.0.0.1", param_hint="--resolve")
        hosts[name.strip()] = address.strip()
    return hosts


def open_archive(db: str):
    """Open or create the archive, or stop with a sentence that says what to do."""
    try:
        return connect(db)
    except NotAnArchive as exc:
        raise click.ClickException(f"{db}: {exc}") from exc
    except (OSError, Exception) as exc:  # sqlite3 errors: not a database, unwritable folder
        raise click.ClickException(f"{db}: cannot open the archive ({exc}); give a writable path with --db") from exc


@main.command()
@click.argument("start_urls", nargs=-1, required=True)
@db_option
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting, as for scrapy crawl -s.")
@click.option("--resolve", multiple=True, metavar="HOST=IP", help="Resolve HOST to IP (like curl --resolve).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def crawl(start_urls: tuple[str, ...], db: str, settings: tuple[str, ...], resolve: tuple[str, ...], as_json: bool) -> None:
    """Crawl the sites of START_URLS (their hosts and m./www./mip. mirrors) into the archive.

    Example: fanwen crawl https://www.example.com/ --db data/archive.db -s DOWNLOAD_DELAY=2
    """
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="START_URLS")
    overrides = parse_settings(settings)
    if resolve:
        overrides["FANWEN_RESOLVE"] = parse_resolve(resolve)
    open_archive(db).conn.close()
    _crawl_and_report(list(start_urls), db, overrides, as_json)


@main.command()
@db_option
@click.option("--port", default=8765, show_default=True, help="Port of the demo site on 127.0.0.1.")
@click.option("--articles-per-site", default=120, show_default=True, help="Size of each generated demo site.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def demo(db: str, port: int, articles_per_site: int, as_json: bool) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and crawl them into the archive.

    Example: fanwen demo --db data/archive.db
    """
    from crawler.run import LOCAL_SITE_SETTINGS
    from testsite import build_sites, serve

    open_archive(db).conn.close()
    bundle = build_sites(seed=7, articles_per_site=articles_per_site)
    try:
        server_cm = serve(bundle, port=port)
        server = server_cm.__enter__()
    except OSError as exc:
        raise click.ClickException(f"cannot serve the demo site on 127.0.0.1:{port} ({exc}); try --port") from exc
    try:
        click.echo(f"demo sites: {', '.join(server.start_urls)}", err=True)
        overrides = dict(LOCAL_SITE_SETTINGS, FANWEN_RESOLVE={host: "127.0.0.1" for host in bundle.hosts})
        _crawl_and_report(server.start_urls, db, overrides, as_json)
    finally:
        server_cm.__exit__(None, None, None)


def _crawl_and_report(start_urls: list[str], db: str, overrides: dict[str, Any], as_json: bool) -> None:
    from crawler.run import run_crawl

    stats = run_crawl(start_urls, db, overrides)
    archive = open_archive(db)
    crawl_id = stats.get("fanwen/crawl_id") or last_crawl_id(archive)
    summary = crawl_summary(archive, crawl_id)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, db))
    if summary["finish_reason"] not in ("finished", None):
        sys.exit(1)


def format_summary(s: dict[str, Any], db: str) -> str:
    pages = ", ".join(f"{n} {kind}" for kind, n in sorted(s["pages"].items(), key=lambda kv: -kv[1]))
    errors = ", ".join(f"{n} {reason}" for reason, n in s["errors"].items()) or "none"
    skipped = ", ".join(f"{n} {reason}" for reason, n in s["skipped"].items()) or "none"
    lines = [
        f"crawl {s['crawl_id']} {s['finish_reason']} in {s['elapsed_seconds'] or 0:.1f}s: {s['requests'] or 0} requests",
        f"  pages:    {pages}",
        f"  errors:   {errors}",
        f"  skipped:  {skipped} (not requested on purpose)",
        f"  archived: {s['articles_new']} new articles, {s['urls_new']} new URLs",
        f"  archive:  {db}: {s['articles_total']} articles at {s['urls_total']} URLs",
    ]
    lines += [f"    {site['site']}: {site['articles']} articles, {site['chars'] or 0} characters" for site in s["sites"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
