"""Comparison text, character shingles and MinHash signatures of a cleaned body (pure functions).

The comparison form folds what re-posts change without changing the essay: 繁体 is folded to 简体,
full-width forms to ASCII (NFKC), pasted domains, masks (XX, ***) and everything that is not a letter,
digit or CJK character are dropped. It is used for comparison only; the archive keeps the body as is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

import numpy as np
import opencc
import rensa

from fanwen.archive.neardup.t2s import UNSAFE, T2STable, t2s_table

# Stored signatures depend on these: changing one changes SIGNATURE_VERSION, and the next crawl or
# `fanwen dedupe` recomputes them.
SHINGLE = 5
NUM_PERM = 128
SEED = 20240501
# rensa's digest is tied to its algorithm version (checked when an archive's signatures are reused).
SIGNATURE_VERSION = f"k{SHINGLE}-p{NUM_PERM}-s{SEED}-rensa{rensa.RMinHash.ALGORITHM_VERSION}"

_DOMAIN = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:com\.cn|com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)"
                     r"(?::\d+)?(?:/[\w./?=&%-]*)?", re.I)
# The dot and top-level domain that end the repeated labels of every `_DOMAIN` match (same flags).
_TOP_LEVEL = re.compile(r"\.(?:com\.cn|com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)", re.I)
# `x{2,}|\*{2,}|╳+|某+` case-insensitively (only X folds to x), spelled so that every alternative starts with
# a literal: the regex engine then skips to those characters in C instead of trying each position (tested
# against the plain form in tests/test_neardup_fastpaths.py).
_MASK = re.compile(r"x[xX]+|X[xX]+|\*\*+|╳+|某+")
_NOT_TEXT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\n]+")
# Characters the domain and mask patterns need: a text with one takes `fold_lines`.
_PATTERN_CHARS = ".x*╳某"
_PATTERN_CHARS_ANY_CASE = _PATTERN_CHARS + "X"
# Odd 64-bit constants (from splitmix64): fixed, so hashes are the same in every process and release.
_MUL = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# Blocks that Chinese pages take compatibility characters from: full-width forms (，：（）ａ１), the
# ideographic space, punctuation, enclosed numbers (①), compatibility ideographs.
_COMPATIBILITY_BLOCKS = ((0x00A0, 0x00FF), (0x2000, 0x24FF), (0x3000, 0x33FF), (0xF900, 0xFAFF), (0xFE30, 0xFFEF))


@lru_cache(maxsize=1)
def _compatibility_table() -> dict[int, str]:
    """The NFKC form of each character of those blocks that is not its own."""
    table = {}
    for low, high in _COMPATIBILITY_BLOCKS:
        for code in range(low, high + 1):
            if not unicodedata.is_normalized("NFKC", chr(code)):
                table[code] = unicodedata.normalize("NFKC", chr(code))
    return table


@lru_cache(maxsize=1)
def _compatibility_arrays() -> tuple[np.ndarray, np.ndarray]:
    """`_compatibility_table` as look-ups by code point of the BMP (the blocks are all in it: 320 KB, not
    the 5.6 MB of all of Unicode): the one-character forms (others map to themselves), and which code
    points have a form of another length (…: ..., ①: 1, ㈠: (一))."""
    one = np.arange(0x10000, dtype=np.uint32)
    longer = np.zeros(0x10000, dtype=bool)
    for code, form in _compatibility_table().items():
        if len(form) == 1:
            one[code] = ord(form)
        else:
            longer[code] = True
    return one, longer


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, faster for Chinese text (its full-width commas alone make
    Python normalise the whole text the slow way, 0.3 ms an article). Each character replaced by its own
    NFKC form leaves a text compatibility-equivalent to `text`, so of the same NFKC form; when that text is
    in NFKC already (all that these blocks hold, in practice), it is the answer. Else the slow way.

    The replacement is a code-point look-up (str.translate with a dict costs ~0.1 us a character: 0.2 ms
    an article, 15x this), then str.replace for the few characters whose form is longer."""
    if unicodedata.is_normalized("NFKC", text):  # a quick check in C: most texts, or none of a site's
        return text
    one, longer = _compatibility_arrays()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.max() > 0xFFFF:  # emoji, Extension B: rare in these texts, and the tables stop at the BMP
        return unicodedata.normalize("NFKC", text)
    mapped = one[codes].tobytes().decode("utf-32-le", "surrogatepass")
    has_longer = longer[codes]
    if has_longer.any():
        table = _compatibility_table()
        for code in np.unique(codes[has_longer]).tolist():
            mapped = mapped.replace(chr(code), table[code])
    return mapped if unicodedata.is_normalized("NFKC", mapped) else unicodedata.normalize("NFKC", text)


