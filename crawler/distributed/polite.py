"""Per-site politeness across all workers: DOWNLOAD_DELAY between request starts to one site, and at
most CONCURRENT_REQUESTS_PER_DOMAIN requests to it at a time, counted over every worker.

Each worker's own Scrapy download slot still applies on top (so AutoThrottle keeps adapting per
worker); this middleware makes the shared limit hold when several workers fetch one site. A slot is
a lease in a Redis sorted set that expires after DOWNLOAD_TIMEOUT, so a killed worker's leases
free themselves; times are the Redis server's, so the workers' clocks do not matter.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawler.distributed.worker import worker_context
from crawler.urls import site_of

LEASE = "fanwen_polite_lease"  # request.meta: (site, lease id) while the request holds a slot
_POLL = 0.05  # seconds between tries while the site's slots are all taken

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then return nxt - now end
local delay = tonumber(ARGV[1])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 0
"""


class SharedPoliteness:
    def __init__(self, context, delay: float, concurrency: int, lease_seconds: float, stats=None):
        self.context = context
        self.delay_ms = int(delay * 1000)
        self.concurrency = concurrency
        self.lease_ms = int(lease_seconds * 1000)
        self.stats = stats
        self._acquire = context.server.register_script(_ACQUIRE)
        self._leases = 0

    @classmethod
    def from_crawler(cls, crawler) -> SharedPoliteness:
        settings = crawler.settings
        if not settings.getbool("FANWEN_SHARED_POLITENESS"):
            raise NotConfigured
        return cls(
            worker_context(crawler),
            settings.getfloat("DOWNLOAD_DELAY"),
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            settings.getfloat("DOWNLOAD_TIMEOUT") + 10,
            crawler.stats,
        )

    async def process_request(self, request: Request) -> None:
        site = site_of(urlsplit(request.url).hostname or "")
        keys = self.context.keys.polite(site)
        self._leases += 1
        lease = f"{self.context.worker}:{self._leases}"
        waited = False
        while True:
            wait_ms = self._acquire(keys=list(keys), args=[self.delay_ms, self.concurrency, self.lease_ms, lease])
            if wait_ms == 0:
                break
            waited = True
            await asyncio.sleep(_POLL if wait_ms < 0 else min(wait_ms / 1000, 1.0))
        if waited and self.stats is not None:
            self.stats.inc_value("fanwen/distributed/polite_waits")
        request.meta[LEASE] = (site, lease)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)
        return None

    def _release(self, request: Request) -> None:
        held = request.meta.pop(LEASE, None)
        if held is not None:
            site, lease = held
            self.context.server.zrem(self.context.keys.polite(site)[0], lease)
