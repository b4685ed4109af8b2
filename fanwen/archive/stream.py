"""SQL of the distributed archiver: Redis stream entries committed but not yet acknowledged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from fanwen.archive.writer import ArchiveWriter

_CHUNK = 500  # ids per IN (...) query, under SQLite's variable limit


class StreamEntries:
    """Marks written in the same transaction as an entry's item, so a replay after a crash between
    the commit and the acknowledgement skips the entry instead of archiving it twice."""

    def __init__(self, writer: ArchiveWriter):
        self.writer = writer

    def mark(self, entry_id: str) -> None:
        self.writer.write("INSERT OR IGNORE INTO stream_entries(entry_id) VALUES (?)", [entry_id])

    def mark_many(self, entry_ids: list[str]) -> None:
        self.writer.write_many("INSERT OR IGNORE INTO stream_entries(entry_id) VALUES (?)", [(e,) for e in entry_ids])

    def committed(self, entry_ids: Iterable[str]) -> set[str]:
        ids = list(entry_ids)
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            sql = f"SELECT entry_id FROM stream_entries WHERE entry_id IN ({','.join('?' * len(chunk))})"
            found.update(row[0] for row in self.writer.db.execute(sql, chunk))
        return found

    def forget(self, entry_ids: Iterable[str]) -> None:
        """Acknowledged entries are never delivered again: their marks can go."""
        ids = list(entry_ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            self.writer.write(f"DELETE FROM stream_entries WHERE entry_id IN ({','.join('?' * len(chunk))})", chunk)

    def forget_all(self) -> None:
        self.writer.write("DELETE FROM stream_entries", [])
