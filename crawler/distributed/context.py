"""One worker's connection to the shared crawl, kept on the crawler for its components."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed.frontier import Frontier, Keys, new_worker_id
from crawler.distributed.ledger import Ledger


@dataclass
class WorkerContext:
    server: redis.Redis
    frontier: Frontier
    worker: str
    ledger: Ledger = field(init=False)
    scheduler: Any = None  # the DistributedScheduler, once the engine made it
    _tokens: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.ledger = Ledger(lambda token: self.frontier.release(self.worker, token))

    @property
    def keys(self) -> Keys:
        return self.frontier.keys

    def new_token(self) -> str:
        return str(next(self._tokens))


def redis_from(settings) -> redis.Redis:
    """A client for REDIS_URL, as scrapy-redis makes it (bytes, not decoded strings)."""
    return get_redis_from_settings(settings)


def worker_context(crawler) -> WorkerContext:
    """Created on first use and kept on the crawler, for the worker's components."""
    context = getattr(crawler, "fanwen_worker", None)
    if context is None:
        server = redis_from(crawler.settings)
        context = WorkerContext(server, Frontier(server), new_worker_id())
        crawler.fanwen_worker = context
    return context
