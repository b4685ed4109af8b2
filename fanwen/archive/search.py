"""Chinese full-text search: the bigram FTS5 index, its upkeep, ranked queries and snippets.

`articles_fts` is contentless (the text lives once, in `articles`): rowid = articles.id, columns hold
`cjk.tokens(...)` of title and body. SQLite 3.40 deletes a contentless row only when given its original
tokens, which `cjk.tokens` recomputes from the stored article.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Mapping

from fanwen.archive import cjk, unigrams
from fanwen.archive.filters import Filters
from fanwen.archive.hooks import WriterHook

if TYPE_CHECKING:
    from fanwen.archive.writer import ArchiveWriter

INDEX_VERSION = "cjk-bigram-4"  # change it with cjk.tokens or DDL: archives then rebuild their index
# Versions whose bigram index is this one's, so that only articles_chars is rebuilt (its title characters
# were not marked apart in cjk-bigram-3).
CHARS_ONLY_FROM = ("cjk-bigram-3",)
# body before title: a position list of column 0 carries no column marker, and body lists are nearly
# all of the index (title first cost 2 bytes a body list: 2.5x the text instead of 1.86x).
# No prefix index (cjk-bigram-2 had `prefix='1'`: 0.69x of the text and 30% of the insert cost):
# a lone one-character query is answered by `articles_chars`, any other by prefix queries.
DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "body, title, content='', tokenize='unicode61 remove_diacritics 0')"
)
# Each article's distinct ideographs (cjk.ideographs), rowids only (detail=none): 0.08x of the text.
# Its _docsize table stays (no columnsize=0): without it a contentless table cannot be scanned (.dump).
CHARS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_chars USING fts5("
    "chars, content='', detail=none, tokenize='unicode61 remove_diacritics 0')"
)
# FTS5 writes its pending terms out as a segment when they pass `hashsize` (1 MB by default, ~150
# articles) and merges segments as they pile up; 64 MB segments make a rebuild's merges far fewer.
HASH_SIZE = 64 * 1024 * 1024
INSERT = "INSERT INTO articles_fts(rowid, body, title) VALUES (?, ?, ?)"
DELETE = "INSERT INTO articles_fts(articles_fts, rowid, body, title) VALUES ('delete', ?, ?, ?)"
CHARS_INSERT = "INSERT INTO articles_chars(rowid, chars) VALUES (?, ?)"
CHARS_DELETE = "INSERT INTO articles_chars(articles_chars, rowid, chars) VALUES ('delete', ?, ?)"
RANK_CAP = 20_000  # bm25 over every match costs ~1.3 us each: rank exactly up to this, newest first above
TITLE_WEIGHT = 5.0
BM25 = f"bm25(articles_fts, 1.0, {TITLE_WEIGHT})"  # body, title
# Archives not opened for writing since (read-only commands never rebuild) keep the old layout.
_BM25_OF_VERSION = {"cjk-bigram-1": f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0)"}  # title, body

Write = Callable[[str, list[Any]], Any]


def ensure_search_index(db: Any) -> None:
    """Create the index if missing (or built by another tokeniser) and fill it from the articles."""
    row = db.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if exists and row and row[0] in (INDEX_VERSION, *CHARS_ONLY_FROM):
        if row[0] != INDEX_VERSION:
            rebuild_chars(db)
        catch_up(db)
        unigrams.fit(db.conn if hasattr(db, "conn") else db, create_if_small=True)
        return
    rebuild_index(db)


def catch_up(db: Any) -> int:
    """Index articles newer than the index (a batch committed just before a crash, an older writer)."""
    rows = db.execute(
        "SELECT id, title, body FROM articles WHERE id > (SELECT coalesce(max(id), 0) FROM articles_fts_docsize)"
    ).fetchall()
    if rows:
        conn = db.conn if hasattr(db, "conn") else db
        conn.execute("BEGIN IMMEDIATE")
        index_articles(conn, rows)
        conn.execute("COMMIT")
    return len(rows)


@contextmanager
def _one_transaction(conn: Any) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: readers see the old index or the new one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def rebuild_index(db: Any, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
    """Index every article again; returns how many. One transaction: readers see the old or the new index."""
    conn = db.conn if hasattr(db, "conn") else db
    with _one_transaction(conn):
        conn.execute("DROP TABLE IF EXISTS articles_fts")
        conn.execute("DROP TABLE IF EXISTS articles_chars")
        conn.execute(f"DROP TABLE IF EXISTS {unigrams.TABLE}")
        create_index(conn)
        if conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM articles LIMIT {unigrams.SMALL + 1})").fetchone()[0] <= unigrams.SMALL:
            unigrams.create_empty(conn)
        count = 0
        rows = conn.execute("SELECT id, title, body FROM articles ORDER BY id")
        while chunk := rows.fetchmany(batch):
            index_articles(conn, chunk)
            count += len(chunk)
            if progress:
                progress(len(chunk))
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
        conn.execute("INSERT INTO articles_chars(articles_chars) VALUES ('optimize')")
        if unigrams.present(conn):
            conn.execute(f"INSERT INTO {unigrams.TABLE}({unigrams.TABLE}) VALUES ('optimize')")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('search_index', ?)", [INDEX_VERSION])
    return count


def rebuild_chars(db: Any, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
    """Rebuild the one-character index alone (the bigram index is kept), in one transaction."""
    conn = db.conn if hasattr(db, "conn") else db
    with _one_transaction(conn):
        conn.execute("DROP TABLE IF EXISTS articles_chars")
        conn.execute(CHARS_DDL)
        conn.execute("INSERT INTO articles_chars(articles_chars, rank) VALUES ('hashsize', ?)", [HASH_SIZE])
        # Only the articles the bigram index holds: catch_up indexes the newer ones in both tables.
        rows = conn.execute("SELECT id, title, body FROM articles"
                            " WHERE id <= (SELECT coalesce(max(id), 0) FROM articles_fts_docsize) ORDER BY id")
        count = 0
        while chunk := rows.fetchmany(batch):
            conn.executemany(CHARS_INSERT, [(i, cjk.ideographs(t, b)) for i, t, b in chunk])
            count += len(chunk)
            if progress:
                progress(len(chunk))
        conn.execute("INSERT INTO articles_chars(articles_chars) VALUES ('optimize')")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('search_index', ?)", [INDEX_VERSION])
    return count


def create_index(conn: Any) -> None:
    """Create the (empty) index tables with their settings."""
    conn.execute(DDL)
    conn.execute(CHARS_DDL)
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', ?)", [HASH_SIZE])
    conn.execute("INSERT INTO articles_chars(articles_chars, rank) VALUES ('hashsize', ?)", [HASH_SIZE])


def index_article(write: Write, article_id: int, title: str | None, body: str) -> None:
    """Add a new article to the index (inside the writer's transaction)."""
    write(INSERT, [article_id, cjk.tokens(body), cjk.tokens(title)])
    write(CHARS_INSERT, [article_id, cjk.ideographs(title, body)])


def unindex_article(write: Write, article_id: int, title: str | None, body: str) -> None:
    """Remove an article from the index, given the title and text it was indexed with."""
    write(DELETE, [article_id, cjk.tokens(body), cjk.tokens(title)])
    write(CHARS_DELETE, [article_id, cjk.ideographs(title, body)])


def index_articles(conn: Any, rows: Iterable[tuple[int, str | None, str]],
                   run_many: Callable[[str, list[Any]], Any] | None = None) -> None:
    """Add many new articles (id, title, body) with one statement a table, inside the caller's transaction
    (`run_many(sql, rows)`, by default `conn.executemany`).

    The writer calls this just before each commit: FTS5 writes its pending terms to disk whenever a
    statement savepoint opens (any INSERT OR REPLACE/IGNORE does), so rows indexed one by one between
    other writes cost a new index segment each; a batch of them costs one."""
    rows = list(rows)
    run_many = run_many or conn.executemany
    # The rows are made as the statement reads them: a batch's token strings (~18 KB an article, 36 MB
    # for 2,000) are never all held at once. The unigram rows are kept (two thirds the size): made from
    # the bigram rows, each text is tokenised once.
    unigram_rows: list[tuple[int, str, str]] | None = [] if unigrams.present(conn) else None

    def bigram_rows() -> Iterator[tuple[int, str, str]]:
        for i, t, b in rows:
            body, title = cjk.tokens(b), cjk.tokens(t)
            if unigram_rows is not None:
                unigram_rows.append((i, unigrams.from_bigrams(body), unigrams.from_bigrams(title)))
            yield i, body, title

    run_many(INSERT, bigram_rows())
    run_many(CHARS_INSERT, ((i, cjk.ideographs(t, b)) for i, t, b in rows))
    if unigram_rows:
        run_many(unigrams.INSERT, unigram_rows)


def retitle_article(db: Any, write: Write, article_id: int, new_title: str | None) -> None:
    """Re-index an article whose kept title is about to change (call before the UPDATE)."""
    old_title, body = db.execute("SELECT title, body FROM articles WHERE id = ?", [article_id]).fetchone()
    unindex_article(write, article_id, old_title, body)
    index_article(write, article_id, new_title, body)
    if unigrams.present(db):
        unigrams.unindex_one(write, article_id, old_title, body)
        unigrams.index_one(write, article_id, new_title, body)


def reindex_article(db: Any, write: Write, article_id: int, title: str | None, body: str) -> None:
    """Re-index an article whose title and text are about to be replaced (call before the UPDATE)."""
    old_title, old_body = db.execute("SELECT title, body FROM articles WHERE id = ?", [article_id]).fetchone()
    unindex_article(write, article_id, old_title, old_body)
    index_article(write, article_id, title, body)
    if unigrams.present(db):
        unigrams.unindex_one(write, article_id, old_title, old_body)
        unigrams.index_one(write, article_id, title, body)


class SearchIndexer(WriterHook):
    """The writer's hook that keeps `articles_fts` in step: new articles are indexed with one statement
    just before a batch commits, once `index_every` of them are waiting (and when the writer closes);
    a changed title or text is re-indexed at once (a contentless row is deleted with its old tokens, so
    before the row changes). `writer.flush()` (and closing) indexes every waiting article. Its rows do
    not count in a batch (except those written by a flush).

    Each indexing statement leaves one FTS5 segment that later merges rewrite: few big segments cost
    far less than one per crawl batch. Until then search does not see the waiting articles; if the
    writer dies first, the next one to open the archive indexes them (`catch_up`)."""

    def __init__(self, index_every: int = 2000, max_wait: float = 30.0) -> None:
        self.writer: ArchiveWriter | None = None
        self.index_every = index_every
        self.max_wait = max_wait  # seconds: a slow crawl's articles still become searchable soon
        self._unindexed: dict[int, tuple[str | None, str]] = {}  # new articles not yet indexed: id -> (title, body)
        self._waiting_since = 0.0

    def opened(self, writer: ArchiveWriter) -> None:
        self.writer = writer  # the index itself is created and caught up by archive.schema.connect

    def article_added(self, article_id: int, article: Mapping[str, Any]) -> None:
        if not self._unindexed:
            self._waiting_since = time.monotonic()
        self._unindexed[article_id] = (article["title"], article["body"])

    def text_changing(self, article_id: int, article: Mapping[str, Any], previous_body: str) -> None:
        if article_id in self._unindexed:
            self._unindexed[article_id] = (article["title"], article["body"])
        else:
            db = self.writer.db
            reindex_article(db, db.execute, article_id, article["title"], article["body"])

    def title_changing(self, article_id: int, title: str | None) -> None:
        if article_id in self._unindexed:
            self._unindexed[article_id] = (title, self._unindexed[article_id][1])
        else:
            db = self.writer.db
            retitle_article(db, db.execute, article_id, title)

    def article_removing(self, article_id: int, body: str) -> None:
        if self._unindexed.pop(article_id, None) is not None:
            return  # added in this batch: never indexed
        db = self.writer.db
        title, body = db.execute("SELECT title, body FROM articles WHERE id = ?", [article_id]).fetchone()
        unindex_article(db.execute, article_id, title, body)
        if unigrams.present(db):
            unigrams.unindex_one(db.execute, article_id, title, body)

    def before_commit(self) -> None:
        if self._unindexed and (len(self._unindexed) >= self.index_every
                                or time.monotonic() - self._waiting_since >= self.max_wait):
            self.index_waiting()

    def flushing(self) -> None:
        if self._unindexed:  # through the writer: it opens a batch if none is open
            index_articles(self.writer.db.conn, ((i, t, b) for i, (t, b) in self._unindexed.items()),
                           self.writer.write_many)
            self._unindexed.clear()
            unigrams.fit(self.writer.db.conn)

    def index_waiting(self) -> None:
        """Index the articles still waiting (inside the writer's open batch)."""
        if self._unindexed:
            index_articles(self.writer.db.conn, ((i, t, b) for i, (t, b) in self._unindexed.items()))
            self._unindexed.clear()
            unigrams.fit(self.writer.db.conn)


@dataclass
class SearchResult:
    match: str
    total: int  # exact up to RANK_CAP; `capped` says when there are more
    capped: bool
    ranking: str  # "bm25" or "newest"
    hits: list[dict[str, Any]] = field(default_factory=list)


def has_index(conn: Any) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone() is not None


def search(conn: Any, query: str, filters: Filters = Filters(), limit: int = 20,
           marks: tuple[str, str] = ("<mark>", "</mark>"), cap: int = RANK_CAP) -> SearchResult:
    """Articles matching `query`, best first by bm25 (newest first when more than `cap` match)."""
    parsed = cjk.parse(query)
    try:
        return _search(conn, parsed, filters, limit, marks, cap)
    except sqlite3.OperationalError as exc:
        if "fts5" not in str(exc):
            raise
        raise cjk.BadQuery(f"the search index cannot run this expression ({exc}); write it shorter or flatter") from exc


# "Not a near-duplicate" from the index on duplicate_of alone: its entries (NULL, id) are the
# representatives, so this is one index seek per match; reading `articles.duplicate_of` instead walks
# each matching row's body overflow pages (20x slower for thousands of matches).
def representative(table: str = "articles_fts") -> str:
    """SQL condition: the row of `table` (rowid = articles.id) is not a near-duplicate."""
    return ("EXISTS (SELECT 1 FROM articles d INDEXED BY articles_duplicate_of"
            f" WHERE d.duplicate_of IS NULL AND d.id = {table}.rowid)")


REPRESENTATIVE = representative()


def lone_ideograph(parsed: cjk.Parsed) -> str | None:
    """The character of a query that is one ideograph alone (`党`), which `articles_chars` answers."""
    match = parsed.match
    if len(match) == 4 and match[0] == '"' and match[2:] == '"*' and cjk.is_ideograph(match[1]):
        return match[1]
    return None


def index_version(conn: Any) -> str:
    """The layout of the archive's search index ('' when it has none)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()
    return row[0] if row else ""


def _indexed_char(conn: Any, parsed: cjk.Parsed) -> tuple[str | None, str]:
    """(the lone ideograph of `parsed` when articles_chars can answer it, else None; the index version)."""
    version = index_version(conn)
    return (lone_ideograph(parsed) if version == INDEX_VERSION or version in CHARS_ONLY_FROM else None), version


def any_match(conn: Any, parsed: cjk.Parsed) -> tuple[str, str]:
    """(index table, MATCH) of the articles whose title or text matches `parsed` (what search finds)."""
    char, version = _indexed_char(conn, parsed)
    if char:
        return "articles_chars", any_char_match(char, version)
    return "articles_fts", parsed.match


def any_char_match(char: str, version: str) -> str:
    """MATCH of the one-character index (layout `version`) for the articles whose title or text holds `char`."""
    # cjk-bigram-3 (read, not yet upgraded by a writer) holds title and text characters alike.
    return cjk.any_char_match(char) if version == INDEX_VERSION else f'"{char}"'


def body_match(conn: Any, parsed: cjk.Parsed) -> tuple[str, str]:
    """(index table, MATCH) of the articles whose text (titles left out) matches `parsed`.

    A lone ideograph is asked of articles_chars: the bigram index's prefix query `"党"*` gathers the
    rows of every bigram that starts with it (minutes at 1M articles, with no prefix index)."""
    char, _ = _indexed_char(conn, parsed)
    if char:
        # cjk-bigram-3 (read, not yet upgraded) cannot tell titles apart: its matches are a superset of
        # the bodies', and every count reads the bodies, so the figures stay exact.
        return "articles_chars", cjk.body_char_match(char)
    return "articles_fts", f"body : ({parsed.match})"


def _matching(table: str, filters: Filters) -> tuple[str, str, list[Any]]:
    """FROM and WHERE (MATCH first) of the rows of index `table` that pass `filters`, and their parameters."""
    if replace(filters, include_duplicates=False) == Filters():  # the usual case: the index alone
        return table, f"{table} MATCH ?" + ("" if filters.include_duplicates else f" AND {representative(table)}"), []
    clauses, params = filters.where("a")
    return f"{table} JOIN articles a ON a.id = {table}.rowid", " AND ".join([f"{table} MATCH ?", *clauses]), params


def _count(conn: Any, source: str, where: str, params: list[Any], cap: int) -> int:
    """Rows of `source` that pass `where`, counted up to cap + 1."""
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where} LIMIT ?)", [*params, cap + 1]).fetchone()[0]


def _ranked(conn: Any, table: str, bm25: str, source: str, where: str, params: list[Any],
            limit: int) -> tuple[list[tuple[int, float]], int]:
    """The best `limit` rows of index `table` by `bm25` (ties newest first) and how many pass `where`.

    One pass: the scored rows are materialised once, then counted and sorted (top `limit`); a count of
    its own would walk the phrase's doclists (and seek each match's near-duplicate entry) again."""
    rows = conn.execute(
        f"WITH m AS MATERIALIZED (SELECT {table}.rowid AS id, {bm25} AS score FROM {source} WHERE {where})"
        " SELECT id, score, (SELECT count(*) FROM m) FROM m ORDER BY score, id DESC LIMIT ?",
        [*params, max(limit, 1)]).fetchall()
    return [(i, score) for i, score, _ in rows[:limit]], rows[0][2] if rows else 0


def _search(conn: Any, parsed: cjk.Parsed, filters: Filters, limit: int, marks: tuple[str, str], cap: int) -> SearchResult:
    version = index_version(conn)
    # A lone character is counted and listed newest first from articles_chars (rowids only); a prefix
    # query of the bigram index would first gather the rows of every bigram that starts with it.
    table, match = any_match(conn, parsed)
    source, where, params = _matching(table, filters)
    # Whether more than `cap` articles match is decided on every match, near-duplicates too: leaving
    # them out costs an index seek a match (10 ms for 20,000), twice the count itself.
    if filters.include_duplicates:
        raw = _count(conn, source, where, [match, *params], cap)
    else:
        raw_source, raw_where, raw_params = _matching(table, replace(filters, include_duplicates=True))
        raw = _count(conn, raw_source, raw_where, [match, *raw_params], cap)
    if raw > cap:  # bm25 would first count every row of the index that has each phrase (its IDF): skip it
        total = raw
        ranked = conn.execute(f"SELECT {table}.rowid, NULL FROM {source} WHERE {where} ORDER BY {table}.rowid DESC LIMIT ?",
                              [match, *params, limit]).fetchall()
    else:
        table, match, bm25 = "articles_fts", parsed.match, _BM25_OF_VERSION.get(version, BM25)
        lone = lone_ideograph(parsed)
        if lone and unigrams.usable(conn):  # a small archive: not the prefix query (unigrams.py says why)
            table, match, bm25 = unigrams.TABLE, f'"{lone}"', f"bm25({unigrams.TABLE}, 1.0, {TITLE_WEIGHT})"
        source, where, params = _matching(table, filters)
        ranked, total = _ranked(conn, table, bm25, source, where, [match, *params], limit)
    capped = total > cap
    articles = {row[0]: row[1:] for row in conn.execute(
        f"SELECT id, title, site, url, published_at, body FROM articles WHERE id IN ({', '.join('?' * len(ranked))})",
        [i for i, _ in ranked])}
    hits = []
    for article_id, score in ranked:
        title, site, url, published_at, body = articles[article_id]
        hits.append({"id": article_id, "title": title, "site": site, "url": url, "published_at": published_at,
                     "score": None if score is None else round(-score, 4), "snippet": snippet(body, parsed.needles, marks)})
    return SearchResult(parsed.match, min(total, cap), capped, "newest" if capped else "bm25", hits)


def snippet(body: str, needles: Iterable[str], marks: tuple[str, str] = ("<mark>", "</mark>"),
            before: int = 30, width: int = 110) -> str:
    """The original text around the first match, every match in it marked; the start of the body if none."""
    pattern = _needle_pattern(needles)
    found = pattern.search(body) if pattern else None
    start = max(0, found.start() - before) if found else 0
    text = body[start:start + width]
    if pattern:
        text = pattern.sub(lambda m: f"{marks[0]}{m.group(0)}{marks[1]}", text)
    text = re.sub(r"\s+", " ", text).strip()
    return ("…" if start else "") + text + ("…" if start + width < len(body) else "")


def _needle_pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    # A quoted phrase may span punctuation the text writes differently: fall back to its runs.
    parts = sorted({p for n in needles for p in [n, *re.split(r"[\W_]+", n)] if p}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, parts)), re.IGNORECASE) if parts else None


def sql_match(query: str) -> str:
    """`fanwen_match(q)` for SQL users (Datasette): the FTS5 MATCH string of a search expression."""
    return cjk.parse(query).match


def sql_snippet(body: str | None, query: str) -> str | None:
    """`fanwen_snippet(body, q)`: the highlighted original text around the first match."""
    if body is None:
        return None
    try:
        return snippet(body, cjk.parse(query).needles)
    except cjk.BadQuery:
        return snippet(body, [])


def register_functions(conn: Any) -> None:
    """Make fanwen_match() and fanwen_snippet() available to SQL on this connection."""
    conn.create_function("fanwen_match", 1, sql_match, deterministic=True)
    conn.create_function("fanwen_snippet", 2, sql_snippet, deterministic=True)
