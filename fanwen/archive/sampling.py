"""Totals of a query in very many articles from a stated sample drawn among the articles that pass the
filters, with 95% intervals that hold for small samples and periods too.

The frame is every article the index matches that passes the filters the archive's indexes answer
(site, genre, dates, near-duplicates: ids read from the covering index `articles_period`, never a row,
which holds the body). Category and term filters (JSON columns of the row) are checked on the sampled
rows, so an article they drop counts 0: still unbiased, only wider. A frame of at most `exact_limit`
articles is read whole (exact).

For N articles of which n were sampled (finite-population correction f = (N - n) / (N - 1)):
- articles with an occurrence: N x the Wilson interval of the sampled share (with n / f as the sample
  size), which keeps its coverage near 0 and 1 and for few sampled articles;
- occurrences: N x the mean per article with Hall's (1992) skewness-corrected t interval;
and no bound goes below what the sample itself holds (nor articles above N). A trend's period is a
domain of one sample of the frame (its articles count 0 elsewhere); a period with fewer than
`min_per_period` sampled articles is listed from the date index and read whole, or sampled on its own.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from fanwen.archive.filters import Filters

if TYPE_CHECKING:
    from fanwen.archive.concordance import Compiled

Z95 = 1.959964
MIN_PER_STRATUM = 40  # fewer sampled articles in a period: listed from the date index, read whole or sampled alone
METHOD = "uniform sample of the articles containing the query that pass the filters"


@dataclass(frozen=True)
class Figures:
    """Articles with an occurrence and occurrences in one stratum: exact when every article was read."""

    candidates: int  # articles of the stratum that the index matches and the indexed filters keep
    sample: int  # of them read
    articles: int
    articles_ci95: tuple[int, int]
    hits: int
    hits_ci95: tuple[int, int]

    @property
    def exact(self) -> bool:
        return self.sample == self.candidates


def candidate_ids(conn: Any, compiled: Compiled) -> list[int]:
    """Ids of the articles the index matches (rowid order)."""
    table = compiled.table
    return [r[0] for r in conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", [compiled.match])]


def frame_ids(conn: Any, compiled: Compiled, filters: Filters) -> list[int]:
    """Ids of the articles the index matches that pass the site, genre, date and near-duplicate filters."""
    ids = candidate_ids(conn, compiled)
    indexed = replace(filters, categories=(), terms=())
    if indexed == Filters(include_duplicates=filters.include_duplicates):
        if filters.include_duplicates:
            return ids
        duplicates = {r[0] for r in conn.execute("SELECT id FROM articles WHERE duplicate_of IS NOT NULL")}
        return [i for i in ids if i not in duplicates]
    clauses, params = indexed.where("a")
    wanted = set(ids)
    return sorted(i for (i,) in conn.execute(f"SELECT a.id FROM articles a{period_index(conn)} WHERE"
                                             f" {' AND '.join(clauses)}", params) if i in wanted)


def period_index(conn: Any) -> str:
    """The hint that makes SQLite answer the filters from the covering index (the planner may prefer
    articles_duplicate_of and then read every row, bodies included)."""
    has_index = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_period'").fetchone()
    return " INDEXED BY articles_period" if has_index else ""


def t95(df: int) -> float:
    """Two-sided 95% quantile of Student's t (Cornish-Fisher series: within 0.1% from 3 degrees of freedom)."""
    if df < 1:
        return math.inf
    if df < 3:
        return {1: 12.706, 2: 4.303}[df]
    z = Z95
    return (z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3))


def _hall_inverse(y: float, skew: float, n: int) -> float:
    """The inverse of Hall's transformation T(x) = x + g x^2/3 + g^2 x^3/27 + g/(6n) (g the skewness)."""
    if abs(skew) < 1e-9:
        return y
    return 3 / skew * (math.copysign(abs(v) ** (1 / 3), v) - 1) if (v := 1 + skew * (y - skew / (6 * n))) else -3 / skew


