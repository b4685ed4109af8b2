"""Per-URL state of incremental recrawls (`url_state`): validators and an adaptive revisit interval."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(when: datetime) -> str:
    return when.strftime(TIME_FORMAT)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class RevisitPolicy:
    """Seconds between visits: `initial` at first, doubled while unchanged, halved after a change."""

    initial: float = 86400.0
    minimum: float = 3600.0
    maximum: float = 30 * 86400.0
    factor: float = 2.0

    def unchanged(self, interval: float) -> float:
        return min(self.maximum, max(self.minimum, interval * self.factor))

    def changed(self, interval: float) -> float:
        return min(self.maximum, max(self.minimum, interval / self.factor))


class Known(NamedTuple):
    etag: str | None
    last_modified: str | None
    due: bool
    last_visit: datetime | None = None


class UrlStates:
    """Reads and writes `url_state` through the archive writer."""

    def __init__(self, writer: Any, policy: RevisitPolicy):
        self.writer = writer
        self.policy = policy

    def lookup(self, url: str, now: datetime | None = None) -> Known | None:
        """What the archive knows of an article URL, or None for a URL never archived."""
        row = self.writer.db.execute(
            "SELECT etag, last_modified, next_visit, last_visit FROM url_state WHERE url = ?", [url]
        ).fetchone()
        if row is None:
            return None
        return Known(row[0], row[1], _parse(row[2]) <= (now or _now()), _parse(row[3]) if row[3] else None)

    def due(self, now: datetime | None = None) -> list[tuple[str, str | None, str | None]]:
        """(url, etag, last_modified) of every archived article page due for a visit."""
        return self.writer.db.execute(
            "SELECT url, etag, last_modified FROM url_state WHERE next_visit <= ? ORDER BY url", [_stamp(now or _now())]
        ).fetchall()

    def known(self, url: str) -> bool:
        """Whether `url` is an archived article page."""
        return self.writer.db.execute("SELECT 1 FROM url_state WHERE url = ?", [url]).fetchone() is not None

    def trap_shapes(self) -> list[str]:
        """URL shapes earlier crawls found exhausted."""
        return [r[0] for r in self.writer.db.execute("SELECT shape FROM trap_shapes")]

    def save_trap_shape(self, shape: str, crawl_id: int | None) -> None:
        self.writer.write("INSERT OR IGNORE INTO trap_shapes(shape, crawl_id, found_at) VALUES (?, ?, ?)",
                          [shape, crawl_id, _stamp(_now())])

    def requested_before(self, url: str) -> bool:
        """Whether a crawl of this archive has requested `url` (or skipped it on purpose) already."""
        return self.known(url) or self.writer.db.execute(
            "SELECT 1 FROM fetches WHERE url = ? LIMIT 1", [url]).fetchone() is not None

    def visited(self, url: str, content_hash: str, etag: str | None, last_modified: str | None) -> str:
        """A full response of `url` whose text was archived: new, unchanged or changed (returned)."""
        now = _now()
        row = self.writer.db.execute("SELECT content_hash, interval FROM url_state WHERE url = ?", [url]).fetchone()
        if row is None:
            interval = self.policy.initial
            self.writer.write(
                "INSERT INTO url_state(url, content_hash, etag, last_modified, last_visit, last_changed, interval,"
                " next_visit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [url, content_hash, etag, last_modified, _stamp(now), _stamp(now), interval,
                 _stamp(now + timedelta(seconds=interval))],
            )
            return "new"
        outcome = "unchanged" if row[0] == content_hash else "changed"
        interval = self.policy.unchanged(row[1]) if outcome == "unchanged" else self.policy.changed(row[1])
        changed = outcome == "changed"
        self.writer.write(
            "UPDATE url_state SET content_hash = ?, etag = ?, last_modified = ?, last_visit = ?,"
            " last_changed = CASE WHEN ? THEN ? ELSE last_changed END, interval = ?, next_visit = ?,"
            " visits = visits + 1, changes = changes + ? WHERE url = ?",
            [content_hash, etag, last_modified, _stamp(now), changed, _stamp(now), interval,
             _stamp(now + timedelta(seconds=interval)), int(changed), url],
        )
        return outcome

    def not_modified(self, url: str) -> None:
        """The server answered 304: unchanged, so the next visit can wait longer."""
        now = _now()
        row = self.writer.db.execute("SELECT interval FROM url_state WHERE url = ?", [url]).fetchone()
        if row is None:
            return
        interval = self.policy.unchanged(row[0])
        self.writer.write(
            "UPDATE url_state SET last_visit = ?, interval = ?, next_visit = ?, visits = visits + 1 WHERE url = ?",
            [_stamp(now), interval, _stamp(now + timedelta(seconds=interval)), url],
        )


def listing_urls(db: Any, start_urls: list[str], crawl_id: int) -> list[str]:
    """List, tag and home pages fetched by the last finished crawl of the same start URLs before `crawl_id`.

    An incremental crawl requests them again even when the article pages that linked to them are
    not due, so that every list page is refetched and no new article behind one is missed.
    """
    row = db.execute(
        "SELECT max(id) FROM crawls WHERE start_urls = ? AND id < ? AND finished_at IS NOT NULL",
        [json.dumps(start_urls, ensure_ascii=False), crawl_id],
    ).fetchone()
    if row is None or row[0] is None:
        return []
    return [r[0] for r in db.execute(
        "SELECT DISTINCT url FROM fetches WHERE crawl_id = ? AND kind IN ('list', 'tag', 'home') AND status = 200"
        " ORDER BY url", [row[0]])]
