"""`fanwen archiver`: the items of the shared stream through the same pipelines into the archive.

A Scrapy crawler whose spider fetches nothing: its `start()` reads the stream with a consumer
group and yields the items, so the project's clean, dedupe and store pipelines run unchanged
(boilerplate learning and near-duplicate detection see every worker's pages). AckPipeline, the
last stage, marks each entry in the archive; every FANWEN_BATCH_SIZE entries (and whenever the
stream is quiet) the archive commits and the entries are acknowledged and deleted in Redis. The
`captures` rows of the workers' WARC records come through the same stream and go into the same
batches directly (they need no pipeline).
A restart first re-reads this consumer's unacknowledged entries, skipping those already marked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, AsyncIterator

import redis
import redis.asyncio
import scrapy
from scrapy import signals

from fanwen.archive.captures import CaptureRow, add_captures
from fanwen.archive.stream import StreamEntries
from crawler.distributed.boilerplate import BoilerplatePublisher
from crawler.distributed.context import redis_from
from crawler.distributed.shared_frontier import Frontier, Keys
from crawler.distributed.stream import FIELD, GROUP, decode_item
from crawler.extensions.archive_session import ArchiveSession
from crawler.items import ArticleItem, PageRecord

logger = logging.getLogger(__name__)

CONSUMER = "archiver"  # one archiver per crawl: the archive has one writer
_READ = 500  # entries per read (one round trip; most are fetch rows written at once)
# Worker stats that describe a process, not the crawl; the archiver keeps its own.
_PROCESS_STATS = ("start_time", "finish_time", "elapsed_time_seconds", "finish_reason", "memusage/", "log_count/")


class StreamAcks:
    """The archiver's side of the stream: entries read, written, committed, acknowledged."""

    def __init__(self, server: redis.Redis, keys: Keys, writer, batch: int, session: Any = None,
                 capture_folder: Path | None = None, stats: Any = None):
        self.server = server
        self.keys = keys
        self.writer = writer
        self.batch = batch
        self.session = session  # the crawl id of captures
        self.capture_folder = capture_folder  # captures in it are indexed relative to it
        self.stats = stats
        self.entries = StreamEntries(writer)
        self._entry_of: dict[int, tuple[str, Any]] = {}
        self._written: list[str] = []
        self._acked: list[str] = []
        self.outstanding = 0

    def track(self, entry_id: str, item: Any) -> Any:
        self._entry_of[id(item)] = (entry_id, item)
        self.outstanding += 1
        return item

    def deliver(self, entries: list[tuple[str, bytes]]) -> list[ArticleItem]:
        """The article items of `entries`, tracked until written. The others need no pipeline: their
        rows (a page's crawl log line, a WARC record's `captures` row) are written at once, a statement
        a table for all of them, outside Scrapy's item machinery (per item it costs more than the row)."""
        articles: list[ArticleItem] = []
        fetches: list[PageRecord] = []
        captures: list[CaptureRow] = []
        done: list[str] = []
        for entry_id, raw in entries:
            item = decode_item(raw)
            if isinstance(item, ArticleItem):
                articles.append(self.track(entry_id, item))
                continue
            if isinstance(item, CaptureRow):
                captures.append(replace(item, crawl_id=self.session.crawl_id, file=self._in_folder(item.file)))
            else:
                fetches.append(item)
            done.append(entry_id)
        if fetches:
            self.writer.log_fetches(self.session.crawl_id, [(r.url, r.kind, r.status, r.error, r.size) for r in fetches])
            if self.stats is not None:  # as if they had gone through the pipelines (workers' sum is compared)
                self.stats.inc_value("item_scraped_count", len(fetches))
        if captures:
            add_captures(self.writer, captures)
        if done:
            self.entries.mark_many(done)
            self._written += done
            if len(self._written) >= self.batch:
                self.commit()
        return articles

    def _in_folder(self, file: str) -> str:
        """A worker's file as `captures.file`: relative to the archive's capture folder when in it, else absolute."""
        if self.capture_folder is None:
            return file
        try:
            return str(Path(file).relative_to(self.capture_folder))
        except ValueError:
            return file

    def written(self, item: Any) -> None:
        """The item went through every pipeline: its writes are in the open transaction."""
        entry = self._entry_of.pop(id(item), None)
        if entry is None:
            return
        self.entries.mark(entry[0])
        self._written.append(entry[0])
        self.outstanding -= 1
        if len(self._written) >= self.batch:
            self.commit()

    def commit(self) -> None:
        """Commit the archive, then acknowledge (and delete) the entries it holds."""
        if self._acked:
            self.entries.forget(self._acked)
            self._acked = []
        self.writer.commit()  # durable; the search index may catch up a few batches later (writer.flush does)
        if self._written:
            self.acknowledge(self._written)
            self._acked, self._written = self._written, []

    def acknowledge(self, entry_ids: list[str]) -> None:
        self.server.pipeline(transaction=False).xack(self.keys.items, GROUP, *entry_ids).xdel(self.keys.items, *entry_ids).execute()


