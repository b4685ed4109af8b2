"""When schedules are due (intervals, cron via croniter) and the loop behind `fanwen scheduler`.

Each run is a child process (`python -m crawler.cli crawl ... --json`), so a crash of one crawl does
not take the scheduler down; its exit status and summary go to `schedule_runs`. A schedule that was
missed while no scheduler ran (or while a crawl ran long) runs once, then waits for its next slot.
"""

from __future__ import annotations

import json
import logging
import math
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from croniter import croniter

from fanwen.archive import connect
from fanwen.archive.lock import ArchiveBusy, ArchiveLock
from fanwen.archive.schedules import (
    TIME_FORMAT,
    Schedule,
    due_schedules,
    finish_run,
    list_schedules,
    set_next_run,
    start_run,
)

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^(?:\d+(?:\.\d+)?[smhd])+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_every(text: str) -> float:
    """'30s', '15m', '6h', '1d', and compounds such as '1h30m' or '1d 12h' -> seconds."""
    compact = "".join((text or "").lower().split())
    seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(compact)) if _EVERY.match(compact) else 0
    if seconds <= 0:
        raise ValueError(f"{text!r} is not an interval: write numbers with units s, m, h, d,"
                         " e.g. 30s, 15m, 6h, 1d or 1h30m")
    return seconds


def check_cron(expression: str) -> str:
    """A five-field cron expression (minute hour day month weekday, UTC), or ValueError."""
    expression = " ".join((expression or "").split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise ValueError(
            f"{expression!r} is not a valid cron expression: write five fields, minute hour day month weekday"
            " (UTC), e.g. \"0 3 * * *\""
        )
    return expression


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)


def first_run(every: float | None, cron: str | None, now: datetime) -> datetime:
    """An interval schedule runs at once; a cron schedule at its next slot."""
    if cron:
        return croniter(cron, now).get_next(datetime)
    return now


def next_run(schedule: Schedule, now: datetime) -> datetime:
    """The first slot after `now`: a missed run is caught up once, not once per missed slot."""
    if schedule.cron:
        return croniter(schedule.cron, now).get_next(datetime)
    every = schedule.every or 60.0
    previous = parse_stamp(schedule.next_run) if schedule.next_run else now
    slots = max(1, math.floor((now - previous).total_seconds() / every) + 1)
    return previous + timedelta(seconds=every * slots)


def crawl_command(schedule: Schedule, db: str | Path) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", *schedule.start_urls, "--db", str(db), "--json"]
    for name, value in schedule.settings.items():
        if name == "FANWEN_RESOLVE" and isinstance(value, dict):
            cmd += [arg for host, ip in value.items() for arg in ("--resolve", f"{host}={ip}")]
        else:
            cmd += ["-s", f"{name}={value}"]
    return cmd


class ScheduleRunner:
    """Runs due schedules of one archive, one crawl at a time, until stopped."""

    def __init__(self, db: str | Path, poll: float = 5.0):
        self.db_path = Path(db)
        self.poll = poll
        self.lock = ArchiveLock(self.db_path, "scheduler")
        self.crawl_lock = ArchiveLock(self.db_path, "crawl")
        self._stop = threading.Event()
        self._child: subprocess.Popen | None = None
        self.runs = 0

    def stop(self, *_: Any) -> None:
        """Stop after the running crawl: SIGTERM goes on to it (Scrapy stops it cleanly, resumable)."""
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def run_forever(self) -> None:
        self.lock.acquire()  # ArchiveBusy when another scheduler runs on this archive
        try:
            db = self._connect()
            if db is None:
                return  # stopped while a crawl held the archive
            try:
                while not self._stop.is_set():
                    self._run_due(db)
                    self._stop.wait(self._sleep_for(db))
            finally:
                db.conn.close()
        finally:
            self.lock.release()

    def _connect(self) -> Any:
        """Open the archive (which may create or upgrade tables) only under the crawl lock, waiting
        while a crawl holds it; None when stopped before it was free."""
        waiting = False
        while not self._stop.is_set():
            try:
                self.crawl_lock.acquire()
            except ArchiveBusy as exc:
                if not waiting:
                    logger.warning("waiting to open the archive: %s", exc)
                    waiting = True
                self._stop.wait(self.poll)
                continue
            try:
                return connect(self.db_path)
            finally:
                self.crawl_lock.release()
        return None

    def _sleep_for(self, db: Any) -> float:
        upcoming = [parse_stamp(s.next_run) for s in list_schedules(db)]
        if not upcoming:
            return self.poll
        wait = (min(upcoming) - datetime.now(timezone.utc)).total_seconds()
        return min(self.poll, max(0.05, wait))

    def _run_due(self, db: Any) -> None:
        for schedule in due_schedules(db, stamp(datetime.now(timezone.utc))):
            if self._stop.is_set():
                return
            try:
                self.crawl_lock.check()
            except ArchiveBusy as exc:
                logger.warning("%s is due, but %s", schedule.name, exc)
                return  # coordinated: try again at the next poll
            self.run_one(db, schedule)

    def run_one(self, db: Any, schedule: Schedule) -> int:
        """Run one crawl of `schedule` in a child process and record it; returns its exit status."""
        run_id = start_run(db, schedule.name, stamp(datetime.now(timezone.utc)))
        logger.info("schedule %s: run %d starts", schedule.name, run_id)
        self._child = subprocess.Popen(crawl_command(schedule, self.db_path), stdout=subprocess.PIPE, text=True)
        try:
            out, _ = self._child.communicate()
        finally:
            status = self._child.wait()
            self._child = None
        summary = _json_summary(out)
        now = datetime.now(timezone.utc)
        finish_run(db, run_id, stamp(now), status, summary.get("crawl_id"), summary)
        if not self._stop.is_set() or status == 0:
            set_next_run(db, schedule.name, stamp(next_run(schedule, now)))
        self.runs += 1
        logger.info("schedule %s: run %d ended with exit status %d", schedule.name, run_id, status)
        return status


def _json_summary(out: str | None) -> dict[str, Any]:
    try:
        value = json.loads(out or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
