"""The archiver's learned boilerplate, published in Redis for the workers (who clean ahead with it).

The archiver learns each site's injected lines from every worker's pages (pipelines.boilerplate). It
publishes each site's templates in one hash (`fanwen:boilerplate`, site -> JSON list) whenever they
change; a worker reads a site's at most once a second and prepares its articles with them
(pipelines.prepare). The archiver keeps a worker's cleaning only if the templates it has learned by
then are the same ones, so a worker reading an older set costs the archiver work, never a difference.
"""

from __future__ import annotations

import json
import time

import redis

from pipelines.boilerplate import BoilerplateLearner


class BoilerplatePublisher:
    """The archiver's side: each site's learned templates into the hash, when they changed."""

    def __init__(self, server: redis.Redis, key: str, learner: BoilerplateLearner):
        self.server = server
        self.key = key
        self.learner = learner
        self._published: dict[str, int] = {}  # site -> how many templates were published (the set only grows)

    def publish(self) -> int:
        """Publish the sites whose templates changed since; returns how many sites."""
        changed = {site: state.learned for site, state in self.learner.sites.items()
                   if state.learned and self._published.get(site) != len(state.learned)}
        if changed:
            self.server.hset(self.key, mapping={site: json.dumps(sorted(learned), ensure_ascii=False)
                                                for site, learned in changed.items()})
            self._published.update((site, len(learned)) for site, learned in changed.items())
        return len(changed)


class PublishedBoilerplate:
    """A worker's side: a site's published templates, read again at most every `ttl` seconds."""

    def __init__(self, server: redis.Redis, key: str, ttl: float = 1.0):
        self.server = server
        self.key = key
        self.ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def learned(self, site: str) -> frozenset[str]:
        now = time.monotonic()
        cached = self._cache.get(site)
        if cached is None or now - cached[0] >= self.ttl:
            raw = self.server.hget(self.key, site)
            cached = self._cache[site] = (now, frozenset(json.loads(raw)) if raw else frozenset())
        return cached[1]