class ArchiverSpider(scrapy.Spider):
    name = "fanwen-archiver"

    def __init__(self, start_urls: list[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.start_urls = list(start_urls or [])

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> ArchiverSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.acks = None  # AckPipeline's, once the engine has made it
        spider.frontier = Frontier(redis_from(crawler.settings))
        spider.start_urls = spider.start_urls or spider.frontier.start_urls()
        settings = crawler.settings
        spider.idle = settings.getfloat("FANWEN_WORKER_IDLE")
        spider.max_pending = settings.getint("FANWEN_ARCHIVER_MAX_PENDING")
        spider.redis_url = settings.get("REDIS_URL")
        return spider

    async def start(self) -> AsyncIterator[Any]:
        self.acks = self.crawler.get_item_pipeline(AckPipeline).acks
        publisher = self._boilerplate_publisher()
        client = redis.asyncio.Redis.from_url(self.redis_url)
        stream = self.acks.keys.items
        try:
            await client.xgroup_create(stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        try:
            replayed = await self._unacknowledged(client, stream)
            for start in range(0, len(replayed), _READ):
                for item in self.acks.deliver([(entry_id, fields[FIELD]) for entry_id, fields in replayed[start : start + _READ]]):
                    yield item
            idle_since: float | None = None
            while True:
                if publisher is not None:
                    publisher.publish()  # the workers clean ahead with what is learned by now
                while self.acks.outstanding >= self.max_pending:
                    await asyncio.sleep(0.02)
                count = min(_READ, self.max_pending - self.acks.outstanding)
                reply = await client.xreadgroup(GROUP, CONSUMER, {stream: ">"}, count=count, block=500)
                entries = reply[0][1] if reply else []
                for item in self.acks.deliver([(raw_id.decode(), fields[FIELD]) for raw_id, fields in entries]):
                    yield item
                if entries:
                    idle_since = None
                    continue
                self.acks.commit()  # the stream is quiet: commit what is written
                if not self._crawl_over():
                    idle_since = None
                    continue
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= self.idle:
                    break
        finally:
            await client.aclose()
        left = self.frontier.in_flight()
        if left:
            logger.warning("no worker is running but %d requests are in flight: start a worker to finish the crawl", left)

    def _boilerplate_publisher(self) -> BoilerplatePublisher | None:
        from pipelines.clean import CleanPipeline

        clean = self.crawler.get_item_pipeline(CleanPipeline)
        return BoilerplatePublisher(self.acks.server, self.acks.keys.boilerplate, clean.learner) if clean is not None else None

    async def _unacknowledged(self, client, stream: str) -> list[tuple[str, dict]]:
        """Entries a previous archiver read and did not acknowledge, less those it committed."""
        pending: list[tuple[str, dict]] = []
        last = "0"
        while True:
            reply = await client.xreadgroup(GROUP, CONSUMER, {stream: last}, count=1000)
            entries = [(raw.decode(), fields) for raw, fields in (reply[0][1] if reply else []) if fields]
            if not entries:
                break
            pending += entries
            last = entries[-1][0]
        committed = self.acks.entries.committed(entry_id for entry_id, _ in pending)
        if committed:
            self.acks.acknowledge(sorted(committed))
        self.acks.entries.forget_all()
        self.acks.writer.flush()
        if pending:
            logger.info("%d entries read before and not acknowledged: %d were archived, %d go through again",
                        len(pending), len(committed), len(pending) - len(committed))
            self.crawler.stats.set_value("fanwen/distributed/replayed", len(pending) - len(committed))
        return [(entry_id, fields) for entry_id, fields in pending if entry_id not in committed]

    def _crawl_over(self) -> bool:
        return self.acks.outstanding == 0 and not self.frontier.queued() and not self.frontier.live_workers()


class AckPipeline:
    """The archiver's last stage: the item's entry is marked, and acknowledged after the commit."""

    def __init__(self, acks: StreamAcks, stats):
        self.acks = acks
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> AckPipeline:
        from crawler.capture.names import capture_dir

        settings = crawler.settings
        session = ArchiveSession.of(crawler)
        session.defer_commits()  # commits happen between items, when the acknowledgements ask
        folder = capture_dir(settings.get("ARCHIVE_DB"), settings.get("FANWEN_WARC_DIR")).resolve()
        acks = StreamAcks(redis_from(settings), Keys(), session.writer, settings.getint("FANWEN_BATCH_SIZE"), session, folder,
                          crawler.stats)
        pipeline = cls(acks, crawler.stats)
        crawler.signals.connect(pipeline.item_failed, signal=signals.item_error)
        crawler.signals.connect(pipeline.item_failed, signal=signals.item_dropped)
        return pipeline

    def process_item(self, item: Any) -> Any:
        self.acks.written(item)
        return item

    def item_failed(self, item, response, spider, **kwargs) -> None:
        """A pipeline failed on the item (logged by Scrapy): it is not replayed forever."""
        self.stats.inc_value("fanwen/distributed/item_failed")
        self.acks.written(item)

    def close_spider(self) -> None:
        self.acks.commit()
        self.acks.commit()  # forget the marks of the entries just acknowledged
        self._merge_worker_stats()

    def _merge_worker_stats(self) -> None:
        """The workers' counters (pages, errors, requests), summed, join the archiver's own stats."""
        own = self.stats.get_stats()
        for raw_key, raw_value in self.acks.server.hgetall(self.acks.keys.stats).items():
            key = raw_key.decode()
            if key in own or key.startswith(_PROCESS_STATS):
                continue
            value = float(raw_value)
            self.stats.set_value(key, int(value) if value.is_integer() else value)
