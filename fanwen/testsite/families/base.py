"""Shared machinery of a template family: page context, URL hooks, list pages, link helpers."""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from ..model import Category, Post, Site
from .content import ArticleText, esc

HREF_RE = re.compile(r'href="(/(?!plus/|member/|dldoc/|private/|api/)[^/"][^"]*|/)"')

TRACKERS = ("?utm_source=wx&utm_medium=share", "?sid={hex}", "?PHPSESSID={hex}", ";jsessionid={HEX}", "#comments")


def page_rng(site: Site, key: str) -> random.Random:
    """The deterministic RNG of one page (same on the www host and its mirror)."""
    return random.Random(f"{site.seed}|{site.host}|{key}")


def hexid(*parts: object, n: int = 16) -> str:
    """A random-looking but deterministic hex string."""
    return hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()[:n]


@dataclass
class Page:
    """Everything a renderer needs to know about the page being served."""

    site: Site
    host: str
    port: int
    key: str
    path: str
    mobile: bool = False
    enc: str = "normal"
    malformed: bool = False
    rng: random.Random = field(default_factory=random.Random)

    def abs_url(self, host: str, path: str) -> str:
        """Absolute URL on this server (carries the port)."""
        return f"http://{host}:{self.port}{path}"


class Family(ArticleText):
    """Base class: URL scheme hooks plus rendering shared by all template families."""

    name = ""
    host = ""
    mirror: str | None = None
    site_name = ""
    charset = "utf-8"
    list_size = 20
    tag_size = 10
    id_start = 1000
    id_gap = (1, 6)
    date_styles: tuple[tuple[str, float], ...] = (("seconds", 1.0),)
    hidden_layout = ""
    categories: tuple = ()
    empty_channels: tuple[tuple[str, str], ...] = ()
    repeat_trap: str | None = None
    domain_text = ""
    short_articles = False  # one essay of 100-400 characters, no variants or pay walls (testsite.families.duanwen)

    # ------------------------------------------------------------------ URLs
    def cat_path(self, parent_slug: str | None, slug: str) -> str:
        return f"/{parent_slug}/{slug}/" if parent_slug else f"/{slug}/"

    def list_href(self, cat: Category, n: int) -> str:
        raise NotImplementedError

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        raise NotImplementedError

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        raise NotImplementedError

    def private_path(self, aid: int, part: int) -> str:
        return f"/private/{aid}.html" if part == 0 else f"/private/{aid}_{part + 1}.html"

    def search_href(self, q: str, n: int = 1) -> str:
        href = "/search/?q=" + quote(q, safe="+", encoding=self.url_encoding)
        return href if n == 1 else f"{href}&page={n}"

    @property
    def url_encoding(self) -> str:
        return "gbk" if self.charset == "gbk" else "utf-8"

    def route_key(self, path: str, query: str) -> str:
        """Normalise a request path (+ query where it matters) to a route key."""
        return unquote(path, errors="replace")

    def href(self, site: Site, route: tuple) -> str:
        """The linked (canonical) href of a routed page."""
        kind = route[0]
        if kind == "article":
            return site.posts[route[1]].page_paths[route[2]]
        if kind == "private":
            return site.private[route[1]].page_paths[route[2]]
        if kind == "tag":
            return self.tag_href(route[1], route[2])
        if kind == "list":
            return self.list_href(site.categories[route[1]], route[2])
        return "/private/" if kind == "private_index" else "/"

    def list_pager_href(self, cat: Category, n: int) -> str:
        """Href used by list pagers (DedeCMS uses relative names)."""
        return self.list_href(cat, n)

    def list_keys(self, cat: Category, n: int) -> list[str]:
        """Every route key answering list page n (the first is the linked one)."""
        return [self.route_key(*split_href(self.list_href(cat, n)))]

    def disallowed(self, site: Site) -> dict[str, set[str]]:
        """Links (per host) this family's pages carry into robots-disallowed folders."""
        paths = {"/private/"} | {path for p in site.private for path in p.page_paths}
        paths |= {f"/dldoc/{p.aid}.html" for p in site.posts if p.doc.partial_at is not None}
        return {h: set(paths) for h in site.hosts}

    # ---------------------------------------------------------------- charset
    def page_enc(self, site: Site, key: str, route: tuple) -> str:
        """Charset variant of a page ("normal", "bom", or a family-specific trap)."""
        return "normal"

    def content_type(self, page: Page) -> str:
        return "text/html; charset=utf-8"

    def encode(self, html: str, page: Page) -> bytes:
        data = html.encode("utf-8")
        return b"\xef\xbb\xbf" + data if page.enc == "bom" else data

    # ------------------------------------------------------- page rendering
    def render(self, page: Page, route: tuple) -> str:
        """Render the page for a route tuple."""
        site, kind = page.site, route[0]
        if kind == "home":
            out = self.render_home(page)
        elif kind == "list":
            out = self.render_list(page, site.categories[route[1]], route[2])
        elif kind == "tag":
            out = self.render_tag(page, route[1], route[2])
        elif kind == "article":
            out = self.render_article(page, site.posts[route[1]], route[2])
        elif kind == "private":
            out = self.render_article(page, site.private[route[1]], route[2])
        elif kind == "private_index":
            items = [(p.path, p.title, p.doc.published[:10]) for p in site.private]
            out = self.render_listing(page, "内部资料", [("内部资料", "/private/")], items, "")
        else:
            raise KeyError(kind)
        if page.key in site.sid_pages:
            out = add_sid(out, hexid(site.seed, page.key, n=24))
        return out

    def render_home(self, page: Page) -> str:
        raise NotImplementedError

    def render_article(self, page: Page, post: Post, part: int) -> str:
        raise NotImplementedError

    def render_listing(self, page: Page, title: str, trail: list[tuple[str, str]],
                       items: list[tuple[str, str, str]], pager: str, extra: str = "") -> str:
        """A generic list page (categories, tags, search, archive) in the family's chrome."""
        raise NotImplementedError

    def render_404(self, page: Page) -> str:
        return self.render_listing(page, "404 页面不存在", [("页面不存在", "/")], [], "",
                                   "<p class=\"err\">抱歉，您访问的页面不存在或已被删除！</p>")

    def render_list(self, page: Page, cat: Category, n: int) -> str:
        site = page.site
        total = self.page_count(len(cat.posts))
        chunk = cat.posts[(n - 1) * self.list_size: n * self.list_size]
        items = [self.item(site.posts[i]) for i in chunk]
        dead = site.dead_links.get(cat.index)
        if dead and n == 1 and items:
            items.insert(min(3, len(items)), (dead, page.rng.choice(site.posts).doc.title + "范文", items[0][2]))
        trail = self.trail(site, cat)
        pager = self.pager(page, [(k, self.list_pager_href(cat, k)) for k in range(1, total + 1)], n, len(cat.posts))
        extra = ""
        if self.repeat_trap == cat.path:
            extra = f'<p class="more"><a href="{cat.slug}/">更多{esc(cat.name)}&gt;&gt;</a></p>'
        if not cat.posts:
            extra += '<p class="empty">该栏目暂无内容，敬请期待！</p>'
        subs = [c for c in site.categories if c.parent == cat.index]
        if subs:
            extra += '<div class="subcats">' + "".join(f'<a href="{c.path}">{esc(c.name)}</a> ' for c in subs) + "</div>"
        return self.render_listing(page, cat.name, trail, items, pager, extra)

    def render_tag(self, page: Page, term: str, n: int) -> str:
        site = page.site
        posts = site.term_posts[term]
        total = self.page_count(len(posts), self.tag_size)
        items = [self.item(site.posts[i]) for i in posts[(n - 1) * self.tag_size: n * self.tag_size]]
        pager = self.pager(page, [(k, self.tag_href(term, k)) for k in range(1, total + 1)], n, len(posts))
        return self.render_listing(page, term, [(term, self.tag_href(term))], items, pager)

    # --------------------------------------------------------------- helpers
    def page_count(self, n: int, size: int = 0) -> int:
        """Number of list pages for n items (list_size per page unless size is given)."""
        return max(1, -(-n // (size or self.list_size)))

    @staticmethod
    def item(post: Post) -> tuple[str, str, str]:
        return post.path, post.title, post.doc.published[:10]

    @staticmethod
    def trail(site: Site, cat: Category) -> list[tuple[str, str]]:
        """Breadcrumb entries below the site root."""
        out = [(cat.name, cat.path)]
        while cat.parent is not None:
            cat = site.categories[cat.parent]
            out.insert(0, (cat.name, cat.path))
        return out

    def post_trail(self, site: Site, post: Post) -> list[tuple[str, str]]:
        if post.doc.private:
            return [("内部资料", "/private/")]
        return self.trail(site, site.categories[post.doc.category])

    def pager(self, page: Page, hrefs: list[tuple[int, str]], n: int, count: int) -> str:
        """Numbered pagination (首页 上一页 1 2 3 下一页 末页); family formats it."""
        total = len(hrefs)
        if total <= 1:
            return ""
        links: list[tuple[str, str | None]] = []
        if n > 1:
            links += [("首页", hrefs[0][1]), ("上一页", hrefs[n - 2][1])]
        lo = max(1, min(n - 4, total - 9))
        for k, href in hrefs[lo - 1: lo + 9]:
            links.append((str(k), None if k == n else href))
        if n < total:
            links += [("下一页", hrefs[n][1]), ("末页", hrefs[-1][1])]
        return self.pager_html(links, n, total, count)

    def pager_html(self, links: list[tuple[str, str | None]], n: int, total: int, count: int) -> str:
        parts = [f'<a href="{h}">{t}</a>' if h else f"<span>{t}</span>" for t, h in links]
        return '<div class="pages">' + " ".join(parts) + "</div>"

    def pick(self, page: Page, k: int, exclude: int = -1) -> list[Post]:
        """k distinct public posts chosen with the page RNG."""
        posts = page.site.posts
        idx = page.rng.sample(range(len(posts)), min(k + 1, len(posts)))
        return [posts[i] for i in idx if i != exclude][:k]

    def track(self, page: Page, href: str, p: float = 0.2) -> str:
        """Sometimes add a tracking/session decoration to an internal link."""
        r = page.rng
        if r.random() >= p:
            return href
        t = r.choice(TRACKERS)
        h = hexid(page.key, href, n=32)
        return href + t.format(hex=h[:26], HEX=h.upper())

def split_href(href: str) -> tuple[str, str]:
    """Split an href into (path, query)."""
    path, _, query = href.partition("?")
    return path, query


def add_sid(out: str, sid: str) -> str:
    """Append ?sid=… to every root-relative link of a page."""
    def sub(m: re.Match[str]) -> str:
        href = m.group(1)
        base, hash_, frag = href.partition("#")
        sep = "&" if "?" in base else "?"
        return f'href="{base}{sep}sid={sid}{hash_}{frag}"'
    return HREF_RE.sub(sub, out)
