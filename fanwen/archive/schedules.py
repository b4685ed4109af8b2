"""Recurring crawls kept in the archive (`schedules`) and the record of their runs (`schedule_runs`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class ScheduleError(Exception):
    """A schedule that cannot be added or removed as asked."""


@dataclass
class Schedule:
    name: str
    start_urls: list[str]
    every: float | None = None
    cron: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    next_run: str = ""

    @property
    def when(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {format_seconds(self.every or 0)}"


def format_seconds(seconds: float) -> str:
    """5400 -> '1h30m', 21600 -> '6h', 45.5 -> '45.5s'."""
    parts, left = [], seconds
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if left >= size:
            parts.append(f"{int(left // size)}{unit}")
            left -= (left // size) * size
    if left or not parts:
        parts.append(f"{left:g}s")
    return "".join(parts)


_COLUMNS = "name, start_urls, every, cron, settings, created_at, next_run"


def _schedule(row: tuple) -> Schedule:
    return Schedule(row[0], json.loads(row[1]), row[2], row[3], json.loads(row[4] or "{}"), row[5], row[6])


def add_schedule(db: Any, schedule: Schedule) -> None:
    with db.conn:
        if db.execute("SELECT 1 FROM schedules WHERE name = ?", [schedule.name]).fetchone():
            raise ScheduleError(f"a schedule named {schedule.name!r} exists already; remove it first")
        db.execute(
            f"INSERT INTO schedules({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [schedule.name, json.dumps(schedule.start_urls, ensure_ascii=False), schedule.every, schedule.cron,
             json.dumps(schedule.settings, ensure_ascii=False), schedule.created_at, schedule.next_run],
        )


def remove_schedule(db: Any, name: str) -> None:
    """Remove a schedule (its past runs stay in schedule_runs)."""
    with db.conn:
        if db.execute("DELETE FROM schedules WHERE name = ?", [name]).rowcount == 0:
            raise ScheduleError(f"no schedule named {name!r}; `fanwen schedule list` shows the schedules")


def list_schedules(db: Any) -> list[Schedule]:
    return [_schedule(row) for row in db.execute(f"SELECT {_COLUMNS} FROM schedules ORDER BY name")]


def due_schedules(db: Any, now: str) -> list[Schedule]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM schedules WHERE next_run <= ? ORDER BY next_run, name", [now])
    return [_schedule(row) for row in rows]


def set_next_run(db: Any, name: str, next_run: str) -> None:
    with db.conn:
        db.execute("UPDATE schedules SET next_run = ? WHERE name = ?", [next_run, name])


def start_run(db: Any, name: str, now: str) -> int:
    with db.conn:
        return int(db.execute("INSERT INTO schedule_runs(schedule, started_at) VALUES (?, ?)", [name, now]).lastrowid)


def finish_run(db: Any, run_id: int, now: str, exit_status: int, crawl_id: int | None, stats: dict[str, Any]) -> None:
    with db.conn:
        db.execute(
            "UPDATE schedule_runs SET finished_at = ?, exit_status = ?, crawl_id = ?, stats = ? WHERE id = ?",
            [now, exit_status, crawl_id, json.dumps(stats, ensure_ascii=False), run_id],
        )


def last_runs(db: Any) -> dict[str, dict[str, Any]]:
    """schedule name -> its latest run (started_at, finished_at, exit_status, crawl_id)."""
    rows = db.execute(
        "SELECT schedule, started_at, finished_at, exit_status, crawl_id FROM schedule_runs"
        " WHERE id IN (SELECT max(id) FROM schedule_runs GROUP BY schedule)"
    )
    return {r[0]: {"started_at": r[1], "finished_at": r[2], "exit_status": r[3], "crawl_id": r[4]} for r in rows}
