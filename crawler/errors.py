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
        if "DOWNLOAD_MAXSIZE" in text:  # HttpCompressionMiddleware: a gzip bomb, or just a huge page
            return f"too_large: {text}", None
        return (text if _KEYED.match(text) else f"ignored: {text}"), None
    if isinstance(exc, (DownloadTimeoutError, neterror.TimeoutError, neterror.TCPTimedOutError)):
        return f"timeout: {exc}", None
    if isinstance(exc, (CannotResolveHostError, neterror.DNSLookupError)):
        return f"dns: {exc}", None
    if isinstance(exc, (DownloadConnectionRefusedError, neterror.ConnectionRefusedError, neterror.ConnectError)):
        return f"connect: {exc}", None
    if isinstance(exc, DownloadCancelledError):
        return f"cancelled: {exc or 'download cancelled'}", None
    if isinstance(exc, ResponseDataLossError):
        return ("connection_lost: body cut short: the connection closed before the whole body arrived (less than its "
                "Content-Length, or an unfinished chunked body)"), None
    if isinstance(exc, (DownloadFailedError, ResponseFailed, neterror.ConnectionLost)):
        return f"connection_lost: {_connection_detail(exc)}", None
    return f"{type(exc).__name__.lower()}: {exc}", None


def _connection_detail(exc: BaseException) -> str:
    """What a lost connection means: Twisted's message is a list of Failure reprs."""
    cause = exc if isinstance(exc, ResponseFailed) else exc.__cause__
    if not isinstance(cause, ResponseFailed):
        return str(exc) or type(exc).__name__
    inner = ", ".join(sorted({type(reason.value).__name__ for reason in cause.reasons})) or "no reason given"
    if isinstance(cause, ResponseNeverReceived):
        return f"the server closed or reset the connection before answering ({inner})"
    if getattr(cause, "response", None) is None:  # bytes came, but the header never ended
        return ("the response header did not end: too long (the HTTP client refuses a header line over 16 KiB "
                f"and hangs up) or cut off by the server ({inner})")
    return f"the connection broke while the body was read ({inner})"


def _stop_reason(failure: Failure) -> str:
    # The reason set by crawler.extensions.pagefilter travels on the request meta.
    request = getattr(failure, "request", None)
    if request is not None and request.meta.get("fanwen_stop_reason"):
        return request.meta["fanwen_stop_reason"]
    return "stopped: download stopped"
