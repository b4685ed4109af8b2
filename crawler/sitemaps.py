"""Read sitemaps: XML urlsets and indexes, plain-text lists (Baidu's .txt format), gzipped or not.

Pure functions over bytes (Scrapy's `Sitemap` parser and `gunzip`, no network): the spider fetches,
`read_sitemap` reads within bounds, and the spider decides what to request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class SitemapLimits:
    """Bounds on what one crawl reads from sitemaps (FANWEN_SITEMAP_* settings)."""

    max_bytes: int = 50 * 1024 * 1024  # per sitemap, once decompressed (the sitemaps.org limit)
    max_urls: int = 50_000  # entries read per sitemap (the sitemaps.org limit)
    max_depth: int = 3  # sitemap indexes within indexes
    max_files: int = 200  # sitemaps per crawl

    @classmethod
    def from_settings(cls, settings) -> SitemapLimits:
        return cls(settings.getint("FANWEN_SITEMAP_MAX_BYTES"), settings.getint("FANWEN_SITEMAP_MAX_URLS"),
                   settings.getint("FANWEN_SITEMAP_MAX_DEPTH"), settings.getint("FANWEN_SITEMAP_MAX_FILES"))


class SitemapError(ValueError):
    """A sitemap that cannot be read; the message starts with a stats key (`too_large: ...`)."""


@dataclass
class SitemapRead:
    """What a sitemap lists: page URLs (`urlset`, `text`) or further sitemaps (`index`)."""

    kind: str  # urlset, index or text
    entries: list[tuple[str, str | None]] = field(default_factory=list)  # (loc, lastmod)
    truncated: bool = False  # more entries than the limit; the rest was not read
    problems: int = 0  # XML errors recovered from


def read_sitemap(body: bytes, max_bytes: int, max_urls: int) -> SitemapRead:
    """The entries of a sitemap body, at most `max_urls`, decompressed to at most `max_bytes`."""
    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_bytes)
        except ValueError as exc:  # scrapy's _DecompressionMaxSizeExceeded
            raise SitemapError(f"too_large: gzipped sitemap over {max_bytes} bytes once decompressed") from exc
        except (OSError, EOFError) as exc:
            raise SitemapError(f"sitemap_invalid: broken gzip data ({exc})") from exc
    if len(body) > max_bytes:
        raise SitemapError(f"too_large: sitemap of {len(body)} bytes, over {max_bytes}")
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return _read_text(body, max_urls)
    try:
        sitemap = Sitemap(body)
    except (StopIteration, lxml.etree.XMLSyntaxError) as exc:
        raise SitemapError(f"sitemap_invalid: not XML ({exc or 'no root element'})") from exc
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise SitemapError(f"sitemap_invalid: root element <{sitemap.type}>, not <urlset> or <sitemapindex>")
    read = SitemapRead("index" if sitemap.type == "sitemapindex" else "urlset")
    try:
        for entry in sitemap:
            if len(read.entries) >= max_urls:
                read.truncated = True
                break
            loc = (entry.get("loc") or "").strip()
            if loc:
                read.entries.append((loc, entry.get("lastmod") or None))
    except lxml.etree.XMLSyntaxError:
        read.problems += 1
    read.problems += len(sitemap.xmliter.error_log)
    return read


def _read_text(body: bytes, max_urls: int) -> SitemapRead:
    """Baidu's (and Google's) text sitemap: one absolute URL a line, UTF-8."""
    read = SitemapRead("text")
    for line in body.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line.startswith(("http://", "https://")):
            if line:
                read.problems += 1
            continue
        if len(read.entries) >= max_urls:
            read.truncated = True
            break
        read.entries.append((line, None))
    return read


def parse_lastmod(value: str | None) -> datetime | None:
    """A W3C datetime (`2024-05-01`, `2024-05-01T08:00:00+08:00`, `...Z`) in UTC, or None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def modified_since(lastmod: str | None, visited: datetime | None) -> bool:
    """True when a sitemap's `lastmod` says the page changed after it was last visited."""
    when = parse_lastmod(lastmod)
    return when is not None and visited is not None and when > visited
