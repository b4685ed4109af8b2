"""Paragraph-level duplicate statistics of multi-essay (篇一 … 篇N) pages."""

from __future__ import annotations

import re
from hashlib import blake2b as _blake2b
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from fanwen.archive.neardup.paragraph_index import ParagraphIndex
from fanwen.archive.neardup.shingles import Folder

if TYPE_CHECKING:
    from fanwen.archive.neardup.tables import NearDupTables

MIN_PARAGRAPH = 20  # folded characters: shorter lines are stock phrases (同志们：, 谢谢大家！)
_ESSAY_HEAD = re.compile(r"^[【\[]?篇[一二三四五六七八九十]+[】\]]?$|^第[一二三四五六七八九十\d]+篇")


def essay_count(body: str) -> int:
    """Number of 篇 headings of a page (0 or 1 for an ordinary article)."""
    if "篇" not in body:  # every heading has it; most pages have none
        return 0
    return sum(1 for line in body.split("\n") if _ESSAY_HEAD.match(line.strip()))


def paragraph_hashes(body: str, folder: Folder, lines: list[str] | None = None) -> dict[int, int]:
    """Signed 64-bit hash -> folded length of every paragraph long enough to count."""
    return paragraph_hashes_many([lines if lines is not None else folder.fold_lines(body)])[0]


def paragraph_hashes_many(folded: list[list[str]]) -> list[dict[int, int]]:
    """`paragraph_hashes` of many texts given as their folded lines (the digests turned into numbers at once)."""
    texts, hashes, lengths = paragraph_arrays(folded)
    bounds = np.searchsorted(texts, np.arange(len(folded) + 1)).tolist()
    hashes, lengths = hashes.tolist(), lengths.tolist()
    return [dict(zip(hashes[a:b], lengths[a:b])) for a, b in zip(bounds, bounds[1:])]


def paragraph_arrays(folded: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text index, signed 64-bit hash, folded length) of every paragraph long enough to count, of many
    texts given as their folded lines: sorted by text, then hash, a hash once a text."""
    long = [[line for line in lines if len(line) >= MIN_PARAGRAPH] for lines in folded]
    digests = []
    empty = _blake2b(digest_size=8)  # copied for each paragraph: a third cheaper than a new hash object
    for lines in long:
        for line in lines:
            digest = empty.copy()
            digest.update(line.encode("utf-8"))
            digests.append(digest.digest())
    hashes = np.frombuffer(b"".join(digests), dtype="<i8").astype(np.int64)
    texts = np.repeat(np.arange(len(long), dtype=np.int64), [len(lines) for lines in long])
    lengths = np.fromiter((len(line) for lines in long for line in lines), dtype=np.int64, count=len(hashes))
    order = np.lexsort((hashes, texts))
    texts, hashes, lengths = texts[order], hashes[order], lengths[order]
    first = np.ones(len(hashes), dtype=bool)  # a paragraph repeated within a text counts once
    first[1:] = (texts[1:] != texts[:-1]) | (hashes[1:] != hashes[:-1])
    return texts[first], hashes[first], lengths[first]


class ParagraphStats:
    """Keeps paragraph hashes of every article and the statistics of multi-essay pages up to date."""

    def __init__(self, tables: NearDupTables, folder: Folder):
        self.tables, self.folder = tables, folder
        self.index = ParagraphIndex()

    def load(self) -> None:
        """Fill the in-memory index from the archive's paragraph rows (at start)."""
        self.index.load(self.tables.iter_paragraph_rows())

    def added_many(self, ids: list[int], bodies: list[str], lines: list[list[str]]) -> None:
        """A batch of new articles (`lines`: their folded lines): store their paragraph hashes, save the
        statistics of the multi-essay ones and update earlier pages that now share a paragraph.

        Updating earlier pages in place keeps each new article O(its own paragraphs): recomputing them
        re-folded their whole bodies every time. The batch's rows stay numpy arrays: only the paragraphs
        found elsewhere (a few) become Python objects."""
        texts, hashes, lengths = paragraph_arrays(lines)
        owners = np.asarray(ids, dtype=np.int64)[texts]
        order = np.lexsort((hashes, owners))  # rows in (article, hash) order: appended to the table
        owners, hashes, lengths, texts = owners[order], hashes[order], lengths[order], texts[order]
        before = self.index.owners(hashes)
        self.tables.add_paragraph_row_arrays(owners, hashes)
        self.index.add(hashes, owners)
        essays = [(row, count) for row, body in enumerate(bodies) if (count := essay_count(body)) >= 2]
        if essays:
            in_batch = dict(zip(*np.unique(hashes, return_counts=True)))  # hash -> the batch's articles with it
            for row, count in essays:
                mine = texts == row
                found = dict(zip(hashes[mine].tolist(), lengths[mine].tolist()))
                shared = {h for h in found if before.get(h, set()) - {ids[row]} or in_batch[h] > 1}
                self._save(ids[row], count, found, shared)
        # A paragraph that only one earlier article had is now shared by it too: that page gains it.
        # (Same hash, same folded text, same length.) Pages of the batch were computed whole just above.
        if not before:
            return
        batch_ids = set(ids)
        hit = np.isin(hashes, np.fromiter(before, dtype=np.int64, count=len(before)))
        length_of = dict(zip(hashes[hit].tolist(), lengths[hit].tolist()))
        gains: dict[int, list[int]] = {}
        for h, earlier in before.items():
            if len(earlier) == 1 and (owner := next(iter(earlier))) not in batch_ids:
                gain = gains.setdefault(owner, [0, 0])
                gain[0] += 1
                gain[1] += length_of[h]
        for other in self.tables.has_paragraph_stats(gains):
            self.tables.add_to_paragraph_stats(other, *gains[other])

    def retired(self, article_id: int, previous: str) -> None:
        """`article_id` no longer has the text `previous`: its paragraphs and statistics go, and pages
        that shared a paragraph with it alone lose that paragraph."""
        hashes = paragraph_hashes(previous, self.folder)
        owners = self.index.owners(hashes)
        held = [h for h in hashes if article_id in owners.get(h, ())]
        self.tables.remove_paragraphs(article_id, held)
        self.index.remove(article_id, held)
        self.tables.delete_paragraph_stats(article_id)
        losses: dict[int, list[int]] = {}
        for h in held:
            rest = owners[h] - {article_id}
            if len(rest) == 1:
                loss = losses.setdefault(next(iter(rest)), [0, 0])
                loss[0] -= 1
                loss[1] -= hashes[h]
        for other in self.tables.has_paragraph_stats(losses):
            self.tables.add_to_paragraph_stats(other, *losses[other])

    def refresh(self, article_id: int, body: str | None = None) -> None:
        """Recompute one page's statistics from scratch (after a rebuild, or for rows made before dup_chars)."""
        body = body if body is not None else self.tables.bodies([article_id])[article_id]
        hashes = paragraph_hashes(body, self.folder)
        shared = {h for h, owners in self.index.owners(hashes).items() if owners - {article_id}}
        self._save(article_id, essay_count(body), hashes, shared)

    def _save(self, article_id: int, essays: int, hashes: dict[int, int], shared: Collection[int]) -> None:
        dup_chars = sum(n for h, n in hashes.items() if h in shared)
        self.tables.save_paragraph_stats(article_id, essays, len(hashes), len(shared), sum(hashes.values()), dup_chars)
