"""Retries with exponential backoff; 429 and 503 wait for the server's Retry-After; a name that does
not resolve is retried once, and not again for that host until it answers."""

from __future__ import annotations

import logging
import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task
from twisted.internet.error import DNSLookupError

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry instead of retrying at once.

    The wait is FANWEN_RETRY_BACKOFF_BASE * 2**attempt seconds (with jitter, at most
    FANWEN_RETRY_BACKOFF_MAX), or the Retry-After of a 429/503 (at most FANWEN_RETRY_AFTER_MAX).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("FANWEN_RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("FANWEN_RETRY_BACKOFF_MAX")
        self.retry_after_cap = settings.getfloat("FANWEN_RETRY_AFTER_MAX")
        self.dns_retries = settings.getint("FANWEN_DNS_RETRY_TIMES")
        # Hosts whose name did not resolve after its retries: their later requests fail at once.
        self.unresolved: set[str] = set()

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        self.unresolved.discard(urlparse_cached(request).hostname or "")
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(self.delay_for(request, response))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            return self._retry_lookup(request, exception)
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(self.delay_for(request, None))
        return retry

    def _retry_lookup(self, request: Request, exception: Exception) -> Request | None:
        # A name that does not resolve rarely starts to within seconds: one retry for a transient
        # resolver failure, none once the host is known not to resolve.
        host = urlparse_cached(request).hostname or ""
        if host in self.unresolved or request.meta.get("retry_times", 0) >= self.dns_retries:
            self.unresolved.add(host)
            logger.debug("not retrying %s: %s does not resolve", request, host)
            self.crawler.stats.inc_value("retry/dns_given_up")
            return None
        return self._retry(request, exception)

    def delay_for(self, request: Request, response: Response | None) -> float:
        if response is not None and response.status in (429, 503):
            after = retry_after_seconds(response.headers.get(b"Retry-After"))
            if after is not None:
                return min(after, self.retry_after_cap)
        attempt = request.meta.get("retry_times", 0)
        return min(self.cap, self.base * 2**attempt) * random.uniform(0.5, 1.0)

    @staticmethod
    async def _wait(seconds: float) -> None:
        if seconds > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
