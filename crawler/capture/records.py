"""Read one captured record back by its place in the capture folder: one seek, one gzip member."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


class CaptureMissing(Exception):
    """The WARC file or record a capture row points to is gone or unreadable."""


@dataclass
class StoredResponse:
    """The HTTP response of a record: status, headers as written, body as the server sent it."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    record_type: str
    refers_to: str | None


def read_member(folder: Path, file: str, offset: int, length: int) -> StoredResponse:
    """The response or revisit record whose gzip member starts at `offset` of `folder/file`."""
    path = folder / file
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            member = handle.read(length)
    except OSError as exc:
        raise CaptureMissing(f"{file}: {exc.strerror or exc}") from exc
    try:
        record = next(ArchiveIterator(io.BytesIO(member)))
        http = record.http_headers
        chunked = http is not None and "chunked" in (http.get_header("Transfer-Encoding") or "").lower()
        # Other tools (wget) keep a chunked body as it came: warcio de-chunks it (and decodes it) for us.
        body = record.content_stream().read() if chunked else record.raw_stream.read()
    except Exception as exc:  # torn or corrupt member, not a WARC record
        raise CaptureMissing(f"{file} at {offset}: unreadable record ({type(exc).__name__})") from exc
    if http is None:
        raise CaptureMissing(f"{file} at {offset}: not an HTTP record")
    headers = [(n, v) for n, v in http.headers
               if not chunked or n.lower() not in ("transfer-encoding", "content-encoding", "content-length")]
    return StoredResponse(record.rec_headers.get_header("WARC-Target-URI"), int(http.get_statuscode() or 0),
                          headers, body, record.rec_type, record.rec_headers.get_header("WARC-Refers-To"))
