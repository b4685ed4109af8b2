"""Index other tools' WARC files (wget, browsertrix, Heritrix, Common Crawl) into `captures`.

FastWARC reads the record headers only, so records of other hosts are skipped at Common Crawl rates;
the HTTP headers are parsed only for the records kept. A corrupt or truncated gzip member is skipped
and counted: reading goes on at the next gzip member of the file.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

from fanwen.archive.captures import CaptureRow
from crawler.capture.names import PROFILES
from crawler.urls import site_of

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b\x08"
_KEPT_TYPES = ("response", "revisit")


@dataclass
class ImportCounts:
    """What reading the files found: records kept, and every record skipped by reason."""

    records: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    files: int = 0
    recompressed: int = 0  # whole-file gzip WARCs read through a copy with a member per record

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "records": self.records, "kept": self.kept, "skipped": dict(self.skipped),
                "recompressed": self.recompressed}


def wanted_host(sites: set[str]) -> Callable[[str], bool]:
    """Does a URL belong to one of `sites` (site names or hosts; all when empty)?"""
    def wanted(url: str) -> bool:
        if not sites:
            return url.startswith(("http://", "https://"))
        host = urlsplit(url).hostname or ""
        return host in sites or site_of(host) in sites
    return wanted


def index_warc(path: Path, wanted: Callable[[str], bool], counts: ImportCounts) -> Iterator[CaptureRow]:
    """The capture rows of the kept records of one WARC file (`file` is its absolute path)."""
    from fastwarc.warc import ArchiveIterator

    size = path.stat().st_size
    name = str(path.resolve())
    start = 0
    counts.files += 1
    while start < size:
        held: tuple | None = None  # a kept record waits for the next record's offset: its member's end
        last = start  # offset of the last record read whole
        resume_at = size
        with open(path, "rb") as handle:
            handle.seek(start)
            base: int | None = None
            try:
                for record in ArchiveIterator(handle, parse_http=False):
                    if base is None:  # FastWARC counts from the file's start or from where it began: see which
                        base = 0 if record.stream_pos == start else start
                    offset = base + record.stream_pos
                    if held is not None:
                        yield _row(held, name, offset)
                        held = None
                    last = offset
                    counts.records += 1
                    kept = _keep(record, wanted, counts)
                    if kept is not None:
                        held = (*kept, offset)
            except Exception as exc:  # a corrupt or truncated member: go on at the next one
                resume_at = _next_member(handle, last + 1)
                counts.skipped["corrupt"] += 1
                logger.warning("%s: unreadable data between bytes %d and %d (%s): skipped", path, last, resume_at,
                               str(exc)[:120] or type(exc).__name__)
                if held is not None and _member_ok(handle, held[-1], resume_at):
                    yield _row(held, name, resume_at)  # the record before the damage is whole
                held = None
            else:
                if held is not None:
                    yield _row(held, name, size)
        start = resume_at


def _keep(record, wanted: Callable[[str], bool], counts: ImportCounts) -> tuple | None:
    kind = str(record.record_type)
    if kind not in _KEPT_TYPES:
        counts.skipped[kind] += 1
        return None
    headers = record.headers
    url = headers.get("WARC-Target-URI", "").strip("<>")
    if not wanted(url):
        counts.skipped["other_host"] += 1
        return None
    try:
        record.parse_http()
        if record.http_headers is None:
            raise ValueError("no HTTP message")
        http = record.http_headers
        status = int(http.status_code)
    except Exception:
        counts.skipped["not_http"] += 1
        return None
    content_type = http.get("Content-Type")
    mime = content_type.split(";")[0].strip().lower() if content_type else None
    # A record without Content-Type is kept: the page's bytes decide what it is.
    profile = PROFILES.get(headers.get("WARC-Profile", "").replace("/warc/1.0/", "/warc/1.1/"))
    counts.kept += 1
    return (url, headers.get("WARC-Date", ""), status, kind, profile if kind == "revisit" else None,
            headers.get("WARC-Refers-To") if kind == "revisit" else None, mime,
            headers.get("WARC-Payload-Digest"), headers.get("WARC-Record-ID", ""))


def _row(held: tuple, file: str, end: int) -> CaptureRow:
    url, date, status, kind, profile, refers_to, mime, digest, record_id, offset = held
    record_id = record_id or f"<{file}#{offset}>"  # a record without WARC-Record-ID: its place is its name
    return CaptureRow(None, url, date, status, kind, profile, refers_to, mime, digest, record_id, file, offset,
                      end - offset)


def _member_ok(handle, offset: int, end: int) -> bool:
    """Does [offset, end) hold one whole gzip member (or, uncompressed, anything at all)?"""
    import zlib

    handle.seek(offset)
    data = handle.read(end - offset)
    if not data.startswith(_GZIP_MAGIC):
        return bool(data)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        inflater.decompress(data)
    except zlib.error:
        return False
    return inflater.eof


def _next_member(handle, position: int) -> int:
    """Offset of the next gzip member header at or after `position` (the file's end when none)."""
    handle.seek(position)
    carry = b""
    base = position
    while True:
        chunk = handle.read(1 << 20)
        if not chunk:
            return os.fstat(handle.fileno()).st_size
        data = carry + chunk
        found = data.find(_GZIP_MAGIC)
        if found >= 0:
            return base - len(carry) + found
        carry = data[-2:]
        base += len(chunk)


def whole_file_gzip(path: Path) -> bool:
    """Is `path` gzip-compressed as one member holding several records (rather than a member per record)?

    Reads the first member only, unless it runs to the end of the file; then counts its records."""
    import zlib

    with open(path, "rb") as handle:
        if handle.read(3) != _GZIP_MAGIC:
            return False
        handle.seek(0)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            while not inflater.eof:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                inflater.decompress(chunk, 1 << 16)  # output bounded: only where the member ends matters
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, 1 << 16)
        except zlib.error:
            return False  # damaged: read member by member, the damage skipped and counted
        if not inflater.eof or inflater.unused_data or handle.read(1):
            return False  # a torn member, or more members after the first
    from fastwarc.warc import ArchiveIterator

    with open(path, "rb") as handle:
        records = 0
        for _ in ArchiveIterator(handle, parse_http=False):
            records += 1
            if records > 1:
                return True
    return False


