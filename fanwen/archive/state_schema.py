"""Tables of scheduled, incremental and resumable crawls: frontier, URL state, versions, schedules."""

from __future__ import annotations

# Column descriptions double as documentation: docs/schema.md is checked against them.
STATE_TABLES: dict[str, dict[str, str]] = {
    "frontier": {
        "crawl_id": "the crawl (crawls.id) the URL belongs to",
        "url": "a URL the crawl decided to request (canonical form)",
        "priority": "Scrapy request priority",
        "state": "pending until the page's result (fetch row, or article row for page 1) is written, then done",
        "request": "JSON of what a resumed crawl must ask again besides the URL: conditional headers"
                   " (If-None-Match, If-Modified-Since) and fanwen flags such as fanwen_refetch; NULL when none",
    },
    "trap_shapes": {
        "shape": "a URL shape (crawler.urls.url_shape) whose pages stopped revealing new articles",
        "crawl_id": "the crawl that found it exhausted; later crawls start with it exhausted",
        "found_at": "UTC time it was found exhausted",
    },
    "url_state": {
        "url": "an article page URL (page 1)",
        "content_hash": "content_hash of the text last archived from it",
        "etag": "ETag of the last full response, or NULL",
        "last_modified": "Last-Modified of the last full response, or NULL",
        "last_visit": "UTC time of the last visit (full response or 304)",
        "last_changed": "UTC time its text was last seen to change (first archived, or a new version)",
        "interval": "seconds between visits, adapted to how often the page changes",
        "next_visit": "UTC time from which a recrawl requests the page again",
        "visits": "visits so far",
        "changes": "times its text was found changed",
    },
    "article_versions": {
        "url": "the URL whose text changed",
        "version": "1 for the first text seen at the URL, then 2, 3, ...; the current text (articles) is the next number",
        "article_id": "the article (articles.id) that held this text at the URL",
        "content_hash": "content_hash of this earlier text",
        "title": "title of this earlier text",
        "body": "this earlier text",
        "published_at": "published_at shown with this text",
        "seen_from": "UTC time this text was first archived at the URL",
        "seen_until": "UTC time a different text was found at the URL",
        "crawl_id": "crawl that found the different text",
    },
    "schedules": {
        "name": "schedule name (fanwen schedule add NAME)",
        "start_urls": "JSON array of start URLs",
        "every": "interval in seconds, or NULL for a cron schedule",
        "cron": "cron expression (5 fields, UTC), or NULL for an interval schedule",
        "settings": "JSON object: -s settings for the crawl",
        "created_at": "UTC time the schedule was added",
        "next_run": "UTC time the next run is due",
    },
    "schedule_runs": {
        "id": "integer primary key",
        "schedule": "schedule name (schedules.name)",
        "started_at": "UTC start time",
        "finished_at": "UTC end time, NULL while running or if the scheduler was killed",
        "exit_status": "exit status of the crawl process (0 done; the others as in [cli.md](cli.md): 3 nothing fetched,"
                       " 4 quality alarm, 74 archive unwritable, 75 archive busy; negative: killed by that signal)",
        "crawl_id": "the crawl it ran (crawls.id), when it got that far",
        "stats": "JSON object: the crawl summary (pages, errors, articles, requests)",
    },
}

STATE_DDL = """
CREATE TABLE IF NOT EXISTS frontier (
    crawl_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    request TEXT,
    PRIMARY KEY (crawl_id, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trap_shapes (
    shape TEXT PRIMARY KEY,
    crawl_id INTEGER,
    found_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS url_state (
    url TEXT PRIMARY KEY,
    content_hash TEXT,
    etag TEXT,
    last_modified TEXT,
    last_visit TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    interval REAL NOT NULL,
    next_visit TEXT NOT NULL,
    visits INTEGER NOT NULL DEFAULT 1,
    changes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS article_versions (
    url TEXT NOT NULL,
    version INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT,
    body TEXT NOT NULL,
    published_at TEXT,
    seen_from TEXT NOT NULL,
    seen_until TEXT NOT NULL,
    crawl_id INTEGER,
    PRIMARY KEY (url, version)
);
CREATE TABLE IF NOT EXISTS schedules (
    name TEXT PRIMARY KEY,
    start_urls TEXT NOT NULL,
    every REAL,
    cron TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    next_run TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_runs (
    id INTEGER PRIMARY KEY,
    schedule TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    exit_status INTEGER,
    crawl_id INTEGER,
    stats TEXT
);
"""
