"""墨韵文库 family: a template of its own that no profile, class-name hint or phrase list covers.

Its class names (`sheet-bd`, `where`, `sheet-kw`), its trail label (您在这里), its term label
(文档标签) and its injected intro/outro sentences are unknown to the extractor and the cleaner,
so archiving it well takes the structural rules and the site boilerplate learner.
"""
from __future__ import annotations

from urllib.parse import quote

from ..model import Category, Post
from .base import Family, Page, esc

# This site's own injections: no "小编", no phrase the cleaner knows.
MOYUN_INTROS = (
    "小贴士：本站为您精选了{dtitle}，阅读前请先收藏本页。",
    "阅读提示：《{title}》共分{n}部分，建议收藏后慢慢阅读。",
)
MOYUN_OUTRO = "温馨提示：{site}所有文档均来自网友投稿，《{title}》仅供学习交流使用。"


class Moyun(Family):
    """The 墨韵文库 template family (UTF-8, unseen layout)."""

    name = "moyun"
    host = "www.moyun.test"
    site_name = "墨韵文库"
    id_start = 5000
    id_gap = (1, 7)
    date_styles = (("seconds", 0.5), ("date", 0.5))
    domain_text = "moyun.test"
    categories = (
        ("报告", "baogao", (("调研报告", "diaoyan", ("huibao",)), ("述职报告", "shuzhi", ("shuzhi",)))),
        ("讲话", "jianghua", (("领导讲话", "lingdao", ("speech",)), ("致辞", "zhici", ("zhici",)))),
        ("总结计划", "zongjie", (("工作总结", "gongzuo", ("summary",)), ("工作计划", "jihua", ("plan",)),
                             ("心得体会", "xinde", ("xinde",)))),
    )

    # ------------------------------------------------------------------ URLs
    def list_href(self, cat: Category, n: int) -> str:
        return cat.path if n == 1 else f"{cat.path}p{n}.html"

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        return f"/doc/{aid}.html" if part == 0 else f"/doc/{aid}_{part + 1}.html"

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        t = term if raw else quote(term)
        return f"/topic/{t}/" if n == 1 else f"/topic/{t}/p{n}.html"

    # ---------------------------------------------------------- injections
    def intro_text(self, page: Page, post: Post) -> str:
        return MOYUN_INTROS[post.intro % len(MOYUN_INTROS)].format(**self.fmt(page, post))

    def outro_text(self, page: Page, post: Post) -> str:
        return MOYUN_OUTRO.format(**self.fmt(page, post))

    # ---------------------------------------------------------------- chrome
    def layout(self, page: Page, title: str, desc: str, main: str, aside: str) -> str:
        site = page.site
        nav = "".join(f'<a href="{c.path}">{esc(c.name)}</a>' for c in site.categories if c.parent is None)
        arch = f"/archive/{site.posts[site.latest[0]].doc.published[:7]}.html"
        return ('<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
                f"<title>{esc(title)} - 墨韵文库</title>\n<meta name=\"description\" content=\"{esc(desc)}\">\n"
                '<link rel="stylesheet" href="/assets/mw.css">\n</head>\n<body>\n'
                f'<div class="mast"><a class="brand" href="/">墨韵文库</a>{nav}<a href="/private/">会员专区</a>'
                '<form class="seek" action="/search/"><input name="q"><button>查找</button></form></div>\n'
                f'<div class="frame">\n<div class="col-main">\n{main}</div>\n<div class="aside">\n{aside}</div>\n</div>\n'
                f'<div class="foot"><a href="/go/a.html">站点导航</a> · <a href="{arch}">往期文档</a>'
                "<p>© 2016-2024 墨韵文库 沪ICP备17000001号</p></div>\n</body>\n</html>\n")

    def aside(self, page: Page, exclude: int = -1) -> str:
        picks = "".join(f'<li><a href="{self.track(page, p.path, 0.1)}">{esc(p.title)}</a></li>'
                        for p in self.pick(page, 8, exclude))
        return f'<div class="panel"><div class="panel-hd">本周热门</div><ul>{picks}</ul></div>\n'

    @staticmethod
    def where(trail: list[tuple[str, str]], tail: str) -> str:
        links = "".join(f' › <a href="{h}">{esc(n)}</a>' for n, h in trail)
        return f'<div class="where">您在这里：<a href="/">墨韵文库</a>{links} › {tail}</div>\n'

    def pager_html(self, links, n, total, count) -> str:
        parts = [f'<a href="{h}">{t}</a>' if h else f"<b>{t}</b>" for t, h in links]
        return f'<div class="flip">{" ".join(parts)}</div>\n'

    # ----------------------------------------------------------------- pages
    def render_listing(self, page, title, trail, items, pager, extra="") -> str:
        lis = "".join(f'<li><a href="{h}">{esc(t)}</a><i>{d}</i></li>' for h, t, d in items)
        main = (self.where(trail[:-1], esc(trail[-1][0]) if trail else "") +
                f'<div class="stack"><div class="stack-hd">{esc(title)}</div><ul>{lis}</ul></div>\n{pager}{extra}\n')
        return self.layout(page, title, f"{title}文档", main, self.aside(page))

    def render_home(self, page: Page) -> str:
        site = page.site
        latest = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a><i>{p.doc.published[:10]}</i></li>'
                         for p in (site.posts[i] for i in site.latest[:30]))
        main = f'<div class="stack"><div class="stack-hd">最近更新</div><ul>{latest}</ul></div>\n'
        return self.layout(page, "墨韵文库", "墨韵文库：报告、讲话、总结计划。", main, self.aside(page))

    def render_article(self, page: Page, post: Post, part: int) -> str:
        site, doc = page.site, post.doc
        page.malformed = post.layout == "malformed"
        parts = len(post.pages)
        pager = self.pager(page, list(enumerate(post.page_paths, 1)), part + 1, 0) if parts > 1 else ""
        terms = " ".join(f'<a href="{self.tag_href(t)}">{esc(t)}</a>' for t in doc.terms)
        more = "".join(f'<li><a href="{self.track(page, p.path, 0.1)}">{esc(p.title)}</a></li>'
                       for p in self.pick(page, 6, post.index))
        shown = doc.published if doc.date_style == "seconds" else doc.published[:10]
        main = (self.where(self.post_trail(site, post), "正文") +
                f'<div class="sheet">\n<div class="sheet-hd"><h2 class="sheet-title">{esc(post.title)}</h2>\n'
                f'<div class="sheet-meta">更新时间 {shown} · 浏览 <em class="pv"></em> 次</div></div>\n'
                f'<div class="sheet-bd">\n{self.content(page, post, part)}\n</div>\n{pager}'
                f'<div class="sheet-kw">文档标签：{terms}</div>\n'
                f'<div class="sheet-more"><b>大家还在看</b><ul>{more}</ul></div>\n</div>\n')
        return self.layout(page, post.title, doc.visible[0][:60], main, self.aside(page, post.index))
