"""`fanwen scheduler`: run the archive's due crawls in the foreground (systemd, containers)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import click

from fanwen.archive.lock import ArchiveBusy
from crawler.cli.exits import BAD_INPUT, BUSY, OK, UNWRITABLE, BusyError, CommandError, epilog
from crawler.cli.options import db_option, holding_archive, open_archive


@click.command("scheduler", epilog=epilog(OK, BAD_INPUT, UNWRITABLE, BUSY))
@db_option
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the schedules.")
def command(db: str, poll: float) -> None:
    """Run due crawls of the archive's schedules, one at a time, until SIGTERM or Ctrl-C.

    A missed run is caught up once; SIGTERM stops the running crawl cleanly (the next start
    resumes it) and exits 0. Every run is recorded in schedule_runs, with the crawl's exit status.

    \b
    Example:
      fanwen scheduler --db data/archive.db
    """
    from crawler.recurring import ScheduleRunner

    if not Path(db).is_file():
        raise CommandError(f"--db {db}: there is no archive there; add a schedule first (fanwen schedule add)", BAD_INPUT)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    runner = ScheduleRunner(db, poll)
    try:
        runner.lock.acquire()  # before anything opens the archive: a second scheduler stops here (75, with the pid)
    except ArchiveBusy as exc:
        raise BusyError(str(exc)) from exc
    try:
        with holding_archive(db):  # create or upgrade the tables only under the crawl lock
            open_archive(db).conn.close()
    except BusyError:
        pass  # a crawl holds the archive: it opened (and upgraded) it first; its due runs wait for it
    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    runner.run_forever()
    click.echo(f"scheduler stopped after {runner.runs} runs")
