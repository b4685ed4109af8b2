"""scrapy-redis's scheduler and priority queue, with in-flight entries and an atomic enqueue.

What scrapy-redis 0.9.1 does and fanwen keeps: the request queue is its `PriorityQueue` (a sorted
set scored by -priority, requests pickled with `request.to_dict`), the dupefilter its
`RFPDupeFilter` (a set of sha1 fingerprints), keys `<spider>:requests` and `<spider>:dupefilter`.
What is changed: `pop` moves the request into this worker's in-flight hash instead of deleting it,
and `enqueue_request` adds fingerprint and request in one Lua step (scrapy-redis does SADD, then
ZADD: a worker killed between the two would lose the URL).
"""

from __future__ import annotations

import logging
from collections import deque

from scrapy.http import Request
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed.worker import worker_context
from crawler.distributed.ledger import TOKEN

logger = logging.getLogger(__name__)


class InFlightQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leaves the request in flight under a token."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.context = worker_context(spider.crawler)

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def push(self, request: Request) -> None:
        self.context.frontier.enqueue("", -request.priority, self.encode(request))

    def pop(self, timeout: int = 0) -> Request | None:
        token = self.context.new_token()
        data = self.context.frontier.pop(self.context.worker, token)
        if data is None:
            return None
        request = self._decode_request(data)
        request.meta[TOKEN] = token
        return request


class DistributedScheduler(Scheduler):
    """Takes requests from the shared queue; requests it was woken with are served first."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.persist = True  # the frontier outlives every worker
        scheduler.context = worker_context(crawler)
        scheduler.crawler = crawler
        scheduler.context.scheduler = scheduler
        scheduler._local: deque[Request] = deque()
        scheduler._woken: Request | None = None
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        if request is self._woken:  # taken by wake(): already in flight
            self._woken = None
            self._local.append(request)
            return True
        ledger = self.context.ledger
        token = request.meta.pop(TOKEN, None)
        # A request that carries its own token is a retry or redirect of a taken request: queueing
        # it settles the old entry. (A callback's new request carrying a token copied its meta.)
        release = token if token is not None and not ledger.is_open(token) else ""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        added = self.context.frontier.enqueue(
            fingerprint, -request.priority, self.queue.encode(request), self.context.worker, release
        )
        ledger.handed_on(request)
        if added:
            self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        return added

    def next_request(self) -> Request | None:
        if self._local:
            return self._local.popleft()
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self._local) or len(self.queue) > 0

    def wake(self) -> bool:
        """Take one request and hand it to the engine, which otherwise polls an idle queue every 5 s."""
        if self._local:
            return False
        request = self.queue.pop()
        if request is None:
            return False
        self._woken = request
        self.crawler.engine.crawl(request)
        return True
