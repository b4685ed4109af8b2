"""PHPCMS v9 family: #Article pages, date-dir article URLs, index.php tag lists, 展开阅读全文 collapse."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote

from ..model import Category, Post
from .base import Family, Page, esc

HEAD = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n<meta http-equiv="X-UA-Compatible" content="IE=7" />\n')


def _qs(query: str) -> dict[str, list[str]]:
    try:
        return parse_qs(query, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return parse_qs(query, encoding="gbk", errors="replace")


class Phpcms(Family):
    """The PHPCMS v9 template family (UTF-8)."""

    name = "phpcms"
    host = "www.phpcms.test"
    site_name = "百科范文网"
    id_start = 100
    id_gap = (1, 5)
    hidden_layout = "hiddenB"
    domain_text = "www.phpcms.test"
    categories = (
        ("讲话致辞", "jianghua", (("领导讲话", "lingdao", ("speech",)), ("发言材料", "fayan", ("fayan",)),
                              ("致辞", "zhici", ("zhici",)))),
        ("工作总结", "zongjie", (("年终总结", "nianzhong", ("summary",)), ("部门总结", "bumen", ("summary",)))),
        ("计划方案", "jihua", (("工作计划", "gongzuo", ("plan",)), ("实施方案", "fangan", ("plan",)))),
        ("报告", "baogao", (("述职报告", "shuzhi", ("shuzhi",)), ("自查报告", "zicha", ("huibao",)),
                          ("心得体会", "xinde", ("xinde",)))),
    )

    # ------------------------------------------------------------------ URLs
    def list_href(self, cat: Category, n: int) -> str:
        return cat.path if n == 1 else f"{cat.path}{n}.html"

    def list_keys(self, cat: Category, n: int) -> list[str]:
        return [self.list_href(cat, n)] + ([cat.path + "index.html"] if n == 1 else [])

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        y, m, d = published[:4], published[5:7], published[8:10]
        name = f"{aid}.html" if part == 0 else f"{aid}_{part + 1}.html"
        return f"/{y}/{cat.slug}_{m}{d}/{name}"

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        href = "/index.php?m=content&c=tag&a=lists&tag=" + quote(term)
        return href if n == 1 else f"{href}&page={n}"

    def route_key(self, path: str, query: str) -> str:
        if path == "/index.php":
            q = _qs(query)
            if q.get("c") == ["tag"] and q.get("a") == ["lists"] and q.get("tag"):
                page = q.get("page", ["1"])[0]
                return f"tag:{q['tag'][0]}:{int(page) if page.isdigit() else 1}"
            return "index.php?" + query
        return unquote(path, errors="replace")

    def disallowed(self, site) -> dict[str, set[str]]:
        out = super().disallowed(site)
        out[self.host] |= {"/member/index.php?m=member&c=index&a=login"}
        out[self.host] |= {f"/api/v1/?act=pay&id={p.aid}" for p in site.posts + site.private}
        return out

    def page_enc(self, site, key: str, route: tuple) -> str:
        if route[0] == "article":
            return "bom" if site.posts[route[1]].bom else "normal"
        return "normal"

    # ---------------------------------------------------------------- chrome
    def layout(self, page: Page, title: str, keywords: str, desc: str, main: str, side: str, script: str = "") -> str:
        site = page.site
        nav = "".join(f'<li class="line">|</li><li><a href="{c.path}"><span>{esc(c.name)}</span></a></li>'
                      for c in site.categories if c.parent is None)
        hot = " ".join(f'<a href="{self.search_href(t)}">{esc(t)}</a>' for t in site.hot_searches[:6])
        arch = f"/archive/{site.posts[site.latest[0]].doc.published[:7]}.html"
        tail = "<!-- footer js <script src=\"/statics/js/stat.js\"></script>\n" if page.malformed else ""
        return (HEAD + f"<title>{esc(title)} - 百科范文网</title>\n"
                f'<meta name="keywords" content="{esc(keywords)}">\n<meta name="description" content="{esc(desc)}">\n'
                '<link href="/statics/css/reset.css" rel="stylesheet" type="text/css" />\n'
                '<link href="/statics/css/default_blue.css" rel="stylesheet" type="text/css" />\n'
                '<script type="text/javascript" src="/statics/js/jquery.min.js"></script>\n</head>\n<body>\n'
                '<div class="body-top"><div class="content"><span class="rt">'
                '<a href="/member/index.php?m=member&c=index&a=login" rel="nofollow">登录</a> | '
                '<a href="/private/">内部资料</a></span></div></div>\n'
                '<div class="header"><div class="logo"><a href="/"><img src="/statics/images/v9/logo.jpg" alt="百科范文网"/></a></div>\n'
                '<div class="search"><form action="/search/" method="get"><input type="text" name="q" id="q"/>'
                f'<input type="submit" value="搜 索"/></form><p class="hot">热门搜索：{hot}</p></div>\n'
                f'<div class="nav-bar"><map><ul class="nav-site"><li><a href="/"><span>首页</span></a></li>{nav}'
                '<li class="line">|</li><li><a href="/private/"><span>内部资料</span></a></li></ul></map></div>\n</div>\n'
                f'<div class="main">\n<div class="col-left">\n{main}</div>\n<div class="col-auto">\n{side}</div>\n</div>\n{script}'
                f'<div class="footer"><p class="info"><a href="/go/a.html">网站地图</a> | <a href="{arch}">文章归档</a><br />'
                "Copyright © 2012-2024 百科范文网 版权所有 备案号：京ICP备16001234号</p></div>\n"
                f"{tail}</body>\n</html>\n")

    def side(self, page: Page, exclude: int = -1) -> str:
        site = page.site
        hot = "".join(f'<li><a href="{self.track(page, p.path, 0.15)}" title="{esc(p.title)}">{esc(p.title)}</a></li>'
                      for p in self.pick(page, 10, exclude))
        cats = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in site.categories if c.parent is not None)
        return (f'<div class="box"><div class="sidebar_tit">热门阅读</div><ul class="content digg">{hot}</ul></div>\n'
                f'<div class="box"><div class="sidebar_tit">专题栏目</div><ul>{cats}</ul></div>\n')

    @staticmethod
    def crumbs(trail: list[tuple[str, str]], tail: str) -> str:
        links = "".join(f'<a href="{h}">{esc(n)}</a> &gt; ' for n, h in trail)
        return f'<div class="crumbs"><a href="/">首页</a><span> &gt; </span>{links}{tail}</div>\n'

    def pager_html(self, links, n, total, count) -> str:
        parts = [f'<a class="a1" href="{h}">{t}</a>' if h and not t.isdigit() else
                 (f'<a href="{h}">{t}</a>' if h else f"<span>{t}</span>") for t, h in links]
        lead = f'<a class="a1">{count}条</a> ' if count else ""
        return f'<div id="pages" class="text-c">{lead}{" ".join(parts)}</div>\n'

    # ----------------------------------------------------------------- pages
    def render_listing(self, page, title, trail, items, pager, extra="") -> str:
        lis = "".join(f'<li><span class="rt">{d}</span>·<a href="{h}" target="_blank">{esc(t)}</a></li>'
                      for h, t, d in items)
        main = (self.crumbs(trail[:-1], esc(trail[-1][0]) if trail else "") +
                f'<div class="box"><h5 class="title-2">{esc(title)}</h5><ul class="list lh24 f14">{lis}</ul></div>\n{pager}{extra}\n')
        return self.layout(page, title, title, f"{title}相关范文", main, self.side(page))

    def render_home(self, page: Page) -> str:
        site = page.site
        latest = "".join(f'<li><span class="rt">{p.doc.published[:10]}</span>·<a href="{p.path}">{esc(p.title)}</a></li>'
                         for p in (site.posts[i] for i in site.latest[:30]))
        blocks = "".join(
            f'<div class="box cat-area"><h5 class="title-1"><a href="{c.path}">{esc(c.name)}</a></h5><ul class="list lh24 f14">' +
            "".join(f'<li>·<a href="{site.posts[i].path}">{esc(site.posts[i].title)}</a></li>' for i in c.posts[:6]) +
            "</ul></div>\n" for c in site.categories if c.parent is None)
        tags = " ".join(f'<a href="{self.tag_href(t)}" class="blue">{esc(t)}</a>' for t in site.hot_searches[:20])
        main = (f'<div class="box"><h5 class="title-2">最新文章</h5><ul class="list lh24 f14">{latest}</ul></div>\n{blocks}'
                f'<div class="box"><h5 class="title-2">热门标签</h5><p>{tags}</p></div>\n')
        return self.layout(page, "百科范文网", "范文,讲话,总结", "百科范文网：讲话致辞、工作总结、计划方案。", main, self.side(page))

    def render_article(self, page: Page, post: Post, part: int) -> str:
        site, doc = page.site, post.doc
        page.malformed = post.layout == "malformed"
        parts = len(post.pages)
        pager = self.pager(page, list(enumerate(post.page_paths, 1)), part + 1, 0) if parts > 1 else \
            '<div id="pages" class="text-c"></div>\n'
        links = " ".join(f'<a href="{self.tag_href(t)}" class="blue">{esc(t)}</a>' for t in doc.terms)
        tags = (f'<div class="tags"><span>相关热词搜索 :</span>{links} </div>\n' if post.tags_alt else
                f'<p style="margin-bottom:10px"><strong>相关热词搜索：</strong>{links} </p>\n')
        desc = doc.visible[1 if len(doc.visible) > 1 else 0][:60] + "…"
        related = "".join(f'<li>·<a href="{self.track(page, p.path, 0.15)}" target="_blank">{esc(p.title)}</a>'
                          f'<span>({p.doc.published[:10]})</span></li>' for p in self.pick(page, 8, post.index))
        author = ("admin", "佚名", "编辑部", "***")[post.aid % 4]
        stray = "</div>\n<div class=\"adbox\">\n" if page.malformed else ""
        main = (self.crumbs(self.post_trail(site, post), " 正文") +
                f'<div id="Article">\n<h1>{esc(post.title)}<br />\n<span>{doc.published}&nbsp;&nbsp;&nbsp;来源：'
                f'<a href="/" target="_blank">百科范文</a>&nbsp;&nbsp;&nbsp;作者：{author}&nbsp;&nbsp;&nbsp;点击：'
                f'<span id="hits"></span></span></h1>\n<div class="summary">{esc(desc)}</div>\n'
                f'<div class="content">\n{self.content(page, post, part)}\n</div>\n{pager}{tags}'
                f'<p class="f14"><strong>上一篇：</strong>{self.neighbour(page, post, 1)}<br />'
                f'<strong>下一篇：</strong>{self.neighbour(page, post, -1)}</p>\n'
                f'<div class="related"><h5 class="blue">延伸阅读：</h5><ul class="list blue lh24 f14">{related}</ul></div>\n'
                f'<div class="copy-service"><a href="/api/v1/?act=pay&id={post.aid}" rel="nofollow">复制本文（4.99元）</a></div>\n'
                f"</div>\n{stray}")
        script = ('<script type="text/javascript">$(function(){$.get("/api.php?op=count&id=' + str(post.aid) +
                  '&modelid=1",function(d){$("#hits").html(d)});});\n'
                  "$(\".jhcbtn\").click(function(){$(this).prev(\"div\").toggleClass('jhcbk');});</script>\n")
        return self.layout(page, post.title, ",".join(doc.terms), desc, main, self.side(page, post.index), script)

    def neighbour(self, page: Page, post: Post, step: int) -> str:
        site = page.site
        if post.doc.private:
            return "没有了"
        posts = site.categories[post.doc.category].posts
        j = posts.index(post.index) + step
        if 0 <= j < len(posts):
            p = site.posts[posts[j]]
            return f'<a href="{p.path}">{esc(p.title)}</a>'
        return "没有了"
