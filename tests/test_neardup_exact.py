"""The near-duplicate stage gives exactly the result it gave before its speed-up (issue 19: no loss of
exactness): the same pairs, signatures, paragraph rows and statistics on a fixed corpus."""

from __future__ import annotations

import json

import pytest

from tests.neardup_corpus import BATCH, EXPECTED, archive, corpus, result


@pytest.fixture(scope="module")
def articles() -> list[tuple[str, str]]:
    return corpus()


@pytest.mark.parametrize("batch", [BATCH, 37])
def test_same_pairs_signatures_and_statistics_as_before(tmp_path, articles, batch):
    expected = json.loads(EXPECTED.read_text())
    db = tmp_path / "a.db"
    archive(db, articles, batch)
    got = result(db)
    assert len(expected["pairs"]) > 300  # the corpus has near-duplicates of every kind
    assert got["pairs"] == expected["pairs"]
    assert got["signatures_sha256"] == expected["signatures_sha256"]
    assert got["paragraph_hashes_sha256"] == expected["paragraph_hashes_sha256"]
    assert got["paragraph_stats"] == expected["paragraph_stats"]
    assert got["articles"] == expected["articles"]


def test_t2s_table_is_opencc_for_every_character_alone():
    import opencc
    import numpy as np

    from fanwen.archive.neardup.t2s import UNSAFE, t2s_table

    table = t2s_table()
    assert table is not None, "t2s_keys.json was made for another OpenCC: regenerate it"
    chars = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000 and chr(c) != "\n"]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    assert len(converted) == len(chars)
    single = [(c, out) for c, out in zip(chars, converted) if len(out) == 1 and not table.flags[ord(c)] & UNSAFE]
    assert len(single) > 190_000
    mapped = table.table[np.array([ord(c) for c, _ in single])]
    assert [chr(m) for m in mapped.tolist()] == [out for _, out in single]


def test_batch_fold_equals_the_fold_through_opencc(articles):
    """Every phrase key of OpenCC's t2s dictionaries, the normalisation characters, masks, domains and
    full-width forms, inside ordinary text: the batch fold gives what OpenCC's path gives."""
    import random

    from fanwen.archive.neardup.shingles import Folder
    from fanwen.archive.neardup.t2s import KEYS

    keys = json.loads(KEYS.read_text(encoding="utf-8"))
    rng = random.Random(5)
    bodies = [body for _, body in articles[:300]]
    texts = [rng.choice(bodies)[:60] + key + rng.choice(bodies)[:60] for key in keys["conversion"]]
    texts += [rng.choice(bodies)[:30] + c + "\n" + rng.choice(bodies)[:30] for c in keys["normalisation"][:200]]
    texts += ["", "\n", "xX", "发展**经济", "a.b", "ＡＢＣ１２３發展", "ΣΑΣ σ", "某某", "╳╳", "乾隆皇帝\n\n"]
    texts += bodies
    folder = Folder()
    expected = [folder.fold_lines(text) for text in texts]
    assert folder.fold_lines_many(texts) == expected
    assert folder.fold_lines_many(texts[::-1]) == expected[::-1]


def test_text_table_keeps_what_the_pattern_keeps():
    from fanwen.archive.neardup.shingles import _IS_TEXT, _NOT_TEXT

    differ = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and bool(_NOT_TEXT.fullmatch(chr(c))) == bool(_IS_TEXT[c])]
    assert differ == []


def test_band_index_finds_exactly_the_articles_sharing_a_band():
    """Against a dict per band, over many runs of every size, with repeated keys (identical
    signatures) and a key equal to another band's (which must not count)."""
    import numpy as np

    from fanwen.archive.neardup.lsh import BANDS, BandIndex

    rng = np.random.default_rng(3)
    index = BandIndex()
    reference: list[dict[int, set[int]]] = [{} for _ in range(BANDS)]
    next_id = 1
    for size in [5000, 1, 7, 200, 200, 999, 3, 64]:
        keys = rng.integers(0, 2**64 - 1, size=(size, BANDS), dtype=np.uint64)
        keys[: size // 3] = keys[0]  # a third of the batch shares every band key (identical signatures)
        keys[-1, 5] = keys[0, 6]     # the same key in another band
        probes = np.concatenate([keys[: max(1, size // 2)], rng.integers(0, 2**64 - 1, size=(50, BANDS), dtype=np.uint64)])
        expected = [set().union(*(reference[b].get(int(k), set()) for b, k in enumerate(row))) for row in probes]
        assert index.query_many(probes) == expected
        ids = np.arange(next_id, next_id + size)
        index.add_many(ids, keys)
        for i, row in zip(ids.tolist(), keys):
            for b, k in enumerate(row.tolist()):
                reference[b].setdefault(k, set()).add(i)
        next_id += size
    assert len(index._runs) > 1
    probes = keys[:10]
    assert index.query_many(probes) == [set().union(*(reference[b].get(int(k), set()) for b, k in enumerate(row))) for row in probes]

    one = BandIndex()
    keys = np.arange(1, BANDS + 1, dtype=np.uint64)[None, :] * np.uint64(2**58)  # each band's key above the last's
    one.add_many(np.array([1]), keys)
    assert one.query_many(np.roll(keys, -1, axis=1)) == [set()]  # band b probed with band b+1's key
    assert one.query_many(keys) == [{1}]


def test_paragraph_index_finds_exactly_the_owners():
    """Against a dict, over runs of every size, with hashes at both ends of the signed range."""
    import numpy as np

    from fanwen.archive.neardup.paragraph_index import ParagraphIndex

    rng = np.random.default_rng(4)
    index = ParagraphIndex()
    reference: dict[int, set[int]] = {}
    edges = np.array([np.iinfo(np.int64).min, -1, 0, 1, np.iinfo(np.int64).max], dtype=np.int64)
    for article, size in enumerate([20000, 1, 3, 40, 40, 700, 2, 5000, 9]):
        hashes = np.concatenate([rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=size, dtype=np.int64),
                                 edges[: article % 6]])
        hashes[: size // 4] = hashes[0]  # a paragraph many pages share
        probes = np.concatenate([hashes[:50], rng.integers(-2**63, 2**63 - 1, size=50, dtype=np.int64), edges])
        assert index.owners(probes.tolist()) == {h: reference[h] for h in set(probes.tolist()) if h in reference}
        index.add(hashes, np.full(len(hashes), article))
        for h in hashes.tolist():
            reference.setdefault(h, set()).add(article)
    assert len(index._runs) > 1
