"""A DNS resolver that answers fixed names first, like curl's --resolve (FANWEN_RESOLVE), and keeps
names that are not start hosts off private, loopback and link-local addresses."""

from __future__ import annotations

from typing import Callable, Collection, Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.urls import is_private_host


class StaticHostsResolver(CachingThreadedResolver):
    """Names in FANWEN_RESOLVE ({"www.example.test": "127.0.0.1"}) resolve to their address;
    all others go to the system resolver. Lets a crawl reach a staging copy or a local test site
    under its real host names.

    A name that is neither pinned nor a start host (a mirror such as m.example.com) may not
    resolve to a private, loopback or link-local address: a public site's DNS cannot point the
    crawler at the machine's own services (unless FANWEN_ALLOW_PRIVATE_ADDRESSES is on).
    """

    def __init__(self, reactor, cache_size: int, timeout: float, hosts: dict[str, str],
                 start_hosts: Callable[[], Collection[str]] | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {name.lower(): address for name, address in hosts.items()}
        self.start_hosts = start_hosts

    @classmethod
    def from_crawler(cls, process, reactor):
        """`process` is the CrawlerProcess (one resolver serves all its crawlers)."""
        settings = process.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        def start_hosts() -> Collection[str]:
            spiders = [getattr(crawler, "spider", None) for crawler in getattr(process, "crawlers", ())]
            return {host for spider in spiders if getattr(spider, "scope", None) is not None
                    for host in spider.scope.primary.values()}

        allow_private = settings.getbool("FANWEN_ALLOW_PRIVATE_ADDRESSES")
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), settings.getdict("FANWEN_RESOLVE"),
                   None if allow_private else start_hosts)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):
        address = self.hosts.get(name.lower())
        if address is not None:
            return defer.succeed(address)
        resolved = super().getHostByName(name, timeout)
        if self.start_hosts is not None:
            resolved.addCallback(self._refuse_private, name)
        return resolved

    def _refuse_private(self, address: str, name: str) -> str:
        refusal = private_refusal(name, address, self.start_hosts())
        if refusal is not None:
            raise DNSLookupError(refusal)
        return address


def private_refusal(name: str, address: str, start_hosts: Collection[str]) -> str | None:
    """Why `name` may not be connected to at `address` (a private address of a name that is not a start host), or None."""
    if is_private_host(address) and name.lower() not in start_hosts:
        return f"{name} resolves to the private address {address}, and it is not a start host"
    return None
