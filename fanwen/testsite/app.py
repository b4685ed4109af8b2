"""Request dispatch: host -> site, path -> trap or routed page, with per-run once-only errors."""
from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from . import traps
from .families.base import Page, page_rng
from .model import Site, SiteBundle
from .response import Response, text
from .revisions import Revisions, not_modified

JSESSION_RE = re.compile(r";jsessionid=[^/?#;]*", re.I)
STATUS_BODY = {500: "500 Internal Server Error", 503: "503 Service Temporarily Unavailable", 429: "429 Too Many Requests"}


class SiteApp:
    """Answers requests for every site of a bundle; holds the state of the once-only traps."""

    def __init__(self, bundle: SiteBundle, port: int = 80) -> None:
        self.bundle = bundle
        self.port = port
        self._failed: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.revisions = Revisions()

    def handle(self, method: str, host_header: str, target: str, headers: dict[str, str] | None = None) -> Response:
        """Answer one request (method is informational; HEAD is handled by the server).

        `headers` (lower-case names) may carry If-None-Match / If-Modified-Since: article pages
        answer 304 when their validators still match.
        """
        host = _strip_port(host_header)
        site = self.bundle.site_for(host)
        if site is None:
            return text(404, "<h1>404 Not Found</h1><p>Unknown host.</p>")
        if not target.startswith("/"):
            parts = urlsplit(target)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        path, _, query = target.split("#", 1)[0].partition("?")
        path = JSESSION_RE.sub("", path)
        static = traps.static_response(path)
        if static is not None:
            return static
        fam = site.family
        mobile = host != site.host
        key = traps.repeat_key(fam, path) or fam.route_key(path, query)
        if not mobile and key in site.redirects:
            url = f"http://{host}:{self.port}{site.redirects[key]}"
            return text(301, f'<a href="{url}">Moved Permanently</a>', Location=url)
        route = site.routes.get(key)
        if route is None:
            lst = traps.listing(site, path, query)
            page = self._page(site, host, path + "?" + query, target, None)
            if lst is None:
                return self._html(404, page, fam.render_404(page))
            return self._html(200, page, fam.render_listing(page, lst.title, lst.trail, lst.items, "", lst.extra))
        if not mobile and key in site.flaky and self._first(host, key):
            status, retry = site.flaky[key]
            headers = {"Retry_After": str(retry)} if retry else {}
            return text(status, f"<h1>{STATUS_BODY[status]}</h1>", **headers)
        if route[0] == "article" and self.revisions.is_withheld(site, route[1]):
            page = self._page(site, host, key, path, None)
            return self._html(404, page, fam.render_404(page))
        path_for_page = path if traps.repeat_key(fam, path) else fam.href(site, route)
        page = self._page(site, host, key, path_for_page, route)
        if route[0] != "article":
            return self._html(200, page, fam.render(page, route))
        etag, modified = self.revisions.validators(site, site.posts[route[1]], route[2])
        if not_modified(headers or {}, etag, modified):
            return Response(304, fam.content_type(page), b"", [("ETag", etag), ("Last-Modified", modified)])
        resp = self._html(200, page, fam.render(page, route))
        resp.headers += [("ETag", etag), ("Last-Modified", modified)]
        return resp

    def render(self, host: str, target: str) -> bytes:
        """Body bytes of a page, as served (for tests and determinism checks)."""
        return self.handle("GET", host, target).body

    def _page(self, site: Site, host: str, key: str, path: str, route: tuple | None) -> Page:
        fam = site.family
        enc = fam.page_enc(site, key, route) if route else "normal"
        return Page(site, host, self.port, key, path, mobile=host != site.host,
                    enc="normal" if host != site.host else enc, rng=page_rng(site, key))

    def _html(self, status: int, page: Page, html: str) -> Response:
        fam = page.site.family
        return Response(status, fam.content_type(page), fam.encode(html, page))

    def _first(self, host: str, key: str) -> bool:
        with self._lock:
            if (host, key) in self._failed:
                return False
            self._failed.add((host, key))
            return True


def _strip_port(host_header: str) -> str:
    h = (host_header or "").strip().lower()
    if h.startswith("["):
        return h.split("]")[0] + "]"
    return h.rsplit(":", 1)[0] if ":" in h else h
