"""Frequency over time: per year or month, articles containing a query, its occurrences, and both
relative to that period's text (occurrences per 10,000 body characters).

The period's text size comes from the `articles_period` index (published_at, duplicate_of, site,
genre, chars), so it never reads a body; the occurrences are counted in the candidate articles'
bodies as the concordance counts them (fanwen/archive/concordance.py). Every period between the first and
the last dated article of the filtered corpus is listed, empty ones included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fanwen.archive.concordance import (EXACT_LIMIT, SAMPLE_SIZE, candidate_count, candidates_sql, compile_query,
                                        sample_counts, sampled_ids, scaled_sums)
from fanwen.archive.filters import Filters
from fanwen.archive.period_stats import has_period_stats

PERIODS = {"year": 4, "month": 7}
DATED = "a.published_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]*'"
PERIOD = "CASE WHEN " + DATED + " THEN substr(a.published_at, 1, {n}) END"  # None: undated


@dataclass
class Trend:
    by: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Articles without a usable date are in no period: per query, their articles and hits.
    undated: dict[str, dict[str, int]] = field(default_factory=dict)
    # Queries in too many articles to count exactly: their sample (candidates, sample, method); their
    # rows' articles/hits are estimates with 95% intervals (articles_ci95, hits_ci95).
    estimated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def describe_estimates(self) -> str:
        return "; ".join(f"{q}: estimated from a uniform sample of {e['sample']:,} of the {e['candidates']:,} articles"
                         " containing it (95% intervals in --json)" for q, e in self.estimated.items())


def period_sizes(conn: Any, filters: Filters, by: str) -> dict[str, tuple[int, int]]:
    """period -> (articles, body characters) of the filtered, dated corpus."""
    if has_period_stats(conn) and not (filters.since or filters.until or filters.categories or filters.terms):
        return stats_sizes(conn, filters, by)
    clauses, params = filters.where("a")
    where = " AND ".join([DATED, *clauses])
    n = PERIODS[by]
    # The planner prefers articles_duplicate_of and then reads every row (bodies included): 7x slower.
    has_index = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_period'").fetchone()
    hint = " INDEXED BY articles_period" if has_index else ""
    return {p: (c, s or 0) for p, c, s in conn.execute(
        f"SELECT substr(a.published_at, 1, {n}) AS p, count(*), sum(a.chars) FROM articles a{hint} WHERE {where} GROUP BY p",
        params)}


def stats_sizes(conn: Any, filters: Filters, by: str) -> dict[str, tuple[int, int]]:
    """period_sizes from the per-month table kept by triggers (fanwen/archive/period_stats.py)."""
    clauses, params = ["month != ''"], []
    for column, values in (("site", filters.sites), ("genre", filters.genres)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if not filters.include_duplicates:
        clauses.append("duplicate = 0")
    return {p: (c, s) for p, c, s in conn.execute(
        f"SELECT substr(month, 1, {PERIODS[by]}) AS p, sum(articles), sum(chars) FROM period_stats"
        f" WHERE {' AND '.join(clauses)} GROUP BY p HAVING sum(articles) > 0", params)}


def query_counts(conn: Any, query: str, filters: Filters, by: str) -> dict[str | None, tuple[int, int]]:
    """period (None: undated) -> (articles with an occurrence, occurrences) of one query."""
    compiled = compile_query(query)
    sql, params = candidates_sql(compiled, filters, f"{PERIOD.format(n=PERIODS[by])}, {compiled.body_column}")
    out: dict[str | None, list[int]] = {}
    for period, body in conn.execute(sql, params):
        n = compiled.count_stored(body)  # counted as the concordance counts (bytes of a literal: fast)
        if n:
            figures = out.setdefault(period, [0, 0])
            figures[0] += 1
            figures[1] += n
    return {p: (c, h) for p, (c, h) in out.items()}


def estimated_counts(conn: Any, query: str, filters: Filters, by: str, size: int,
                     seed: int = 0) -> tuple[dict[str | None, dict[str, Any]], dict[str, Any]]:
    """As query_counts, estimated from a uniform sample of the articles containing the query:
    period -> {articles, hits, articles_ci95, hits_ci95}, and the sample's description."""
    compiled = compile_query(query)
    population, ids = sampled_ids(conn, compiled, size, seed)
    sums: dict[str | None, list[float]] = {}
    counts = sample_counts(conn, compiled, filters, ids, f", {PERIOD.format(n=PERIODS[by])}")
    for h, period in counts.values():
        if h:
            s = sums.setdefault(period, [0, 0, 0])  # articles, hits, hits squared
            s[0] += 1
            s[1] += h
            s[2] += h * h
    out: dict[str | None, dict[str, Any]] = {}
    most = max((h for h, *_ in counts.values()), default=1)  # per article, for the bound of an empty period
    for period, (articles, hits, squares) in sums.items():
        a, a_ci = scaled_sums(articles, articles, len(ids), population)
        h, h_ci = scaled_sums(hits, squares, len(ids), population)
        out[period] = {"articles": a, "hits": h, "articles_ci95": list(a_ci), "hits_ci95": list(h_ci)}
    return out, {"method": "uniform sample of the articles containing the query", "candidates": population,
                 "sample": len(ids), "most_hits_per_article": most}


