"""When a taken request's outcome is handed on: then, and only then, its in-flight entry goes.

A worker takes a request (token T). Its callback or errback yields items and new requests; T is
released when the generator is done and every object it yielded has reached its sink: items the
item stream (stream.StreamPipeline), requests the shared queue (scheduler.DistributedScheduler).
A worker killed before that leaves T in flight, and another worker fetches the page again.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from scrapy.http import Request

TOKEN = "fanwen_token"  # request.meta key: the in-flight entry of a request this worker took


class Ledger:
    def __init__(self, release: Callable[[str], None]):
        self.release = release
        self._open: dict[str, int] = {}  # token -> objects not handed on yet (+1 while the generator runs)
        self._owner: dict[int, tuple[str, Any]] = {}  # id(object) -> (token, object)

    def track(self, request: Request, output: Iterable[Any]) -> Iterator[Any]:
        """Pass a callback's output through, counting what it yields for the request's token."""
        token = request.meta.get(TOKEN)
        if token is None:
            yield from output
            return
        self._open[token] = self._open.get(token, 0) + 1
        try:
            for obj in output:
                if obj is not None:
                    self._open[token] += 1
                    self._owner[id(obj)] = (token, obj)
                yield obj
        finally:
            self._done(token)

    def is_open(self, token: str) -> bool:
        """True while the token's callback output is being handed on."""
        return token in self._open

    def handed_on(self, obj: Any) -> None:
        """An object yielded by a tracked callback reached its sink."""
        entry = self._owner.pop(id(obj), None)
        if entry is not None:
            self._done(entry[0])

    def pending(self) -> int:
        return len(self._open)

    def _done(self, token: str) -> None:
        self._open[token] -= 1
        if self._open[token] == 0:
            del self._open[token]
            self.release(token)