class Sketch(NamedTuple):
    """What near-duplicate detection keeps of one body (a tuple: made for every article of a batch)."""

    shingles: np.ndarray   # sorted unique uint64 shingle hashes
    signature: np.ndarray  # uint32[NUM_PERM] MinHash


class Folder:
    """Turns a body into its comparison form; holds the OpenCC converter (not thread-safe to share)."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")

    def fold_lines(self, text: str) -> list[str]:
        """The comparison form of each line (one pass over the whole text: per-call costs dominate)."""
        return self._fold_normal(nfkc(text))

    def _fold_normal(self, text: str) -> list[str]:
        """`fold_lines` of a text already in NFKC (NFKC is idempotent: normalising twice only costs)."""
        text = self._t2s.convert(text.lower())
        # The domain pattern is the slowest step, tried at every character: only where a top-level domain
        # follows a dot (every domain it matches holds one; most bodies have none) is it run.
        if "." in text and _TOP_LEVEL.search(text):
            text = _DOMAIN.sub("", text)
        if "xx" in text or "**" in text or "╳" in text or "某" in text:  # the mask pattern is slow to try
            text = _MASK.sub("", text)
        return _NOT_TEXT.sub("", text).split("\n")

    def fold(self, text: str) -> str:
        return "".join(self.fold_lines(text))

    def fold_lines_many(self, texts: list[str]) -> list[list[str]]:
        """`fold_lines` of many texts, identical results. The texts that OpenCC would convert character by
        character and that the domain and mask patterns cannot touch (nearly all) are converted and
        filtered by table lookups over the whole batch at once; the others take `fold_lines`."""
        table = t2s_table(_PATTERN_CHARS)
        if table is None or not texts:
            return [self.fold_lines(text) for text in texts]
        normal = [nfkc(text) for text in texts]
        out: list[list[str] | None] = [None] * len(normal)
        plain = []
        for i, text in enumerate(normal):
            # A pattern character makes a text UNSAFE anyway (masks like XX are common in these texts): no
            # table look-ups for it. "X" is the only character whose lower case is one of them.
            if any(char in text for char in _PATTERN_CHARS_ANY_CASE):
                out[i] = self._fold_normal(text)
            else:
                plain.append(i)
        if plain:
            for i, lines in zip(plain, self._fold_by_table(table, [normal[i] for i in plain])):
                out[i] = lines
        return out  # type: ignore[return-value]  # every slot is filled

    def _fold_by_table(self, table: T2STable, normal: list[str]) -> list[list[str]]:
        """`_fold_normal` of many NFKC texts by table look-ups over the batch (the UNSAFE ones one by one)."""
        codes = np.frombuffer("".join(normal).encode("utf-32-le"), dtype=np.uint32)
        ends = np.cumsum([len(text) for text in normal])
        looked_up = _fold_table(table)[codes]  # lower case, t2s, kept or not, t2s flags: one look-up
        flags = (looked_up >> np.uint32(24)).astype(np.uint8)
        # Texts with a character whose lower case is not one character alone are UNSAFE: for the others
        # lower() maps character by character, so their positions are those of the lowered text.
        slow = table.needs_opencc(lru_cache(maxsize=None)(lambda i: normal[i].lower()), codes, ends, flags)
        keep = (looked_up & np.uint32(_KEEP)).astype(bool)
        kept_ends = np.concatenate(([0], np.cumsum(keep)))[ends].tolist()  # where each text's kept characters end
        folded = looked_up[keep].astype(np.uint16).tobytes().decode("utf-16-le")  # kept characters are all BMP
        out, start = [], 0
        for i, end in enumerate(kept_ends):
            out.append(self._fold_normal(normal[i]) if i in slow else folded[start:end].split("\n"))
            start = end
        return out


def _text_table() -> np.ndarray:
    """Per code point: does `_NOT_TEXT` keep it (ASCII digits and lower-case letters, CJK with extension A,
    line ends)."""
    table = np.zeros(0x110000, dtype=bool)
    for low, high in ((0x30, 0x39), (0x61, 0x7A), (0x0A, 0x0A), (0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        table[low : high + 1] = True
    return table


_IS_TEXT = _text_table()
_KEEP = 1 << 21  # bit of `_fold_table`: `_NOT_TEXT` keeps the character


def lower_table() -> tuple[np.ndarray, list[int]]:
    """Per code point, its lower case (`str.lower`) where that is one character alone; and the code
    points where it is not (İ) or depends on the neighbours (Σ: σ or final ς)."""
    lower = np.arange(0x110000, dtype=np.uint32)
    lower[0xD800:0xE000] = 0  # surrogates (no lower case) are left out of the blocks, as U+0000
    odd = [0x3A3]
    for start in range(0, 0x110000, 1 << 14):  # a block at a time: one lower() call when no result is longer
        codes = lower[start : start + (1 << 14)]
        block = codes.tobytes().decode("utf-32-le")
        lowered = block.lower()
        if lowered == block:
            continue
        if len(lowered) == len(block):
            codes[:] = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32)
            continue
        for i, c in enumerate(block):
            if len(one := c.lower()) == 1:
                codes[i] = ord(one)
            else:
                odd.append(start + i)
    lower[0xD800:0xE000] = np.arange(0xD800, 0xE000, dtype=np.uint32)
    return lower, odd


@lru_cache(maxsize=4)
def _fold_table(t2s: T2STable) -> np.ndarray:
    """Per code point c of NFKC text, with l = its lower case: t2s of l (bits 0-20), whether `_NOT_TEXT`
    keeps that (bit 21), and the t2s flags of l (bits 24-26), where characters whose lower case is not
    one character alone are UNSAFE (their texts take `fold_lines`)."""
    lower, odd = lower_table()
    mapped = t2s.table[lower]
    flags = t2s.flags[lower]
    flags[odd] |= UNSAFE
    return mapped | (_IS_TEXT[mapped].astype(np.uint32) << np.uint32(21)) | (flags.astype(np.uint32) << np.uint32(24))


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads structured values over all 64 bits (uint64 arithmetic wraps)."""
    return mix64_inplace(np.array(x, dtype=np.uint64))


