"""A DNS resolver that answers fixed names first, like curl's --resolve (FANWEN_RESOLVE)."""

from __future__ import annotations

from typing import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


class StaticHostsResolver(CachingThreadedResolver):
    """Names in FANWEN_RESOLVE ({"www.example.test": "127.0.0.1"}) resolve to their address;
    all others go to the system resolver. Lets a crawl reach a staging copy or a local test site
    under its real host names."""

    def __init__(self, reactor, cache_size: int, timeout: float, hosts: dict[str, str]):
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {name.lower(): address for name, address in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), settings.getdict("FANWEN_RESOLVE"))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):
        address = self.hosts.get(name.lower())
        if address is not None:
            return defer.succeed(address)
        return super().getHostByName(name, timeout)
