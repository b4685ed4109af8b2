"""SQL of near-duplicate detection: signatures, duplicate_of links, paragraph hashes and statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np

if TYPE_CHECKING:
    from fanwen.archive.writer import ArchiveWriter

_CHUNK = 500  # ids per IN (...) query, under SQLite's variable limit


def dup_share(dup_chars: int, chars: int) -> float:
    return round(dup_chars / chars, 4) if chars else 0.0


class NearDupTables:
    """Reads and writes the near-duplicate tables through the archive's single writer."""

    def __init__(self, writer: ArchiveWriter):
        self.writer = writer
        self.db = writer.db

    # -- meta -----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.writer.write("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [key, value])

    # -- signatures -----------------------------------------------------------------------
    def iter_signatures(self, num_perm: int, chunk: int = 50_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, uint32[n, num_perm]) chunks of the stored signatures in id order (bounded memory)."""
        cursor = self.db.execute("SELECT article_id, signature FROM neardup_signatures ORDER BY article_id")
        while rows := cursor.fetchmany(chunk):
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            yield ids, np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4").reshape(len(rows), num_perm)

    def signature_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM neardup_signatures").fetchone()[0]

    def signatures(self, ids: Iterable[int]) -> dict[int, np.ndarray]:
        return {i: np.frombuffer(s, dtype="<u4") for i, s in self._by_ids("SELECT article_id, signature FROM neardup_signatures", ids)}

    def save_signatures(self, ids: list[int], signatures: np.ndarray, shingles: list[int]) -> None:
        """Rows of uint32[n, num_perm] `signatures` for articles `ids`, in one statement."""
        blobs = signatures.astype("<u4", copy=False)
        self._insert_rows("INSERT OR REPLACE INTO neardup_signatures(article_id, signature, shingles)",
                          [(i, blobs[row].tobytes(), n) for row, (i, n) in enumerate(zip(ids, shingles))], 50)

    def delete_signature(self, article_id: int) -> None:
        self.writer.write("DELETE FROM neardup_signatures WHERE article_id = ?", [article_id])

    def clear_signatures(self) -> None:
        self.writer.write("DELETE FROM neardup_signatures", [])

    def without_signature(self) -> Iterator[tuple[int, str, str]]:
        """(id, url, body) of articles that have no signature yet, in id order."""
        if self.db.execute("SELECT count(*) FROM articles").fetchone()[0] == self.signature_count():
            return  # every article has one (signatures exist only for articles): skip the 1.6 s search at 1M
        sql = "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM neardup_signatures) ORDER BY id"
        ids = [i for (i,) in self.db.execute(sql)]
        for start in range(0, len(ids), _CHUNK):  # bodies a chunk at a time: memory stays bounded
            yield from sorted(self._by_ids("SELECT id, url, body FROM articles", ids[start : start + _CHUNK], "id"))

    # -- articles and clusters ------------------------------------------------------------
    def bodies(self, ids: Iterable[int]) -> dict[int, str]:
        return dict(self._by_ids("SELECT id, body FROM articles", ids, "id"))

    def urls(self, ids: Iterable[int]) -> dict[int, str]:
        return dict(self._by_ids("SELECT id, url FROM articles", ids, "id"))

    def links(self) -> dict[int, int]:
        """article id -> duplicate_of for every linked article."""
        return dict(self.db.execute("SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchall())

    def set_duplicate_of(self, article_id: int, representative: int | None) -> None:
        self.writer.write("UPDATE articles SET duplicate_of = ? WHERE id = ?", [representative, article_id])

    def set_duplicate_of_many(self, links: list[tuple[int, int | None]]) -> None:
        """(article id, representative or None) pairs, in one statement."""
        self.writer.write_many("UPDATE articles SET duplicate_of = ? WHERE id = ?", [(rep, aid) for aid, rep in links])

    # -- paragraphs -----------------------------------------------------------------------
    def add_paragraph_rows(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Store (hash, article id) pairs, in article order: new articles' rows are appended."""
        self._insert_rows("INSERT OR IGNORE INTO paragraph_hashes(article_id, hash)", sorted((aid, h) for h, aid in pairs))

    def add_paragraph_row_arrays(self, article_ids: np.ndarray, hashes: np.ndarray) -> None:
        """Store rows (article_ids[i], hashes[i]), given in (article, hash) order: they are appended."""
        if len(hashes):
            self._insert_flat("INSERT OR IGNORE INTO paragraph_hashes(article_id, hash)",
                              np.column_stack((article_ids, hashes)).ravel().tolist(), 2)

    def remove_paragraphs(self, article_id: int, hashes: list[int]) -> None:
        self.writer.write_many("DELETE FROM paragraph_hashes WHERE article_id = ? AND hash = ?",
                               [(article_id, h) for h in hashes])

    def clear_paragraphs(self) -> None:
        self.writer.write("DELETE FROM paragraph_hashes", [])

    def iter_paragraph_rows(self, chunk: int = 100_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(hashes, article ids) arrays of every stored paragraph row, `chunk` articles at a time.

        SQLite joins each chunk's numbers into one string, parsed by numpy in C: 2.7 s for 10M rows,
        where one Python tuple per row costs 4 s to fetch and as much again to convert."""
        last = self.db.execute("SELECT max(article_id) FROM paragraph_hashes").fetchone()[0] or 0
        for low in range(0, last, chunk):
            hashes, ids = self.db.execute(
                "SELECT group_concat(hash, ' '), group_concat(article_id, ' ') FROM paragraph_hashes"
                " WHERE article_id > ? AND article_id <= ?", [low, low + chunk]).fetchone()
            if hashes:
                yield (np.fromstring(hashes, dtype=np.int64, sep=" "),
                       np.fromstring(ids, dtype=np.int64, sep=" ").astype(np.uint32))

    def delete_paragraph_stats(self, article_id: int) -> None:
        self.writer.write("DELETE FROM paragraph_stats WHERE article_id = ?", [article_id])

    def has_paragraph_stats(self, ids: Iterable[int]) -> set[int]:
        return {i for (i,) in self._by_ids("SELECT article_id FROM paragraph_stats", ids, "article_id", one=True)}

    def save_paragraph_stats(self, article_id: int, essays: int, paragraphs: int, dup: int, chars: int,
                             dup_chars: int) -> None:
        self.writer.write(
            "INSERT OR REPLACE INTO paragraph_stats(article_id, essays, paragraphs, dup_paragraphs, chars, dup_chars,"
            " dup_share) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [article_id, essays, paragraphs, dup, chars, dup_chars, dup_share(dup_chars, chars)],
        )

    def add_to_paragraph_stats(self, article_id: int, dup: int, dup_chars: int) -> None:
        """`dup` more of the page's paragraphs (`dup_chars` characters) are now found elsewhere too."""
        chars, before = self.db.execute(
            "SELECT chars, dup_chars FROM paragraph_stats WHERE article_id = ?", [article_id]).fetchone()
        after = before + dup_chars
        self.writer.write(
            "UPDATE paragraph_stats SET dup_paragraphs = dup_paragraphs + ?, dup_chars = ?, dup_share = ?"
            " WHERE article_id = ?",
            [dup, after, dup_share(after, chars), article_id],
        )

    def without_dup_chars(self) -> list[int]:
        """Pages whose statistics were made before dup_chars was kept (they are recomputed once)."""
        return [i for (i,) in self.db.execute("SELECT article_id FROM paragraph_stats WHERE dup_chars IS NULL")]

    def all_bodies(self, chunk: int = 1000) -> Iterator[tuple[int, str]]:
        """(id, body) of every article in id order, a chunk at a time (memory stays bounded)."""
        last = 0
        while rows := self.db.execute("SELECT id, body FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last, chunk]).fetchall():
            yield from rows
            last = rows[-1][0]

    def _insert_rows(self, insert: str, rows: list[tuple], per_statement: int = 250) -> None:
        """`insert` ... VALUES (...), (...), ...: `per_statement` rows a statement (4x cheaper than a
        statement a row). The last statement is filled up with copies of the last row, so that every
        statement is the same (compiled once): `insert` must be INSERT OR IGNORE or OR REPLACE."""
        if not rows:
            return
        per_statement = min(per_statement, len(rows))
        rows = rows + [rows[-1]] * (-len(rows) % per_statement)
        values = "(" + ", ".join("?" * len(rows[0])) + ")"
        self.writer.write_many(f"{insert} VALUES {', '.join([values] * per_statement)}",
                               [[x for row in rows[start : start + per_statement] for x in row]
                                for start in range(0, len(rows), per_statement)])

    def _insert_flat(self, insert: str, values: list, width: int, per_statement: int = 250) -> None:
        """`_insert_rows` of rows given as one flat list of `width` values a row."""
        rows = len(values) // width
        per_statement = min(per_statement, rows)
        values = values + values[-width:] * (-rows % per_statement)
        placeholders = ", ".join(["(" + ", ".join("?" * width) + ")"] * per_statement)
        step = width * per_statement
        self.writer.write_many(f"{insert} VALUES {placeholders}",
                               [values[start : start + step] for start in range(0, len(values), step)])

    def _by_ids(self, select: str, ids: Iterable[int], column: str = "article_id", one: bool = False) -> Iterator[tuple]:
        ids = list(ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            yield from self.db.execute(f"{select} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk).fetchall()
