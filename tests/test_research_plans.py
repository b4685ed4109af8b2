"""The fast plans of the concordance against a brute-force scan: the first page found by walking the
newest articles, and the totals of a very common word estimated from a stated sample."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from crawler.cli.kwic import format_lines, summary
from fanwen.archive import concordance
from fanwen.archive.concordance import kwic
from fanwen.archive.filters import Filters
from fanwen.archive.readonly import open_readonly
from research_archive import corpus, make_research_archive, occurrences


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_research_archive(tmp_path_factory.mktemp("research-plans") / "r.db")


@pytest.fixture(scope="module")
def conn(db):
    c = open_readonly(db)
    yield c
    c.close()


def newest_lines(rows: list[dict], word: str, limit: int) -> list[tuple[int, int]]:
    """(article id, position) of the first `limit` occurrences, newest articles first, undated last."""
    ordered = sorted(rows, key=lambda r: (r["published_at"] is not None, r["published_at"] or "", r["id"]), reverse=True)
    return [(r["id"], i) for r in ordered for i in occurrences(r["body"], word)][:limit]


FILTERS = {
    "none": (Filters(), lambda r: True),
    "site": (Filters(sites=("x.test", "dede.test")), lambda r: r["site"] in ("x.test", "dede.test")),
    "since": (Filters(since="2019-01-01"), lambda r: (r["published_at"] or "") >= "2019-01-01"),
}


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("word", ["工作", "发展", "双减", "的"])
@pytest.mark.parametrize("limit", [1, 7, 60])
def test_walking_the_newest_articles_gives_the_same_first_page_as_sorting_every_candidate(db, conn, word, name, limit):
    filters, keep = FILTERS[name]
    rows = [r for r in corpus(db) if keep(r)]
    walked = kwic(conn, word, filters, 10, limit, "date", count=False, walk_from=1)
    assert [(l["article_id"], l["position"]) for l in walked.lines] == newest_lines(rows, word, limit)
    assert walked.lines == kwic(conn, word, filters, 10, limit, "date", count=False, walk_from=10**9).lines


def test_articles_of_one_date_come_newest_id_first_in_the_walk_too(db, tmp_path):
    tied = tmp_path / "tied.db"
    shutil.copy(db, tied)
    with sqlite3.connect(tied) as c:  # years only: dozens of articles share each date
        c.execute("UPDATE articles SET published_at = substr(published_at, 1, 4)")
    c.close()
    rows = corpus(tied)
    conn = open_readonly(tied)
    try:
        walked = kwic(conn, "工作", Filters(), 10, 80, "date", count=False, walk_from=1)
    finally:
        conn.close()
    assert [(l["article_id"], l["position"]) for l in walked.lines] == newest_lines(rows, "工作", 80)


def test_the_walk_keeps_the_query_logic_of_the_index(db, conn):
    rows = corpus(db)
    walked = kwic(conn, "工作 NOT 发展", Filters(), 10, 20, "date", walk_from=1)
    expected = [r for r in rows if "工作" in r["body"] and "发展" not in r["body"]]
    assert walked.lines and {l["article_id"] for l in walked.lines} <= {r["id"] for r in expected}
    assert walked.hits == sum(r["body"].count("工作") for r in expected)


def test_a_walk_that_finds_too_little_falls_back_to_sorting(db, conn, monkeypatch):
    monkeypatch.setattr(concordance, "WALK_BUDGET", 1)
    gave_up = []
    walk = concordance.newest_first
    monkeypatch.setattr(concordance, "newest_first", lambda *a: gave_up.append(walk(*a) is None) or None)
    rows = corpus(db)
    walked = kwic(conn, "工作", Filters(), 10, 30, "date", walk_from=1)
    assert [(l["article_id"], l["position"]) for l in walked.lines] == newest_lines(rows, "工作", 30)
    assert walked.hits == sum(r["body"].count("工作") for r in rows)
    assert gave_up == [True]


@pytest.mark.parametrize("word,name", [("的", "none"), ("工作", "none"), ("发展", "site"), ("工作", "since")])
def test_totals_of_a_word_in_very_many_articles_are_a_stated_sample_whose_interval_holds_the_truth(db, conn, word, name):
    filters, keep = FILTERS[name]
    rows = [r for r in corpus(db) if keep(r)]
    true_hits = sum(r["body"].count(word) for r in rows)
    true_articles = sum(word in r["body"] for r in rows)
    result = kwic(conn, word, filters, 10, 5, "date", exact_limit=20, sample_size=40)
    assert result.hits is None and result.articles is None and not result.exact
    estimate = result.estimate
    assert estimate.sample == 40 and estimate.candidates > 20
    assert estimate.hits_ci95[0] <= true_hits <= estimate.hits_ci95[1]
    assert estimate.articles_ci95[0] <= true_articles <= estimate.articles_ci95[1]
    assert estimate.hits_ci95[0] <= estimate.hits <= estimate.hits_ci95[1]
    # Asked for exactness, the same call counts every body.
    exact = kwic(conn, word, filters, 10, 5, "date", exact=True, exact_limit=20, sample_size=40)
    assert (exact.hits, exact.articles, exact.estimate) == (true_hits, true_articles, None)


def test_a_sample_of_every_candidate_is_the_exact_figure(db, conn):
    rows = corpus(db)
    result = kwic(conn, "工作", Filters(), 10, 5, "date", exact_limit=1, sample_size=10**6)
    assert result.estimate.hits == result.estimate.hits_ci95[0] == result.estimate.hits_ci95[1] \
        == sum(r["body"].count("工作") for r in rows)


def test_the_output_says_the_totals_are_estimated(db, conn):
    result = kwic(conn, "工作", Filters(), 10, 5, "date", exact_limit=20, sample_size=40)
    text = format_lines(result, 10, False, 0.1)
    assert "estimated from a uniform sample of 40 of the" in text.splitlines()[-1]
    assert "--exact" in text.splitlines()[-1]
    record = summary(result, 0.1)
    assert record["exact"] is False and record["hits"] is None and record["articles"] is None
    assert record["estimate"]["sample"] == 40 and len(record["estimate"]["hits_ci95"]) == 2


@pytest.mark.parametrize("by,n", [("year", 4), ("month", 7)])
@pytest.mark.parametrize("word", ["的", "工作", "发展"])
def test_trend_of_a_word_in_very_many_articles_is_a_stated_sample_whose_intervals_hold_the_truth(db, conn, by, n, word):
    from crawler.cli.trend import format_trend
    from fanwen.archive.trends import trend

    rows = corpus(db)
    truth: dict[str, tuple[int, int]] = {}
    for r in rows:
        if r["published_at"] and word in r["body"]:
            a, h = truth.get(r["published_at"][:n], (0, 0))
            truth[r["published_at"][:n]] = (a + 1, h + r["body"].count(word))
    hits_held, articles_held = [], []
    for seed in range(20):
        result = trend(conn, [word], by, Filters(), exact_limit=20, sample_size=100, seed=seed)
        assert result.estimated[word]["sample"] == 100 and result.estimated[word]["candidates"] > 100
        assert all(row["estimated"] for row in result.rows)
        for row in result.rows:
            articles, hits = truth.get(row["period"], (0, 0))
            hits_held.append(row["hits_ci95"][0] <= hits <= row["hits_ci95"][1])
            articles_held.append(row["articles_ci95"][0] <= articles <= row["articles_ci95"][1])
    # 95% intervals per period (normal approximation; the rule of three where the sample has none).
    # Here a period holds only ~5-15 sampled articles, where such intervals are known to be narrow:
    # measured over 200 samples, 90% hold the truth (95% needs ~30 per period, as at 1M articles).
    assert sum(hits_held) >= 0.85 * len(hits_held), (sum(hits_held), len(hits_held))
    assert sum(articles_held) >= 0.85 * len(articles_held), (sum(articles_held), len(articles_held))
    assert "estimated, not counted" in format_trend(result) and "uniform sample of 100" in format_trend(result)
    exact = trend(conn, [word], by, Filters(), exact=True, exact_limit=20, sample_size=60)
    assert not exact.estimated
    assert {r["period"]: (r["articles"], r["hits"]) for r in exact.rows if r["hits"]} == truth
