"""Paragraph-level duplicate statistics of multi-essay (篇一 … 篇N) pages."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from pipelines.shingles import Folder

if TYPE_CHECKING:
    from archive.neardup import NearDupTables

MIN_PARAGRAPH = 20  # folded characters: shorter lines are stock phrases (同志们：, 谢谢大家！)
_ESSAY_HEAD = re.compile(r"^[【\[]?篇[一二三四五六七八九十]+[】\]]?$|^第[一二三四五六七八九十\d]+篇")


def essay_count(body: str) -> int:
    """Number of 篇 headings of a page (0 or 1 for an ordinary article)."""
    return sum(1 for line in body.split("\n") if _ESSAY_HEAD.match(line.strip()))


def paragraph_hashes(body: str, folder: Folder, lines: list[str] | None = None) -> dict[int, int]:
    """Signed 64-bit hash -> folded length of every paragraph long enough to count."""
    out: dict[int, int] = {}
    for folded in lines if lines is not None else folder.fold_lines(body):
        if len(folded) >= MIN_PARAGRAPH:
            digest = hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest()
            out[int.from_bytes(digest, "little", signed=True)] = len(folded)
    return out


class ParagraphStats:
    """Keeps paragraph hashes of every article and the statistics of multi-essay pages up to date."""

    def __init__(self, tables: NearDupTables, folder: Folder):
        self.tables, self.folder = tables, folder

    def added(self, article_id: int, body: str, lines: list[str] | None = None) -> None:
        """A new article (`lines`: its folded lines, when already computed)."""
        hashes = paragraph_hashes(body, self.folder, lines)
        first_time = self.tables.add_paragraphs(article_id, hashes) == len(hashes)
        shared = self.tables.sharing(list(hashes), article_id)
        essays = essay_count(body)
        if essays >= 2:
            self._save(article_id, essays, hashes, shared)
        if not first_time:  # re-sketched (new signature parameters): counts may not move, recompute them
            for other in self.tables.has_paragraph_stats({o for ids in shared.values() for o in ids}):
                self.refresh(other)
            return
        # A paragraph that only one earlier article had is now shared by it too: that article's statistics
        # gain it. (Same hash, same folded text, same length.) Updating in place keeps each new article
        # O(its own paragraphs): recomputing the earlier pages re-folded their whole bodies every time.
        gains: dict[int, list[int]] = {}
        for h, others in shared.items():
            if len(others) == 1:
                gain = gains.setdefault(next(iter(others)), [0, 0])
                gain[0] += 1
                gain[1] += hashes[h]
        for other in self.tables.has_paragraph_stats(gains):
            self.tables.add_to_paragraph_stats(other, *gains[other])

    def refresh(self, article_id: int, body: str | None = None) -> None:
        """Recompute one page's statistics from scratch (after a rebuild, or for rows made before dup_chars)."""
        body = body if body is not None else self.tables.bodies([article_id])[article_id]
        hashes = paragraph_hashes(body, self.folder)
        self._save(article_id, essay_count(body), hashes, self.tables.sharing(list(hashes), article_id))

    def _save(self, article_id: int, essays: int, hashes: dict[int, int], shared: dict[int, set[int]]) -> None:
        dup_chars = sum(n for h, n in hashes.items() if h in shared)
        self.tables.save_paragraph_stats(article_id, essays, len(hashes), len(shared), sum(hashes.values()), dup_chars)