def figures(population: int, hits: list[int], n: int | None = None, most: int = 1) -> Figures:
    """Figures of a stratum of `population` articles from the hits of a uniform sample of them; with
    `n`, the sample holds n articles and `hits` are those of the ones in the domain (the rest count 0:
    a domain estimate, e.g. a period within a sample of the whole frame). `most`: the most occurrences
    an article was seen to hold, for the bound of a domain with none in the sample."""
    n = len(hits) if n is None else n
    zeros = n - len(hits)
    seen_hits = sum(hits)
    seen_articles = sum(1 for h in hits if h)
    if n >= population or not n:  # read whole (or empty): exact
        return Figures(population, n, seen_articles, (seen_articles, seen_articles), seen_hits, (seen_hits, seen_hits))
    fpc = (population - n) / (population - 1)
    # Articles: Wilson score interval of the share, the sample size enlarged by the correction.
    share, m = seen_articles / n, n / fpc
    centre = (share + Z95 ** 2 / (2 * m)) / (1 + Z95 ** 2 / m)
    half = Z95 / (1 + Z95 ** 2 / m) * math.sqrt(share * (1 - share) / m + Z95 ** 2 / (4 * m * m))
    articles = round(population * share)
    articles_ci = (max(seen_articles, math.floor(population * (centre - half))),
                   min(population, math.ceil(population * (centre + half))))
    # Occurrences: the mean per article with Hall's (1992) skewness-corrected t interval: a few
    # articles with many occurrences skew the sample mean, and the plain t interval then misses the
    # truth above more often than 2.5% (measured: 72 of 91 misses above at 40 a stratum).
    mean = seen_hits / n
    var = (sum((h - mean) ** 2 for h in hits) + zeros * mean ** 2) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var * fpc)
    skew = (sum((h - mean) ** 3 for h in hits) - zeros * mean ** 3) / n / var ** 1.5 if var else 0.0
    q = t95(n - 1) / math.sqrt(n)
    estimate = population * mean
    low, high = mean - sd * _hall_inverse(q, skew, n), mean - sd * _hall_inverse(-q, skew, n)
    hits_ci = (max(seen_hits, math.floor(population * low)), math.ceil(population * high))
    if not seen_hits:  # none in the sample: no spread to measure; bound by the articles' bound
        hits_ci = (0, articles_ci[1] * (most or 1))
    return Figures(population, n, articles, articles_ci, round(estimate), hits_ci)


def measure(conn: Any, compiled: Any, filters: Filters, size: int, seed: int = 0, exact_limit: int = 0) -> Figures:
    """Figures of a compiled query (concordance.Compiled) in the frame, from a uniform sample of `size`
    of its articles; a frame of at most `exact_limit` (or `size`) articles is read whole: exact."""
    from fanwen.archive.concordance import sample_counts

    ids = frame_ids(conn, compiled, filters)
    chosen = ids if len(ids) <= max(size, exact_limit) else sorted(random.Random(seed).sample(ids, size))
    counts = sample_counts(conn, compiled, filters, chosen)
    return figures(len(ids), [counts.get(i, (0,))[0] for i in chosen])


SCAN_BUDGET = 100_000  # articles of small periods a trend may list from the date index (~0.1-0.2 s)


def measure_periods(conn: Any, compiled: Any, filters: Filters, size: int, seed: int, period_length: int,
                    corpus_sizes: dict[str, int], min_per_period: int = MIN_PER_STRATUM, exact_limit: int = 0,
                    scan_budget: int | None = None) -> tuple[dict[str | None, Figures], int, int]:
    """(period (None: undated) -> Figures, the frame's articles, articles read) from a uniform sample of
    `size` articles of the frame: a period with `min_per_period` or more in it is a domain of the sample;
    a period with fewer (and `corpus_sizes[period]` articles in all) is listed from the date index,
    smallest first while `scan_budget` articles last, and counted whole (up to `min_per_period`
    articles) or sampled again on its own (`min_per_period` of them): a stratum of known size."""
    from fanwen.archive.concordance import sample_counts

    budget = SCAN_BUDGET if scan_budget is None else scan_budget
    min_per_period = max(2, min_per_period)  # a sample of one has no spread
    dated = "a.published_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]*'"
    period_expr = f"CASE WHEN {dated} THEN substr(a.published_at, 1, {period_length}) END"
    ids = frame_ids(conn, compiled, filters)
    population = len(ids)
    if population <= exact_limit:
        size = population
    rng = random.Random(seed)
    sample = sorted(rng.sample(ids, min(size, population)))
    counts = sample_counts(conn, compiled, filters, sample, f", {period_expr}")
    domains: dict[str | None, list[int]] = {}
    for hits, period in counts.values():
        domains.setdefault(period, []).append(hits)
    if len(sample) == population:
        return {p: figures(len(v), v) for p, v in domains.items()}, population, population
    most = max((h for h, _ in counts.values()), default=1)
    out: dict[str | None, Figures] = {}
    few = sorted((p for p in set(corpus_sizes) | {p for p in domains if p is not None}
                  if len(domains.get(p, ())) < min_per_period), key=lambda p: corpus_sizes.get(p, 0))
    indexed = replace(filters, categories=(), terms=())
    clauses, params = indexed.where("a")
    hint = period_index(conn)
    in_frame = set(ids)
    read = len(sample)
    for period in few:
        budget -= corpus_sizes.get(period, 0)
        if budget < 0:
            break
        where = " AND ".join(["a.published_at >= ?", "a.published_at < ?", dated, *clauses])
        stratum = sorted(i for (i,) in conn.execute(f"SELECT a.id FROM articles a{hint} WHERE {where}",
                                                       [period, period + "~", *params]) if i in in_frame)
        chosen = stratum if len(stratum) <= min_per_period else sorted(rng.sample(stratum, min_per_period))
        again = sample_counts(conn, compiled, filters, chosen)
        out[period] = figures(len(stratum), [again.get(i, (0,))[0] for i in chosen])
        read += len(chosen)
    for period in set(domains) | set(corpus_sizes):
        if period not in out:
            out[period] = figures(population, domains.get(period, []), len(sample), most)
    return out, population, read