def periods_between(first: str, last: str, by: str) -> list[str]:
    """Every period from `first` to `last` inclusive (YYYY or YYYY-MM)."""
    if by == "year":
        return [f"{y:04d}" for y in range(int(first), int(last) + 1)]
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def trend(conn: Any, queries: list[str], by: str = "month", filters: Filters = Filters(), exact: bool = False,
          exact_limit: int | None = None, sample_size: int | None = None, seed: int = 0) -> Trend:
    """Rows (period, query, articles, hits, chars, corpus_articles, per_10k_chars), period by period.

    A query the index finds in more than `exact_limit` articles (concordance.EXACT_LIMIT) is, unless
    `exact`, estimated from a uniform sample of `sample_size` of them: its rows add articles_ci95 and
    hits_ci95 and `estimated` names it. Period sizes (chars, corpus_articles) are always exact."""
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}")
    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    sample_size = SAMPLE_SIZE if sample_size is None else sample_size
    compiled = [compile_query(q) for q in queries]  # every query checked before any counting
    sizes = period_sizes(conn, filters, by)
    result = Trend(by)
    counts: dict[str, dict[str | None, dict[str, Any]]] = {}
    for c in compiled:
        if not exact and candidate_count(conn, c, exact_limit + 1) > exact_limit:
            counts[c.query], result.estimated[c.query] = estimated_counts(conn, c.query, filters, by, sample_size, seed)
        else:
            counts[c.query] = {p: {"articles": a, "hits": h} for p, (a, h) in query_counts(conn, c.query, filters, by).items()}
    for query, per_period in counts.items():
        result.undated[query] = dict(per_period.get(None, {"articles": 0, "hits": 0}))
    if not sizes:
        return result
    for period in periods_between(min(sizes), max(sizes), by):
        corpus_articles, chars = sizes.get(period, (0, 0))
        for query in queries:
            figures = counts[query].get(period, {"articles": 0, "hits": 0})
            if query in result.estimated and period not in counts[query]:
                e = result.estimated[query]
                figures = {"articles": 0, "hits": 0,
                           "articles_ci95": list(scaled_sums(0, 0, e["sample"], e["candidates"])[1]),
                           "hits_ci95": list(scaled_sums(0, 0, e["sample"], e["candidates"], e["most_hits_per_article"])[1])}
            row = {"period": period, "query": query, "articles": figures["articles"], "hits": figures["hits"],
                   "chars": chars, "corpus_articles": corpus_articles,
                   "per_10k_chars": round(figures["hits"] * 10000 / chars, 4) if chars else None}
            if query in result.estimated:
                row.update(estimated=True, articles_ci95=figures["articles_ci95"], hits_ci95=figures["hits_ci95"])
            result.rows.append(row)
    return result
