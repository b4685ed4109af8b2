"""The fanwen spider of a worker: seen URLs and TrapGuard shared through Redis, outcomes tracked.

The spider's in-memory `seen` set becomes the scrapy-redis dupefilter (a URL is seen once its
request is queued by any worker); TrapGuard's per-shape history and learned article shapes live in
Redis lists and a set, so a trap found by one worker is closed for all of them.
"""

from __future__ import annotations

import time
from typing import Any, AsyncIterator, Iterator

import redis
from scrapy import signals
from scrapy.http import Request, Response
from scrapy_redis.dupefilter import RFPDupeFilter
from twisted.python.failure import Failure

from crawler.discover import Link, TrapGuard, looks_like_article_url
from crawler.distributed.worker import worker_context
from crawler.distributed.shared_frontier import Keys
from crawler.profiles import SiteProfile
from crawler.spiders.fanwen import FanwenSpider
from crawler.urls import url_shape


class SharedSeen:
    """Seen URLs = fingerprints in the shared dupefilter. `add` is a no-op: queueing adds them.

    Fingerprints are cached (navigation and tag links repeat on every page of a site).
    """

    def __init__(self, dupefilter: RFPDupeFilter, max_entries: int = 200_000):
        self.dupefilter = dupefilter
        self.max_entries = max_entries
        self._fingerprints: dict[str, str] = {}

    def _fingerprint(self, url: str) -> str:
        fingerprint = self._fingerprints.get(url)
        if fingerprint is None:
            fingerprint = self.dupefilter.request_fingerprint(Request(url))
            if len(self._fingerprints) >= self.max_entries:
                self._fingerprints.clear()
            self._fingerprints[url] = fingerprint
        return fingerprint

    def add(self, url: str) -> None:
        pass

    def __contains__(self, url: str) -> bool:
        return bool(self.dupefilter.server.sismember(self.dupefilter.key, self._fingerprint(url)))

    def unseen(self, links: list[Link]) -> list[Link]:
        if not links:
            return []
        flags = self.dupefilter.server.smismember(self.dupefilter.key, [self._fingerprint(l.url) for l in links])
        return [link for link, seen in zip(links, flags) if not seen]


class SharedTrapGuard(TrapGuard):
    """TrapGuard with its history in Redis: one list of 0/1 per URL shape, one set of article shapes.

    Answers are cached for `cache_seconds`, so a page costs a few round trips, not one per link.
    """

    def __init__(self, server: redis.Redis, keys: Keys, window: int = 20, cache_seconds: float = 1.0):
        super().__init__(window)
        self.server = server
        self.keys = keys
        self.cache_seconds = cache_seconds
        self._exhausted: dict[str, tuple[bool, float]] = {}
        self._shapes_read = 0.0

    def record(self, shape: str, productive: bool) -> None:
        key = self.keys.trap(shape)
        self.server.pipeline(transaction=False).lpush(key, int(productive)).ltrim(key, 0, self.window - 1).execute()
        self._exhausted.pop(shape, None)

    def exhausted(self, shape: str) -> bool:
        now = time.monotonic()
        cached = self._exhausted.get(shape)
        if cached is not None and now - cached[1] < self.cache_seconds:
            return cached[0]
        history = self.server.lrange(self.keys.trap(shape), 0, -1)
        answer = len(history) == self.window and not any(v == b"1" for v in history)
        self._exhausted[shape] = (answer, now)
        return answer

    def learn_article(self, url: str) -> None:
        shape = url_shape(url)
        if shape not in self.article_shapes:
            self.article_shapes.add(shape)
            self.server.sadd(self.keys.article_shapes, shape)

    def is_article_like(self, url: str, profile: SiteProfile | None = None) -> bool:
        if looks_like_article_url(url, profile):
            return True
        now = time.monotonic()
        if now - self._shapes_read >= self.cache_seconds:
            self.article_shapes |= {s.decode() for s in self.server.smembers(self.keys.article_shapes)}
            self._shapes_read = now
        return url_shape(url) in self.article_shapes


class WorkerSpider(FanwenSpider):
    """FanwenSpider taking its requests from the shared frontier: it has no start requests of its own
    (`fanwen crawl --redis` seeds them) and reports what each taken request yielded to the ledger."""

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The spider is made before the extensions, so it joins the shared crawl once they exist.
        crawler.signals.connect(spider.join_shared_crawl, signal=signals.spider_opened)
        return spider

    def join_shared_crawl(self, spider) -> None:
        context = worker_context(self.crawler)
        self.ledger = context.ledger
        self.seen = SharedSeen(RFPDupeFilter(context.server, context.keys.dupefilter))
        self.guard = SharedTrapGuard(context.server, context.keys, self.crawler.settings.getint("FANWEN_TRAP_WINDOW"))

    async def start(self) -> AsyncIterator[Request]:
        return
        yield  # an async generator with nothing in it

    def _new_links(self, links: list[Link]) -> list[Link]:
        return self.seen.unseen(links)

    def parse(self, response: Response) -> Iterator[Any]:
        return self.ledger.track(response.request, super().parse(response))

    def parse_part(self, response: Response) -> Iterator[Any]:
        return self.ledger.track(response.request, super().parse_part(response))

    def on_error(self, failure: Failure) -> Iterator[Any]:
        return self.ledger.track(failure.request, super().on_error(failure))
