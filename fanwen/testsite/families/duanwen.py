"""短文小站 family: short articles beside a large teaser feed and a reader comment list.

The article (100-400 characters) is the smallest text box of its page: the 猜你喜欢 / 热门推荐 feed
in the side column holds several times as much prose, and a dated comment list follows the
article. Its intro/outro sentences, comment heading and share line are its own: no rule of the
cleaner names them. A single page does not say which box is the article; the site's pages side
by side do (crawler.extract.template). Not in the default bundle: `build_sites(families=...)`.
"""
from __future__ import annotations

import random
from urllib.parse import quote

from ..model import Category, Post
from .base import Family, Page, esc, hexid
from .content import HEAD_RE

DUANWEN_INTROS = (
    "编者按：今天分享的这篇《{title}》篇幅不长，三分钟就能读完。",
    "开卷语：《{title}》是读者投来的短稿，我们原文照登。",
)
DUANWEN_OUTRO = "读完《{title}》有什么想法？欢迎在下方和大家聊聊。"
STATIC_NOTE = "觉得有用就点个赞吧，让更多朋友看到这篇短文！"
COMMENT_USERS = ("晨曦", "老周", "山水间", "阿木", "一叶知秋", "小雨点", "北方的狼", "青青子衿", "路人甲", "知足常乐")
COMMENT_OPENERS = ("写得很实在，", "说到点子上了，", "收藏了，", "我们单位也在做这件事，", "读了两遍，",
                   "有同感，", "很受启发，", "这篇短小精悍，", "转给同事了，", "学习了，")
COMMENT_MIDDLES = ("关键还是要把责任落实到人", "基层的难处文章里都讲到了", "下一步准备照着这个思路调整方案",
                   "希望以后多发这类经验做法", "个别提法还可以再斟酌一下", "具体数据要是再详细些就更好了",
                   "结尾那几句尤其有分量", "建议配上几个典型案例", "落实起来还得结合本地实际", "这样的总结看得出下了功夫")
COMMENT_ENDS = ("。", "，点赞！", "，谢谢分享。", "，期待后续。", "！", "，支持一下。")


def short_text(paragraphs: tuple[str, ...], rng: random.Random, lo: int = 100, hi: int = 400) -> tuple[str, ...]:
    """The first paragraphs of a document that fit in lo-hi characters (the last one cut at a 。)."""
    limit = rng.randint(lo + 80, hi)
    out: list[str] = []
    total = 0
    for text in (p for p in paragraphs if not HEAD_RE.match(p) and len(p) >= 20):
        if total + len(text) <= limit:
            out.append(text)
            total += len(text)
            continue
        cut = text.rfind("。", 0, limit - total)
        if total < lo and cut >= 0 and total + cut + 1 >= lo:
            out.append(text[: cut + 1])
        break
    return tuple(out) if sum(map(len, out)) >= lo else (paragraphs[0][:hi].rstrip("，、；") + "。",)


