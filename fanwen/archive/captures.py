"""The `captures` table: where each fetched page's raw exchange lies in the WARC files (one seek)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

# Column descriptions double as documentation: docs/schema.md is checked against them.
CAPTURE_TABLES: dict[str, dict[str, str]] = {
    "captures": {
        "id": "integer primary key",
        "crawl_id": "the crawl (crawls.id) that fetched it, NULL for records imported from other tools' WARCs",
        "url": "WARC-Target-URI: the URL exactly as requested, query string included",
        "captured_at": "WARC-Date: UTC time of the fetch (YYYY-MM-DDTHH:MM:SS.ffffffZ)",
        "status": "HTTP status of the response",
        "record_type": "response, or revisit (a 304 answer or a payload identical to an earlier capture)",
        "profile": "for a revisit: identical-payload-digest or server-not-modified (WARC/1.1 profiles), else NULL",
        "refers_to": "for a revisit: WARC-Record-ID of the response record holding the payload, else NULL",
        "mime": "Content-Type of the response without parameters, or NULL",
        "payload_digest": "WARC-Payload-Digest (sha1:BASE32) of the body as the server sent it",
        "record_id": "WARC-Record-ID of the response or revisit record",
        "file": "WARC file, relative to the capture folder (NAME.warc.gz); absolute when elsewhere (imported files, distributed workers' folders)",
        "offset": "byte offset of the record's gzip member in the file",
        "length": "byte length of the record's gzip member",
    },
}

CAPTURE_DDL = """
CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY,
    crawl_id INTEGER,
    url TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    status INTEGER,
    record_type TEXT NOT NULL,
    profile TEXT,
    refers_to TEXT,
    mime TEXT,
    payload_digest TEXT,
    record_id TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url);
CREATE INDEX IF NOT EXISTS captures_digest ON captures(payload_digest);
"""

_COLUMNS = ("crawl_id", "url", "captured_at", "status", "record_type", "profile", "refers_to", "mime",
            "payload_digest", "record_id", "file", "offset", "length")


@dataclass(frozen=True)
class CaptureRow:
    """One response or revisit record, fully written to its WARC file."""

    crawl_id: int | None
    url: str
    captured_at: str
    status: int | None
    record_type: str
    profile: str | None
    refers_to: str | None
    mime: str | None
    payload_digest: str | None
    record_id: str
    file: str
    offset: int
    length: int

    def values(self) -> tuple[Any, ...]:
        """The columns in `_COLUMNS` order (dataclasses.astuple deep-copies each field: ~100x slower)."""
        return tuple(getattr(self, name) for name in _COLUMNS)


def add_captures(writer: Any, rows: list[CaptureRow]) -> None:
    """Index written records, in the writer's current batch (idempotent by record id)."""
    writer.write_many(
        f"INSERT OR IGNORE INTO captures({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
        [row.values() for row in rows],
    )


def capture_by_digest(db: Any, digest: str) -> tuple[str, str, str] | None:
    """(url, captured_at, record_id) of the first full response with this payload digest, or None."""
    return db.execute(
        "SELECT url, captured_at, record_id FROM captures WHERE payload_digest = ? AND record_type = 'response'"
        " ORDER BY id LIMIT 1", [digest]).fetchone()


def last_capture(db: Any, url: str) -> tuple[str, str, str, str | None] | None:
    """(url, captured_at, record_id of the payload, digest) of the latest capture of `url` holding a payload."""
    row = db.execute(
        "SELECT url, captured_at, record_id, refers_to, payload_digest FROM captures"
        " WHERE url = ? AND status BETWEEN 200 AND 299 ORDER BY id DESC LIMIT 1", [url]).fetchone()
    if row is None:
        return None
    url, at, record_id, refers_to, digest = row
    return url, at, refers_to or record_id, digest


def captures_of_file(db: Any, file: str) -> list[CaptureRow]:
    rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM captures WHERE file = ? ORDER BY offset", [file])
    return [CaptureRow(*row) for row in rows]


def capture_files(db: Any) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT file FROM captures ORDER BY file")]


def record_location(db: Any, record_id: str) -> tuple[str, int, int] | None:
    """(file, offset, length) of a record by its WARC-Record-ID."""
    return db.execute("SELECT file, offset, length FROM captures WHERE record_id = ?", [record_id]).fetchone()


def replay_capture(db: Any, url: str) -> CaptureRow | None:
    """The capture a replay serves for `url`: its latest one that is not a 304 answer."""
    row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM captures WHERE url = ? AND status != 304"
                     " ORDER BY id DESC LIMIT 1", [url]).fetchone()
    return CaptureRow(*row) if row else None


def last_response(db: Any, url: str) -> CaptureRow | None:
    """The latest full response record of `url` answered 2xx (a revisit's fallback)."""
    row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM captures WHERE url = ? AND record_type = 'response'"
                     " AND status BETWEEN 200 AND 299 ORDER BY id DESC LIMIT 1", [url]).fetchone()
    return CaptureRow(*row) if row else None


def replay_captures_with_params(db: Any, url: str, limit: int = 50) -> list[CaptureRow]:
    """Captures of `url` with path parameters or a query added (`;jsessionid=...`, `?sid=...`), latest first:
    other crawlers fetch the session-id forms a crawl folds away."""
    rows = db.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM captures WHERE ((url > ? AND url < ?) OR (url > ? AND url < ?))"
        " AND status != 304 ORDER BY id DESC LIMIT ?", [url + ";", url + "<", url + "?", url + "@", limit]).fetchall()
    return [CaptureRow(*row) for row in rows]


def captured_pages(db: Any, capture_order: bool = False) -> Iterator[str]:
    """URLs whose latest capture (not counting 304s) is an HTML page answered 200, in URL order, or with
    `capture_order` in the order they were captured (a crawl's order mixes a site's sections, as its
    boilerplate learning expects)."""
    order = "min(id)" if capture_order else "url"
    yield from (r[0] for r in db.execute(
        "SELECT url FROM captures c WHERE id = (SELECT max(id) FROM captures d WHERE d.url = c.url AND d.status != 304)"
        f" AND status = 200 AND (mime IS NULL OR mime LIKE '%html%') GROUP BY url ORDER BY {order}"))


def is_captured(db: Any, url: str) -> bool:
    return db.execute("SELECT 1 FROM captures WHERE url = ? LIMIT 1", [url]).fetchone() is not None


def crawl_start_urls(db: Any) -> list[str]:
    """Every start URL of the archive's crawls, in first-use order."""
    import json

    seen: dict[str, None] = {}
    for (urls,) in db.execute("SELECT start_urls FROM crawls ORDER BY id"):
        for url in json.loads(urls or "[]"):
            seen.setdefault(url, None)
    return list(seen)


def cdxj_line(row: CaptureRow) -> str:
    """One pywb-style CDXJ line: SURT key, 14-digit timestamp, JSON with filename and offset."""
    from surt import surt

    try:
        key = surt(row.url)
    except Exception:  # an URL surt cannot parse: index it under itself
        key = row.url
    stamp = "".join(ch for ch in row.captured_at[:19] if ch.isdigit())
    fields = {"url": row.url, "mime": "warc/revisit" if row.record_type == "revisit" else (row.mime or "unk"),
              "status": str(row.status), "digest": row.payload_digest, "length": str(row.length),
              "offset": str(row.offset), "filename": row.file}
    return f"{key} {stamp} {json.dumps(fields, ensure_ascii=False)}"
