"""In-memory MinHash LSH: one sorted numpy array of band keys per band, in runs merged like an LSM tree.

Memory is 12 bytes per (article, band): 384 MiB for 1M articles with 32 bands, where one Python dict
per band costs ~90 bytes per entry. Band keys are pure uint64 arithmetic on the signature, so they are
the same in every process and can be rebuilt from persisted signatures at start. Each band is sorted
on its own (32 sorts of n keys cost a third of one sort of 32n) and every call takes a whole batch of
articles, so numpy's per-call cost is paid per batch, not per article.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fanwen.archive.neardup.shingles import mix64

BANDS = 32
ROWS = 4


def band_keys(signatures: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """uint64[n, bands] keys of the bands of uint32[n, bands*rows] signatures (band number mixed in)."""
    sig = np.ascontiguousarray(signatures[:, : bands * rows], dtype=np.uint32).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), (len(signatures), bands)).copy()
        for j in range(rows):
            h = mix64(h * np.uint64(0x100000001B3) ^ sig[:, :, j].astype(np.uint64))
    return h


class _Run:
    """Articles indexed together: per band, the keys sorted and the ids in the same order, and a directory
    of where each range of key prefixes starts (so that a lookup reads a few neighbouring keys, not
    log2(m) scattered ones: at 1M articles, 32 binary searches a batch over 8 MiB arrays each)."""

    __slots__ = ("keys", "ids", "shift", "starts", "steps", "filter_shift", "filter_bits", "filter")

    def __init__(self, keys: np.ndarray, ids: np.ndarray):
        self.keys, self.ids = keys, ids  # uint64[bands, m], uint32[bands, m]
        bands, m = keys.shape
        bits = max(0, int(m).bit_length() - 4)  # 8-16 keys a prefix
        self.shift = 64 - bits
        # starts[band, p]: index (in the flattened keys) of the band's first key with prefix >= p.
        if m < 1 << 16:  # small runs (a batch's, merged often): count each band's keys a prefix
            prefixes = (keys >> np.uint64(self.shift)).astype(np.int64) if bits else np.zeros(keys.shape, np.int64)
            prefixes += (np.arange(bands, dtype=np.int64) << bits)[:, None]
            ends = np.concatenate(([0], np.cumsum(np.bincount(prefixes.ravel(), minlength=bands << bits))))
            self.starts = ends[(np.arange(bands) << bits)[:, None] + np.arange((1 << bits) + 1)[None, :]]
        else:
            bounds = np.arange(1 << bits, dtype=np.uint64) << np.uint64(self.shift)
            self.starts = np.empty((bands, len(bounds) + 1), dtype=np.int64)
            for band in range(bands):
                self.starts[band, :-1] = np.searchsorted(keys[band], bounds) + band * m
                self.starts[band, -1] = (band + 1) * m
        widest = int(np.max(np.diff(self.starts, axis=1))) if m else 0
        self.steps = widest.bit_length()  # binary search steps within a prefix's range
        self._build_filter()

    def _build_filter(self) -> None:
        """A bit per value of the keys' top `filter_bits` bits, per band, set where a key has them: 8-16 bits
        a key (1-2 bytes), so that ~90% of the probes that miss (nearly all) skip the binary search."""
        bands, m = self.keys.shape
        self.filter_bits = max(3, int(m).bit_length() + 3)
        self.filter_shift = np.uint64(64 - self.filter_bits)
        size = 1 << self.filter_bits
        if bands * size <= 1 << 24:  # small runs: all bands at once
            marks = np.zeros(bands * size, dtype=bool)
            marks[((self.keys >> self.filter_shift).astype(np.int64) + (np.arange(bands, dtype=np.int64) << self.filter_bits)[:, None]).ravel()] = True
            self.filter = np.packbits(marks, bitorder="little")
            return
        self.filter = np.empty(bands * size // 8, dtype=np.uint8)
        for band in range(bands):  # band by band: the marks take 8 bytes a key
            marks = np.zeros(size, dtype=bool)
            marks[(self.keys[band] >> self.filter_shift).astype(np.int64)] = True
            self.filter[band * size // 8 : (band + 1) * size // 8] = np.packbits(marks, bitorder="little")

    def may_have(self, probes: np.ndarray, bands: np.ndarray) -> np.ndarray:
        """False where the probe key (of band `bands[i]`) is surely not in the run."""
        at = (probes >> self.filter_shift).astype(np.int64) + (bands << self.filter_bits)
        return ((self.filter[at >> 3] >> (at & 7).astype(np.uint8)) & 1).astype(bool)

    @classmethod
    def build(cls, ids: np.ndarray, keys: np.ndarray) -> _Run:
        """From ids uint[n] and their keys uint64[n, bands]."""
        by_band = np.ascontiguousarray(keys.T)
        order = np.argsort(by_band, axis=1)
        return cls(np.take_along_axis(by_band, order, axis=1), np.asarray(ids, dtype=np.uint32)[order])

    def __len__(self) -> int:
        return self.keys.shape[1]

    def bounds(self, probes: np.ndarray, bands: np.ndarray, upper: bool = False) -> np.ndarray:
        """For each probe key (of band `bands[i]`), the index in the flattened keys of the band's first key
        >= the probe (> it with `upper`): a binary search of all probes at once, in their prefix's range."""
        flat = self.keys.reshape(-1)
        prefix = (probes >> np.uint64(self.shift)).astype(np.int64) if self.shift < 64 else np.zeros(len(probes), np.int64)
        lo = self.starts[bands, prefix]
        hi = self.starts[bands, prefix + 1]
        last = len(flat) - 1
        for _ in range(self.steps):
            active = lo < hi
            mid = (lo + hi) >> 1
            at = flat[np.minimum(mid, last)]
            right = active & ((at <= probes) if upper else (at < probes))
            lo = np.where(right, mid + 1, lo)
            hi = np.where(active & ~right, mid, hi)
        return lo


