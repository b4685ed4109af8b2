"""The near-duplicate stage's batch paths (issue 19) give what the plain paths give: the fold's one
code-point table, shingle sets as one array, signatures of a flat array, exact Jaccard, the LSH runs'
filter and the paragraph index's two searches."""

from __future__ import annotations

import numpy as np

from fanwen.archive.neardup import paragraph_index
from fanwen.archive.neardup.lsh import BANDS, BandIndex
from fanwen.archive.neardup.paragraph_index import ParagraphIndex
from fanwen.archive.neardup.shingles import (Folder, jaccard, lower_table, shingle_hashes, shingle_sets, signature,
                                             signatures_flat)


def test_lower_table_is_str_lower_for_every_character():
    lower, odd = lower_table()
    assert set(odd) == {0x130, 0x3A3}  # İ lowers to two characters; Σ to σ or ς by its neighbours
    differ = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and c not in odd and chr(c).lower() != chr(lower[c])]
    assert differ == []
    assert lower[ord("A")] == ord("a") and lower[ord("Я")] == ord("я") and lower[ord("发")] == ord("发")


def test_batch_fold_of_upper_case_text_equals_the_fold_through_opencc():
    texts = ["ΟΔΟΣ 发展經濟 ΣΑΣ\nΣ", "İstanbul 乾隆", "İ XX市", "ПРИВЕТ 發展 ABC１２３", "ÀÉÎ ǅ ß ẞ 堅持問題導向",
             "Straße WWW.EXAMPLE.COM/a 某某", "ＡＢＣ\n\nＸＸ 同志们", "发展经济" * 50, "Ａ" * 30 + "后面\n乾坤",
             "单位Ｘ同志 1.2 ＊ 乾隆", "發展×经济 ╳╳ 某某 x* 后面"]  # pattern characters: folded one at a time
    folder = Folder()
    expected = [folder.fold_lines(text) for text in texts]
    assert folder.fold_lines_many(texts) == expected
    assert folder.fold_lines_many(texts[::-1]) == expected[::-1]
    assert expected[1] == ["istanbul乾隆"] and expected[3] == ["发展abc123"]  # upper case folded (Cyrillic is not comparison text)


def test_shingle_sets_and_flat_signatures_equal_one_text_at_a_time():
    rng = np.random.default_rng(2)
    texts = ["".join(map(chr, rng.integers(0x4E00, 0x4E00 + 300, size=n))) for n in (5, 6, 40, 900, 1500)]
    texts.append("发展" * 200)  # repeated windows
    for batch in (texts, texts + ["", "短"]):  # without and with texts shorter than a shingle
        flat, offsets = shingle_sets(batch)
        assert offsets[0] == 0 and offsets[-1] == len(flat) and len(offsets) == len(batch) + 1
        for i, text in enumerate(batch):
            assert np.array_equal(flat[offsets[i] : offsets[i + 1]], shingle_hashes(text))
        rows = signatures_flat(flat, offsets)
        for i, text in enumerate(batch):
            assert np.array_equal(rows[i], signature(shingle_hashes(text)))
    assert (rows[len(texts)] == 0xFFFFFFFF).all()  # the empty text


def test_jaccard_is_the_jaccard_of_the_sets():
    rng = np.random.default_rng(3)
    for size_a, size_b in [(0, 0), (0, 5), (5, 0), (1, 1), (50, 900), (900, 50), (700, 700)]:
        pool = rng.integers(0, 2**64 - 1, size=max(size_a, size_b) * 2 + 1, dtype=np.uint64)
        a = np.unique(rng.choice(pool, size_a, replace=False)) if size_a else np.zeros(0, np.uint64)
        b = np.unique(rng.choice(pool, size_b, replace=False)) if size_b else np.zeros(0, np.uint64)
        sa, sb = set(a.tolist()), set(b.tolist())
        expected = 1.0 if not sa | sb else len(sa & sb) / len(sa | sb)
        assert jaccard(a, b) == expected
    top = np.array([2**64 - 1], dtype=np.uint64)
    assert jaccard(top, np.array([1, 2**64 - 1], dtype=np.uint64)) == 0.5


def test_band_index_filter_of_a_large_run_misses_nothing():
    """A run of 70,000 articles (its filter built band by band): every indexed article is found by its
    own keys, shared keys find all their articles, and keys nobody has find nothing."""
    rng = np.random.default_rng(6)
    n = 70_000
    keys = rng.integers(0, 2**64 - 1, size=(n, BANDS), dtype=np.uint64)
    keys[100:110, 7] = keys[99, 7]
    index = BandIndex()
    index.add_many(np.arange(n), keys)
    index.add_many(np.arange(n, n + 300), rng.integers(0, 2**64 - 1, size=(300, BANDS), dtype=np.uint64))
    probe_rows = rng.choice(n, 2000, replace=False)
    probe_bands = rng.integers(0, BANDS, size=len(probe_rows))
    probes = rng.integers(0, 2**64 - 1, size=(len(probe_rows), BANDS), dtype=np.uint64)
    probes[np.arange(len(probe_rows)), probe_bands] = keys[probe_rows, probe_bands]  # one band shared
    assert index.query_many(probes) == [{row} for row in probe_rows.tolist()]
    assert index.query_many(keys[99:100]) == [set(range(99, 110))]
    assert index.query_many(rng.integers(0, 2**64 - 1, size=(500, BANDS), dtype=np.uint64)) == [set()] * 500


