"""Crawler traps answered on the fly: robots, counters, calendar, search, loops, binaries."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import parse_qs, quote

from .families.base import Family, esc
from .model import Site
from .response import Response, text

ROBOTS = ("User-agent: *\nDisallow: /plus/\nDisallow: /member/\nDisallow: /dldoc/\n"
          "Disallow: /private/\nDisallow: /api/\n")
CHUNK_SIZE = 64 * 1024
SOFT_SIZE = 30 * 1024 * 1024
DOC_SIZE = 2 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ARCHIVE_RE = re.compile(r"^/archive/(\d{4})-(\d{2})\.html$")
DOC_RE = re.compile(r"^/uploads/fanwen-(\d+)\.doc$")
SEARCH_SIZE = 10


@dataclass
class Listing:
    """A generated list page (calendar month or search results)."""

    title: str
    trail: list[tuple[str, str]]
    items: list[tuple[str, str, str]]
    extra: str


def _chunks(first: bytes, size: int) -> Iterator[bytes]:
    """Lazily yield `size` bytes of a deterministic binary body."""
    block = bytes(range(256)) * (CHUNK_SIZE // 256)
    sent = 0
    while sent < size:
        data = first + block[len(first):] if sent == 0 else block
        data = data[: size - sent]
        sent += len(data)
        yield data


def static_response(path: str) -> Response | None:
    """Fixed answers that do not depend on the site model."""
    if path == "/robots.txt":
        return text(200, ROBOTS, "text/plain; charset=utf-8")
    if path == "/plus/count.php":
        return text(200, "document.write('123');", "application/javascript")
    if path == "/api.php":
        return text(200, "123", "text/plain")
    if path == "/go/a.html":
        return text(302, '<a href="/go/b.html">跳转中…</a>', Location="/go/b.html")
    if path == "/go/b.html":
        return text(302, '<a href="/go/a.html">跳转中…</a>', Location="/go/a.html")
    if path == "/soft/30mb.html":
        return Response(200, "application/octet-stream", stream=lambda: _chunks(b"PK\x03\x04", SOFT_SIZE),
                        length=SOFT_SIZE, headers=[("Content-Disposition", 'attachment; filename="fanwen.zip"')])
    if DOC_RE.match(path):
        return Response(200, "application/msword", stream=lambda: _chunks(OLE_MAGIC, DOC_SIZE), length=DOC_SIZE)
    if path.endswith(".css"):
        return text(200, "body{font-size:14px}", "text/css")
    if path.endswith(".js"):
        return text(200, "", "application/javascript")
    return None


def repeat_key(fam: Family, path: str) -> str | None:
    """Route key for the /shiyong/shiyong/… relative-link loop (any depth answers)."""
    seg = fam.repeat_trap
    if seg and path.startswith(seg) and path != seg:
        rest = path[len(seg) - 1:]
        if rest.endswith("/") and rest.strip("/") and set(rest.strip("/").split("/")) == {seg.strip("/")}:
            return seg
    return None


def listing(site: Site, path: str, query: str) -> Listing | None:
    """Calendar months and search result pages, generated for any month / query / page."""
    m = ARCHIVE_RE.match(path)
    if m:
        return _calendar(site, int(m.group(1)), int(m.group(2)))
    if path in ("/search/", "/search"):
        return _search(site, query)
    return None


def _calendar(site: Site, year: int, month: int) -> Listing | None:
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    ym = f"{year:04d}-{month:02d}"
    posts = [site.posts[i] for i in site.latest if site.posts[i].doc.published.startswith(ym)][:10]
    if not posts:
        rng = random.Random(f"{site.seed}|archive|{ym}")
        posts = rng.sample(site.posts, 3)
    items = [(p.path, p.title, p.doc.published[:10]) for p in posts]
    nav = []
    if (year, month) > (1900, 1):
        py, pm = (year, month - 1) if month > 1 else (year - 1, 12)
        nav.append(f'<a href="/archive/{py:04d}-{pm:02d}.html">上个月</a>')
    if (year, month) < (2100, 12):
        ny, nm = (year, month + 1) if month < 12 else (year + 1, 1)
        nav.append(f'<a href="/archive/{ny:04d}-{nm:02d}.html">下个月</a>')
    title = f"{year}年{month}月文章归档"
    return Listing(title, [("文章归档", f"/archive/{ym}.html")], items, '<div class="archive-nav">' + " | ".join(nav) + "</div>")


def _search(site: Site, query: str) -> Listing:
    try:
        qs = parse_qs(query, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        qs = parse_qs(query, encoding="gbk", errors="replace")
    q = (qs.get("q") or qs.get("keyword") or ["范文"])[0].strip() or "范文"
    page = qs.get("page", ["1"])[0]
    n = int(page) if page.isdigit() and 0 < int(page) < 10 ** 9 else 1
    words = q.split()
    hits = [site.posts[i] for i in site.latest
            if all(w in site.posts[i].doc.title or w in site.posts[i].doc.terms for w in words)]
    chunk = hits[(n - 1) * SEARCH_SIZE: n * SEARCH_SIZE]
    rng = random.Random(f"{site.seed}|search|{q}|{n}")
    if not chunk:
        chunk = rng.sample(site.posts, min(SEARCH_SIZE, len(site.posts)))
    items = [(p.path, p.title, p.doc.published[:10]) for p in chunk]
    enc = site.family.url_encoding
    qq = quote(q, safe="", encoding=enc).replace("%20", "+")

    def href(qv: str, k: int) -> str:
        return f"/search/?q={qv}" + (f"&page={k}" if k > 1 else "")

    links = ([f'<a href="{href(qq, n - 1)}">上一页</a>'] if n > 1 else []) + [f'<a href="{href(qq, n + 1)}">下一页</a>']
    combos = " ".join(f'<a href="{href(qq + "+" + quote(t, safe="", encoding=enc), 1)}">{esc(q)} {esc(t)}</a>'
                      for t in rng.sample(site.terms, min(5, len(site.terms))))
    extra = (f'<div class="pages">{" ".join(links)}</div>\n<p class="related-search">相关搜索：{combos}</p>\n'
             f'<p class="count">找到相关结果约{len(hits)}个</p>')
    return Listing(f"“{q}”的搜索结果", [("站内搜索", href(qq, 1))], items, extra)
