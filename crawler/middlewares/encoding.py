"""Re-decode responses whose declared charset lies (GBK labelled utf-8, no charset, `httpequiv`)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.http.headers import Headers
from w3lib.encoding import http_content_type_encoding

from crawler.encoding import detect_encoding

_HTML_START = (b"<!doctype", b"<html", b"<head", b"<meta", b"<body", b"<text", b"<div", b"<p", b"<?xml")


class FixEncodingMiddleware:
    """Decides the encoding from the bytes (see crawler.encoding) instead of trusting labels."""

    def process_response(self, request: Request, response: Response) -> Response:
        if isinstance(response, TextResponse):
            if response.url.endswith("/robots.txt") or not isinstance(response, HtmlResponse):
                return response
        elif not _looks_like_html(response.body):
            return response
        header = http_content_type_encoding(_content_type(response.headers))
        encoding = detect_encoding(response.body, header)
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


def _content_type(headers: Headers) -> str:
    value = headers.get(b"Content-Type") or b""
    return value.decode("latin-1")


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_START)
