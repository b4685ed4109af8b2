"""Read one captured record back by its place in the capture folder: one seek, one gzip member.

FastWARC parses the member (about 2.5x warcio's speed on a page's record, which re-extraction reads
for every page); warcio reads what FastWARC leaves as it came: bodies in chunked transfer coding
(wget keeps them so), which warcio de-chunks and decodes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path


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
    return _fast_record(member, file, offset) or _warcio_record(member, file, offset)


def _header_text(raw: bytes) -> str:
    """As warcio decodes a header line: UTF-8, else latin-1 (fanwen writes header bytes back as they came)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _fast_record(member: bytes, file: str, offset: int) -> StoredResponse | None:
    """The record read with FastWARC, or None when warcio must read it (a chunked body, or a record FastWARC refuses)."""
    from fastwarc.warc import ArchiveIterator

    try:
        record = next(iter(ArchiveIterator(io.BytesIO(member), parse_http=True)), None)
        if record is None or not record.is_http:
            return None
        http = record.http_headers
        headers = [(_header_text(n), _header_text(v)) for n, v in http.items_bytes()]
        if any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers):
            return None
        body = record.reader.read()
    except Exception:  # noqa: BLE001 - warcio reads it again and says what is wrong
        return None
    warc = record.headers
    if not _intact(member, warc.get("WARC-Payload-Digest") or "", body):
        raise CaptureMissing(f"{file} at {offset}: damaged record (its payload digest and gzip check fail)")
    return StoredResponse(warc.get("WARC-Target-URI"), int(http.status_code or 0), headers, body,
                          warc.get("WARC-Type"), warc.get("WARC-Refers-To"))


def _intact(member: bytes, digest: str, body: bytes) -> bool:
    """Whether a record read whole is the one written: its payload digest matches or, when it does not (damaged
    bytes inflate to garbage now and then; some tools digest differently), its gzip member's CRC holds."""
    if digest.startswith("sha1:") and digest[5:] == base64.b32encode(hashlib.sha1(body).digest()).decode("ascii"):
        return True
    if not member.startswith(b"\x1f\x8b"):
        return True  # an uncompressed file: nothing more to check
    try:
        zlib.decompress(member, wbits=31)  # checks the CRC-32 and length in the member's trailer
    except zlib.error:
        return False
    return True


def _warcio_record(member: bytes, file: str, offset: int) -> StoredResponse:
    from warcio.archiveiterator import ArchiveIterator  # imports fsspec too: only when needed

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
