"""`fanwen scheduler`: run the archive's due crawls in the foreground (systemd, containers)."""

from __future__ import annotations

import logging
import signal

import click

from archive.lock import ArchiveBusy
from crawler.cli.options import BusyError, db_option, open_archive


@click.command("scheduler")
@db_option
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the schedules.")
def command(db: str, poll: float) -> None:
    """Run due crawls of the archive's schedules, one at a time, until SIGTERM or Ctrl-C.

    A missed run is caught up once; SIGTERM stops the running crawl cleanly (the next start
    resumes it) and exits 0. Every run is recorded in schedule_runs.

    Example: fanwen scheduler --db data/archive.db
    """
    from crawler.recurring import ScheduleRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    open_archive(db).conn.close()
    runner = ScheduleRunner(db, poll)
    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    try:
        runner.run_forever()
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    click.echo(f"scheduler stopped after {runner.runs} runs")
