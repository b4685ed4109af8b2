"""Concordance (KWIC): every occurrence of a search expression in the bodies of the articles, exactly.

The search index finds the candidate articles (`body : (…)`, so titles do not count); the occurrences
are then found in each body with a pattern that matches what the index matches: the query's text,
with the white space or punctuation between its runs that the index skips, Latin words whole and in
any case. A query of one run of Chinese characters is a plain substring, counted in the body's UTF-8 bytes.
Occurrences are counted left to right without overlap (as str.count does).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from fanwen.archive import cjk
from fanwen.archive.filters import Filters

SORTS = ("date", "left", "right", "random")
_WORD = f"[^\\W_{cjk._CJK}]"  # a Latin letter or digit: FTS5 indexes runs of them as whole words


@dataclass(frozen=True)
class Compiled:
    """A search expression ready for counting: the FTS5 MATCH over bodies and the occurrence pattern."""

    query: str
    match: str
    pattern: str  # a regular expression (IGNORECASE) over the body
    literal: str | None  # the plain text to count when the pattern is just that text
    table: str = "articles_fts"  # the index `match` is asked of (articles_chars for a lone ideograph)

    def finditer(self, body: str) -> Iterator[re.Match[str]]:
        return _regex(self.pattern).finditer(body)

    def count(self, body: str) -> int:
        return body.count(self.literal) if self.literal is not None else sum(1 for _ in self.finditer(body))

    @property
    def body_column(self) -> str:
        """The body as `count_stored` wants it: UTF-8 bytes for a literal (no decoding), else text."""
        return "CAST(a.body AS BLOB)" if self.literal is not None else "a.body"

    def count_stored(self, body: bytes | str | None) -> int:
        """Occurrences in a body read through `body_column`. UTF-8 is self-synchronising, so counting
        the literal's bytes in the body's bytes gives str.count's figure, about 5x faster than SQLite's
        length/replace and 1.6x faster than decoding first."""
        if not body:
            return 0
        if self.literal is not None:
            return body.count(self.literal.encode())  # type: ignore[arg-type]
        return sum(1 for _ in self.finditer(body))  # type: ignore[arg-type]


def compile_query(query: str, conn: Any = None) -> Compiled:
    """Compile a search expression (raises cjk.BadQuery with a sentence when it is malformed), for the
    index of the archive `conn` (without one: the bigram index, enough to check the expression)."""
    from fanwen.archive.search import body_match

    parsed = cjk.parse(query)
    needles = sorted(set(parsed.needles), key=len, reverse=True)
    pattern = "|".join(needle_pattern(n) for n in needles)
    literal = needles[0] if len(needles) == 1 and re.fullmatch(f"[{cjk._CJK}]+", needles[0]) else None
    table, match = body_match(conn, parsed) if conn is not None else ("articles_fts", f"body : ({parsed.match})")
    return Compiled(query, match, pattern, literal, table)


def needle_pattern(needle: str) -> str:
    """The regular expression of one searched text, mirroring what its FTS5 phrase matches."""
    runs = [(m.group(0), bool(m.group(1))) for m in cjk._RUNS.finditer(needle)]
    out = [] if runs[0][1] else [f"(?<!{_WORD})"]
    for i, (text, is_cjk) in enumerate(runs):
        if i:
            # Two runs of one kind are apart in the text too; a Chinese run and a word may touch.
            out.append(r"[\W_]+" if is_cjk == runs[i - 1][1] else r"[\W_]*")
        out.append(re.escape(text))
    if not runs[-1][1]:
        out.append(f"(?!{_WORD})")
    return "".join(out)


@lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def candidates_sql(compiled: Compiled, filters: Filters, columns: str, tail: str = "") -> tuple[str, list[Any]]:
    """SELECT `columns` FROM the candidate articles (alias a) that pass the filters."""
    clauses, params = filters.where("a")
    table = compiled.table
    where = " AND ".join([f"{table} MATCH ?", *clauses])
    return (f"SELECT {columns} FROM {table} JOIN articles a ON a.id = {table}.rowid WHERE {where}{tail}",
            [compiled.match, *params])


# Articles the index matches (before filters) from which the first page walks the newest articles
# instead of sorting every candidate by date: about where both cost the same at 100k-1M articles.
WALK_FROM = 5_000
WALK_BUDGET = 50_000  # newest articles checked before the walk gives up (a filter keeps few of them)
# Articles the index matches beyond which the totals are estimated from a stated sample (exact=True
# reads them all): the target is exact totals within 2 s for words in up to 50,000 articles.
EXACT_LIMIT = 50_000
SAMPLE_SIZE = 10_000
# Beyond EXACT_LIMIT, listing the candidates that pass the filters costs ~1 s at 1M articles; the
# filtered ones are then read whole (~30 us each) while that stays within the 2 s budget.
FILTERED_EXACT_LIMIT = 25_000


@dataclass(frozen=True)
class Estimate:
    """Totals estimated from a uniform random sample of the articles the index matches."""

    candidates: int  # articles the index matches that pass the filters (site, genre, dates, near-duplicates)
    sample: int  # of them read (chosen uniformly at random, fixed seed)
    hits: int
    hits_ci95: tuple[int, int]
    articles: int
    articles_ci95: tuple[int, int]

    def describe(self) -> str:
        return (f"about {self.hits:,} hits (95% CI {self.hits_ci95[0]:,}-{self.hits_ci95[1]:,}) in about {self.articles:,}"
                f" articles ({self.articles_ci95[0]:,}-{self.articles_ci95[1]:,}), estimated from a uniform sample of"
                f" {self.sample:,} of the {self.candidates:,} articles containing it that pass the filters")

    def as_dict(self) -> dict[str, Any]:
        return {"method": "uniform sample of the articles containing the query that pass the filters", "candidates": self.candidates,
                "sample": self.sample, "hits": self.hits, "hits_ci95": list(self.hits_ci95),
                "articles": self.articles, "articles_ci95": list(self.articles_ci95)}


@dataclass
class Concordance:
    query: str
    hits: int | None  # exact: every occurrence in every matching article (None: estimated, see `estimate`)
    articles: int | None  # exact: articles with at least one occurrence (None: estimated)
    sort: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    estimate: Estimate | None = None  # set instead of the exact totals for words in very many articles

    @property
    def exact(self) -> bool:
        return self.estimate is None


def candidate_count(conn: Any, compiled: Compiled, cap: int) -> int:
    """Articles the index matches (bodies, before filters), counted up to `cap` (ids only: cheap)."""
    table = compiled.table
    return conn.execute(f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?)",
                        [compiled.match, cap]).fetchone()[0]


def totals(conn: Any, compiled: Compiled, filters: Filters) -> tuple[int, int]:
    """(occurrences, articles) of the query in the filtered articles' bodies, exactly."""
    sql, params = candidates_sql(compiled, filters, compiled.body_column)
    hits = articles = 0
    for (body,) in conn.execute(sql, params):
        n = compiled.count_stored(body)
        hits += n
        articles += n > 0
    return hits, articles


