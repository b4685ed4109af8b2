"""A worker's life: heartbeat, recovery of dead workers' requests, waking up, closing when done.

Every tick (a fraction of FANWEN_WORKER_LEASE) the worker renews its heartbeat key, requeues the
in-flight requests of workers whose heartbeat expired, and takes a request if it sits idle while
the shared queue has some. It closes once the queue and every worker's in-flight hash have been
empty for FANWEN_WORKER_IDLE seconds: a frontier that is merely empty for a moment, while other
workers still fetch pages that may add to it, does not end it.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.distributed.context import WorkerContext, new_worker_context

logger = logging.getLogger(__name__)


def worker_context(crawler) -> WorkerContext:
    """The worker's connection to the shared crawl, from the WorkerLoop extension that owns it (for
    components Scrapy builds after the extensions: scheduler, middlewares, pipelines; the spider asks
    at spider_opened)."""
    loop = crawler.get_extension(WorkerLoop)
    if loop is None:
        raise NotConfigured("the distributed worker's components need crawler.distributed.worker.WorkerLoop in EXTENSIONS")
    return loop.context


class WorkerLoop:
    """Owns the worker's WorkerContext: made here, asked through worker_context(crawler)."""

    def __init__(self, crawler, context, idle: float, lease: float):
        self.crawler = crawler
        self.context = context
        self.idle = idle
        self.lease = lease
        self.idle_since: float | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler) -> WorkerLoop:
        if not crawler.settings.get("SCHEDULER", "").startswith("crawler.distributed."):
            raise NotConfigured("not a distributed worker")
        settings = crawler.settings
        ext = cls(crawler, new_worker_context(settings), settings.getfloat("FANWEN_WORKER_IDLE"), settings.getfloat("FANWEN_WORKER_LEASE"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def frontier(self):
        return self.context.frontier

    def beat(self) -> None:
        keys, worker = self.context.keys, self.context.worker
        self.context.server.set(keys.heartbeat(worker), b"1", px=int(self.lease * 1000))
        self.context.server.sadd(keys.workers, worker)

    def spider_opened(self, spider) -> None:
        self.beat()
        logger.info("worker %s joined the crawl (%d queued)", self.context.worker, self.frontier.queued())
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(min(0.5, self.lease / 4), now=False)

    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # a tick must never stop the loop (Redis restarting, say)
            logger.exception("worker tick failed")

    def _tick(self) -> None:
        self.beat()
        requeued = self.frontier.reap_dead()
        if requeued:
            self.crawler.stats.inc_value("fanwen/distributed/requeued", requeued)
            logger.warning("requeued %d requests of a worker that stopped answering", requeued)
        self.context.scheduler.wake()
        engine = self.crawler.engine
        if not engine.spider_is_idle():
            self.idle_since = None
            return
        # Nothing in progress here: entries still in flight were yielded to a middleware that dropped them.
        own = self.context.keys.inflight(self.context.worker)
        if self.context.server.delete(own):
            self.crawler.stats.inc_value("fanwen/distributed/stale_in_flight")
        if self.frontier.queued() or self.frontier.in_flight():
            self.idle_since = None
            return
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since >= self.idle:
            logger.info("the shared frontier has been empty for %.0fs: closing", now - self.idle_since)
            self.loop.stop()
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def spider_idle(self, spider) -> None:
        raise DontCloseSpider  # the tick decides, from the shared frontier

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        keys, worker, server = self.context.keys, self.context.worker, self.context.server
        pipe = server.pipeline(transaction=False)
        for key, value in self.crawler.stats.get_stats().items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                pipe.hincrbyfloat(keys.stats, key, value)
        pipe.execute()
        if reason == "finished":
            # Every outcome is handed on; entries left were yielded to a middleware that dropped them.
            server.delete(keys.inflight(worker))
        server.delete(keys.heartbeat(worker))
        requeued = self.frontier.reap(worker)  # on shutdown, what this worker had taken goes back
        if requeued > 0:
            logger.info("put %d requests back in the shared queue", requeued)
