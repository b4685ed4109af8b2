"""Concordance and trend figures against a brute-force scan of the bodies of a generated archive."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

import fanwen
from fanwen.archive.cjk import BadQuery
from research_archive import corpus, make_research_archive, occurrences


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_research_archive(tmp_path_factory.mktemp("research") / "r.db")


@pytest.fixture(scope="module")
def archive(db):
    a = fanwen.open(db)
    yield a
    a.close()


def sample_words(rows: list[dict], count: int = 40, seed: int = 11) -> list[str]:
    """Words cut from the bodies (1 to 4 Chinese characters), plus fixed ones and one that is absent."""
    rng = random.Random(seed)
    words = {"双减", "课后服务", "工作", "的", "高质量发展", "没有这个词组"}
    while len(words) < count:
        body = rng.choice(rows)["body"]
        length = rng.choice((1, 2, 2, 3, 4))
        start = rng.randrange(len(body) - length)
        word = body[start:start + length]
        if all("\u4e00" <= c <= "\u9fff" for c in word):
            words.add(word)
    return sorted(words)


def test_kwic_lines_and_totals_are_exactly_the_occurrences_in_the_bodies(db, archive):
    rows = corpus(db)
    for word in sample_words(rows):
        expected = [(r["id"], i, r["body"][max(0, i - 12):i], r["body"][i + len(word):i + len(word) + 12])
                    for r in rows for i in occurrences(r["body"], word)]
        frame = archive.kwic(word, width=12, limit=None)
        got = sorted(zip(frame.article_id, frame.position, frame.left, frame.right))
        assert got == sorted(expected), word
        assert set(frame["match"]) <= {word}
        assert frame.attrs["hits"] == len(expected)
        assert frame.attrs["articles"] == len({e[0] for e in expected})


def test_first_page_is_the_newest_articles_and_totals_stay_exact(db, archive):
    rows = corpus(db)
    frame = archive.kwic("工作", limit=7)
    assert len(frame) == 7
    dated = sorted((r for r in rows if "工作" in r["body"] and r["published_at"]),
                   key=lambda r: (r["published_at"], r["id"]), reverse=True)
    assert frame.article_id.iloc[0] == dated[0]["id"]
    assert frame.attrs["hits"] == sum(r["body"].count("工作") for r in rows)


def test_titles_do_not_count_only_bodies(db, archive):
    rows = corpus(db)
    in_titles_only = [r for r in rows if "讲话" in (r["title"] or "") and "讲话" not in r["body"]]
    frame = archive.kwic("讲话", limit=None)
    assert not set(frame.article_id) & {r["id"] for r in in_titles_only}
    assert frame.attrs["hits"] == sum(r["body"].count("讲话") for r in rows)


def test_a_lone_character_is_asked_of_the_character_index_and_titles_still_do_not_count(db, archive):
    """One character is answered by articles_chars (the bigram index's prefix query took 400 s at 1M
    articles): its candidates are exactly the articles whose body holds it, titles left out."""
    import sqlite3

    from fanwen.archive.concordance import candidate_count, compile_query

    rows = corpus(db, include_duplicates=True)
    title_only = {c for r in rows for c in (r["title"] or "") if "\u4e00" <= c <= "\u9fff"
                  and sum(c in x["body"] for x in rows) < sum(c in (x["title"] or "") for x in rows)}
    assert title_only, "the fixture has characters more often in titles than in bodies"
    conn = sqlite3.connect(db)
    for char in sorted(title_only)[:10] + ["的", "党", "没"]:
        compiled = compile_query(char, conn)
        assert compiled.table == "articles_chars", char
        in_bodies = [r for r in rows if char in r["body"]]
        assert candidate_count(conn, compiled, 10**6) == len(in_bodies), char
        kept = [r for r in in_bodies if r["duplicate_of"] is None]
        frame = archive.kwic(char, limit=None)
        assert frame.attrs["hits"] == sum(r["body"].count(char) for r in kept), char
        assert frame.attrs["articles"] == len(kept) and set(frame.article_id) == {r["id"] for r in kept}, char
    conn.close()


def test_near_duplicates_are_left_out_unless_all(db, archive):
    every = corpus(db, include_duplicates=True)
    duplicates = {r["id"] for r in every if r["duplicate_of"] is not None}
    assert duplicates
    assert not set(archive.kwic("工作", limit=None).article_id) & duplicates
    with_all = archive.kwic("工作", limit=None, all=True)
    assert set(with_all.article_id) & duplicates
    assert with_all.attrs["hits"] == sum(r["body"].count("工作") for r in every)


def test_filters_site_genre_and_dates(db, archive):
    rows = corpus(db)
    site = rows[0]["site"]
    genre = rows[0]["genre_by_title"]
    kept = [r for r in rows if r["site"] == site and r["genre_by_title"] == genre
            and r["published_at"] and "2018-01-01" <= r["published_at"][:10] <= "2021-12-31"]
    frame = archive.kwic("的", limit=None, site=site, genre=genre, since="2018-01-01", until="2021-12-31")
    assert frame.attrs["hits"] == sum(r["body"].count("的") for r in kept)
    assert set(frame.article_id) == {r["id"] for r in kept if "的" in r["body"]}


def test_phrases_across_punctuation_latin_words_and_or(archive, db):
    lines = archive.kwic('"课后 服务"', limit=None)
    assert set(lines["match"]) == {"课后 服务", "课后，服务"}  # the index skips the punctuation; so does KWIC
    latin = archive.kwic("abc", limit=None)
    assert sorted(latin["match"]) == ["ABC", "abc"]  # whole words in any case, not ABCD
    rows = corpus(db)
    both = archive.kwic("双减 OR 课后服务", limit=None)
    assert both.attrs["hits"] == sum(r["body"].count("双减") + r["body"].count("课后服务") for r in rows)


def test_sorting_by_right_and_left_context(archive):
    right = archive.kwic("双减", sort="right", limit=None)
    assert list(right.right) == sorted(right.right)
    left = archive.kwic("双减", sort="left", limit=None)
    assert [s[::-1] for s in left.left] == sorted(s[::-1] for s in left.left)
    shuffled = archive.kwic("双减", sort="random", limit=None, seed=3)
    assert sorted(shuffled.position) == sorted(right.position) and shuffled.attrs["hits"] == len(right)


def per_period(rows: list[dict], word: str, n: int) -> dict[str, tuple[int, int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        if not r["published_at"]:
            continue
        cell = out[r["published_at"][:n]]
        hits = r["body"].count(word)
        cell[0] += hits > 0
        cell[1] += hits
        cell[2] += len(r["body"])
    return {p: tuple(v) for p, v in out.items()}


@pytest.mark.parametrize("by, n", [("year", 4), ("month", 7)])
def test_trend_figures_per_period_match_a_scan(db, archive, by, n):
    rows = corpus(db)
    words = ["双减", "工作", "发展"]
    frame = archive.trend(words, by=by)
    periods = list(dict.fromkeys(frame.period))
    assert periods == sorted(periods) and len(frame) == len(periods) * len(words)
    expected = {w: per_period(rows, w, n) for w in words}
    for row in frame.itertuples():
        articles, hits, chars = expected[row.query].get(row.period, (0, 0, 0))
        assert (row.articles, row.hits, row.chars) == (articles, hits, chars), (row.period, row.query)
        if chars:
            assert row.per_10k_chars == round(hits * 10000 / chars, 4)
        else:
            assert row.per_10k_chars != row.per_10k_chars  # NaN: no text that period, not a rate of 0
    undated = [r for r in rows if not r["published_at"]]
    assert frame.attrs["undated"]["双减"]["hits"] == sum(r["body"].count("双减") for r in undated) > 0


def test_trend_lists_every_month_between_first_and_last(archive):
    frame = archive.trend("双减", by="month")
    months = list(frame.period)
    first, last = months[0], months[-1]
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert len(months) == span and (frame.chars == 0).any()  # empty months are there, with 0 characters


def test_malformed_query_is_refused_with_a_sentence(archive):
    for query in ('"双减', "双减 AND", "(双减", "OR"):
        with pytest.raises(BadQuery):
            archive.kwic(query)
        with pytest.raises(BadQuery):
            archive.trend(["双减", query])
