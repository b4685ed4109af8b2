"""Stop binary and oversized responses as soon as their headers arrive, or once too much has come."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload

_TEXT_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain", "text/vnd.wap")
# A sitemap may also come gzipped, as a file (sitemap.xml.gz) rather than with Content-Encoding.
_SITEMAP_TYPES = (*_TEXT_TYPES, "application/gzip", "application/x-gzip", "application/octet-stream")


class PageFilter:
    """A .doc, a zip or a 30 MB file is never downloaded in full: only its headers are read.

    The limit is FANWEN_MAX_PAGE_BYTES, or `request.meta["fanwen_max_bytes"]` (sitemaps). A body
    whose length is announced is judged by its Content-Length; a chunked one (no length, as most
    dynamic sites send) is stopped as soon as the bytes received pass the limit.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler):
        max_bytes = crawler.settings.getint("FANWEN_MAX_PAGE_BYTES")
        if max_bytes <= 0:
            raise NotConfigured
        ext = cls(max_bytes)
        crawler.signals.connect(ext.headers_received, signal=signals.headers_received)
        crawler.signals.connect(ext.bytes_received, signal=signals.bytes_received)
        return ext

    def headers_received(self, headers, body_length, request, spider) -> None:
        request.meta["fanwen_bytes"] = 0  # a retry copies the meta of the failed attempt
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        allowed = _SITEMAP_TYPES if request.meta.get("fanwen_sitemap") else _TEXT_TYPES
        if content_type and not content_type.startswith(allowed):
            self._stop(request, f"not_html: content type {content_type.split(';')[0]}")
        limit = self._limit(request)
        # Twisted's UNKNOWN_LENGTH (a chunked body, or one read until the connection closes) is not a number.
        if isinstance(body_length, int) and body_length > limit:
            self._stop(request, f"too_large: {body_length} bytes announced, over the limit of {limit} bytes")

    def bytes_received(self, data, request, spider) -> None:
        """Responses that hide their size (chunked) are stopped once they pass the limit."""
        received = request.meta.get("fanwen_bytes", 0) + len(data)
        request.meta["fanwen_bytes"] = received
        limit = self._limit(request)
        if received > limit:
            self._stop(request, f"too_large: over the limit of {limit} bytes received")

    def _limit(self, request) -> int:
        return request.meta.get("fanwen_max_bytes") or self.max_bytes

    @staticmethod
    def _stop(request, reason: str) -> None:
        request.meta["fanwen_stop_reason"] = reason
        raise StopDownload(fail=True)
