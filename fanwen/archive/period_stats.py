"""Per-month corpus sizes (articles, body characters) by site, genre and near-duplicate flag, kept
exact by triggers on `articles`: the denominators of a trend without reading one index entry per
article (a month-by-month trend at 1M articles reads a few thousand rows instead of a million).

Triggers keep it whoever writes (the writer, the near-duplicate pass, an upgrade, plain SQL); the
table is created and filled in one transaction when an archive is opened for writing."""

from __future__ import annotations

from typing import Any

MONTH = ("CASE WHEN {r}.published_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]*'"
         " THEN substr({r}.published_at, 1, 7) ELSE '' END")
KEY = "{month}, coalesce({r}.site, ''), coalesce({r}.genre, ''), {r}.duplicate_of IS NOT NULL"


def _key(r: str) -> str:
    return KEY.format(month=MONTH.format(r=r), r=r)


def _add(r: str) -> str:
    return (f"INSERT INTO period_stats(month, site, genre, duplicate, articles, chars)"
            f" VALUES ({_key(r)}, 1, coalesce({r}.chars, 0))"
            " ON CONFLICT DO UPDATE SET articles = articles + 1, chars = chars + excluded.chars;")


def _remove(r: str) -> str:
    return (f"UPDATE period_stats SET articles = articles - 1, chars = chars - coalesce({r}.chars, 0)"
            f" WHERE (month, site, genre, duplicate) = ({_key(r)});")


STATEMENTS = (
    "CREATE TABLE period_stats (month TEXT NOT NULL, site TEXT NOT NULL, genre TEXT NOT NULL,"
    " duplicate INTEGER NOT NULL, articles INTEGER NOT NULL, chars INTEGER NOT NULL,"
    " PRIMARY KEY (month, site, genre, duplicate)) WITHOUT ROWID",
    f"CREATE TRIGGER period_stats_insert AFTER INSERT ON articles BEGIN {_add('new')} END",
    f"CREATE TRIGGER period_stats_delete AFTER DELETE ON articles BEGIN {_remove('old')} END",
    "CREATE TRIGGER period_stats_update AFTER UPDATE OF published_at, site, genre, duplicate_of, chars ON articles"
    f" BEGIN {_remove('old')} {_add('new')} END",
)
FILL = ("INSERT INTO period_stats(month, site, genre, duplicate, articles, chars)"
        f" SELECT {_key('a')}, count(*), coalesce(sum(a.chars), 0) FROM articles a GROUP BY 1, 2, 3, 4")
DESCRIPTION = {
    "month": "YYYY-MM of published_at ('' for undated articles)",
    "site": "site of the articles",
    "genre": "genre of the articles ('' before it is derived)",
    "duplicate": "1 for near-duplicates (duplicate_of set)",
    "articles": "articles of that month, site, genre and duplicate flag",
    "chars": "their body characters",
}


def has_period_stats(conn: Any) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'period_stats_update'").fetchone() is not None


def ensure_period_stats(conn: Any) -> bool:
    """Create and fill the table and its triggers if missing (outside any open transaction); True if made."""
    if has_period_stats(conn):
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not has_period_stats(conn):  # another writer may have made it meanwhile
            for statement in STATEMENTS:
                conn.execute(statement)
            conn.execute(FILL)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return True
