"""URL canonicalisation, crawl scope and the shape of a URL (for trap containment)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import safe_url_string

MIRROR_PREFIXES = ("www.", "m.", "mip.", "wap.", "3g.")

# Query keys that never change the document: trackers, share sources and session ids.
TRACKING_KEYS = re.compile(
    r"^(utm_\w+|spm|from|fromid|share(_\w+)?|source|src|ref|refer|referer|timestamp|t|_|"
    r"sid|sessionid|session_id|phpsessid|jsessionid|aspsessionid\w*|cid_track|wxfrom|isappinstalled|"
    r"fbclid|gclid|bd_vid|tdsourcetag|scene|clicktime|enterid)$",
    re.I,
)
PATH_PARAMS = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}


def site_of(host: str) -> str:
    """The site a host belongs to: the host without its mirror prefix."""
    host = host.lower().split(":")[0]
    for prefix in MIRROR_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix):]
    return host


def canonicalize(url: str, encoding: str = "utf-8") -> str:
    """A stable form of `url`: lower-case host, no default port, fragment, trackers or session ids.

    Non-ASCII characters are percent-encoded the way a browser sends them (path as UTF-8, query in
    the page's encoding, which matters for GBK tag and search URLs). The order of query parameters
    is kept, since some CMSs (DedeCMS ``tags.php?/词/``) read the raw query string.
    """
    url = safe_url_string(url.strip(), encoding=encoding)
    parts = urlsplit(url)
    if _has_userinfo(parts):
        shown = urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))
        raise ValueError(f"URL with user info refused: {shown[:200]}")  # its password is not repeated
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = PATH_PARAMS.sub("", parts.path) or "/"
    query = parts.query
    if "=" in query:
        # latin-1 round-trips every byte, so GBK percent-escapes survive untouched.
        pairs = parse_qsl(query, keep_blank_values=True, encoding="latin-1")
        kept = [(k, v) for k, v in pairs if not TRACKING_KEYS.match(k)]
        query = urlencode(kept, safe="/:,", encoding="latin-1")
    return urlunsplit((scheme, netloc, path, query, ""))


def _has_userinfo(parts: SplitResult) -> bool:
    """`user:pass@host` (or a `\\` that a browser reads as a slash and urllib as part of the host)."""
    return "@" in parts.netloc or "\\" in parts.netloc


def is_private_host(host: str) -> bool:
    """True for a literal loopback, private, link-local or unspecified address (not for names)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified


class Scope:
    """The sites of the start URLs: their hosts plus www./m./mip. mirrors, on the start URLs' origins.

    A URL is in scope when its host is a start host or a mirror of one, and its scheme and port
    are those of a start URL (`any_port` lifts that; a start URL on a default port also admits the
    other scheme's default port, since sites move between http and https). URLs with user info
    (`http://a@b/`, `http://a\\@b/`) are never in scope. Every mirror host is mapped to the host form
    of the start URL, so that the same page on m.example.com and www.example.com gets one
    canonical URL.
    """

    def __init__(self, start_urls: list[str], any_port: bool = False):
        self.primary: dict[str, str] = {}
        self.any_port = any_port
        self.origins: set[tuple[str, int]] = set()
        for url in start_urls:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").lower()
            self.primary.setdefault(site_of(host), host)
            scheme = parts.scheme.lower()
            port = parts.port or DEFAULT_PORTS.get(scheme)
            if port is None:
                continue
            self.origins.add((scheme, port))
            if DEFAULT_PORTS.get(scheme) == port:
                self.origins |= set(DEFAULT_PORTS.items())

    @property
    def sites(self) -> list[str]:
        return list(self.primary)

    def contains(self, url: str) -> bool:
        return self.refusal(url) is None

    def refusal(self, url: str) -> str | None:
        """Why `url` is out of scope, or None when it is in scope."""
        try:
            if "\\" in url:  # browsers (and Scrapy's safe_url_string) read a backslash as a slash
                url = safe_url_string(url)
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            return f"unparseable URL ({exc})"
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            return f"scheme {scheme or 'missing'}"
        if _has_userinfo(parts):
            return "user info in the URL"
        host = (parts.hostname or "").lower().rstrip(".")
        if site_of(host) not in self.primary:
            return f"host {host or 'missing'} is not a start host or its mirror"
        if not self.any_port and (scheme, port or DEFAULT_PORTS[scheme]) not in self.origins:
            return f"{scheme} port {port or DEFAULT_PORTS[scheme]} is not a start URL's"
        return None

    def canonical(self, url: str, encoding: str = "utf-8") -> str:
        """Canonical form of an in-scope URL, with mirror hosts folded onto the primary host.

        Raises ValueError for a URL that cannot be parsed or carries user info.
        """
        url = canonicalize(url, encoding)
        parts = urlsplit(url)
        host = parts.hostname or ""
        primary = self.primary.get(site_of(host))
        if primary and primary != host:
            netloc = primary if parts.port is None else f"{primary}:{parts.port}"
            url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return url


_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"(%[0-9A-Fa-f]{2})+|[^\x00-\x7f]+")
_VIEW = re.compile(r"^[A-Za-z_]{1,12}$")
_TERM_KEYS = {"q", "kw", "wd", "word", "keyword", "keywords", "tag", "query", "search"}


def url_shape(url: str) -> str:
    """The template a URL was made from: digits and encoded words masked, query values dropped.

    `/archive/2022-09.html` and `/archive/1931-02.html` share the shape `/archive/#-#.html`.
    """
    parts = urlsplit(url)
    path = _DIGITS.sub("#", _WORD.sub("*", parts.path))
    pairs = parse_qsl(parts.query, keep_blank_values=True) if "=" in parts.query else []
    # Short word values name a view (PHPCMS `c=tag&a=lists`); ids, pages and terms are masked.
    keys = sorted(f"{k}={v}" if _VIEW.match(v) and k not in _TERM_KEYS else k for k, v in pairs)
    if parts.query and not keys:
        keys = ["*"]
    return f"{parts.hostname}{path}?{'&'.join(keys)}"


def has_repeated_segments(url: str, max_depth: int = 12) -> bool:
    """True for paths that a relative-link bug grows without end (`/a/a/`, `/x/y/x/y/x/`)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) > max_depth:
        return True
    if any(a == b for a, b in zip(segments, segments[1:])):
        return True
    counts: dict[str, int] = {}
    for segment in segments:
        counts[segment] = counts.get(segment, 0) + 1
        if counts[segment] >= 3:
            return True
    return False