def mix64_inplace(x: np.ndarray) -> np.ndarray:
    """`mix64` of uint64 array `x`, written over it (no temporary arrays: 5x faster on a batch)."""
    shifted = np.empty_like(x)
    with np.errstate(over="ignore"):
        for shift, mul in ((30, _MIX1), (27, _MIX2)):
            np.right_shift(x, np.uint64(shift), out=shifted)
            np.bitwise_xor(x, shifted, out=x)
            np.multiply(x, mul, out=x)
        np.right_shift(x, np.uint64(31), out=shifted)
        np.bitwise_xor(x, shifted, out=x)
    return x


def shingle_hashes(folded: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique 64-bit hashes of the k-character shingles (one shingle for shorter texts)."""
    if not folded:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = min(k, len(codes))
    n = len(codes) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):  # polynomial hash over a window, vectorised over every position
            h = h * _MUL + codes[j : j + n]
        h = np.sort(mix64(h))
    return h[np.concatenate(([True], h[1:] != h[:-1]))]  # sorted unique; np.unique is slower here


def shingle_hashes_many(folded: list[str], k: int = SHINGLE) -> list[np.ndarray]:
    """`shingle_hashes` of many texts, hashed in one pass over their concatenation."""
    flat, offsets = shingle_sets(folded, k)
    return np.split(flat, offsets[1:-1].tolist())


def shingle_sets(folded: list[str], k: int = SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_hashes` of many texts as one array: text i's are flat[offsets[i]:offsets[i + 1]]."""
    if not folded:
        return np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    if any(len(text) < k for text in folded):  # rare: a short text is one shingle of its own
        sets = [shingle_hashes(text, k) if len(text) < k else None for text in folded]
        long = [i for i, text in enumerate(folded) if len(text) >= k]
        for i, part in zip(long, shingle_hashes_many([folded[i] for i in long], k)):
            sets[i] = part
        offsets = np.concatenate(([0], np.cumsum([len(h) for h in sets]))).astype(np.int64)
        return (np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)), offsets
    codes = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
    n = len(codes) - k + 1
    with np.errstate(over="ignore"):  # the polynomial hash of `shingle_hashes`, in place
        h = codes[:n].astype(np.uint64)
        for j in range(1, k):
            np.multiply(h, _MUL, out=h)
            np.add(h, codes[j : j + n], out=h)
        mix64_inplace(h)
    ends = np.cumsum([len(text) for text in folded])
    starts = np.concatenate(([0], ends[:-1]))
    for start, end in zip(starts.tolist(), ends.tolist()):  # each text's windows sorted in place
        h[start : end - k + 1].sort()
    # Keep a text's first window and every window that differs from the one before; windows that
    # cross into the next text (the k - 1 before each text's end) go.
    keep = np.ones(n, dtype=bool)
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    keep[starts] = True
    crossing = (ends[:, None] - np.arange(1, k)[None, :]).ravel()
    keep[crossing[crossing < n]] = False
    offsets = np.concatenate(([0], np.cumsum(keep)))[np.concatenate(([0], ends - k + 1))]
    return h[keep], offsets