def sample_counts(conn: Any, compiled: Compiled, filters: Filters, ids: list[int],
                  columns: str = "") -> dict[int, tuple]:
    """id -> (occurrences, *columns) for the sampled ids that pass the filters (others count 0)."""
    clauses, params = filters.where("a")
    out: dict[int, tuple] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        where = " AND ".join([f"a.id IN ({','.join('?' * len(chunk))})", *clauses])
        for row in conn.execute(f"SELECT a.id, {compiled.body_column}{columns} FROM articles a WHERE {where}",
                                [*chunk, *params]):
            out[row[0]] = (compiled.count_stored(row[1]), *row[2:])
    return out


def estimated_totals(conn: Any, compiled: Compiled, filters: Filters, size: int = SAMPLE_SIZE, seed: int = 0,
                     exact_limit: int = EXACT_LIMIT) -> tuple[int | None, int | None, Estimate | None]:
    """(hits, articles, None) counted exactly when at most `exact_limit` (and FILTERED_EXACT_LIMIT)
    articles the index matches pass the filters, else (None, None, the estimate from a uniform sample
    of `size` of those articles)."""
    from fanwen.archive.sampling import measure

    whole = measure(conn, compiled, filters, size, seed, min(exact_limit, FILTERED_EXACT_LIMIT))
    if whole.exact:
        return whole.hits, whole.articles, None
    return None, None, Estimate(whole.candidates, whole.sample, whole.hits, whole.hits_ci95, whole.articles,
                                whole.articles_ci95)


