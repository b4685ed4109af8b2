"""The archive's tables: creation, version check and the documented column meanings."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def _sqlite_utils_without_pandas():
    """sqlite_utils, imported without the pandas it tries at import time (0.3 CPU s, a tenth of a small
    re-extraction) only to type pandas values on insert: the archive inserts none through it."""
    if "pandas" in sys.modules or "sqlite_utils" in sys.modules:
        import sqlite_utils
    else:
        sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` raises ImportError
        try:
            import sqlite_utils
        finally:
            del sys.modules["pandas"]
    return sqlite_utils


sqlite_utils = _sqlite_utils_without_pandas()

from fanwen.archive.captures import CAPTURE_DDL, CAPTURE_TABLES
from fanwen.archive.fields import ensure_fields
from fanwen.archive.period_stats import DESCRIPTION as PERIOD_STATS_COLUMNS
from fanwen.archive.search import ensure_search_index
from fanwen.archive.state_schema import STATE_DDL, STATE_TABLES
from fanwen.archive.templates import TEMPLATE_DDL, TEMPLATE_TABLES

SCHEMA_VERSION = 1

# Column descriptions double as documentation: docs/schema.md is checked against them.
TABLES: dict[str, dict[str, str]] = {
    "articles": {
        "id": "integer primary key",
        "url": "canonical URL of the kept copy (the smallest of the document's URLs)",
        "site": "site name: the host without www./m./mip./wap., e.g. baihuafanwen.com",
        "title": "title with decorations such as 【优秀范文】 or (精选12篇) stripped",
        "body": "cleaned article text, paragraphs joined by a newline",
        "published_at": "YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD as shown on the page (local time), or NULL",
        "categories": "JSON array: the breadcrumb below the site root",
        "terms": "JSON array: the related terms (相关热词搜索 / tags) in page order",
        "source": "the 来源 field of the page, or NULL",
        "duplicate_of": "id of the representative article when this one is a near-duplicate, else NULL",
        "content_hash": "sha1 of the normalised body: the exact-duplicate key",
        "chars": "number of characters of the body",
        "pages": "number of pages stitched into the body",
        "partial": "1 when the page is truncated (pay wall, failed continuation page)",
        "first_seen": "UTC time the document was first archived",
        "last_seen": "UTC time the document was last fetched",
        "crawl_id": "crawl that first archived the document",
        "extractor_version": "version of the extractor that made the current text (crawler.extract.version), NULL before versions were kept",
        "genre": "genre named by the title (讲话, 发言, 主持词, 述职报告, 心得体会, 方案, 通知, ...; 其他): see docs/research.md",
        "occasion": "for speeches (讲话, 发言, 致辞, 主持词, ...), the event named by the title, e.g. 全市“双减”工作现场推进会; else NULL",
        "masks": "number of masked names (***, XX, ××, ○○, 某某) in title and body, which stay as they are",
    },
    "article_urls": {
        "url": "a canonical URL at which this exact document was found",
        "article_id": "the article (articles.id)",
        "title": "the title as shown at that URL, decorations included",
        "first_seen": "UTC time the URL was first archived",
        "crawl_id": "crawl that first found the URL",
    },
    "crawls": {
        "id": "integer primary key",
        "started_at": "UTC start time",
        "finished_at": "UTC end time, NULL while running or after a crash",
        "start_urls": "JSON array of start URLs",
        "settings": "JSON object: the settings given on the command line",
        "stats": "JSON object: Scrapy and fanwen stats at the end",
        "finish_reason": "Scrapy's finish reason (finished, shutdown, ...)",
        "quality": "JSON object: the crawl-quality figures per site (article pages, short bodies, failures,"
                   " duplicates, median length) the monitors computed at its end; NULL if not checked",
        "alarms": "JSON array: the quality alarms the crawl raised (exit status 4), NULL when every check passed",
    },
    "fetches": {
        "id": "integer primary key",
        "crawl_id": "the crawl (crawls.id)",
        "url": "requested URL",
        "status": "HTTP status, NULL when no response was received",
        "kind": "page kind: article, article_part, list, tag, home, other; redirect for a hop (3xx or meta refresh) whose target is in error; robots and sitemap for those files; error when it failed, skipped when not requested on purpose (robots.txt, trap, out of scope)",
        "error": "why the page failed or was skipped, NULL on success",
        "fetched_at": "UTC time",
        "bytes": "size of the response body",
        "article_id": "archived article for an article page",
    },
    "site_boilerplate": {
        "site": "site name",
        "template": "a line the site injects into its articles, with {title} for the page title and {n} for numbers",
        "pages": "article pages of the site seen when the template was learned or last confirmed",
        "learned_at": "UTC time it was learned",
    },
    "neardup_signatures": {
        "article_id": "the article (articles.id)",
        "signature": "MinHash signature of the body's comparison form: little-endian uint32 values (see docs/dedupe.md)",
        "shingles": "number of distinct character shingles of the comparison form",
    },
    "paragraph_hashes": {
        "article_id": "an article (articles.id)",
        "hash": "64-bit hash of one of its paragraphs' comparison form (paragraphs of at least 20 characters)",
    },
    "paragraph_stats": {
        "article_id": "a multi-essay (篇一 … 篇N) article (articles.id)",
        "essays": "number of essays (篇) on the page",
        "paragraphs": "paragraphs of at least 20 characters",
        "dup_paragraphs": "of those, paragraphs also found in another article",
        "chars": "characters in those paragraphs",
        "dup_share": "share of those characters in paragraphs also found in another article (0-1)",
        "dup_chars": "characters in paragraphs also found in another article (NULL until computed, in archives made before it)",
    },
    "stream_entries": {
        "entry_id": "id of a Redis stream entry (fanwen archiver) whose item is committed here and not yet acknowledged in Redis",
    },
    "meta": {
        "key": "setting name (schema_version, neardup_signature_version, neardup_threshold, ...)",
        "value": "its value",
    },
    "articles_fts": {
        "body": "search index of articles.body as CJK bigrams (contentless FTS5: rowid = articles.id, reads as NULL)",
        "title": "search index of articles.title as CJK bigrams (contentless FTS5: rowid = articles.id, reads as NULL)",
    },
    "articles_chars": {
        "chars": "the distinct ideographs of each article's text, then of its title each marked `t` (`党 全 t党`), for one-character searches"
                 " (contentless FTS5 without positions: rowid = articles.id, reads as NULL)",
    },
    "articles_unigrams": {
        "body": "articles.body as the search index's tokens with each ideograph alone, kept while the archive is small"
                " to rank one-character searches (contentless FTS5: rowid = articles.id, reads as NULL)",
        "title": "articles.title likewise (contentless FTS5: rowid = articles.id, reads as NULL)",
    },
}
TABLES.update(STATE_TABLES)  # frontier, URL state, versions, schedules (fanwen/archive/state_schema.py)
TABLES.update(TEMPLATE_TABLES)  # learned site templates (fanwen/archive/templates.py)
TABLES.update(CAPTURE_TABLES)  # where the raw exchanges lie in the WARC files (fanwen/archive/captures.py)
TABLES["period_stats"] = PERIOD_STATS_COLUMNS  # trend denominators kept by triggers (fanwen/archive/period_stats.py)


class NotAnArchive(Exception):
    """The file is not a fanwen archive, or has a schema this version cannot read."""


def connect(path: str | Path, search_index: bool = True) -> sqlite_utils.Database:
    """Open (and create if needed) an archive in WAL mode, ready for one writer and many readers.

    `search_index=False` leaves the search index as it is (a later open catches it up)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    # No sqlite-utils plugins: loading them scans every installed package's entry points (0.2 CPU s a process).
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        check_archive(db)  # before anything writes: a foreign file is left as it was
    except (NotAnArchive, sqlite3.DatabaseError):
        conn.close()
        raise
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    ensure_schema(db, search_index)
    return db


