"""One worker's connection to the shared crawl (owned by the WorkerLoop extension, asked by the worker's components)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed.shared_frontier import Frontier, Keys, new_worker_id
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


def new_worker_context(settings) -> WorkerContext:
    """A new worker's connection to the crawl of REDIS_URL, under a fresh worker id."""
    server = redis_from(settings)
    return WorkerContext(server, Frontier(server), new_worker_id())
