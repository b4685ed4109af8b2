"""Re-decode responses whose declared charset lies (GBK labelled utf-8, no charset, `httpequiv`),
and turn binary bodies that claim to be HTML back into plain responses."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.http.headers import Headers
from w3lib.encoding import http_content_type_encoding

from crawler.encoding import decide_encoding

_HTML_START = (b"<!doctype", b"<html", b"<head", b"<meta", b"<body", b"<text", b"<div", b"<p", b"<?xml")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control bytes that no text page has (tab, newlines and form feed excluded).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"
BINARY_SAMPLE = 4096
MAX_CONTROL_SHARE = 0.05


class FixEncodingMiddleware:
    """Decides the encoding from the bytes (see crawler.encoding) instead of trusting labels.

    A UTF-8 page with stray bytes stays UTF-8: the bad sequences decode as U+FFFD and are counted
    (`fanwen/decode_replacements`, and the page's count in `request.meta["fanwen_decode_replacements"]`).
    A body with NUL bytes or many control bytes is binary whatever its Content-Type says: it is
    handed on as a plain Response, which the spider logs as a `not_html` error.
    """

    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> FixEncodingMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("fanwen_sitemap"):  # XML, text or gzip: read by the sitemap code
            return response
        if isinstance(response, TextResponse):
            if response.url.endswith("/robots.txt") or not isinstance(response, HtmlResponse):
                return response
        elif not _looks_like_html(response.body):
            return response
        binary = binary_reason(response.body)
        if binary is not None:
            request.meta["fanwen_not_html"] = f"not_html: {binary}, labelled {_content_type(response.headers) or 'nothing'}"
            return Response(url=response.url, status=response.status, headers=response.headers, body=response.body,
                            flags=response.flags, request=response.request, certificate=response.certificate,
                            ip_address=response.ip_address, protocol=response.protocol)
        header = http_content_type_encoding(_content_type(response.headers))
        encoding, replacements = decide_encoding(response.body, header)
        if replacements:
            request.meta["fanwen_decode_replacements"] = replacements
            if self.stats is not None:
                self.stats.inc_value("fanwen/decode_replacements", replacements)
                self.stats.inc_value("fanwen/decode_replaced_pages")
        return HtmlResponse(
            url=response.url,
            status=response.status,
            headers=response.headers,
            body=response.body,
            flags=response.flags,
            request=response.request,
            encoding=encoding,
            certificate=response.certificate,
            ip_address=response.ip_address,
            protocol=response.protocol,
        )


def binary_reason(body: bytes) -> str | None:
    """Why `body` is not text (NUL bytes, control bytes), or None when it may be text."""
    if body.startswith(_UTF16_BOMS):
        return None
    sample = body[:BINARY_SAMPLE]
    if b"\x00" in sample:
        return "binary body (NUL bytes)"
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    if sample and controls > MAX_CONTROL_SHARE * len(sample):
        return f"binary body ({controls} control bytes in the first {len(sample)})"
    return None


def _content_type(headers: Headers) -> str:
    value = headers.get(b"Content-Type") or b""
    return value.decode("latin-1")


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_START)
