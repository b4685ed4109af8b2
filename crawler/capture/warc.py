"""WARC/1.1 files of a capture folder: request, response and revisit records, gzip per record, rotated.

Pure I/O with warcio, no Scrapy: the capture middleware hands it `Exchange`s. It owns the open file:
rotation at `max_size`, a `warcinfo` record at the head of each file, and a CDXJ index beside each
file once it is closed (`NAME.warc.gz` -> `NAME.cdxj`).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import io
import json
import logging
import os
import socket
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from fanwen.archive.captures import CaptureRow, cdxj_line

logger = logging.getLogger(__name__)

from crawler.capture.names import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, PROFILES, WARC_SUFFIX  # noqa: F401


# zlib level of the gzip members. On the generated sites' records (2,711 records, 13.7 MiB; 2026-12-06):
# level 1: 0.23 CPU s, 6.05 MiB; 3: 0.24 s, 5.94 MiB; 6: 0.37 s, 5.73 MiB; 9: 0.34 s, 5.73 MiB. Level 3
# costs 2/3 of level 6's CPU for 3.7% more disk (warcio's own wrapper uses 9).
GZIP_LEVEL = 3

# CDXJ lines of the open file held in memory (~360 bytes each) before they go to disk as one sorted run;
# the runs are merged into NAME.cdxj when the file closes. A 1 GiB file of ~10 KiB pages has ~100,000.
CDXJ_RUN_LINES = 20_000


class _GzipMember:
    """Compresses what warcio writes into one gzip member (level: GZIP_LEVEL)."""

    def __init__(self, out: BinaryIO, level: int = GZIP_LEVEL):
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())


class WireHeaders(StatusAndHeaders):
    """HTTP headers written back as the bytes they came as (latin-1 round trip), not %-encoded as warcio does."""

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1", "replace") + b"\r\n"


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of a body: sha1, base32, as warcio, wget and Heritrix write it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(when: datetime | None = None) -> str:
    """WARC/1.1 date with microseconds."""
    when = when or datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Original:
    """The earlier response record a revisit refers to."""

    url: str
    date: str
    record_id: str
    digest: str | None = None  # its payload digest, when known (a 304's revisit carries it)


@dataclass
class Exchange:
    """One HTTP request and the response to it, as on the wire (body after transfer decoding only)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    protocol: str
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    request_body: bytes = b""
    ip_address: str | None = None
    date: str = field(default_factory=warc_date)
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = payload_digest(self.body)

    @property
    def mime(self) -> str | None:
        for name, value in self.response_headers:
            if name.lower() == "content-type":
                return value.split(";")[0].strip().lower() or None
        return None

    def request_line(self) -> str:
        """`GET /path?query` : the target exactly as requested, query string included."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return f"{self.method} {target}"


class WarcFolder:
    """Appends records to `folder/PREFIX-TIME-PID-NNNNN.warc.gz`, starting a new file past `max_size` bytes."""

    def __init__(self, folder: str | Path, max_size: int = 1 << 30, info: dict[str, str] | None = None,
                 prefix: str = "fanwen", cdxj_run_lines: int = CDXJ_RUN_LINES):
        self.folder = Path(folder)
        self.max_size = max_size
        self.info = info or {}
        self.prefix = prefix
        self._file: BinaryIO | None = None
        self._name = ""
        self._serial = 0
        self._cdxj: list[str] = []  # the open file's lines not yet in a run
        self._cdxj_runs: list[Path] = []  # sorted runs of the open file's earlier lines
        self.cdxj_run_lines = cdxj_run_lines
        self._stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self._builder = WARCWriter(None, gzip=False, warc_version="1.1")  # gzip members: _GzipMember

    # -- files ------------------------------------------------------------------------------

    def _open_next(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        self._name = f"{self.prefix}-{self._stamp}-{os.getpid()}-{self._serial:05d}{WARC_SUFFIX}"
        # A new file per process and serial: a file a killed crawl left (maybe with a torn tail) is never appended to.
        self._file = open(self.folder / self._name, "xb")
        self._cdxj, self._cdxj_runs = [], []
        info = {"software": "fanwen/0.1 (warcio)", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "hostname": socket.gethostname(), **self.info}
        self._append(self._builder.create_warcinfo_record(self._name, info))

    def close(self) -> None:
        """Close the open file and write its CDXJ index."""
        if self._file is not None:
            self._file.close()
            self._file = None
            write_cdxj(self.folder / self._name, self._cdxj, self._cdxj_runs)
            for run in self._cdxj_runs:
                run.unlink()
            self._cdxj, self._cdxj_runs = [], []

    def _append(self, record) -> tuple[int, int]:
        """Write one record as one gzip member; returns its (offset, length)."""
        assert self._file is not None
        offset = self._file.tell()
        self._builder._write_warc_record(_GzipMember(self._file), record)  # warcio writes the record
        return offset, self._file.tell() - offset

    # -- records ----------------------------------------------------------------------------

    def write(self, exchange: Exchange, crawl_id: int | None, original: Original | None = None,
              profile: str | None = None) -> CaptureRow:
        """Write the response (or a revisit of `original`) and the request; returns the index row.

        The row exists only once both records are written and handed to the OS (flushed).
        """
        if self._file is None or self._file.tell() >= self.max_size:
            self.close()
            self._open_next()
        http = WireHeaders(f"{exchange.status} {exchange.reason}".strip(), exchange.response_headers,
                                protocol=exchange.protocol)
        warc_headers = {"WARC-Date": exchange.date, "WARC-Payload-Digest": exchange.digest}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if original is None:
            record = self._builder.create_warc_record(exchange.url, "response", payload=io.BytesIO(exchange.body),
                                                      length=len(exchange.body), http_headers=http,
                                                      warc_headers_dict=warc_headers)
        else:
            record = self._builder.create_warc_record(exchange.url, "revisit", http_headers=http,
                                                      warc_headers_dict=warc_headers)
            record.rec_headers.add_header("WARC-Profile", profile or PROFILE_IDENTICAL)
            record.rec_headers.add_header("WARC-Refers-To", original.record_id)
            record.rec_headers.add_header("WARC-Refers-To-Target-URI", original.url)
            record.rec_headers.add_header("WARC-Refers-To-Date", original.date)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        offset, length = self._append(record)
        request = self._builder.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=WireHeaders(f"{exchange.request_line()} {exchange.protocol}", exchange.request_headers,
                                     is_http_request=True),
            warc_headers_dict={"WARC-Date": exchange.date, "WARC-Concurrent-To": record_id})
        self._append(request)
        self._file.flush()
        row = CaptureRow(crawl_id, exchange.url, exchange.date, exchange.status,
                         "response" if original is None else "revisit",
                         None if original is None else PROFILES[profile or PROFILE_IDENTICAL],
                         None if original is None else original.record_id, exchange.mime, exchange.digest,
                         record_id, self._name, offset, length)
        self._cdxj.append(cdxj_line(row))
        if len(self._cdxj) >= self.cdxj_run_lines:
            self._spill_cdxj()
        return row

    def _spill_cdxj(self) -> None:
        """The lines held so far, sorted, to a run file beside the WARC (hidden; merged and removed at close)."""
        run = self.folder / f".{self._name}.cdxj-run{len(self._cdxj_runs)}"
        with open(run, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in sorted(self._cdxj))
        self._cdxj_runs.append(run)
        self._cdxj = []


def write_cdxj(warc_path: Path, lines: list[str], runs: list[Path] = ()) -> Path:
    """Write the sorted CDXJ of one WARC file beside it (NAME.cdxj), atomically: `lines` and the lines of
    `runs` (files of sorted lines), merged."""
    target = warc_path.with_name(warc_path.name[: -len(WARC_SUFFIX)] + ".cdxj")
    temp = target.with_name(target.name + ".part")
    handles = [open(run, encoding="utf-8", newline="\n") for run in runs]
    try:
        # Compared without their "\n", as sorted() compares the lines held in memory.
        merged = heapq.merge(*((line[:-1] for line in handle) for handle in handles), sorted(lines))
        with open(temp, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in merged)
    finally:
        for handle in handles:
            handle.close()
    os.replace(temp, target)
    return target
