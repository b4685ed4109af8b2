"""Reading one capture back as a user's tool would: one seek, one gzip member, warcio (not fanwen's reader)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def record_at(path: Path | str, offset: int, length: int) -> Any:
    """The WARC record of the gzip member at `offset` of `path` (its raw stream still unread)."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        handle.seek(offset)
        member = handle.read(length)
    return next(ArchiveIterator(io.BytesIO(member)))
