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


class ParagraphIndex:
    """hash -> ids of the articles with that paragraph."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted int64 hashes, uint32 ids), largest first
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
        self._runs.append((keys, owners))
        self.size += len(keys)
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            bk, bi = self._runs.pop()
            ak, ai = self._runs.pop()
            self._runs.append(merge_sorted(ak, ai, bk, bi))

    def load(self, chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        """Index stored rows given as (hashes, ids) array chunks (start-up): one sort for all of them."""
        parts = list(chunks)
        if parts:
            hashes, ids = np.concatenate([h for h, _ in parts]), np.concatenate([i for _, i in parts])
            del parts  # the chunks go before the sort's copies are made (peak memory at start)
            self.add(hashes, ids)

    def remove(self, article_id: int, hashes: Iterable[int]) -> None:
        self._removed.update((h, article_id) for h in hashes)

    def owners(self, hashes: Iterable[int]) -> dict[int, set[int]]:
        """hash -> ids of the articles with it (hashes nobody has are left out)."""
        probes = np.unique(np.fromiter(hashes, dtype=np.int64))
        out: dict[int, set[int]] = {}
        for keys, ids in self._runs:
            lo = np.searchsorted(keys, probes, "left")
            hi = np.searchsorted(keys, probes, "right")
            found = np.nonzero(hi > lo)[0]
            for h, a, b in zip(probes[found].tolist(), lo[found].tolist(), hi[found].tolist()):
                out.setdefault(h, set()).update(ids[a:b].tolist())
        if self._removed:
            for h, owners in list(out.items()):
                owners.difference_update({o for o in owners if (h, o) in self._removed})
                if not owners:
                    del out[h]
        return out
