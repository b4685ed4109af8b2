"""Stop binary and oversized responses as soon as their headers arrive."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload

_TEXT_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain", "text/vnd.wap")


class PageFilter:
    """A .doc, a zip or a 30 MB file is never downloaded in full: only its headers are read."""

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
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(_TEXT_TYPES):
            self._stop(request, f"not_html: content type {content_type.split(';')[0]}")
        if body_length and body_length > self.max_bytes:
            self._stop(request, f"too_large: {body_length} bytes announced, over FANWEN_MAX_PAGE_BYTES={self.max_bytes}")

    def bytes_received(self, data, request, spider) -> None:
        """Responses that hide their size (chunked) are stopped once they pass the limit."""
        received = request.meta.get("fanwen_bytes", 0) + len(data)
        request.meta["fanwen_bytes"] = received
        if received > self.max_bytes:
            self._stop(request, f"too_large: over FANWEN_MAX_PAGE_BYTES={self.max_bytes} bytes received")

    @staticmethod
    def _stop(request, reason: str) -> None:
        request.meta["fanwen_stop_reason"] = reason
        raise StopDownload(fail=True)