class BandIndex:
    """Maps band keys to article ids; `query_many` returns, per article, every id sharing a band."""

    def __init__(self, bands: int = BANDS, rows: int = ROWS) -> None:
        self.bands, self.rows = bands, rows
        self._runs: list[_Run] = []  # largest first
        self.size = 0

    def bulk_load_chunks(self, chunks: Iterable[tuple[np.ndarray, np.ndarray]], total: int) -> None:
        """Index `total` stored articles given as (ids, signatures) chunks (start-up): the keys go straight
        into per-band arrays, then each band is sorted in place (threads: numpy sorts without the GIL)."""
        keys = np.empty((self.bands, total), dtype=np.uint64)
        ids = np.empty(total, dtype=np.uint32)
        filled = 0
        for chunk_ids, sigs in chunks:
            end = filled + len(chunk_ids)
            ids[filled:end] = chunk_ids
            keys[:, filled:end] = band_keys(sigs, self.bands, self.rows).T
            filled = end
        if not filled:
            return
        keys, ids = keys[:, :filled], ids[:filled]
        owners = np.empty(keys.shape, dtype=np.uint32)

        def sort_band(band: int) -> None:
            order = np.argsort(keys[band])
            keys[band] = keys[band][order]
            owners[band] = ids[order]

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            list(pool.map(sort_band, range(self.bands)))
        self._push(_Run(keys, owners))
        self.size += filled

    def add_many(self, ids: np.ndarray, keys: np.ndarray) -> None:
        """Index articles `ids` (uint[n]) with their band keys (uint64[n, bands])."""
        if len(ids):
            self._push(_Run.build(ids, keys))
            self.size += len(ids)

    def query_many(self, keys: np.ndarray) -> list[set[int]]:
        """For each row of uint64[n, bands] keys, the ids of indexed articles sharing one of its bands."""
        found: list[set[int]] = [set() for _ in range(len(keys))]
        probes = np.ascontiguousarray(keys.T).reshape(-1)  # band by band
        bands = np.repeat(np.arange(self.bands, dtype=np.int64), len(keys))
        rows = np.tile(np.arange(len(keys)), self.bands)
        for run in self._runs:
            if not len(run):
                continue
            maybe = np.nonzero(run.may_have(probes, bands))[0]
            if not len(maybe):
                continue
            lo = run.bounds(probes[maybe], bands[maybe])
            flat = run.keys.reshape(-1)
            # A hit: the first key >= the probe is the probe, and still in the probe's band.
            hit = np.nonzero((lo < (bands[maybe] + 1) * len(run)) & (flat[np.minimum(lo, len(flat) - 1)] == probes[maybe]))[0]
            if not len(hit):
                continue
            at = maybe[hit]
            hi = run.bounds(probes[at], bands[at], upper=True)
            ids = run.ids.reshape(-1)
            for row, a, b in zip(rows[at].tolist(), lo[hit].tolist(), hi.tolist()):
                found[row].update(ids[a:b].tolist())
        return found

    def _push(self, run: _Run) -> None:
        self._runs.append(run)
        # Merge while the newest run is at least half the size of the one before: O(log n) runs.
        while len(self._runs) > 1 and 2 * len(self._runs[-1]) >= len(self._runs[-2]):
            b = self._runs.pop()
            a = self._runs.pop()
            self._runs.append(_merge(a, b))


