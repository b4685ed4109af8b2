"""Concordance (KWIC): every occurrence of a search expression in the bodies of the articles, exactly.

The search index finds the candidate articles (`body : (…)`, so titles do not count); the occurrences
are then found in each body with a pattern that matches what the index matches: the query's text,
with the white space or punctuation between its runs that the index skips, Latin words whole and in
any case. A query of one run of Chinese characters is a plain substring, counted by SQLite itself.
Occurrences are counted left to right without overlap (as str.count does).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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

    def finditer(self, body: str) -> Iterator[re.Match[str]]:
        return _regex(self.pattern).finditer(body)

    def count(self, body: str) -> int:
        return body.count(self.literal) if self.literal is not None else sum(1 for _ in self.finditer(body))


def compile_query(query: str) -> Compiled:
    """Compile a search expression (raises cjk.BadQuery with a sentence when it is malformed)."""
    parsed = cjk.parse(query)
    needles = sorted(set(parsed.needles), key=len, reverse=True)
    pattern = "|".join(needle_pattern(n) for n in needles)
    literal = needles[0] if len(needles) == 1 and re.fullmatch(f"[{cjk._CJK}]+", needles[0]) else None
    return Compiled(query, f"body : ({parsed.match})", pattern, literal)


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


def sql_hits(body: str | None, pattern: str) -> int:
    """`fanwen_hits(body, pattern)`: occurrences of a compiled pattern in a body (for the aggregates)."""
    return sum(1 for _ in _regex(pattern).finditer(body)) if body else 0


def register_functions(conn: Any) -> None:
    conn.create_function("fanwen_hits", 2, sql_hits, deterministic=True)


def hits_sql(compiled: Compiled, alias: str = "a") -> tuple[str, list[Any]]:
    """SQL expression of the occurrences of `compiled` in `alias.body`, and its parameters."""
    if compiled.literal is not None:
        return (f"((length({alias}.body) - length(replace({alias}.body, ?, ''))) / length(?))",
                [compiled.literal, compiled.literal])
    return f"fanwen_hits({alias}.body, ?)", [compiled.pattern]


def candidates_sql(compiled: Compiled, filters: Filters, columns: str, tail: str = "") -> tuple[str, list[Any]]:
    """SELECT `columns` FROM the candidate articles (alias a) that pass the filters."""
    clauses, params = filters.where("a")
    where = " AND ".join(["articles_fts MATCH ?", *clauses])
    return (f"SELECT {columns} FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE {where}{tail}",
            [compiled.match, *params])


@dataclass
class Concordance:
    query: str
    hits: int  # exact: every occurrence in every matching article
    articles: int  # exact: articles with at least one occurrence
    sort: str
    lines: list[dict[str, Any]] = field(default_factory=list)


def totals(conn: Any, compiled: Compiled, filters: Filters) -> tuple[int, int]:
    """(occurrences, articles) of the query in the filtered articles' bodies, exactly."""
    register_functions(conn)
    expr, expr_params = hits_sql(compiled)
    sql, params = candidates_sql(compiled, filters, f"{expr} AS h")
    row = conn.execute(f"SELECT coalesce(sum(h), 0), count(*) FROM ({sql}) WHERE h > 0", [*expr_params, *params]).fetchone()
    return int(row[0]), int(row[1])


def lines_of(compiled: Compiled, row: tuple, width: int) -> Iterator[dict[str, Any]]:
    """The concordance lines of one article row (id, url, title, published_at, site, genre, body)."""
    article_id, url, title, published_at, site, genre, body = row
    for m in compiled.finditer(body):
        yield {"article_id": article_id, "url": url, "title": title, "published_at": published_at, "site": site,
               "genre": genre, "position": m.start(), "left": body[max(0, m.start() - width):m.start()],
               "match": m.group(0), "right": body[m.end():m.end() + width]}


def kwic(conn: Any, query: str, filters: Filters = Filters(), width: int = 30, limit: int | None = 100,
         sort: str = "date", seed: int = 0, count: bool = True) -> Concordance:
    """Concordance lines of `query` (newest articles first, or sorted by left/right context, or shuffled).

    `limit` None gives every line. With sort="date" only the articles of the first `limit` lines are
    read; the exact totals are then counted by SQLite (count=False skips them: hits/articles are -1)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    compiled = compile_query(query)
    columns = "a.id, a.url, a.title, a.published_at, a.site, a.genre, a.body"
    order = " ORDER BY a.published_at IS NULL, a.published_at DESC, a.id DESC"
    lines: list[dict[str, Any]] = []
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
