"""Compact sets of what a crawl has met: every URL it saw and every request it scheduled, 8 bytes each.

A crawl remembers each URL it met until it ends: as `str` in a `set` that is ~150 bytes a URL (and
Scrapy's dupefilter keeps a 20-byte fingerprint of each request, ~90 bytes with its set slot), which
grows with the site. Here each is a 64-bit key: the newest up to `recent_max` in a Python set, the
others merged into one sorted int64 array (8 bytes a key, looked up with a binary search).

Two different URLs with the same 64-bit key would be taken for one: at 1,000,000 URLs the chance that
any two collide in a whole crawl is ~3 in 100 million (n^2 / 2^65).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request


class KeySet:
    """A set of signed 64-bit integers, ~8 bytes a key once merged (plus at most `recent_max` in a set)."""

    def __init__(self, recent_max: int = 1 << 16):
        self.recent_max = recent_max
        self._recent: set[int] = set()
        self._merged: Any = None  # a sorted numpy int64 array (numpy imported at the first merge); no key also in _recent

    def __len__(self) -> int:
        return len(self._recent) + (0 if self._merged is None else len(self._merged))

    def __contains__(self, key: int) -> bool:
        return key in self._recent or self._in_merged(key)

    def _in_merged(self, key: int) -> bool:
        merged = self._merged
        if merged is None:
            return False
        at = int(merged.searchsorted(key))
        return at < len(merged) and int(merged[at]) == key

    def add(self, key: int) -> None:
        if key in self._recent or self._in_merged(key):
            return
        self._recent.add(key)
        if len(self._recent) >= self.recent_max:
            self._merge()

    def missing(self, keys: list[int]) -> list[bool]:
        """For each key, whether it is not in the set (one vectorised search for the merged keys)."""
        recent = self._recent
        out = [key not in recent for key in keys]
        if self._merged is not None and any(out):
            import numpy as np

            probe = np.fromiter((key for key, miss in zip(keys, out) if miss), dtype=np.int64)
            at = self._merged.searchsorted(probe)
            found = self._merged[np.minimum(at, len(self._merged) - 1)] == probe
            hits = iter(found.tolist())
            out = [miss and not next(hits) for miss in out]
        return out

    def _merge(self) -> None:
        import numpy as np

        recent = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
        recent.sort()
        if self._merged is not None:
            recent = np.concatenate((self._merged, recent))
            recent.sort(kind="stable")  # two sorted runs: timsort merges them in one pass
        self._merged = recent
        self._recent = set()


def url_key(url: str) -> int:
    """The URL's key: Python's string hash (SipHash, 64 bits, cached in the str; varies per process, and
    a URL set lives in one process)."""
    return hash(url)


class UrlSet:
    """The URLs a crawl has seen (`in`, `add`, `update`, `len`), 8 bytes each; not iterable."""

    def __init__(self, urls: Iterable[str] = (), recent_max: int = 1 << 16):
        self.keys = KeySet(recent_max)
        self.update(urls)

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, url: str) -> bool:
        return url_key(url) in self.keys

    def add(self, url: str) -> None:
        self.keys.add(url_key(url))

    def update(self, urls: Iterable[str]) -> None:
        for url in urls:
            self.add(url)

    def unseen(self, urls: list[str]) -> list[bool]:
        """For each URL, whether it was not seen (the many links of one page in one search)."""
        return self.keys.missing([url_key(url) for url in urls])


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter (same request fingerprints, JOBDIR file included) keeping 8 of each
    fingerprint's 20 bytes in a KeySet instead of the fingerprints in a set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._keys = KeySet()
        for fingerprint in self._fingerprints:  # read from JOBDIR's requests.seen
            self._keys.add(_fingerprint_key(fingerprint))
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self._fingerprint(request)
        key = _fingerprint_key(fingerprint)
        if key in self._keys:
            return True
        self._keys.add(key)
        if self.file:
            self.file.write(len(fingerprint).to_bytes(2, "big") + fingerprint)
        return False


def _fingerprint_key(fingerprint: bytes) -> int:
    return int.from_bytes(fingerprint[:8], "little", signed=True)
