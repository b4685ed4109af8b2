"""The payload digests distributed workers share in Redis are bounded in time: one hash per generation,
each expiring, and a digest still met is carried forward (real redis-server)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import redis

from crawler.distributed.capture import StreamCaptures
from crawler.distributed.shared_frontier import Keys
from fanwen.archive.captures import CaptureRow
from tests.redis_server import redis_server  # noqa: F401  (fixture)


def _row(digest: str, url: str = "http://a.test/1.html") -> CaptureRow:
    return CaptureRow(None, url, "2026-12-06T00:00:00.000000Z", 200, "response", None, None, "text/html", digest,
                      f"<urn:uuid:{digest}>", "w.warc.gz", 0, 10)


def _sink(server: redis.Redis, days: float, now: list[float]) -> StreamCaptures:
    sink = StreamCaptures(SimpleNamespace(server=server, keys=Keys()), Path("/warc"), days)
    sink.digests.clock = lambda: now[0]
    return sink


def test_digests_live_one_to_two_generations_and_those_still_met_are_carried_forward(redis_server):
    server = redis.Redis.from_url(redis_server(7))
    day = 86_400
    now = [100 * day + 10]
    sink = _sink(server, 1, now)
    sink.add([_row("sha1:AAA"), _row("sha1:BBB", "http://a.test/2.html")])
    assert sink.original("sha1:AAA").record_id == "<urn:uuid:sha1:AAA>"
    generation = Keys().warc_digests(100)
    assert server.hlen(generation) == 2 and 0 < server.ttl(generation) <= 2 * day  # expires on its own

    now[0] += day  # the next generation: both still found, AAA met again and copied forward
    assert sink.original("sha1:AAA").url == "http://a.test/1.html"
    assert json.loads(server.hget(Keys().warc_digests(101), "sha1:AAA"))[2] == "<urn:uuid:sha1:AAA>"
    assert server.hget(Keys().warc_digests(101), "sha1:BBB") is None

    now[0] += day  # two generations on: BBB, not met since, is forgotten; AAA lives on
    assert sink.original("sha1:BBB") is None
    assert sink.original("sha1:AAA") is not None


def test_a_generation_nobody_writes_to_is_gone_from_redis(redis_server):
    server = redis.Redis.from_url(redis_server(8))
    sink = _sink(server, 1 / 86_400, [time.time()])  # one-second generations: the hash expires after 2 s
    sink.digests.clock = time.time
    sink.add([_row("sha1:CCC")])
    assert sink.original("sha1:CCC") is not None
    deadline = time.monotonic() + 10
    while server.keys(f"{Keys().warc_digests_prefix}*") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.keys(f"{Keys().warc_digests_prefix}*") == []
    assert sink.original("sha1:CCC") is None