def check_archive(db: sqlite_utils.Database) -> None:
    """Refuse databases that belong to something else or to a newer fanwen."""
    names = set(db.table_names())
    if names and "meta" not in names:
        raise NotAnArchive("this database has tables but is not a fanwen archive")
    if "meta" in names:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise NotAnArchive(
                f"archive schema version {version} is newer than this fanwen ({SCHEMA_VERSION}); upgrade fanwen"
            )


# Columns added to existing tables since schema version 1 (nullable, so older fanwen can still write).
_ADDED_COLUMNS = [("paragraph_stats", "dup_chars", "INTEGER"), ("frontier", "request", "TEXT"),
                  ("crawls", "quality", "TEXT"), ("crawls", "alarms", "TEXT"),
                  ("articles", "extractor_version", "TEXT"),
                  ("articles", "genre", "TEXT"), ("articles", "occasion", "TEXT"), ("articles", "masks", "INTEGER")]


def _paragraph_rows_by_article(db: sqlite_utils.Database) -> None:
    """Archives made before 2026-11-29 keyed paragraph_hashes by hash (new rows landed all over the
    B-tree); rewrite it keyed by article, once. Same columns, so older fanwen still reads it."""
    key = [r[1] for r in sorted((r for r in db.execute("PRAGMA table_info(paragraph_hashes)").fetchall() if r[5]),
                                key=lambda r: r[5])]
    if key != ["hash", "article_id"]:
        return
    db.execute("BEGIN IMMEDIATE")  # one transaction: a crash leaves the old table as it was
    try:
        db.execute("ALTER TABLE paragraph_hashes RENAME TO paragraph_hashes_by_hash")
        db.execute("CREATE TABLE paragraph_hashes (article_id INTEGER NOT NULL REFERENCES articles(id),"
                   " hash INTEGER NOT NULL, PRIMARY KEY (article_id, hash)) WITHOUT ROWID")
        db.execute("INSERT INTO paragraph_hashes(article_id, hash) SELECT article_id, hash FROM paragraph_hashes_by_hash"
                   " ORDER BY article_id, hash")
        db.execute("DROP TABLE paragraph_hashes_by_hash")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def ensure_schema(db: sqlite_utils.Database, search_index: bool = True) -> None:
    """Create missing tables and columns and record the schema version."""
    _paragraph_rows_by_article(db)
    with db.conn:
        db.executescript(_DDL + STATE_DDL + TEMPLATE_DDL + CAPTURE_DDL)
        for table, column, kind in _ADDED_COLUMNS:
            if column not in {c.name for c in db[table].columns}:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
    ensure_fields(db)  # genre, occasion, masks of articles archived before them (or by older rules)
    if search_index:
        ensure_search_index(db)


