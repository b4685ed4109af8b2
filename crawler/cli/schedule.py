"""`fanwen schedule add|list|remove`: recurring crawls, kept in the archive."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import click

from fanwen.archive.schedules import Schedule, ScheduleError, add_schedule, last_runs, list_schedules, remove_schedule
from crawler.cli.exits import BAD_INPUT, BUSY, OK, UNWRITABLE, CommandError, epilog
from crawler.cli.options import CONTEXT, check_start_urls, db_option, existing_archive, json_option, open_archive, parse_resolve, parse_settings
from crawler.cli.reading import open_readonly_archive
from crawler.recurring import check_cron, first_run, parse_every, stamp


@click.group("schedule", context_settings=CONTEXT)
def command() -> None:
    """Recurring crawls of an archive, run by `fanwen scheduler`.

    \b
    Examples:
      fanwen schedule add baihua https://www.example.com/ --db data/archive.db --every 6h
      fanwen schedule list --db data/archive.db
      fanwen schedule remove baihua --db data/archive.db
    """


@command.command("add", epilog=epilog(OK, BAD_INPUT, UNWRITABLE, BUSY))
@click.argument("name")
@click.argument("start_urls", nargs=-1, required=True)
@db_option
@click.option("--every", metavar="INTERVAL", help="Run every INTERVAL: 30s, 15m, 6h, 1d, 1h30m.")
@click.option("--cron", metavar="EXPR", help='Run at the times of a cron expression (UTC), e.g. "0 3 * * *".')
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting for the crawls.")
@click.option("--resolve", multiple=True, metavar="HOST=IP", help="Resolve HOST to IP (like curl --resolve).")
def add(name: str, start_urls: tuple[str, ...], db: str, every: str | None, cron: str | None,
        settings: tuple[str, ...], resolve: tuple[str, ...]) -> None:
    """Add a schedule NAME that crawls START_URLS into the archive (made if it does not exist yet).

    \b
    Examples:
      fanwen schedule add baihua https://www.example.com/ --db data/archive.db --every 6h
      fanwen schedule add baihua https://www.example.com/ --db data/archive.db --cron "0 3 * * *"
    """
    schedule = build_schedule(name, start_urls, every, cron, settings, resolve)
    try:
        add_schedule(open_archive(db), schedule)
    except ScheduleError as exc:
        raise CommandError(str(exc), BAD_INPUT) from exc
    click.echo(f"schedule {name}: {schedule.when}, next run {schedule.next_run}")


def build_schedule(name: str, start_urls: tuple[str, ...], every: str | None, cron: str | None,
                   settings: tuple[str, ...], resolve: tuple[str, ...]) -> Schedule:
    """Check everything before the archive is touched."""
    if (every is None) == (cron is None):
        raise click.UsageError("give either --every INTERVAL or --cron EXPR")
    check_start_urls(start_urls)
    try:
        seconds = parse_every(every) if every is not None else None
        expression = check_cron(cron) if cron is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every" if every is not None else "--cron") from exc
    overrides: dict = parse_settings(settings)
    if resolve:
        overrides["FANWEN_RESOLVE"] = parse_resolve(resolve)
    now = datetime.now(timezone.utc)
    return Schedule(name, list(start_urls), seconds, expression, overrides, stamp(now),
                    stamp(first_run(seconds, expression, now)))


@command.command("list", epilog=epilog(OK, BAD_INPUT))
@db_option
@json_option
def list_command(db: str, as_json: bool) -> None:
    """List the schedules with their next and last runs.

    \b
    Example:
      fanwen schedule list --db data/archive.db
    """
    conn = open_readonly_archive(db)  # a mistyped --db is refused, not made
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schedules'").fetchone():
        schedules, runs = [], {}  # an archive made before schedules existed
    else:
        schedules, runs = list_schedules(conn), last_runs(conn)
    if as_json:
        click.echo(json.dumps([{**asdict(s), "last_run": runs.get(s.name)} for s in schedules], ensure_ascii=False, indent=2))
        return
    if not schedules:
        click.echo(f"{db}: no schedules; add one with fanwen schedule add")
    for s in schedules:
        last = runs.get(s.name)
        ran = f", last run {last['started_at']} (exit {last['exit_status']})" if last else ""
        click.echo(f"{s.name}: {s.when}, next run {s.next_run}{ran}: {' '.join(s.start_urls)}")


@command.command("remove", epilog=epilog(OK, BAD_INPUT, UNWRITABLE, BUSY))
@click.argument("name")
@db_option
def remove(name: str, db: str) -> None:
    """Remove the schedule NAME (its past runs stay recorded).

    \b
    Example:
      fanwen schedule remove baihua --db data/archive.db
    """
    try:
        remove_schedule(existing_archive(db), name)
    except ScheduleError as exc:
        raise CommandError(str(exc), BAD_INPUT) from exc
    click.echo(f"schedule {name} removed")
