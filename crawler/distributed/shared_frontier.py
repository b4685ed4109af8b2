"""The shared frontier's Redis keys and the atomic steps on them (Lua scripts, one round trip each).

The queue and dupefilter keys are scrapy-redis's (`fanwen:requests`, `fanwen:dupefilter`); the
in-flight hashes are fanwen's: a request a worker takes moves atomically from the queue into that
worker's hash, and leaves it when its outcome (items and new requests) is handed on. A worker
that dies leaves its hash behind; `reap` puts those requests back once its heartbeat has expired.
"""

from __future__ import annotations

import socket
import os
import uuid
from dataclasses import dataclass

import redis

PREFIX = "fanwen"  # the spider's name: scrapy-redis keys are "<spider>:requests", "<spider>:dupefilter"

_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '|' .. r[1])
return r[1]
"""

# Dupefilter and queue in one step, so a request is never marked seen without being queued. A
# request re-scheduled by a worker (retry, redirect) releases its in-flight entry in the same step.
_ENQUEUE = """
local added = 1
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  added = 0
else
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return added
"""

_REAP = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local values = redis.call('HVALS', KEYS[2])
for _, v in ipairs(values) do
  local i = string.find(v, '|', 1, true)
  redis.call('ZADD', KEYS[1], string.sub(v, 1, i - 1), string.sub(v, i + 1))
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
return #values
"""


@dataclass(frozen=True)
class Keys:
    """Every Redis key of one distributed crawl (one crawl per Redis database)."""

    prefix: str = PREFIX

    @property
    def queue(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def items(self) -> str:
        return f"{self.prefix}:items"

    @property
    def stats(self) -> str:
        return f"{self.prefix}:stats"

    @property
    def start_urls(self) -> str:
        return f"{self.prefix}:start_urls"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def heartbeat(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def trap(self, shape: str) -> str:
        return f"{self.prefix}:trap:{shape}"

    @property
    def article_shapes(self) -> str:
        return f"{self.prefix}:article_shapes"

    @property
    def boilerplate(self) -> str:
        """Site -> the archiver's learned boilerplate templates (crawler.distributed.boilerplate)."""
        return f"{self.prefix}:boilerplate"

    def warc_digests(self, generation: int) -> str:
        """Payload digest -> the first full response record with it (revisits across workers and crawls), one
        hash per generation of FANWEN_WARC_DIGESTS_DAYS (crawler.distributed.capture.DigestGenerations)."""
        return f"{self.warc_digests_prefix}{generation}"

    @property
    def warc_digests_prefix(self) -> str:
        return f"{self.prefix}:warc:digests:"

    def polite(self, site: str) -> tuple[str, str]:
        return f"{self.prefix}:polite:{site}:leases", f"{self.prefix}:polite:{site}:next"



def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Frontier:
    """The atomic steps on the shared queue, dupefilter and in-flight hashes."""

    def __init__(self, server: redis.Redis, keys: Keys = Keys()):
        self.server = server
        self.keys = keys
        self._pop = server.register_script(_POP)
        self._enqueue = server.register_script(_ENQUEUE)
        self._reap = server.register_script(_REAP)

    def pop(self, worker: str, token: str) -> bytes | None:
        """The queue's first request, moved into the worker's in-flight hash under `token`."""
        return self._pop(keys=[self.keys.queue, self.keys.inflight(worker)], args=[token])

    def enqueue(self, fingerprint: str, score: float, data: bytes, worker: str = "", release: str = "") -> bool:
        """Queue unless seen (an empty fingerprint is never filtered); release an in-flight entry."""
        keys = [self.keys.dupefilter, self.keys.queue, self.keys.inflight(worker)]
        return bool(self._enqueue(keys=keys, args=[fingerprint, score, data, release]))

    def release(self, worker: str, token: str) -> None:
        self.server.hdel(self.keys.inflight(worker), token)

    def reap(self, worker: str) -> int:
        """Requeue the in-flight requests of `worker` if its heartbeat is gone; -1 if it is alive."""
        keys = [self.keys.queue, self.keys.inflight(worker), self.keys.heartbeat(worker), self.keys.workers]
        return int(self._reap(keys=keys, args=[worker]))

    def reap_dead(self) -> int:
        """Requeue the in-flight requests of every worker whose heartbeat has expired."""
        requeued = 0
        for worker in self.server.smembers(self.keys.workers):
            requeued += max(0, self.reap(worker.decode()))
        return requeued

    def queued(self) -> int:
        return int(self.server.zcard(self.keys.queue))

    def in_flight(self) -> int:
        """Requests taken by workers (alive or dead) whose outcome is not handed on yet."""
        workers = [w.decode() for w in self.server.smembers(self.keys.workers)]
        if not workers:
            return 0
        pipe = self.server.pipeline(transaction=False)
        for worker in workers:
            pipe.hlen(self.keys.inflight(worker))
        return sum(pipe.execute())

    def live_workers(self) -> int:
        workers = [w.decode() for w in self.server.smembers(self.keys.workers)]
        if not workers:
            return 0
        return int(self.server.exists(*[self.keys.heartbeat(w) for w in workers]))

    def start_urls(self) -> list[str]:
        return sorted(u.decode() for u in self.server.smembers(self.keys.start_urls))

    def clear(self) -> int:
        """Forget the frontier, seen URLs, traps and seeds (a fresh crawl); items not archived stay, and so
        do the digests of captured payloads (the WARC files they point to stay too)."""
        digests = self.keys.warc_digests_prefix.encode()
        names = [k for k in self.server.scan_iter(match=f"{self.keys.prefix}:*", count=1000)
                 if k != self.keys.items.encode() and not k.startswith(digests)]
        return int(self.server.delete(*names)) if names else 0