def seekable_copy(path: Path, folder: Path) -> Path:
    """A copy of a whole-file gzip WARC with a gzip member per record (as `warcio recompress` writes it), in
    `folder`; made once, reused by later runs (reextract reads the captures from it)."""
    import hashlib

    from warcio.recompressor import Recompressor

    name = path.name.split(".warc")[0] or path.stem
    target = folder / f"{name}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]}.warc.gz"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    recompressor = Recompressor(str(path), str(partial))
    with open(path, "rb") as stream:
        try:
            recompressor.load_and_write(stream, str(partial))
        except Exception:  # warcio refuses to iterate records inside one member: decompress first
            stream.seek(0)
            recompressor.decompress_and_recompress(stream, str(partial))
    os.replace(partial, target)
    return target


def import_files(db: str | Path, paths: list[Path], sites: set[str], batch: int = 1000) -> tuple[ImportCounts, list[str]]:
    """Index the kept records of `paths` into the archive's captures; returns the counts and start URLs.

    Idempotent (rows keyed by WARC-Record-ID), so a killed import indexes again what it had not committed.
    """
    from fanwen.archive import ArchiveWriter
    from fanwen.archive.captures import add_captures, captured_pages
    from fanwen.archive.lock import ArchiveLock
    from crawler.capture.names import capture_dir

    counts = ImportCounts()
    wanted = wanted_host(sites)
    lock = ArchiveLock(db)
    lock.acquire()  # raises ArchiveBusy while a crawl writes the archive
    writer = ArchiveWriter(db, batch_size=batch)
    try:
        writer.open()
        rows: list[CaptureRow] = []
        for path in paths:
            if whole_file_gzip(path):
                copy = seekable_copy(path, capture_dir(db) / "recompressed")
                logger.warning("%s is gzip-compressed as one member: reading its copy with a member per record, %s",
                               path, copy)
                counts.recompressed += 1
                path = copy
            for row in index_warc(path, wanted, counts):
                rows.append(row)
                if len(rows) >= batch:
                    add_captures(writer, rows)
                    writer.flush()
                    rows = []
        add_captures(writer, rows)
        writer.flush()
        first: dict[str, str] = {}
        for url in captured_pages(writer.db):
            if wanted(url):
                host = urlsplit(url).netloc
                if host not in first or (len(url), url) < (len(first[host]), first[host]):
                    first[host] = url
    finally:
        writer.close()
        lock.release()
    return counts, sorted(first.values())
