"""Which articles have a given paragraph: an in-memory index of paragraph hashes.

The archive keeps the (article, paragraph hash) rows in article order, so new rows are appended and
never scattered over a B-tree keyed by hash (that cost ~25 µs a row at 1M articles, most of the
near-duplicate stage). Lookups by hash are served here: sorted int64 runs merged like an LSM tree,
12 bytes per row (~120 MiB at 1M articles), loaded from the archive at start.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from fanwen.archive.neardup.lsh import merge_sorted


_SIGN = np.uint64(1 << 63)
_DIRECTORY_FROM = 1 << 20  # hashes in a run from which `_Run.bound` searches its directory


class _Run:
    """Sorted int64 hashes with their ids, and a directory of where each range of hash prefixes starts
    (a lookup reads a few neighbouring hashes, not log2(m) scattered ones: 10M rows at 1M articles)."""

    __slots__ = ("keys", "ids", "shift", "starts", "steps")

    def __init__(self, keys: np.ndarray, ids: np.ndarray):
        self.keys, self.ids = keys, ids
        bits = max(0, len(keys).bit_length() - 4)  # 8-16 hashes a prefix
        self.shift = np.uint64(64 - bits) if bits else None
        # Prefix p covers the signed hashes whose order-preserving unsigned form starts with p.
        bounds = ((np.arange(1 << bits, dtype=np.uint64) << self.shift) ^ _SIGN).view(np.int64) if bits \
            else np.array([np.iinfo(np.int64).min])
        self.starts = np.append(np.searchsorted(keys, bounds), len(keys))
        self.steps = int(np.max(np.diff(self.starts))).bit_length() if len(keys) else 0

    def bound(self, probes: np.ndarray, upper: bool) -> np.ndarray:
        """Index of the first hash >= each probe (> it with `upper`), searched within its prefix's range.

        `probes` sorted: below ~1M hashes numpy's own search (which starts each probe where the one
        before ended) is 2-4x faster; above, the scattered reads of its binary search cost more."""
        if len(self.keys) < _DIRECTORY_FROM:
            return np.searchsorted(self.keys, probes, "right" if upper else "left")
        prefix = ((probes.view(np.uint64) ^ _SIGN) >> self.shift).astype(np.int64) if self.shift is not None \
            else np.zeros(len(probes), dtype=np.int64)
        lo, hi = self.starts[prefix], self.starts[prefix + 1]
        last = max(len(self.keys) - 1, 0)
        for _ in range(self.steps):
            active = lo < hi
            mid = (lo + hi) >> 1
            at = self.keys[np.minimum(mid, last)]
            right = active & ((at <= probes) if upper else (at < probes))
            lo = np.where(right, mid + 1, lo)
            hi = np.where(active & ~right, mid, hi)
        return lo


class ParagraphIndex:
    """hash -> ids of the articles with that paragraph."""

    def __init__(self) -> None:
        self._runs: list[_Run] = []  # largest first
        self._removed: set[tuple[int, int]] = set()  # (hash, id) rows deleted since they were loaded
        self.size = 0

    def add(self, hashes: Iterable[int] | np.ndarray, ids: Iterable[int] | np.ndarray) -> None:
        """Rows (hashes[i], ids[i])."""
        keys = hashes if isinstance(hashes, np.ndarray) else np.fromiter(hashes, dtype=np.int64)
        owners = ids.astype(np.uint32) if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.uint32, count=len(keys))
        if not len(keys):
            return
        if self._removed:
            self._removed.difference_update(zip(keys.tolist(), owners.tolist()))
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        del order
        runs = [(keys, owners)]
        self.size += len(keys)
        while self._runs and 2 * len(runs[-1][0]) >= len(self._runs[-1].keys):
            older = self._runs.pop()
            runs[-1] = merge_sorted(older.keys, older.ids, *runs[-1])
        self._runs.append(_Run(*runs[-1]))

    def load(self, chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        """Index stored rows given as (hashes, ids) array chunks (start-up): one sort for all of them."""
        parts = list(chunks)
        if parts:
            hashes, ids = np.concatenate([h for h, _ in parts]), np.concatenate([i for _, i in parts])
            del parts  # the chunks go before the sort's copies are made (peak memory at start)
            self.add(hashes, ids)

    def remove(self, article_id: int, hashes: Iterable[int]) -> None:
        self._removed.update((h, article_id) for h in hashes)

    def owners(self, hashes: Iterable[int] | np.ndarray) -> dict[int, set[int]]:
        """hash -> ids of the articles with it (hashes nobody has are left out)."""
        probes = np.unique(hashes if isinstance(hashes, np.ndarray) else np.fromiter(hashes, dtype=np.int64))
        out: dict[int, set[int]] = {}
        for run in self._runs:
            if not len(run.keys):
                continue
            lo = run.bound(probes, upper=False)
            # Most probes are new paragraphs: the upper bound is searched for the hits only.
            found = np.nonzero(run.keys[np.minimum(lo, len(run.keys) - 1)] == probes)[0]
            found = found[lo[found] < len(run.keys)]
            if not len(found):
                continue
            hi = run.bound(probes[found], upper=True)
            for h, a, b in zip(probes[found].tolist(), lo[found].tolist(), hi.tolist()):
                out.setdefault(h, set()).update(run.ids[a:b].tolist())
        if self._removed:
            for h, owners in list(out.items()):
                owners.difference_update({o for o in owners if (h, o) in self._removed})
                if not owners:
                    del out[h]
        return out
