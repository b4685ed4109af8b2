"""In-memory MinHash LSH: band keys in sorted numpy runs (an LSM tree), a small dict for the newest.

Memory is 12 bytes per (article, band): 384 MiB for 1M articles with 32 bands, where one Python dict
per band costs ~90 bytes per entry. Band keys are pure uint64 arithmetic on the signature, so they are
the same in every process and can be rebuilt from persisted signatures at start.
"""

from __future__ import annotations

import numpy as np

from pipelines.shingles import mix64

BANDS = 32
ROWS = 4
_DELTA_MAX = 4096  # articles kept in the dict before they become a sorted run


def band_keys(signatures: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """uint64[n, bands] keys of the bands of uint32[n, bands*rows] signatures (band number mixed in)."""
    sig = np.ascontiguousarray(signatures[:, : bands * rows], dtype=np.uint32).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), (len(signatures), bands)).copy()
        for j in range(rows):
            h = mix64(h * np.uint64(0x100000001B3) ^ sig[:, :, j].astype(np.uint64))
    return h


class BandIndex:
    """Maps band keys to article ids; `query` returns every id sharing at least one band."""

    def __init__(self, bands: int = BANDS, rows: int = ROWS) -> None:
        self.bands, self.rows = bands, rows
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted uint64 keys, uint32 ids), largest first
        self._delta: dict[int, list[int]] = {}
        self._delta_articles = 0
        self.size = 0

    def bulk_load(self, ids: np.ndarray, signatures: np.ndarray) -> None:
        """Index many articles at once (start-up): one sort instead of many inserts."""
        if len(ids) == 0:
            return
        keys = band_keys(signatures, self.bands, self.rows).ravel()
        owners = np.repeat(np.asarray(ids, dtype=np.uint32), self.bands)
        order = np.argsort(keys, kind="stable")
        self._push((keys[order], owners[order]))
        self.size += len(ids)

    def query(self, signature: np.ndarray) -> set[int]:
        """Ids of indexed articles sharing a band with `signature`."""
        return self.query_keys(band_keys(signature[None, :], self.bands, self.rows)[0])

    def query_keys(self, keys: np.ndarray) -> set[int]:
        found: set[int] = set()
        for run_keys, run_ids in self._runs:
            lo = np.searchsorted(run_keys, keys, "left")
            hi = np.searchsorted(run_keys, keys, "right")
            for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist()):
                found.update(run_ids[a:b].tolist())
        for key in keys.tolist():
            found.update(self._delta.get(key, ()))
        return found

    def add_keys(self, article_id: int, keys: np.ndarray) -> None:
        for key in keys.tolist():
            self._delta.setdefault(key, []).append(article_id)
        self._delta_articles += 1
        self.size += 1
        if self._delta_articles >= _DELTA_MAX:
            self._flush_delta()

    def _flush_delta(self) -> None:
        keys = np.fromiter((k for k, ids in self._delta.items() for _ in ids), dtype=np.uint64)
        ids = np.fromiter((i for v in self._delta.values() for i in v), dtype=np.uint32)
        order = np.argsort(keys, kind="stable")
        self._delta, self._delta_articles = {}, 0
        self._push((keys[order], ids[order]))

    def _push(self, run: tuple[np.ndarray, np.ndarray]) -> None:
        self._runs.append(run)
        # Merge while the newest run is at least half the size of the one before: O(log n) runs.
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            b = self._runs.pop()
            a = self._runs.pop()
            self._runs.append(_merge(a, b))


def _merge(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sorted runs in linear time (no re-sort of the large one)."""
    (ak, ai), (bk, bi) = a, b
    at = np.searchsorted(ak, bk, "right") + np.arange(len(bk))
    keys = np.empty(len(ak) + len(bk), dtype=np.uint64)
    ids = np.empty(len(keys), dtype=np.uint32)
    from_a = np.ones(len(keys), dtype=bool)
    from_a[at] = False
    keys[at], ids[at] = bk, bi
    keys[from_a], ids[from_a] = ak, ai
    return keys, ids