def earlier_sharing(keys: np.ndarray) -> list[set[int]]:
    """For each row of uint64[n, bands] keys, the earlier rows that share one of its bands.

    Keys carry their band number, so one sort over all of them finds the shared bands."""
    n, bands = keys.shape
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")  # stable: rows of one key stay in row order
    ordered = flat[order]
    same = np.nonzero(ordered[1:] == ordered[:-1])[0]
    out: list[set[int]] = [set() for _ in range(n)]
    for i in same.tolist():
        later = int(order[i + 1]) // bands
        # Walk back over the run of equal keys: every earlier row in it is shared.
        j = i
        while j >= 0 and ordered[j] == ordered[i + 1]:
            earlier = int(order[j]) // bands
            if earlier != later:
                out[later].add(earlier)
            j -= 1
    return out


def _merge(a: _Run, b: _Run) -> _Run:
    """Merge two runs in linear time (no re-sort of the large one): each of `b`'s keys goes after the keys
    of `a` that are <= it, moved by the keys of `b` before it; the keys and ids move for all bands at once."""
    bands, ma = a.keys.shape
    mb = b.keys.shape[1]
    after = np.concatenate([np.searchsorted(a.keys[band], b.keys[band], "right") for band in range(bands)])
    at = after + np.tile(np.arange(mb, dtype=np.int64), bands) + np.repeat(np.arange(bands, dtype=np.int64) * (ma + mb), mb)
    keys = np.empty(bands * (ma + mb), dtype=a.keys.dtype)
    ids = np.empty(len(keys), dtype=a.ids.dtype)
    from_a = np.ones(len(keys), dtype=bool)
    from_a[at] = False
    keys[at], ids[at] = b.keys.reshape(-1), b.ids.reshape(-1)
    keys[from_a], ids[from_a] = a.keys.reshape(-1), a.ids.reshape(-1)
    return _Run(keys.reshape(bands, ma + mb), ids.reshape(bands, ma + mb))


def merge_sorted(ak: np.ndarray, ai: np.ndarray, bk: np.ndarray, bi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted keys `ak` and `bk` (with their values `ai`, `bi`) in linear time."""
    at = np.searchsorted(ak, bk, "right") + np.arange(len(bk))
    keys = np.empty(len(ak) + len(bk), dtype=ak.dtype)
    ids = np.empty(len(keys), dtype=ai.dtype)
    from_a = np.ones(len(keys), dtype=bool)
    from_a[at] = False
    keys[at], ids[at] = bk, bi
    keys[from_a], ids[from_a] = ak, ai
    return keys, ids
