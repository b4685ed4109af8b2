"""Stop redirect loops at the first repeat, with the loop named in the crawl log."""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.urls import canonicalize


class RedirectLoopMiddleware:
    """Runs before Scrapy's RedirectMiddleware sees a 3xx (place it at a higher order than 600)."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = canonicalize(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in {canonicalize(u) for u in chain}:
            raise IgnoreRequest(f"redirect_loop: {' -> '.join([*chain, target])}")
        return response
