"""Capture every HTTP exchange into WARC files beside the archive, indexed in `captures`.

A downloader middleware next to the downloader (order 950, after HttpCompressionMiddleware's 590 on
the way in and before it on the way out), so it sees the request headers as sent and the body bytes as
the server sent them: still gzip-encoded when the server compressed them, a GBK page's bytes as they
are. Records are written in order as responses arrive, on the reactor thread (`InlineExecutor`: a
writer thread cost more in GIL hand-offs than the ~0.6 ms a page of writing it moved off the reactor);
a record's `captures` row goes to its sink only once the record is on disk: the archive writer's batch
in a crawl with an archive (`ArchiveCaptures`), the shared stream on a distributed worker
(`crawler.distributed.capture.StreamCaptures`).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Executor, Future
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from fanwen.archive.captures import CaptureRow, add_captures, capture_by_digest, last_capture
from crawler.capture.names import capture_dir  # noqa: F401  (imported from here by older code)
from crawler.capture.warc import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, Exchange, Original, WarcFolder
from fanwen.archive.hooks import WriterHook
from crawler.extensions.archive_session import ArchiveSession

logger = logging.getLogger(__name__)

# Connection-level headers: Twisted consumes them and does not pass them up (the body is de-chunked).
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"}


def exchange_of(request: Request, response: Response) -> Exchange:
    """The exchange as on the wire, from Scrapy's request and undecoded response."""
    parts = urlsplit(request.url)
    request_headers = _header_list(request.headers)
    if not any(name.lower() == "host" for name, _ in request_headers):
        default = {"http": 80, "https": 443}.get(parts.scheme)
        host = parts.hostname or ""
        request_headers.insert(0, ("Host", host if parts.port in (None, default) else f"{host}:{parts.port}"))
    response_headers = [(n, v) for n, v in _header_list(response.headers) if n.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-length" for name, _ in response_headers) and response.status != 304:
        response_headers.append(("Content-Length", str(len(response.body))))
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(url=request.url, method=request.method, request_headers=request_headers,
                    protocol=response.protocol or "HTTP/1.1", status=response.status, reason=reason,
                    response_headers=response_headers, body=response.body, request_body=request.body or b"",
                    ip_address=str(response.ip_address) if response.ip_address else None)


def _header_list(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


class InlineExecutor(Executor):
    """Runs each submitted call at once, in the caller's thread, and hands back its finished Future.

    Measured 2026-12-06 (bench/warc_bench.py, quiet machine): with one writer thread a crawl with
    capture made 0.78 of the pages per CPU second of one without; written inline, 0.94."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever collects the future, as a pool does
            future.set_exception(exc)
        return future


class CaptureSink(Protocol):
    """Where the rows of written records go, and where earlier payloads are looked up."""

    crawl_id: int | None

    def ready(self) -> bool:
        """Whether rows can be taken now (the archive may open after the first responses)."""

    def add(self, rows: list[CaptureRow]) -> None:
        """Index records that are on disk."""

    def original(self, digest: str) -> Original | None:
        """The earlier full response with this payload digest (any crawl), or None."""

    def last(self, url: str) -> Original | None:
        """The payload record of `url`'s latest 2xx capture, for a 304 answer (`Original.digest` set), or None."""


class ArchiveCaptures:
    """The sink of a crawl with an archive: the `captures` table, in the archive writer's batches."""

    # `original` finds a row once `add` has run (the writer's own connection reads its open batch), so the
    # middleware need not remember the payloads of the rows it handed on.
    finds_added_rows = True

    def __init__(self, session: Any):
        self.session = session
        self.writer = session.writer

    @property
    def crawl_id(self) -> int | None:
        return self.session.crawl_id

    def ready(self) -> bool:
        return self.writer.db is not None

    def add(self, rows: list[CaptureRow]) -> None:
        add_captures(self.writer, rows)

    def original(self, digest: str) -> Original | None:
        row = capture_by_digest(self.writer.db, digest) if self.writer.db is not None else None
        return Original(*row) if row else None

    def last(self, url: str) -> Original | None:
        known = last_capture(self.writer.db, url) if self.writer.db is not None else None
        return Original(known[0], known[1], known[2], known[3]) if known else None


class CaptureMiddleware:
    """Writes request + response (or revisit) records for every response the downloader returns."""

    def __init__(self, folder: WarcFolder, sink: CaptureSink, stats: Any):
        self.folder = folder
        self.sink = sink
        self.stats = stats
        self._executor = InlineExecutor()
        self._pending: deque[Future[CaptureRow]] = deque()
        self._ready: list[CaptureRow] = []  # written, waiting for the sink to be ready
        # Payloads written by this crawl whose rows the sink cannot look up yet (all of them if it never can):
        # with an archive, the rows not yet handed to its writer, a few hundred at most.
        self._digests: dict[str, Original] = {}
        # CPU time spent capturing (records, CDXJ, rows handed on), in the crawl's stats at the end: capture's
        # share of the crawl's CPU measured within one crawl, which the machine's load cannot skew.
        self.cpu_seconds = 0.0

    @classmethod
    def from_crawler(cls, crawler) -> CaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("FANWEN_WARC_ENABLED"):
            raise NotConfigured("FANWEN_WARC_ENABLED is off")
        info = {"http-header-user-agent": settings.get("USER_AGENT", ""),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"}
        session = ArchiveSession.of(crawler)
        if session is None:  # a distributed worker: its rows go to the archiver through the shared stream
            from crawler.distributed.capture import worker_capture

            folder, sink = worker_capture(crawler, info)
            middleware = cls(folder, sink, crawler.stats)
        else:
            folder = WarcFolder(capture_dir(settings.get("ARCHIVE_DB"), settings.get("FANWEN_WARC_DIR")),
                                settings.getint("FANWEN_WARC_MAX_SIZE"), info)
            middleware = cls(folder, ArchiveCaptures(session), crawler.stats)
            session.writer.add_hook(CaptureIndex(middleware))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        started = time.process_time()
        try:
            return self._capture(request, response)
        finally:
            self.cpu_seconds += time.process_time() - started

    def _capture(self, request: Request, response: Response) -> Response:
        exchange = exchange_of(request, response)
        original, profile = self._revisit_of(exchange)
        crawl_id = self.sink.crawl_id
        if original is None and exchange.body and exchange.status != 304:
            # Remembered now, written in order by the one thread: a later revisit's original is always written first.
            self._digests.setdefault(exchange.digest, Original(exchange.url, exchange.date, "pending"))
        self._pending.append(self._executor.submit(self.folder.write, exchange, crawl_id, original, profile))
        self._pending[-1].add_done_callback(lambda f, d=exchange.digest: self._remember(f, d))
        self.stats.inc_value(f"fanwen/warc/{'revisit' if original else 'response'}")
        self._collect(block=False)
        return response

    def _remember(self, future: Future[CaptureRow], digest: str) -> None:
        """Called on the writer thread: the original's record id is known once written."""
        if future.exception() is None:
            row = future.result()
            known = self._digests.get(digest)
            if row.record_type == "response" and known is not None and known.record_id == "pending" \
                    and known.url == row.url and known.date == row.captured_at:
                self._digests[digest] = Original(row.url, row.captured_at, row.record_id)

    def _revisit_of(self, exchange: Exchange) -> tuple[Original | None, str | None]:
        """The record a revisit would refer to: the last capture for a 304, a same-payload one otherwise."""
        if exchange.status == 304:
            known = self.sink.last(exchange.url)
            if known is None:
                return None, None
            exchange.digest = known.digest or exchange.digest  # the payload not resent is the original's
            return known, PROFILE_NOT_MODIFIED
        if not exchange.body:
            return None, None
        known = self._digests.get(exchange.digest)
        if known is not None and known.record_id == "pending":
            self._wait_for_original(exchange.digest)
            known = self._digests.get(exchange.digest)
        if known is None:
            known = self.sink.original(exchange.digest)
        if known is None or known.record_id == "pending":
            return None, None
        return known, PROFILE_IDENTICAL

    def _wait_for_original(self, digest: str) -> None:
        """Rare: the same payload twice in quick succession; let the first one be written."""
        for future in list(self._pending):
            future.exception()  # waits
            if self._digests.get(digest, Original("", "", "")).record_id != "pending":
                break

    def _collect(self, block: bool) -> None:
        """Hand the rows of records on disk to the archive writer, in writing order."""
        while self._pending and (block or self._pending[0].done()):
            future = self._pending.popleft()
            try:
                self._ready.append(future.result())
            except Exception:
                self.stats.inc_value("fanwen/warc/failed")
                logger.exception("a WARC record could not be written")
        if self._ready and self.sink.ready():
            self.sink.add(self._ready)
            if getattr(self.sink, "finds_added_rows", False):
                self._forget(self._ready)
            self._ready = []

    def _forget(self, rows: list[CaptureRow]) -> None:
        """The sink answers for these rows' payloads now (the same first response record of each)."""
        for row in rows:
            known = self._digests.get(row.payload_digest)
            if known is not None and known.record_id == row.record_id:
                del self._digests[row.payload_digest]

    def spider_closed(self, spider, reason: str) -> None:
        """Before the archive session closes the archive (it connects when it opens, after every component)."""
        started = time.process_time()
        self._collect(block=True)
        self._executor.shutdown(wait=True)
        self.folder.close()
        self.cpu_seconds += time.process_time() - started
        self.stats.set_value("fanwen/warc/cpu_seconds", round(self.cpu_seconds, 3))
        if self._ready:
            logger.error("%d captured records were not indexed: the archive was closed first", len(self._ready))
        close = getattr(self.sink, "close", None)
        if close is not None:
            close()


class CaptureIndex(WriterHook):
    """The writer hook of the capture: the rows of records written since are added to each batch before it commits."""

    def __init__(self, middleware: CaptureMiddleware):
        self.middleware = middleware

    def before_commit(self) -> None:
        started = time.process_time()
        self.middleware._collect(block=False)
        self.middleware.cpu_seconds += time.process_time() - started