def test_paragraph_index_directory_and_numpy_search_find_the_same_owners(monkeypatch):
    rng = np.random.default_rng(7)
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=30_000, dtype=np.int64)
    hashes[:50] = hashes[0]
    ids = rng.integers(0, 1000, size=len(hashes))
    probes = np.concatenate([hashes[:2000], rng.integers(-2**63, 2**63 - 1, size=2000, dtype=np.int64),
                             np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max])])
    results = []
    for directory_from in (0, 1 << 40):  # every run searched through its directory; none
        monkeypatch.setattr(paragraph_index, "_DIRECTORY_FROM", directory_from)
        index = ParagraphIndex()
        for start in range(0, len(hashes), 7000):
            index.add(hashes[start : start + 7000], ids[start : start + 7000])
        results.append(index.owners(probes))
    reference: dict[int, set[int]] = {}
    for h, i in zip(hashes.tolist(), ids.tolist()):
        reference.setdefault(h, set()).add(i)
    expected = {h: reference[h] for h in set(probes.tolist()) if h in reference}
    assert results[0] == expected
    assert results[1] == expected


def test_mask_pattern_finds_what_the_case_insensitive_form_finds():
    """The comparison form's mask pattern is spelled so the regex engine can skip to its first characters;
    it matches the same spans as `x{2,}|\\*{2,}|╳+|某+` case-insensitively, on random strings of its characters."""
    import random
    import re

    from fanwen.archive.neardup.shingles import _MASK

    plain = re.compile(r"x{2,}|\*{2,}|╳+|某+", re.I)
    rng = random.Random(5)
    alphabet = "xX*╳某a中 .K"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20_000)]
    assert [[m.span() for m in _MASK.finditer(t)] for t in texts] == [[m.span() for m in plain.finditer(t)] for t in texts]
    assert sum(1 for t in texts if _MASK.search(t)) > 5000  # the strings do hold masks


def test_fold_with_its_shortcuts_equals_the_plain_steps():
    """`Folder.fold_lines` (NFKC by a table of the compatibility blocks first, the domain pattern only where a
    top-level domain follows a dot, the mask pattern spelled for speed) gives what the plain steps give:
    NFKC, lower case, OpenCC t2s, every domain and mask dropped, everything else but text dropped."""
    import random
    import re
    import unicodedata

    from fanwen.archive.neardup.shingles import _DOMAIN, _NOT_TEXT, nfkc

    folder = Folder()
    mask = re.compile(r"x{2,}|\*{2,}|╳+|某+", re.I)

    def plain(text: str) -> list[str]:
        text = folder._t2s.convert(unicodedata.normalize("NFKC", text).lower())
        return _NOT_TEXT.sub("", mask.sub("", _DOMAIN.sub("", text))).split("\n")

    rng = random.Random(11)
    pieces = ["www.baihua.test", "ＷＷＷ．ＸＸ．ＣＯＭ", "http://a.cn/x?y=1", "a.com.cn:80", "1.5", "XX", "ＸＸ", "**", "＊＊",
              "╳", "某某", "，", "。", "（", "）", "\u3000", "①", "Ⅻ", "ｶﾞ", "e\u0301", "\u1100\u1161", "學習", "\n", " ",
              "工作", "总结", "ſite", ".SITE", "K", "Å", "x.", "ınfo"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3_000)]
    assert [folder.fold_lines(t) for t in texts] == [plain(t) for t in texts]
    assert folder.fold_lines_many(texts) == [plain(t) for t in texts]
    symbols = [chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x300, 0x301, 0x308, 0x3099, 0x309A, 0x1100,
                                0x1161, 0x11A8, 0xAC00, 0x2160, 0x2460, 0x3000, 0x304B, 0x30AB, 0xF900, 0xFE30, 0xFF0C,
                                0xFF21, 0xFF76, 0xFF9E, 0x4E00, 0x1E9B, 0x212B, 0x2126, 0x3131, 0x3200, 0x33FF, 0x2026,
                                0xD800, 0xDFFF, 0x1F600, 0x2F800, 0x1D400, 0x10FF0C]]
    strings = ["".join(rng.choice(symbols) for _ in range(rng.randint(0, 10))) for _ in range(50_000)]
    assert [nfkc(s) for s in strings] == [unicodedata.normalize("NFKC", s) for s in strings]
