"""A unigram index kept beside the bigram index while an archive is small: it ranks lone characters.

bm25 of a lone character needs the character's hits in every matching row, which the bigram index
gives only through the prefix query `"党"*`: FTS5 merges the doclists of every bigram that starts
with the character, twice (bm25's IDF pass, then the rows). In an archive of at most RANK_CAP
articles every character is ranked, the commonest too: 100 lone characters cut from the text took
128-150 ms (p95 CPU) at 10,000 articles that way, 29-33 ms from this table (docs/search.md).

`articles_unigrams` holds each ideograph alone where the bigram index holds the bigram it starts,
and every other token as the bigram index has it: the same rows, the same number of tokens in each
column (document sizes), and `"党"` here has the hits of `"党"*` there, so its bm25 is the bigram
index's, bit for bit (tests compare them). It costs ~0.6x the bigram index and ~35% more indexing
work, and the gain fades as the archive grows (the characters still ranked are rarer: 20-25% at
25,000 articles, none measurable at 50,000), so it exists only while the archive holds at most
SMALL articles: the writer drops it once the archive grows past that, and search then ranks lone
characters with the prefix query again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fanwen.archive import cjk

TABLE = "articles_unigrams"
SMALL = 20_000  # articles (RANK_CAP: every character is ranked below it); above, the table is dropped
DDL = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
       "body, title, content='', tokenize='unicode61 remove_diacritics 0')")
INSERT = f"INSERT INTO {TABLE}(rowid, body, title) VALUES (?, ?, ?)"
DELETE = f"INSERT INTO {TABLE}({TABLE}, rowid, body, title) VALUES ('delete', ?, ?, ?)"
HASH_SIZE = 64 * 1024 * 1024  # as the bigram index's: few segments to merge

Write = Callable[[str, list[Any]], Any]


def tokens(text: str | None) -> str:
    """The unigram form of `cjk.tokens(text)`: a bigram that starts with an ideograph becomes that
    ideograph; every other token is kept, so unicode61 reads as many tokens at the same positions.

    Every CJK token of `cjk.tokens` has a space on each side, and only CJK tokens hold ideographs: the
    second character of " XY " (X an ideograph) is dropped, vectorised (0.1 ms for 2,300 characters)."""
    return from_bigrams(cjk.tokens(text))


def from_bigrams(bigrams: str) -> str:
    """`tokens` of a text given as its `cjk.tokens` (the bigram index's row, worked out once for both)."""
    if len(bigrams) < 4:
        return bigrams
    import numpy as np  # late: the CLI's start-up does not pay for it

    code = np.frombuffer(bigrams.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ideograph = np.zeros(len(code), dtype=bool)
    for low, high in cjk.IDEOGRAPHS:
        ideograph |= (code >= low) & (code <= high)
    space = code == 32
    keep = np.ones(len(code), dtype=bool)
    keep[2:-1] = ~(ideograph[1:-2] & space[:-3] & ~space[2:-1] & space[3:])
    return code[keep].tobytes().decode("utf-32-le", "surrogatepass")


def present(conn: Any) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [TABLE]).fetchone() is not None


def _newest(conn: Any, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}_docsize").fetchone()[0]


def usable(conn: Any) -> bool:
    """Whether search may rank from the table: it exists and holds the bigram index's newest article
    (a writer of an earlier fanwen, which does not know the table, would have left it behind)."""
    return present(conn) and _newest(conn, TABLE) == _newest(conn, "articles_fts")


def create_empty(conn: Any) -> None:
    conn.execute(DDL)
    conn.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('hashsize', ?)", [HASH_SIZE])


def create(conn: Any) -> int:
    """Create the table and index every article the bigram index holds (inside the caller's transaction)."""
    create_empty(conn)
    rows = conn.execute("SELECT id, title, body FROM articles"
                        " WHERE id IN (SELECT id FROM articles_fts_docsize) ORDER BY id").fetchall()
    index_rows(conn.executemany, rows)
    conn.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
    return len(rows)


def index_rows(run_many: Callable[[str, list[Any]], Any], rows: Iterable[tuple[int, str | None, str]]) -> None:
    """Add new articles (id, title, body) with one statement."""
    run_many(INSERT, [(i, tokens(b), tokens(t)) for i, t, b in rows])


def index_one(write: Write, article_id: int, title: str | None, body: str) -> None:
    write(INSERT, [article_id, tokens(body), tokens(title)])


def unindex_one(write: Write, article_id: int, title: str | None, body: str) -> None:
    """Remove an article, given the title and text it was indexed with (the table is contentless)."""
    write(DELETE, [article_id, tokens(body), tokens(title)])


def _rows(conn: Any, table: str) -> int:
    """Rows of FTS5 `table` (its _docsize), counted up to SMALL + 1."""
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table}_docsize LIMIT {SMALL + 1})").fetchone()[0]


def fit(conn: Any, create_if_small: bool = False) -> None:
    """Drop the table once the archive holds more than SMALL articles; with `create_if_small` (a writer
    opening the archive), create it in a small archive indexed without it, and build it again if it does
    not hold the bigram index's rows. Inside the caller's transaction, or its own if none is open."""
    exists = present(conn)
    if exists and create_if_small and (_rows(conn, TABLE), _newest(conn, TABLE)) != (
            _rows(conn, "articles_fts"), _newest(conn, "articles_fts")):
        # Left behind by a writer that did not know it: built again (or, in a big archive, dropped).
        _in_transaction(conn, lambda: conn.execute(f"DROP TABLE {TABLE}"))
        exists = False
    if not (_rows(conn, TABLE) > SMALL if exists else create_if_small and _rows(conn, "articles_fts") <= SMALL):
        return
    _in_transaction(conn, lambda: conn.execute(f"DROP TABLE {TABLE}") if exists else create(conn))


def _in_transaction(conn: Any, change: Callable[[], Any]) -> None:
    """Run `change` inside the caller's transaction, or in one of its own if none is open."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        change()
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
