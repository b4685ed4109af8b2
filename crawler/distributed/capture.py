"""WARC capture on a distributed worker: its own files, rows through the shared stream, digests in Redis.

Each worker writes its own WARC files into FANWEN_WARC_DIR (`fanwen worker --warc DIR`), named after
its worker id, so workers sharing a folder never write one file. The `captures` row of each record
pair, once both are on disk, becomes a `capture` entry of the items stream; the archiver indexes it in
the batch of the items and acknowledges it after the commit, like an item. Revisits need the payloads
captured before, by any worker or crawl: Redis hashes `fanwen:warc:digests:GENERATION` (payload digest ->
url, date, record id of the first full response with it; HSETNX, so the first writer wins) take the place
of the archive's `captures_digest` index, bounded in time by `DigestGenerations`. Workers send no
conditional requests (FANWEN_REVISIT_ENABLED is off on them), so a 304 never asks for a URL's last capture.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from crawler.capture.warc import Original, WarcFolder
from crawler.distributed.stream import FIELD, encode_capture
from crawler.distributed.worker import worker_context
from fanwen.archive.captures import CaptureRow


class NoWarcFolder(Exception):
    """Capture is on, but the worker was not told where its WARC files go."""


class DigestGenerations:
    """Which Redis hashes hold the payload digests now: one per `days`-long generation (counted from the
    epoch, the same on every worker's clock), each expiring `2 * days` after its last write.

    A digest is written into the current generation; a lookup reads the current and the previous one, and
    a digest found only in the previous one is copied forward, so the payloads a crawl keeps meeting stay
    known and the others go with their generation: Redis holds the digests met in the last one to two
    generations, not every payload ever captured. A payload met again after that is captured in full once
    more (its earlier record stays in its WARC file), then revisited again."""

    def __init__(self, keys: Any, days: float, clock: Callable[[], float] = time.time):
        self.keys = keys
        self.seconds = max(1, int(days * 86_400))
        self.clock = clock

    def current(self) -> tuple[str, str]:
        """The keys of the current and the previous generation."""
        generation = int(self.clock() // self.seconds)
        return self.keys.warc_digests(generation), self.keys.warc_digests(generation - 1)

    def remember(self, pipe: Any, digest: str, value: str, key: str | None = None) -> None:
        """HSETNX `digest` into the current generation (or `key`) and keep that hash alive, in `pipe`."""
        key = key or self.current()[0]
        pipe.hsetnx(key, digest, value)
        pipe.expire(key, 2 * self.seconds)


class StreamCaptures:
    """The capture sink of a worker: rows to the archiver through the stream, digests in Redis."""

    crawl_id = None  # the archiver's crawl, filled in when it indexes the row

    def __init__(self, context: Any, folder: Path, digest_days: float = 30):
        self.context = context
        self.folder = folder
        self.digests = DigestGenerations(context.keys, digest_days)

    def ready(self) -> bool:
        return True

    def add(self, rows: list[CaptureRow]) -> None:
        keys = self.context.keys
        pipe = self.context.server.pipeline(transaction=True)  # the row is in the stream before its digest is shared
        for row in rows:
            pipe.xadd(keys.items, {FIELD: encode_capture(replace(row, file=str(self.folder / row.file)))})
            if row.record_type == "response" and row.status != 304 and row.payload_digest:
                self.digests.remember(pipe, row.payload_digest,
                                      json.dumps([row.url, row.captured_at, row.record_id], ensure_ascii=False))
        pipe.execute()

    def original(self, digest: str) -> Original | None:
        current, previous = self.digests.current()
        now, before = self.context.server.pipeline(transaction=False).hget(current, digest).hget(previous, digest).execute()
        if now is None and before is not None:  # still met: it lives on in this generation
            pipe = self.context.server.pipeline(transaction=True)
            self.digests.remember(pipe, digest, before.decode() if isinstance(before, bytes) else before, current)
            pipe.execute()
        raw = now or before
        return Original(*json.loads(raw)) if raw else None

    def last(self, url: str) -> Original | None:
        return None


def worker_capture(crawler: Any, info: dict[str, str]) -> tuple[WarcFolder, StreamCaptures]:
    """The worker's capture folder (FANWEN_WARC_DIR, required) and sink; raises NoWarcFolder without a folder."""
    from scrapy.exceptions import NotConfigured

    settings = crawler.settings
    if not settings.get("SCHEDULER", "").startswith("crawler.distributed."):
        raise NotConfigured("no archive to index the captures in (ARCHIVE_DB is empty)")
    if not settings.get("FANWEN_WARC_DIR"):
        raise NoWarcFolder("capture is on: give the worker a folder for its WARC files (fanwen worker --warc DIR,"
                           " a folder the archiver's machine can read) or turn capture off (--no-warc)")
    context = worker_context(crawler)
    folder = Path(settings.get("FANWEN_WARC_DIR")).resolve()
    return (WarcFolder(folder, settings.getint("FANWEN_WARC_MAX_SIZE"), {**info, "worker": context.worker},
                       prefix=f"fanwen-{context.worker}"),
            StreamCaptures(context, folder, settings.getfloat("FANWEN_WARC_DIGESTS_DAYS")))