class Duanwen(Family):
    """The 短文小站 template family (UTF-8, short articles, big feed, comments)."""

    name = "duanwen"
    host = "www.duanwen.test"
    site_name = "短文小站"
    short_articles = True
    id_start = 7000
    id_gap = (1, 5)
    date_styles = (("minutes", 1.0),)
    domain_text = "duanwen.test"
    categories = (
        ("心得", "xinde", (("学习心得", "xuexi", ("xinde",)), ("工作体会", "tihui", ("xinde", "huibao")))),
        ("总结", "zongjie", (("工作总结", "gongzuo", ("summary",)), ("述职", "shuzhi", ("shuzhi",)))),
        ("讲话", "jianghua", (("讲话稿", "jianghuagao", ("speech", "fayan")), ("致辞", "zhici", ("zhici",)))),
    )

    # ------------------------------------------------------------------ URLs
    def list_href(self, cat: Category, n: int) -> str:
        return cat.path if n == 1 else f"{cat.path}index_{n}.html"

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        return f"/p/{aid}.html" if part == 0 else f"/p/{aid}_{part + 1}.html"

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        t = term if raw else quote(term)
        return f"/k/{t}/" if n == 1 else f"/k/{t}/index_{n}.html"

    # ---------------------------------------------------------- injections
    def intro_text(self, page: Page, post: Post) -> str:
        return DUANWEN_INTROS[post.intro % len(DUANWEN_INTROS)].format(**self.fmt(page, post))

    def outro_text(self, page: Page, post: Post) -> str:
        return DUANWEN_OUTRO.format(**self.fmt(page, post))

    # ---------------------------------------------------------------- chrome
    def layout(self, page: Page, title: str, main: str, side: str) -> str:
        site = page.site
        nav = "".join(f'<a href="{c.path}">{esc(c.name)}</a>' for c in site.categories if c.parent is None)
        arch = f"/archive/{site.posts[site.latest[0]].doc.published[:7]}.html"
        return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
                f"<title>{esc(title)} - 短文小站</title>\n</head>\n<body>\n"
                f'<div class="topnav"><a class="brand" href="/">短文小站</a>{nav}<a href="/private/">会员</a></div>\n'
                f'<div class="page-wrap">\n<div class="cols">\n<div class="col-main">\n{main}</div>\n'
                f'<div class="col-side">\n{side}</div>\n</div>\n</div>\n'
                f'<div class="foot"><a href="/go/a.html">网站地图</a> · <a href="{arch}">往期</a>'
                "<p>短文小站 · 用短文说清一件事 · 浙ICP备19000002号</p></div>\n</body>\n</html>\n")

    def feed(self, page: Page, heading: str, k: int, exclude: int = -1) -> str:
        """A teaser feed: title links over the first sentences of other articles."""
        items = []
        for p in self.pick(page, k, exclude):
            lead = "".join(p.doc.visible)
            teaser = lead[:90].rstrip("，。、；：") + "……"
            items.append(f'<div class="feed-item"><a href="{self.track(page, p.path, 0.1)}"><h4>{esc(p.title)}</h4></a>'
                         f"<p>{esc(teaser)}</p><span class=\"feed-n\">{page.rng.randint(200, 9999)} 人读过</span></div>")
        return f'<div class="feed"><div class="feed-hd">{heading}</div>{"".join(items)}</div>\n'

    def hot_links(self, page: Page) -> str:
        """The side column of list pages: titles only (teasers would make a list page read as an article)."""
        links = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in self.pick(page, 8))
        return f'<div class="hot"><div class="hot-hd">热门推荐</div><ul>{links}</ul></div>\n'

    def side(self, page: Page, exclude: int = -1) -> str:
        return self.feed(page, "猜你喜欢", 8, exclude) + self.feed(page, "热门推荐", 6, exclude)

    def comments(self, page: Page, post: Post) -> str:
        r = page.rng
        n = r.randint(2, 8)
        items = []
        for i in range(n):
            when = f"{r.randint(2019, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
            text = r.choice(COMMENT_OPENERS) + r.choice(COMMENT_MIDDLES) + r.choice(COMMENT_ENDS)
            items.append(f'<div class="talk-item"><b class="talk-user">{r.choice(COMMENT_USERS)}</b>'
                         f'<span class="talk-time">{when}</span><p>{esc(text)}</p>'
                         f'<a class="talk-re" href="javascript:;">回应</a></div>')
        return (f'<div class="talk"><div class="talk-hd">读者留言 · {n} 则</div>{"".join(items)}'
                f'<div class="talk-form">登录后参与讨论 <a href="/member/login.html" rel="nofollow">登录</a></div></div>\n')

    def pager_html(self, links, n, total, count) -> str:
        parts = [f'<a href="{h}">{t}</a>' if h else f"<em>{t}</em>" for t, h in links]
        return f'<div class="pg">{" ".join(parts)}</div>\n'

    # ----------------------------------------------------------------- pages
    def render_listing(self, page, title, trail, items, pager, extra="") -> str:
        lis = "".join(f'<li><a href="{h}">{esc(t)}</a><span>{d}</span></li>' for h, t, d in items)
        crumbs = " / ".join(f'<a href="{h}">{esc(n)}</a>' for n, h in trail[:-1])
        main = (f'<div class="crumbs"><a href="/">短文小站</a> / {crumbs}{" / " if crumbs else ""}'
                f'{esc(trail[-1][0]) if trail else ""}</div>\n'
                f'<div class="listing"><div class="listing-hd">{esc(title)}</div><ul>{lis}</ul></div>\n{pager}{extra}\n')
        return self.layout(page, title, main, self.hot_links(page))

    def render_home(self, page: Page) -> str:
        site = page.site
        latest = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a><span>{p.doc.published[:10]}</span></li>'
                         for p in (site.posts[i] for i in site.latest[:30]))
        main = f'<div class="listing"><div class="listing-hd">最新短文</div><ul>{latest}</ul></div>\n'
        return self.layout(page, "短文小站", main, self.hot_links(page))

    def render_article(self, page: Page, post: Post, part: int) -> str:
        site, doc = page.site, post.doc
        trail = self.post_trail(site, post)
        crumbs = " / ".join(f'<a href="{h}">{esc(n)}</a>' for n, h in trail)
        terms = " ".join(f'<a href="{self.tag_href(t)}">{esc(t)}</a>' for t in doc.terms)
        views = int(hexid(post.aid, n=4), 16) % 5000
        main = (f'<div class="crumbs"><a href="/">短文小站</a> / {crumbs} / 正文</div>\n'
                f'<div class="entry">\n<h1 class="entry-title">{esc(post.title)}</h1>\n'
                f'<div class="entry-meta">发布时间：{doc.published[:16]} · 阅读 {views}</div>\n'
                f'<div class="entry-body">\n{self.content(page, post, part)}\n<p class="zan">{STATIC_NOTE}</p>\n</div>\n'
                f'<div class="entry-tags">关键词：{terms}</div>\n'
                '<div class="entry-share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> '
                f'<a href="javascript:;">QQ空间</a> · 赞 {views % 97}</div>\n</div>\n'
                f"{self.comments(page, post)}")
        return self.layout(page, post.title, main, self.side(page, post.index))

