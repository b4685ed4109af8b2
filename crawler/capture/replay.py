"""Replay a capture folder through the crawl's own spider and pipelines, with no network.

`ReplayDownloadHandler` answers every http(s) request from the captures index (the latest capture of
the URL; a revisit is answered with its original's payload). `ReplaySeeds` asks for every captured
HTML page after the start URLs and drops links to pages that were never captured. Everything between
(decompression, encoding, page kinds, continuation pages, cleaning, dedupe, store, durable frontier)
is the crawl's, so a re-extraction archives what a crawl with the current extractor would have.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from fanwen.archive.captures import (CaptureRow, capture_by_digest, captured_pages, last_response, is_captured, record_location, replay_capture,
                              replay_captures_with_params)
from crawler.capture.names import capture_dir
from crawler.capture.records import CaptureMissing, read_member
from crawler.discover import first_page_url
from crawler.urls import canonicalize
from crawler.capture.importer import wanted_host

logger = logging.getLogger(__name__)


def open_source(crawler) -> tuple[sqlite3.Connection, Path]:
    """The archive whose captures are replayed (FANWEN_REPLAY_SOURCE, else the archive itself), read-only."""
    settings = crawler.settings
    source = settings.get("FANWEN_REPLAY_SOURCE") or settings.get("ARCHIVE_DB")
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    return conn, capture_dir(source, settings.get("FANWEN_REPLAY_WARC_DIR"))


class ReplayDownloadHandler:
    """A download handler that reads responses from the WARC files instead of the network."""

    lazy = False

    def __init__(self, conn: sqlite3.Connection, folder: Path, stats: Any):
        self.conn = conn
        self.folder = folder
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> ReplayDownloadHandler:
        conn, folder = open_source(crawler)
        return cls(conn, folder, crawler.stats)

    async def download_request(self, request: Request) -> Response:
        row = replay_capture(self.conn, request.url) or self._same_page(request.url)
        if row is None:
            raise IgnoreRequest(f"not_captured: {request.url} has no capture")
        try:
            stored = self._payload(row)
        except CaptureMissing as exc:
            self.stats.inc_value("fanwen/replay/missing")
            logger.warning("capture of %s unreadable: %s", request.url, exc)
            item = request.meta.get("article")
            if item is not None:  # a part is missing: the article stays as archived, not cut short
                item.rejected = f"missing_capture: continuation page {request.url}"
            raise IgnoreRequest(f"missing_capture: {exc}") from exc
        status, headers, body = stored
        header_map = Headers()
        for name, value in headers:
            header_map.appendlist(name, value)
        cls = responsetypes.from_args(headers=header_map, url=request.url, body=body)
        self.stats.inc_value("fanwen/replay/responses")
        return cls(url=request.url, status=status, headers=header_map, body=body, request=request, protocol="HTTP/1.1")

    def _same_page(self, url: str) -> CaptureRow | None:
        """A capture of the same page under a session-id form of its URL (what a crawl folds away)."""
        for row in replay_captures_with_params(self.conn, url):
            if canonicalize(row.url) == url:
                return row
        return None

    def _payload(self, row: CaptureRow) -> tuple[int, list[tuple[str, str]], bytes]:
        stored = read_member(self.folder, row.file, row.offset, row.length)
        if stored.record_type != "revisit":
            return stored.status, stored.headers, stored.body
        original = record_location(self.conn, row.refers_to) if row.refers_to else None
        if original is None and row.payload_digest:  # Heritrix names no record id: the same payload will do
            known = capture_by_digest(self.conn, row.payload_digest)
            original = record_location(self.conn, known[2]) if known else None
        if original is None:
            earlier = last_response(self.conn, row.url)
            if earlier is None:
                raise CaptureMissing(f"revisit of {row.url}: its original {row.refers_to} is in none of the files read")
            return self._payload(earlier)
        payload = read_member(self.folder, *original)
        return stored.status, stored.headers, payload.body  # this visit's headers, the payload sent before

    async def close(self) -> None:
        self.conn.close()


class ReplaySeeds:
    """Spider middleware of a replay: every captured HTML page is asked for; uncaptured links are not."""

    def __init__(self, conn: sqlite3.Connection, sites: set[str], crawler: Any):
        self.conn = conn
        self.sites = sites
        self.crawler = crawler
        self._wanted = wanted_host(sites)

    @classmethod
    def from_crawler(cls, crawler) -> ReplaySeeds:
        if not crawler.settings.getbool("FANWEN_REPLAY"):
            raise NotConfigured("not a replay")
        conn, _ = open_source(crawler)
        return cls(conn, set(crawler.settings.getlist("FANWEN_REPLAY_SITES")), crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in start:
            yield out
        spider = self.crawler.spider
        seen = spider.seen
        seeded = 0
        for url in captured_pages(self.conn):
            # Continuation pages (`123_2.html`) are reached through page 1, as in a crawl.
            canonical = spider.scope.canonical(url)
            if url in seen or not self._wanted(url) or first_page_url(canonical) != canonical:
                continue
            seen.add(url)
            seeded += 1
            yield spider.frontier_request(url, 0)
        self.crawler.stats.set_value("fanwen/replay/seeded", seeded)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for out in result:
            if self._keep(out):
                yield out

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in result:
            if self._keep(out):
                yield out

    def _keep(self, out: Any) -> bool:
        if not isinstance(out, Request) or "article" in out.meta:
            return True  # items, and continuation pages: a failed part leaves its article partial, not lost
        return self._wanted(out.url) and is_captured(self.conn, out.url)
