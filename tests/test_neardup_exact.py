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