NARROW = 0.05  # share of the articles below which a site or genre filter is read from an index first


def kept_share(conn: Any, filters: Filters) -> float:
    """Share of the articles in the filters' sites and genres (from period_stats; 0 without it)."""
    from fanwen.archive.period_stats import has_period_stats

    if not has_period_stats(conn):
        return 0.0
    clauses, params = [], []
    for column, values in (("site", filters.sites), ("genre", filters.genres)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    kept, total = conn.execute(f"SELECT sum(CASE WHEN {' AND '.join(clauses)} THEN articles ELSE 0 END),"
                               " sum(articles) FROM period_stats", params).fetchone()
    return (kept or 0) / total if total else 0.0


def newest_first(conn: Any, compiled: Compiled, filters: Filters, limit: int, width: int) -> list[dict[str, Any]] | None:
    """The first `limit` lines, newest articles first, found by walking the articles by date and
    asking the index about each chunk; None when the filters keep too few articles for this to pay.

    A narrow site or genre filter (under 5% of the articles) is not checked on the rows as they are
    walked (a row holds the body: 1.2 s at 100k articles for a genre no article had) but with sets of
    ids read first from the covering index; the walk then reads the date index alone."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_published_at'").fetchone():
        return None
    skip: set[int] = set()
    keep: set[int] | None = None
    walk_filters = filters
    if (filters.sites or filters.genres) and kept_share(conn, filters) < NARROW:
        from fanwen.archive.sampling import period_index

        walk_filters = replace(filters, sites=(), genres=(), include_duplicates=True)  # the date index answers these
        if not filters.include_duplicates:
            skip = {r[0] for r in conn.execute("SELECT id FROM articles WHERE duplicate_of IS NOT NULL")}
        kept, kept_params = Filters(sites=filters.sites, genres=filters.genres, include_duplicates=True).where("a")
        keep = {r[0] for r in conn.execute(f"SELECT a.id FROM articles a{period_index(conn)} WHERE"
                                           f" {' AND '.join(kept)}", kept_params)}
    clauses, params = walk_filters.where("a")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    # The index's order is (published_at, rowid): DESC gives the dated newest first, then the undated.
    walk = conn.execute(f"SELECT a.id FROM articles a INDEXED BY articles_published_at{where}"
                        " ORDER BY a.published_at DESC, a.id DESC", params)
    lines: list[dict[str, Any]] = []
    checked, size = 0, 256
    while len(lines) < limit:
        walked = walk.fetchmany(size)
        if not walked:
            break
        size = min(size * 2, 4096)
        chunk = [r[0] for r in walked if r[0] not in skip and (keep is None or r[0] in keep)]
        if not chunk:
            continue
        checked += len(chunk)
        if checked > WALK_BUDGET:
            return None
        marks = ",".join("?" * len(chunk))
        found = {r[0] for r in conn.execute(
            f"SELECT rowid FROM {compiled.table} WHERE {compiled.table} MATCH ? AND rowid IN ({marks})",
            [compiled.match, *chunk])}
        if not found:
            continue
        wanted = [i for i in chunk if i in found]
        for start in range(0, len(wanted), 50):
            part = wanted[start:start + 50]
            by_id = {r[0]: r for r in conn.execute(
                f"SELECT {COLUMNS} FROM articles a WHERE a.id IN ({','.join('?' * len(part))})", part)}
            for article_id in part:
                lines.extend(lines_of(compiled, by_id[article_id], width))
            if len(lines) >= limit:
                break
    return lines[:limit]


def lines_of(compiled: Compiled, row: tuple, width: int) -> Iterator[dict[str, Any]]:
    """The concordance lines of one article row (id, url, title, published_at, site, genre, body)."""
    article_id, url, title, published_at, site, genre, body = row
    for m in compiled.finditer(body):
        yield {"article_id": article_id, "url": url, "title": title, "published_at": published_at, "site": site,
               "genre": genre, "position": m.start(), "left": body[max(0, m.start() - width):m.start()],
               "match": m.group(0), "right": body[m.end():m.end() + width]}


COLUMNS = "a.id, a.url, a.title, a.published_at, a.site, a.genre, a.body"


def kwic(conn: Any, query: str, filters: Filters = Filters(), width: int = 30, limit: int | None = 100,
         sort: str = "date", seed: int = 0, count: bool = True, exact: bool = False,
         exact_limit: int | None = None, sample_size: int | None = None, walk_from: int | None = None) -> Concordance:
    """Concordance lines of `query` (newest articles first, or sorted by left/right context, or shuffled).

    `limit` None gives every line. With sort="date" only the articles of the first `limit` lines are
    read (for a common word, by walking the newest articles); the exact totals are then counted
    (count=False skips them: hits/articles are -1). When more than `exact_limit` articles the index
    matches pass the filters and not `exact`, the totals are estimated from a uniform sample of
    `sample_size` of those: hits/articles are None and `estimate` says so, with 95% intervals."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    compiled = compile_query(query, conn)
    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    sample_size = SAMPLE_SIZE if sample_size is None else sample_size
    walk_from = WALK_FROM if walk_from is None else walk_from
    columns = COLUMNS
    order = " ORDER BY a.published_at IS NULL, a.published_at DESC, a.id DESC"
    lines: list[dict[str, Any]] = []
    # Estimate only when a page is asked for (limit None, or another sort, reads every line anyway).
    many = (sort == "date" and count and limit is not None and not exact
            and candidate_count(conn, compiled, exact_limit + 1) > exact_limit)
    if sort == "date" and limit is not None and candidate_count(conn, compiled, walk_from) >= walk_from:
        walked = newest_first(conn, compiled, filters, limit, width)
        if walked is not None:
            if not count:
                return Concordance(query, -1, -1, sort, walked)
            if many:
                hits, articles, estimate = estimated_totals(conn, compiled, filters, sample_size, seed, exact_limit)
                return Concordance(query, hits, articles, sort, walked, estimate)
            hits, articles = totals(conn, compiled, filters)
            return Concordance(query, hits, articles, sort, walked)
    if sort == "date":
        # Ids first (cheap), then bodies a few at a time until the page is full.
        sql, params = candidates_sql(compiled, filters, "a.id", order)
        ids = [r[0] for r in conn.execute(sql, params)]
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            rows = {r[0]: r for r in conn.execute(
                f"SELECT {columns} FROM articles a WHERE a.id IN ({','.join('?' * len(chunk))})", chunk)}
            for article_id in chunk:
                lines.extend(lines_of(compiled, rows[article_id], width))
            if limit is not None and len(lines) >= limit:
                break
        lines = lines[:limit] if limit is not None else lines
        if many:
            hits, articles, estimate = estimated_totals(conn, compiled, filters, sample_size, seed, exact_limit)
            return Concordance(query, hits, articles, sort, lines, estimate)
        hits, articles = totals(conn, compiled, filters) if count else (-1, -1)
        return Concordance(query, hits, articles, sort, lines)
    sql, params = candidates_sql(compiled, filters, columns, " ORDER BY a.id")
    articles = 0
    for row in conn.execute(sql, params):
        before = len(lines)
        lines.extend(lines_of(compiled, row, width))
        articles += len(lines) > before
    hits = len(lines)
    if sort == "random":
        random.Random(seed).shuffle(lines)
    else:
        key = (lambda l: l["left"][::-1]) if sort == "left" else (lambda l: l["right"])
        lines.sort(key=lambda l: (key(l), l["article_id"], l["position"]))
    return Concordance(query, hits, articles, sort, lines[:limit] if limit is not None else lines)
