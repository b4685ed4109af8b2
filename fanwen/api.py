"""The `Archive` of the Python API: thin over fanwen/archive/, every result a pandas DataFrame."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fanwen.archive.concordance import kwic as _kwic
from fanwen.archive.filters import Filters
from fanwen.archive.readonly import open_readonly
from fanwen.archive.schema import NotAnArchive
from fanwen.archive.search import search as _search
from fanwen.archive.trends import trend as _trend

if TYPE_CHECKING:
    import pandas as pd

ARTICLE_COLUMNS = ["id", "title", "site", "url", "published_at", "genre", "occasion", "masks", "categories", "terms",
                   "source", "chars", "duplicate_of", "first_seen", "body"]


def _strings(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _day(value: str | date | None) -> str | None:
    return value.isoformat()[:10] if isinstance(value, date) else value


def make_filters(site: str | Iterable[str] | None = None, category: str | Iterable[str] | None = None,
                 term: str | Iterable[str] | None = None, genre: str | Iterable[str] | None = None,
                 since: str | date | None = None, until: str | date | None = None, all: bool = False) -> Filters:
    """Filters from the keyword arguments every method takes (the CLI's --site, --genre, --all, ...)."""
    return Filters(_strings(site), _strings(category), _strings(term), _day(since), _day(until), all, _strings(genre))


class Archive:
    """A read-only archive. Methods take the CLI's filters as keyword arguments: site, category, term,
    genre, since, until (YYYY-MM-DD), all (keep near-duplicates)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn: sqlite3.Connection = open_readonly(self.path)
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(articles)")}
        if "genre" not in columns:
            self.conn.close()
            raise NotAnArchive(f"{self.path} was made by an older fanwen; add its genre columns with:"
                               f" fanwen index --db {self.path}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<fanwen.Archive {self.path}>"

    def articles(self, *, limit: int | None = None, columns: list[str] | None = None, **filters: Any) -> pd.DataFrame:
        """Articles (representatives unless all=True), newest first, with their derived fields."""
        import pandas as pd

        wanted = columns or ARTICLE_COLUMNS
        unknown = set(wanted) - set(ARTICLE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}; choose from {ARTICLE_COLUMNS}")
        clauses, params = make_filters(**filters).where("a")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (f"SELECT {', '.join('a.' + c for c in wanted)} FROM articles a{where}"
               " ORDER BY a.published_at IS NULL, a.published_at DESC, a.id DESC"
               + (" LIMIT ?" if limit is not None else ""))
        return pd.read_sql_query(sql, self.conn, params=[*params, *([limit] if limit is not None else [])])

    def search(self, query: str, *, limit: int = 20, **filters: Any) -> pd.DataFrame:
        """Ranked full-text search (as `fanwen search`); attrs: total, capped, ranking."""
        import pandas as pd

        result = _search(self.conn, query, make_filters(**filters), limit)
        frame = pd.DataFrame(result.hits, columns=["id", "title", "site", "url", "published_at", "score", "snippet"])
        frame.attrs.update(total=result.total, capped=result.capped, ranking=result.ranking)
        return frame

    def kwic(self, query: str, *, width: int = 30, limit: int | None = 100, sort: str = "date", seed: int = 0,
             exact: bool = False, **filters: Any) -> pd.DataFrame:
        """Concordance lines (as `fanwen kwic`); attrs: hits and articles, exact totals of the whole query.

        For a query in more than 50,000 articles that pass the filters, unless exact=True, attrs hits/articles are None, attrs
        exact is False and attrs estimate holds the totals from a uniform sample with 95% intervals."""
        import pandas as pd

        result = _kwic(self.conn, query, make_filters(**filters), width, limit, sort, seed, exact=exact)
        frame = pd.DataFrame(result.lines, columns=["article_id", "url", "title", "published_at", "site", "genre",
                                                    "position", "left", "match", "right"])
        frame.attrs.update(query=query, hits=result.hits, articles=result.articles, sort=result.sort,
                           exact=result.exact, estimate=result.estimate.as_dict() if result.estimate else None)
        return frame

    def trend(self, query_or_list: str | list[str], *, by: str = "month", exact: bool = False,
              **filters: Any) -> pd.DataFrame:
        """Per period and query: articles, hits, chars, per_10k_chars (as `fanwen trend`); attrs: undated,
        estimated (queries in more than 50,000 articles that pass the filters, unless exact=True: their
        sample; their rows then have 95% intervals articles_ci95, hits_ci95, and estimated False for a
        period counted whole)."""
        import pandas as pd

        queries = [query_or_list] if isinstance(query_or_list, str) else list(query_or_list)
        result = _trend(self.conn, queries, by, make_filters(**filters), exact=exact)
        columns = ["period", "query", "articles", "hits", "chars", "corpus_articles", "per_10k_chars"]
        if result.estimated:
            columns += ["estimated", "articles_ci95", "hits_ci95"]
        frame = pd.DataFrame(result.rows, columns=columns)
        if result.estimated:
            frame["estimated"] = frame["estimated"].fillna(False).astype(bool)
        frame.attrs.update(by=by, undated=result.undated, estimated=result.estimated)
        return frame

    def collocates(self, word: str, *, window: int = 5, min_freq: int = 3, limit: int | None = 50,
                   sample_chars: int | None = None, **filters: Any) -> pd.DataFrame:
        """Collocates of `word` (as `fanwen collocates`): freq, left, right, corpus_freq, logDice, mi."""
        import pandas as pd

        from fanwen.archive.collocation import SAMPLE_CHARS, collocates

        result = collocates(self.conn, word, make_filters(**filters), window, min_freq, limit, sample_chars or SAMPLE_CHARS)
        frame = pd.DataFrame(result.rows, columns=["collocate", "freq", "left", "right", "corpus_freq", "logDice", "mi"])
        frame.attrs.update(hits=result.hits, sampled=result.reference.sampled)
        return frame

    def keywords(self, *, focus: str, reference: str | None = None, min_freq: int = 5, limit: int | None = 50,
                 all: bool = False) -> pd.DataFrame:
        """Keywords of the `focus` sub-corpus ("site=…,year=2023,genre=讲话") against `reference` (default: the rest)."""
        import pandas as pd

        from fanwen.archive.collocation import keywords, parse_subcorpus

        result = keywords(self.conn, parse_subcorpus(focus, all),
                          parse_subcorpus(reference, all) if reference else None, min_freq, limit)
        return pd.DataFrame(result.rows, columns=["word", "focus_freq", "reference_freq", "focus_per_10k",
                                                  "reference_per_10k", "ll"])

    def article(self, article_id: int) -> dict[str, Any] | None:
        """One article with its provenance: `urls`, `cluster` (representative or re-posts), `versions`."""
        from fanwen.archive.provenance import article_record

        return article_record(self.conn, article_id)