def signature(hashes: np.ndarray, num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """MinHash signature (rensa RMinHash over precomputed token hashes) as uint32[num_perm]."""
    return signatures([hashes], num_perm, seed)[0]


def signatures(hash_sets: list[np.ndarray], num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """uint32[n, num_perm] MinHash signatures of n hash arrays, with one rensa call (empty sets: all ones)."""
    offsets = np.concatenate(([0], np.cumsum([len(h) for h in hash_sets]))).astype(np.int64)
    flat = np.concatenate(hash_sets) if hash_sets else np.zeros(0, dtype=np.uint64)
    return signatures_flat(flat, offsets, num_perm, seed)


def signatures_flat(flat: np.ndarray, offsets: np.ndarray, num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """`signatures` of the sets flat[offsets[i]:offsets[i + 1]] (as `shingle_sets` gives them)."""
    counts = np.diff(offsets)
    out = np.full((len(counts), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    filled = np.nonzero(counts)[0]
    if len(filled) < len(counts):  # rensa is given the non-empty sets only
        flat = np.concatenate([flat[offsets[i] : offsets[i + 1]] for i in filled.tolist()]) if len(filled) else flat[:0]
        offsets = np.concatenate(([0], np.cumsum(counts[filled])))
    if len(filled):
        rows = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            flat.astype(np.uint64, copy=False), offsets.astype(np.uint64), num_perm, seed).to_rows()
        out[filled] = np.fromiter(chain.from_iterable(rows), dtype=np.uint32, count=len(filled) * num_perm).reshape(-1, num_perm)
    return out


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 0:
        return 0.0
    at = np.searchsorted(b, a)  # where each of a's would be in b (no concatenation and sort of both)
    inter = int(np.count_nonzero(b[np.minimum(at, len(b) - 1)] == a))
    return inter / (len(a) + len(b) - inter)


def estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Jaccard estimated from two signatures: the share of equal MinHash values."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