_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    start_urls TEXT NOT NULL,
    settings TEXT,
    stats TEXT,
    finish_reason TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT UNIQUE NOT NULL,
    site TEXT NOT NULL,
    title TEXT,
    body TEXT NOT NULL,
    published_at TEXT,
    categories TEXT NOT NULL DEFAULT '[]',
    terms TEXT NOT NULL DEFAULT '[]',
    source TEXT,
    duplicate_of INTEGER REFERENCES articles(id),
    content_hash TEXT UNIQUE NOT NULL,
    chars INTEGER NOT NULL,
    pages INTEGER NOT NULL DEFAULT 1,
    partial INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    crawl_id INTEGER REFERENCES crawls(id)
);
CREATE INDEX IF NOT EXISTS articles_site ON articles(site);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at);
CREATE INDEX IF NOT EXISTS articles_duplicate_of ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS article_urls (
    url TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    title TEXT,
    first_seen TEXT NOT NULL,
    crawl_id INTEGER REFERENCES crawls(id)
);
CREATE INDEX IF NOT EXISTS article_urls_article ON article_urls(article_id);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    crawl_id INTEGER NOT NULL REFERENCES crawls(id),
    url TEXT NOT NULL,
    status INTEGER,
    kind TEXT NOT NULL,
    error TEXT,
    fetched_at TEXT NOT NULL,
    bytes INTEGER,
    article_id INTEGER
);
CREATE INDEX IF NOT EXISTS fetches_crawl ON fetches(crawl_id);
CREATE TABLE IF NOT EXISTS neardup_signatures (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    signature BLOB NOT NULL,
    shingles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraph_hashes (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    hash INTEGER NOT NULL,
    PRIMARY KEY (article_id, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_entries (
    entry_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paragraph_stats (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    essays INTEGER NOT NULL,
    paragraphs INTEGER NOT NULL,
    dup_paragraphs INTEGER NOT NULL,
    chars INTEGER NOT NULL,
    dup_share REAL NOT NULL,
    dup_chars INTEGER
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
CREATE TABLE IF NOT EXISTS site_boilerplate (
    site TEXT NOT NULL,
    template TEXT NOT NULL,
    pages INTEGER NOT NULL,
    learned_at TEXT NOT NULL,
    PRIMARY KEY (site, template)
);
"""
