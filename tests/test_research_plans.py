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
    "genre": (Filters(genres=("讲话", "心得体会")), lambda r: r["genre_by_title"] in ("讲话", "心得体会")),
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


@pytest.mark.parametrize("filters", [Filters(include_duplicates=True), Filters(include_duplicates=True, sites=("dede.test",)),
                                     Filters(genres=("讲话",), until="2020-12-31"), Filters(genres=("没有这种文体",))])
@pytest.mark.parametrize("narrow", [0.0, 1.0])  # rows checked as walked / sets of ids from the indexes first
def test_the_walk_reads_filters_from_the_indexes_and_gives_what_sorting_gives(conn, filters, narrow, monkeypatch):
    monkeypatch.setattr(concordance, "NARROW", narrow)
    for limit in (1, 25, 600):
        walked = kwic(conn, "工作", filters, 10, limit, "date", count=False, walk_from=1)
        assert walked.lines == kwic(conn, "工作", filters, 10, limit, "date", count=False, walk_from=10**9).lines
    assert kwic(conn, "工作", filters, 10, 25, "date", count=False, walk_from=1).lines or filters.genres == ("没有这种文体",)


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


def held_floor(checks: int) -> float:
    """The least share of 95% intervals that must hold the truth over `checks` of them: 95% less two
    standard deviations of that share (the check's own binomial spread)."""
    return 0.95 - 2 * (0.95 * 0.05 / checks) ** 0.5


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """~1,650 articles (eight years of ~200): periods big enough to be sampled, not counted whole; every
    third article in category 政务 (a filter checked on the rows, not by an index)."""
    path = make_research_archive(tmp_path_factory.mktemp("research-big") / "big.db", per_site=400)
    with sqlite3.connect(path) as c:
        c.execute("""UPDATE articles SET categories = '["政务"]' WHERE id % 3 = 0""")
    c.close()
    return path


@pytest.fixture(scope="module")
def big_conn(big):
    c = open_readonly(big)
    yield c
    c.close()


BIG_FILTERS = {
    "none": (Filters(), lambda r: True),
    "one site": (Filters(sites=("dede.test",)), lambda r: r["site"] == "dede.test"),
    "genre": (Filters(genres=("讲话", "述职报告")), lambda r: r["genre"] in ("讲话", "述职报告")),
    "dates": (Filters(since="2018-03-01", until="2019-10-31"), lambda r: "2018-03-01" <= (r["published_at"] or "")[:10] <= "2019-10-31"),
    "category": (Filters(categories=("政务",)), lambda r: r["id"] % 3 == 0),
}


def big_corpus(path) -> list[dict]:
    with sqlite3.connect(path) as c:
        genres = dict(c.execute("SELECT id, genre FROM articles"))
    c.close()
    return [{**r, "genre": genres[r["id"]]} for r in corpus(path)]


@pytest.mark.parametrize("name", BIG_FILTERS)
@pytest.mark.parametrize("word", ["工作", "发展"])
def test_a_filtered_estimate_is_drawn_among_the_articles_that_pass_the_filters_and_its_interval_holds_the_truth(
        big, big_conn, word, name):
    filters, keep = BIG_FILTERS[name]
    rows = [r for r in big_corpus(big) if keep(r)]
    true_hits = sum(r["body"].count(word) for r in rows)
    true_articles = sum(word in r["body"] for r in rows)
    hits_held = articles_held = 0
    seeds = 40
    for seed in range(seeds):
        result = kwic(big_conn, word, filters, 10, 5, "date", exact_limit=20, sample_size=60, seed=seed)
        assert result.hits is None and result.articles is None and not result.exact
        estimate = result.estimate
        assert estimate.sample == 60
        if name != "category":  # the frame is what the indexes answer; categories are checked on the rows
            assert estimate.candidates == true_articles  # a 2-character word: every index match contains it
        hits_held += estimate.hits_ci95[0] <= true_hits <= estimate.hits_ci95[1]
        articles_held += estimate.articles_ci95[0] <= true_articles <= estimate.articles_ci95[1]
        assert estimate.hits_ci95[0] <= estimate.hits <= estimate.hits_ci95[1]
    assert hits_held >= held_floor(seeds) * seeds and articles_held >= held_floor(seeds) * seeds, (hits_held, articles_held)
    # Asked for exactness, the same call counts every body.
    exact = kwic(big_conn, word, filters, 10, 5, "date", exact=True, exact_limit=20, sample_size=60)
    assert (exact.hits, exact.articles, exact.estimate) == (true_hits, true_articles, None)


def test_a_filter_that_leaves_few_articles_gives_exact_figures(big, big_conn):
    from fanwen.archive.trends import trend

    rows = [r for r in corpus(big) if r["site"] == "dede.test" and (r["published_at"] or "") >= "2022-01-01"]
    filters = Filters(sites=("dede.test",), since="2022-01-01")
    assert 20 < len(rows) < 150 and big_conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 1000
    result = kwic(big_conn, "工作", filters, 10, 5, "date", exact_limit=150, sample_size=40)
    assert result.estimate is None
    assert (result.hits, result.articles) == (sum(r["body"].count("工作") for r in rows), sum("工作" in r["body"] for r in rows))
    counted = trend(big_conn, ["工作"], "month", filters, exact_limit=150, sample_size=40)
    assert not counted.estimated and not any("hits_ci95" in row for row in counted.rows)
    truth: dict[str, int] = {}
    for r in rows:
        truth[r["published_at"][:7]] = truth.get(r["published_at"][:7], 0) + r["body"].count("工作")
    assert {row["period"]: row["hits"] for row in counted.rows if row["hits"]} == truth


