"""The learning hold: the one place a site's first articles wait while the site is learned.

Two learners need a site's first pages side by side before its articles are final: the site
templates (crawler.templates: where the article sits) and the boilerplate learner
(pipelines.boilerplate: the lines the site injects). Both learn from the same pages, so the pages
wait once, here, and are handed to both together: a small site waits one FANWEN_LEARN_WAIT, not one
per learner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # asyncio (about 0.1 s to import) is only needed once items flow
    import asyncio


class LearningHold:
    """Owns the articles that wait for their site to be learned.

    A site's held articles are released together once `pages` of them have come, or once none has
    come for `wait` seconds (a small site). The clock restarts with every article, not with the
    first, so a crawl starved of CPU, whose articles come slowly, still waits for all. At release,
    `learn(site, items)` runs once with the held items in arrival order (synchronously: no item of
    the site moves on before the learners have seen all of them); then each item goes on.
    """

    def __init__(self, learn: Callable[[str, list[Any]], None], pages: int = 20, wait: float = 10.0, stats: Any = None):
        self.learn = learn
        self.pages = pages
        self.wait = wait
        self.stats = stats
        self._held: dict[str, list[Any]] = {}
        self._last_arrival: dict[str, float] = {}
        self._released: dict[str, asyncio.Event] = {}

    def is_released(self, site: str) -> bool:
        """The site's hold is over: its later articles need not wait."""
        released = self._released.get(site)
        return released is not None and released.is_set()

    async def admit(self, site: str, item: Any) -> None:
        """Hold the item until its site is released (at once when it already is)."""
        import asyncio

        released = self._released.setdefault(site, asyncio.Event())
        if released.is_set():
            return
        clock = asyncio.get_running_loop().time
        held = self._held.setdefault(site, [])
        held.append(item)
        self._last_arrival[site] = clock()
        if len(held) >= self.pages:
            self._release(site, "full")
        while not released.is_set():
            quiet_until = self._last_arrival[site] + self.wait
            try:
                await asyncio.wait_for(released.wait(), max(0.0, quiet_until - clock()))
            except asyncio.TimeoutError:
                if not released.is_set() and clock() >= self._last_arrival[site] + self.wait:
                    self._release(site, "quiet")  # no article came meanwhile: a small site

    def _release(self, site: str, why: str) -> None:
        items = self._held.pop(site, [])
        self._last_arrival.pop(site, None)
        try:
            self.learn(site, items)
        finally:  # a learner's failure must not keep the site's articles waiting for ever
            self._released[site].set()
        if self.stats is not None:
            self.stats.inc_value(f"fanwen/hold/released_{why}")
            self.stats.inc_value("fanwen/hold/articles", len(items))
