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

from fanwen.archive import sampling
from fanwen.archive.concordance import (EXACT_LIMIT, FILTERED_EXACT_LIMIT, SAMPLE_SIZE, Compiled, candidate_count,
                                        candidates_sql, compile_query)
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
        return "; ".join(f"{q}: estimated from {e['sample']:,} of the {e['candidates']:,} articles containing it that"
                         f" pass the filters (a uniform sample; a period with fewer than {e['min_per_period']} in it is"
                         " read from the date index, counted whole or sampled on its own:"
                         f" {e['periods_counted']} counted whole; 95% intervals in --json)" for q, e in self.estimated.items())


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
    compiled = compile_query(query, conn)
    sql, params = candidates_sql(compiled, filters, f"{PERIOD.format(n=PERIODS[by])}, {compiled.body_column}")
    out: dict[str | None, list[int]] = {}
    for period, body in conn.execute(sql, params):
        n = compiled.count_stored(body)  # counted as the concordance counts (bytes of a literal: fast)
        if n:
            figures = out.setdefault(period, [0, 0])
            figures[0] += 1
            figures[1] += n
    return {p: (c, h) for p, (c, h) in out.items()}


def estimated_counts(conn: Any, compiled: Compiled, filters: Filters, by: str, size: int, seed: int = 0,
                     exact_limit: int = 0, min_per_period: int = sampling.MIN_PER_STRATUM,
                     corpus_sizes: dict[str, int] | None = None,
                     ) -> tuple[dict[str | None, dict[str, Any]], dict[str, Any] | None]:
    """As query_counts, from a uniform sample of `size` of the articles containing the query that pass
    the filters, periods with few of them in it counted whole or sampled on their own
    (fanwen/archive/sampling.py): period -> {articles, hits, articles_ci95, hits_ci95, exact}, and the
    sample's description (None: every article was read)."""
    periods, population, read = sampling.measure_periods(conn, compiled, filters, size, seed, PERIODS[by], corpus_sizes or {},
                                       min_per_period, min(exact_limit, FILTERED_EXACT_LIMIT))
    out = {p: {"articles": f.articles, "hits": f.hits, "articles_ci95": list(f.articles_ci95),
               "hits_ci95": list(f.hits_ci95), "exact": f.exact} for p, f in periods.items()}
    if all(f.exact for f in periods.values()):
        return out, None
    return out, {"method": sampling.METHOD, "candidates": population, "sample": read, "periods_counted": sum(f.exact for p, f in periods.items() if p is not None),
                 "min_per_period": min_per_period}


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
          exact_limit: int | None = None, sample_size: int | None = None, seed: int = 0,
          min_per_period: int = sampling.MIN_PER_STRATUM) -> Trend:
    """Rows (period, query, articles, hits, chars, corpus_articles, per_10k_chars), period by period.

    A query in more than `exact_limit` (concordance.EXACT_LIMIT) articles that pass the filters is,
    unless `exact`, estimated from a sample of `sample_size` of them, uniform within each period
    (periods of up to `min_per_period` such articles are counted whole): its rows add estimated,
    articles_ci95 and hits_ci95 and `estimated` names it. Period sizes (chars, corpus_articles) are
    always exact."""
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}")
    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    sample_size = SAMPLE_SIZE if sample_size is None else sample_size
    compiled = [compile_query(q, conn) for q in queries]  # every query checked before any counting
    sizes = period_sizes(conn, filters, by)
    result = Trend(by)
    counts: dict[str, dict[str | None, dict[str, Any]]] = {}
    for c in compiled:
        if not exact and candidate_count(conn, c, exact_limit + 1) > exact_limit:
            counts[c.query], described = estimated_counts(conn, c, filters, by, sample_size, seed, exact_limit,
                                                          min_per_period, {p: a for p, (a, _) in sizes.items()})
            if described:
                result.estimated[c.query] = described
        else:
            counts[c.query] = {p: {"articles": a, "hits": h} for p, (a, h) in query_counts(conn, c.query, filters, by).items()}
    for query, per_period in counts.items():
        undated = per_period.get(None, {"articles": 0, "hits": 0})
        result.undated[query] = {"articles": undated["articles"], "hits": undated["hits"]}
    if not sizes:
        return result
    for period in periods_between(min(sizes), max(sizes), by):
        corpus_articles, chars = sizes.get(period, (0, 0))
        for query in queries:
            # A period without any article the index matches and the filters keep has none: exactly 0.
            figures = counts[query].get(period, {"articles": 0, "hits": 0, "articles_ci95": [0, 0],
                                                 "hits_ci95": [0, 0], "exact": True})
            row = {"period": period, "query": query, "articles": figures["articles"], "hits": figures["hits"],
                   "chars": chars, "corpus_articles": corpus_articles,
                   "per_10k_chars": round(figures["hits"] * 10000 / chars, 4) if chars else None}
            if query in result.estimated:
                row.update(estimated=not figures["exact"], articles_ci95=figures["articles_ci95"],
                           hits_ci95=figures["hits_ci95"])
            result.rows.append(row)
    return result