def test_the_output_says_the_totals_are_estimated(db, conn):
    result = kwic(conn, "工作", Filters(), 10, 5, "date", exact_limit=20, sample_size=40)
    text = format_lines(result, 10, False, 0.1)
    assert "estimated from a uniform sample of 40 of the" in text.splitlines()[-1]
    assert "articles containing it that pass the filters" in text.splitlines()[-1]
    assert "--exact" in text.splitlines()[-1]
    record = summary(result, 0.1)
    assert record["exact"] is False and record["hits"] is None and record["articles"] is None
    assert record["estimate"]["sample"] == 40 and len(record["estimate"]["hits_ci95"]) == 2


def test_a_sample_as_large_as_the_articles_that_pass_the_filters_is_an_exact_count(db, conn):
    rows = corpus(db)
    result = kwic(conn, "工作", Filters(), 10, 5, "date", exact_limit=1, sample_size=10**6)
    assert result.estimate is None and result.hits == sum(r["body"].count("工作") for r in rows)


def period_truth(rows: list[dict], word: str, n: int) -> dict[str, tuple[int, int]]:
    truth: dict[str, tuple[int, int]] = {}
    for r in rows:
        if r["published_at"] and word in r["body"]:
            a, h = truth.get(r["published_at"][:n], (0, 0))
            truth[r["published_at"][:n]] = (a + 1, h + r["body"].count(word))
    return truth


@pytest.mark.parametrize("by,n", [("year", 4), ("month", 7)])
@pytest.mark.parametrize("word", ["的", "工作", "发展"])
def test_trend_of_a_word_in_very_many_articles_holds_the_truth_in_95_percent_of_periods(big, big_conn, by, n, word):
    """By month a period holds ~15 articles: counted whole (a sample of so few gives intervals that
    hold 90% of the time, not 95%); by year ~200: sampled (at least 40 each) with skewness-corrected
    intervals."""
    from crawler.cli.trend import format_trend
    from fanwen.archive.trends import trend

    truth = period_truth(corpus(big), word, n)
    hits_held, articles_held = [], []
    seeds = 40
    for seed in range(seeds):
        result = trend(big_conn, [word], by, Filters(), exact_limit=20, sample_size=300, seed=seed)
        for row in result.rows:
            articles, hits = truth.get(row["period"], (0, 0))
            hits_held.append(row["hits_ci95"][0] <= hits <= row["hits_ci95"][1] if row.get("estimated") else row["hits"] == hits)
            articles_held.append(row["articles_ci95"][0] <= articles <= row["articles_ci95"][1]
                                 if row.get("estimated") else row["articles"] == articles)
        if by == "year":
            assert result.estimated[word]["sample"] >= 300 and result.estimated[word]["candidates"] > 1000
            assert all(row["estimated"] for row in result.rows)
            text = format_trend(result)
            assert "estimated, not counted" in text and f"from {result.estimated[word]['sample']:,} of the" in text
        else:
            assert not result.estimated  # every month has under 40 articles containing it: counted whole
    assert sum(hits_held) >= held_floor(len(hits_held)) * len(hits_held), (sum(hits_held), len(hits_held))
    assert sum(articles_held) >= held_floor(len(articles_held)) * len(articles_held), (sum(articles_held), len(articles_held))
    exact = trend(big_conn, [word], by, Filters(), exact=True, exact_limit=20, sample_size=60)
    assert not exact.estimated
    assert {r["period"]: (r["articles"], r["hits"]) for r in exact.rows if r["hits"]} == truth


def test_small_periods_are_counted_whole_and_large_ones_sampled(big, big_conn):
    from fanwen.archive.trends import trend

    truth = period_truth(corpus(big), "工作", 7)
    result = trend(big_conn, ["工作"], "month", Filters(), exact_limit=20, sample_size=600, min_per_period=12)
    counted = [row for row in result.rows if not row["estimated"]]
    sampled = [row for row in result.rows if row["estimated"]]
    assert counted and sampled
    assert all((row["articles"], row["hits"]) == truth.get(row["period"], (0, 0)) for row in counted)
    assert all(truth[row["period"]][0] > 12 for row in sampled)
    assert all(row["articles_ci95"][0] == row["articles"] == row["articles_ci95"][1] for row in counted)
    assert result.estimated["工作"]["periods_counted"] == len([r for r in counted if r["period"] in truth])


def test_periods_beyond_the_scan_budget_are_domains_of_the_sample_and_still_hold_the_truth(big, big_conn, monkeypatch):
    """With no budget to list small periods from the date index, each month (~10 sampled articles) is a
    domain of the whole sample: Wilson / skewness-corrected intervals still hold 95% of the time."""
    from fanwen.archive import sampling
    from fanwen.archive.trends import trend

    monkeypatch.setattr(sampling, "SCAN_BUDGET", 0)
    truth = period_truth(corpus(big), "发展", 7)
    hits_held, articles_held = [], []
    for seed in range(20):
        result = trend(big_conn, ["发展"], "month", Filters(), exact_limit=20, sample_size=1000, seed=seed, min_per_period=8)
        assert result.estimated["发展"]["periods_counted"] == 0 and result.estimated["发展"]["sample"] == 1000
        for row in result.rows:
            articles, hits = truth.get(row["period"], (0, 0))
            hits_held.append(row["hits_ci95"][0] <= hits <= row["hits_ci95"][1])
            articles_held.append(row["articles_ci95"][0] <= articles <= row["articles_ci95"][1])
    assert sum(hits_held) >= held_floor(len(hits_held)) * len(hits_held), (sum(hits_held), len(hits_held))
    assert sum(articles_held) >= held_floor(len(articles_held)) * len(articles_held), (sum(articles_held), len(articles_held))
