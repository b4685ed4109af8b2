"""What a page is and which of its links to follow: page kinds, link filters and trap containment."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.extract import ArticleFields, Page
from crawler.profiles import SiteProfile
from crawler.urls import Scope, has_repeated_segments, url_shape

ARTICLE_URL = re.compile(
    r"/(?:[a-z]+[-_])?\d{3,}(?:_\d+)?\.s?html?$|/(?:a|doc|article|show|p|archives)/\d+(?:\.s?html?)?$|[?&](?:aid|id)=\d+",
    re.I,
)
PART_URL = re.compile(r"^(?P<stem>.+/(?:[a-z]+[-_])?\d+)_(?P<n>\d{1,3})(?P<ext>\.s?html?)$", re.I)
LIST_URL = re.compile(
    r"(?:list[_-]\d+(?:[_-]\d+)?|index[_-]\d+)\.s?html?$|/$|/index\.(?:s?html?|php|asp)$|[?&](?:page|pn|pageno)=\d+",
    re.I,
)
TAG_URL = re.compile(r"/tags?/|tags?\.php|[?&]c=tag\b|/t/|[?&](?:tag|q|keyword|kw|wd)=|/search", re.I)
SKIP_EXTENSIONS = frozenset(IGNORED_EXTENSIONS) | {"txt", "json", "xml", "rss", "apk", "ipa"}
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "weixin:")

MAX_URL_LENGTH = 2083  # Scrapy's URLLENGTH_LIMIT
MIN_ARTICLE_CHARS = 150  # non-link characters in the content block
MAX_ARTICLE_LINK_SHARE = 0.35  # link text / all text of the content block


def looks_like_article_url(url: str, profile: SiteProfile | None = None) -> bool:
    if profile and profile.article_urls:
        return any(p.search(url) for p in profile.article_urls)
    path = urlsplit(url).path
    return bool(ARTICLE_URL.search(path + ("?" + urlsplit(url).query if urlsplit(url).query else "")))


def first_page_url(url: str) -> str:
    """`/a/123_3.html` -> `/a/123.html`: continuation pages are reached through page 1."""
    match = PART_URL.match(url)
    return f"{match['stem']}{match['ext']}" if match else url


def kind_by_url(url: str, profile: SiteProfile | None = None) -> str | None:
    """list, tag or home when the URL alone says so (then the page needs no article extraction)."""
    parts = urlsplit(url)
    if profile and any(p.search(url) for p in profile.list_urls):
        return "list"
    if parts.path in ("/", "/index.html", "/index.htm", "/index.php", "/default.html") and not parts.query:
        return "home"
    if TAG_URL.search(url):
        return "tag"
    return None


def page_kind(url: str, fields: ArticleFields, profile: SiteProfile | None = None) -> str:
    """article, list, tag, home or other."""
    by_url = kind_by_url(url, profile)
    if by_url is not None:
        return by_url
    parts = urlsplit(url)
    total = fields.text_chars + fields.link_chars
    is_text = (
        fields.text_chars >= MIN_ARTICLE_CHARS
        and total
        and fields.link_chars / total <= MAX_ARTICLE_LINK_SHARE
        and bool(fields.title)
    )
    if profile and profile.article_urls:
        return "article" if is_text and looks_like_article_url(url, profile) else "list"
    if LIST_URL.search(url) and not ARTICLE_URL.search(parts.path):
        return "list"
    return "article" if is_text else "list"


def may_open_multipage_article(url: str, fields: ArticleFields, profile: SiteProfile | None = None) -> bool:
    """A page too short to be an article by itself, at an article URL: page 1 of a multi-page article
    when it links its own page 2 (`123.html` -> `123_2.html`), which the caller checks."""
    if not fields.title or not fields.text_chars or PART_URL.match(url):
        return False
    if fields.link_chars > fields.text_chars:  # a list's short intro, not the start of a text
        return False
    if kind_by_url(url, profile) is not None or (LIST_URL.search(url) and not (profile and profile.article_urls)):
        return False
    return looks_like_article_url(url, profile)


@dataclass(frozen=True)
class Link:
    url: str  # canonical
    text: str


class LinkResolver:
    """Canonical URLs of hrefs, cached: nav, footer and tag links repeat on every page of a site.

    `resolve` gives (canonical URL, URL to follow or None); both are None out of scope.

    Two generations of at most `max_entries / 2` each (~200 bytes an entry): when the young one is full it
    becomes the old one and the old one goes, so the links every page repeats stay (a hit in the old
    generation moves to the young one) and the one-off links of each page do not pile up (~10 MiB in all).
    """

    def __init__(self, scope: Scope, profile_for=lambda url: None, max_entries: int = 50_000):
        self.scope = scope
        self.profile_for = profile_for
        self.max_entries = max_entries
        self._cache: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}
        self._old: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}

    def resolve(self, base: str, href: str, encoding: str) -> tuple[str | None, str | None]:
        # Absolute and root-relative hrefs do not depend on the page they are on.
        if href.startswith(("http://", "https://")):
            key = ("", href, encoding)
        elif href.startswith("/") and not href.startswith("//"):
            key = (base[: base.find("/", base.find("//") + 2)], href, encoding)
        else:
            key = (base, href, encoding)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._old.get(key)
            if hit is None:
                hit = self._resolve(base, href, encoding)
            if len(self._cache) >= self.max_entries // 2:
                self._old, self._cache = self._cache, {}
            self._cache[key] = hit
        return hit

    def __len__(self) -> int:
        """Entries cached (both generations)."""
        return len(self._cache) + len(self._old)

    def _resolve(self, base: str, href: str, encoding: str) -> tuple[str | None, str | None]:
        try:
            absolute = urljoin(base, href)
            if not self.scope.contains(absolute):
                return None, None
            canonical = self.scope.canonical(absolute, encoding)
        except ValueError:
            return None, None
        follow = first_page_url(canonical)
        return canonical, None if _skipped(follow, self.profile_for(follow)) else follow


def _hrefs(page: Page):
    """(base URL, href, <a> element) of every followable link of the page."""
    base = page.url
    for el in page.root.iter("base"):
        if el.get("href"):
            base = urljoin(page.url, el.get("href"))
            break
    for a in page.root.iter("a", "area"):
        href = (a.get("href") or "").strip()
        if href and not href.lower().startswith(SKIP_SCHEMES):
            yield base, href, a


def page_links(page: Page, resolver: LinkResolver, encoding: str) -> list[Link]:
    """In-scope links worth following, canonical, without files, traps or continuation pages."""
    if page.root is None:
        return []
    links: dict[str, Link] = {}
    for base, href, a in _hrefs(page):
        _, url = resolver.resolve(base, href, encoding)
        if url is not None and url not in links:
            links[url] = Link(url, (a.text or "").strip()[:60])
    return list(links.values())


def _skipped(url: str, profile: SiteProfile | None) -> bool:
    if len(url) > MAX_URL_LENGTH:  # Scrapy's UrlLengthMiddleware would drop the request without a trace
        return True
    path = urlsplit(url).path
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ext in SKIP_EXTENSIONS or has_repeated_segments(url):
        return True
    return bool(profile and any(p.search(url) for p in profile.ignore_urls))


def continuation_pages(page: Page, url: str, resolver: LinkResolver, encoding: str) -> list[str]:
    """URLs of pages 2..N of a multi-page article whose page 1 is `url` (`123_2.html` ...)."""
    if page.root is None or PART_URL.match(url):
        return []
    stem, dot, ext = url.rpartition(".")
    if not dot or "/" in ext:
        return []
    prefix, suffix = f"{stem}_", f".{ext}"
    numbers: set[int] = set()
    for base, href, _ in _hrefs(page):
        if "_" not in href and "%5f" not in href.lower():  # cannot lead to `123_2.html`: not worth resolving
            continue
        canonical, _ = resolver.resolve(base, href, encoding)
        if canonical and canonical.startswith(prefix) and canonical.endswith(suffix):
            number = canonical[len(prefix) : -len(suffix)]
            if number.isdigit() and len(number) <= 3 and int(number) >= 2:
                numbers.add(int(number))
    if not numbers:
        return []
    # Pagers often show only a window (1 2 3 … 下一页); the last number bounds the article.
    return [f"{stem}_{n}.{ext}" for n in range(2, max(numbers) + 1)]


class TrapGuard:
    """Stops URL shapes whose pages keep coming without revealing anything new.

    Calendars, endless search/tag combinations and pagination past the end all produce page
    after page of one URL shape that links only to pages already known. Once `window` pages
    of a shape in a row revealed no new article URL, that shape is exhausted: its remaining
    and future URLs are not fetched.
    """

    def __init__(self, window: int = 20):
        self.window = window
        self._history: dict[str, deque[bool]] = {}
        self.article_shapes: set[str] = set()
        self.on_exhausted: Callable[[str], None] | None = None  # told when a shape becomes exhausted

    def record(self, shape: str, productive: bool) -> None:
        history = self._history.setdefault(shape, deque(maxlen=self.window))
        was_exhausted = self.exhausted(shape)
        history.append(productive)
        if self.on_exhausted is not None and not was_exhausted and self.exhausted(shape):
            self.on_exhausted(shape)

    def preload(self, shapes: Iterable[str]) -> None:
        """Shapes an earlier crawl found exhausted start exhausted (a recrawl does not explore them again)."""
        for shape in shapes:
            self._history[shape] = deque([False] * self.window, maxlen=self.window)

    def exhausted(self, shape: str) -> bool:
        history = self._history.get(shape)
        return history is not None and len(history) == self.window and not any(history)

    def learn_article(self, url: str) -> None:
        self.article_shapes.add(url_shape(url))

    def is_article_like(self, url: str, profile: SiteProfile | None = None) -> bool:
        return looks_like_article_url(url, profile) or url_shape(url) in self.article_shapes
