"""One short, stable reason for every way a request can fail or be skipped."""

from __future__ import annotations

import re

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    StopDownload,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as neterror
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


_KEYED = re.compile(r"^[a-z_]+: ")


def describe_failure(failure: Failure) -> tuple[str, int | None]:
    """(reason, HTTP status or None). The reason starts with a key used in the stats."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}: HTTP {status}", status
    if isinstance(exc, StopDownload):
        response = exc.response
        return _stop_reason(failure), response.status if response is not None else None
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "ignored"
        if "robots.txt" in text.lower():
            return "robots: forbidden by robots.txt", None
        return (text if _KEYED.match(text) else f"ignored: {text}"), None
    if isinstance(exc, (DownloadTimeoutError, neterror.TimeoutError, neterror.TCPTimedOutError)):
        return f"timeout: {exc}", None
    if isinstance(exc, (CannotResolveHostError, neterror.DNSLookupError)):
        return f"dns: {exc}", None
    if isinstance(exc, (DownloadConnectionRefusedError, neterror.ConnectionRefusedError, neterror.ConnectError)):
        return f"connect: {exc}", None
    if isinstance(exc, DownloadCancelledError):
        return f"cancelled: {exc or 'download cancelled'}", None
    if isinstance(exc, (ResponseDataLossError, DownloadFailedError, ResponseFailed, ResponseNeverReceived, neterror.ConnectionLost)):
        return f"connection_lost: {exc or type(exc).__name__}", None
    return f"{type(exc).__name__.lower()}: {exc}", None


def _stop_reason(failure: Failure) -> str:
    # The reason set by crawler.extensions.pagefilter travels on the request meta.
    request = getattr(failure, "request", None)
    if request is not None and request.meta.get("fanwen_stop_reason"):
        return request.meta["fanwen_stop_reason"]
    return "stopped: download stopped"
