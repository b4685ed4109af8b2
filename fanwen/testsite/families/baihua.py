"""百花范文网 family: the seed page's layout (UTF-8) with an m. mirror carrying rel=canonical."""
from __future__ import annotations

from urllib.parse import quote

from ..model import Category, Post
from .base import Family, Page, esc

ALL = ("speech", "summary", "xinde", "plan", "shuzhi", "fayan", "huibao", "zhici")
NAV = (("网站首页", "/"), ("公文大全", "/gongwen/"), ("个人文档", "/gerenwendang/"), ("实用范文", "/shiyong/"),
       ("讲话致辞", "/jianghua/"), ("实用工具", "/gongju/"), ("心得体会", "/xinde/"), ("哲学范文", "/zhexue/"),
       ("总结范文", "/zongjie/"), ("范文大全", "/fanwen/"), ("报告", "/baogao/"), ("合同", "/hetong/"),
       ("文书", "/wenshu/"), ("信函", "/xinhan/"), ("实用", "/sy/"))
SUBNAV = ("汇报体会", "节日庆典", "礼仪", "毕业论文", "评语寄语", "导游词", "口号大全", "其他范文")
FOOT = (("范文大全", "/fanwen/"), ("说说大全", "/"), ("学习资料", "/xinde/"), ("语录", "/"), ("生肖", "/"),
        ("解梦", "/"), ("十二星座", "/"))
TRACK_JS = ('<script>var _hmt=_hmt||[];(function(){var hm=document.createElement("script");'
            'hm.src="/static/js/tongji.js";var s=document.getElementsByTagName("script")[0];'
            's.parentNode.insertBefore(hm,s);})();</script>')


class Baihua(Family):
    """The baihua template family."""

    name = "baihua"
    host = "www.baihua.test"
    mirror = "m.baihua.test"
    site_name = "百花范文网"
    id_start = 1000
    id_gap = (1, 9)
    hidden_layout = "hiddenA"
    repeat_trap = "/shiyong/"
    domain_text = "m.baihua.test"
    categories = (
        ("公文大全", "gongwen", (("工作计划", "jihua", ("plan",)), ("述职报告", "shuzhi", ("shuzhi",)),
                              ("汇报材料", "huibao", ("huibao",)))),
        ("实用范文", "shiyong", (("汇报体会", "huibao", ("huibao", "xinde")), ("节日庆典", "jieri", ("zhici",)),
                              ("礼仪", "liyi", ()), ("毕业论文", "lunwen", ()), ("评语寄语", "pingyu", ()),
                              ("导游词", "daoyouci", ()), ("口号大全", "kouhao", ()), ("其他范文", "qita", ALL))),
        ("讲话致辞", "jianghua", (("领导讲话", "lingdao", ("speech",)), ("发言稿", "fayan", ("fayan",)))),
        ("心得体会", "xinde", (("学习心得", "xuexi", ("xinde",)), ("培训心得", "peixun", ("xinde",)))),
        ("总结范文", "zongjie", (("工作总结", "gongzuo", ("summary",)), ("个人总结", "geren", ("summary", "shuzhi")),
                              ("年终总结", "nianzhong", ("summary",)))),
    )
    empty_channels = (("个人文档", "gerenwendang"), ("实用工具", "gongju"), ("哲学范文", "zhexue"), ("范文大全", "fanwen"),
                      ("报告", "baogao"), ("合同", "hetong"), ("文书", "wenshu"), ("信函", "xinhan"), ("实用", "sy"))

    # ------------------------------------------------------------------ URLs
    def list_href(self, cat: Category, n: int) -> str:
        return cat.path if n == 1 else f"{cat.path}list_{cat.tid}_{n}.html"

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        return f"{cat.path}{aid}.html" if part == 0 else f"{cat.path}{aid}_{part + 1}.html"

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        t = term if raw else quote(term)
        return f"/tag/{t}/" if n == 1 else f"/tag/{t}/{n}.html"

    def disallowed(self, site) -> dict[str, set[str]]:
        out = super().disallowed(site)
        out[self.host] |= {"/member/login.php", "/member/reg.php"}
        out[self.host] |= {f"/plus/count.php?view=yes&aid={p.aid}&mid=0" for p in site.posts + site.private}
        out[self.mirror] |= {f"/dldoc/index{p.path}" for p in site.posts + site.private}
        return out

    # ---------------------------------------------------------------- chrome
    def head(self, page: Page, title: str, keywords: str, desc: str) -> str:
        alt = (f'<link rel="canonical" href="{page.abs_url(self.host, page.path)}">' if page.mobile else
               f'<link rel="alternate" media="only screen and (max-width: 640px)" '
               f'href="{page.abs_url(self.mirror, page.path)}">')
        css = "/static/m/m.css" if page.mobile else "/static/css/common.css"
        vp = '<meta name="viewport" content="width=device-width,initial-scale=1">\n' if page.mobile else ""
        suffix = "_百花范文网手机版" if page.mobile else "_百花范文网"
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n{vp}'
                f"<title>{esc(title)}{suffix}</title>\n"
                f'<meta name="keywords" content="{esc(keywords)}">\n<meta name="description" content="{esc(desc)}">\n'
                f'<link rel="stylesheet" href="{css}">\n{alt}\n{TRACK_JS}\n</head>\n')

    def top(self, page: Page) -> str:
        site = page.site
        hot = " ".join(f'<a href="{self.search_href(t)}">{esc(t)}</a>' for t in site.hot_searches[:6])
        if page.mobile:
            nav = "".join(f'<a href="{h}">{n}</a>' for n, h in NAV[:10])
            return (f'<body class="m">\n<header class="m-head"><a href="/" class="logo">百花范文网</a>'
                    f'<a href="{self.search_href(site.hot_searches[0])}" class="so">搜索</a></header>\n'
                    f'<nav class="m-nav">{nav}<a href="/private/">内部资料</a></nav>\n')
        nav = "\n".join(f'<a href="{h}">{n}</a>' for n, h in NAV)
        sub = "".join(f'<li><a href="{self._sub_href(site, n)}">{n}</a></li>' for n in SUBNAV)
        return ("<body>\n"
                '<div class="topbar"><div class="w1200"><span>欢迎来到百花范文网！</span>'
                '<a href="/member/login.php" rel="nofollow">登录</a> | <a href="/member/reg.php" rel="nofollow">注册</a> | '
                f'<a href="/private/">内部资料</a> | <a href="{page.abs_url(self.mirror, "/")}">手机版</a></div></div>\n'
                '<div class="header w1200"><div class="logo"><a href="/"><img src="/static/images/logo.png" alt="百花范文网"></a></div>\n'
                '<div class="search"><form action="/search/" method="get"><input type="text" name="q" class="kw" '
                f'placeholder="请输入关键词"><button type="submit">搜索</button></form>\n<p class="hot">热门搜索：{hot}</p></div></div>\n'
                f'<div class="nav"><div class="w1200">\n{nav}\n</div></div>\n<ul class="subnav w1200">{sub}</ul>\n'
                '<div class="ad-banner w1200"><script>document.write(\'<a href="javascript:;"><img src="/static/ad/banner.gif"></a>\');</script></div>\n')

    @staticmethod
    def _sub_href(site, name: str) -> str:
        for c in site.categories:
            if c.name == name and c.parent is not None and c.path.startswith("/shiyong/"):
                return c.path
        return "/shiyong/"

    def bottom(self, page: Page) -> str:
        site = page.site
        arch = f"/archive/{site.posts[site.latest[0]].doc.published[:7]}.html"
        if page.mobile:
            return (f'<footer class="m-foot"><a href="{page.abs_url(self.host, page.path)}">电脑版</a> | '
                    f'<a href="/go/a.html">网站地图</a> | <a href="{arch}">文章归档</a>'
                    "<p>&copy; 2012-2024 百花范文网</p></footer>\n</body>\n</html>\n")
        tail = "<!-- 统计代码 <script src=\"/static/js/cnzz.js\"></script>\n" if page.malformed else ""
        return ('<div class="footer"><p><a href="/">网站首页</a> | <a href="/go/a.html">网站地图</a> | '
                f'<a href="{arch}">文章归档</a> | <a href="{self.search_href("范文")}">站内搜索</a></p>\n'
                "<p>Copyright © 2012-2024 百花范文网 版权所有 备案号：京ICP备12045678号-2</p></div>\n"
                "<script>(function(){var bp=document.createElement('script');bp.src='/static/js/push.js';})();</script>\n"
                f"{tail}</body>\n</html>\n")

    def side(self, page: Page, exclude: int = -1) -> str:
        site = page.site
        hot = "".join(f'<li><a href="{self.track(page, p.path)}" title="{esc(p.title)}">{esc(p.title)}</a></li>'
                      for p in self.pick(page, 10, exclude))
        tags = " ".join(f'<a href="{self.tag_href(t)}">{esc(t)}</a>' for t in site.hot_searches[:12])
        return ('<div class="right">\n<div class="sidebar"><h3>热门阅读</h3><ul>' + hot + "</ul></div>\n"
                f'<div class="sidebar"><h3>热门标签</h3><p>{tags}</p></div>\n'
                '<div class="ad-side"><script>var cpro_id="u2345678";</script></div>\n</div>\n')

    def crumbs(self, page: Page, trail: list[tuple[str, str]], tail: str) -> str:
        links = " &gt; ".join(f'<a href="{h}">{esc(n)}</a>' for n, h in trail)
        if page.mobile:
            return f'<div class="m-pos"><a href="/">首页</a> &gt; {links}</div>\n'
        sep = " &gt; " if trail else ""
        return f'<div class="position"><a href="/">百花范文网</a> &gt; {links}{sep}{esc(tail)}</div>\n'

    def pager_html(self, links, n, total, count) -> str:
        lis = "".join(f'<li><a href="{h}">{t}</a></li>' if h else f'<li class="thisclass"><a>{t}</a></li>'
                      for t, h in links)
        return (f'<div class="dede_pages"><ul class="pagelist">{lis}'
                f'<li><span class="pageinfo">共 <strong>{total}</strong>页<strong>{count}</strong>条</span></li></ul></div>\n')

    # ----------------------------------------------------------------- pages
    def render_listing(self, page, title, trail, items, pager, extra="") -> str:
        lis = "".join(f'<li><a href="{h}" title="{esc(t)}">{esc(t)}</a><span>{d}</span></li>' for h, t, d in items)
        main = (self.crumbs(page, trail[:-1], trail[-1][0] if trail else title) +
                f'<div class="list"><h2>{esc(title)}</h2><ul>{lis}</ul></div>\n{pager}{extra}\n')
        desc = f"{self.site_name}{title}栏目为您提供{title}相关范文。"
        if page.mobile:
            return self.head(page, title, title, desc) + self.top(page) + main + self.bottom(page)
        return (self.head(page, title, title, desc) + self.top(page) +
                f'<div class="main w1200">\n<div class="left">\n{main}</div>\n{self.side(page)}</div>\n' + self.bottom(page))

    def render_home(self, page: Page) -> str:
        site = page.site
        latest = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a><span>{p.doc.published[5:10]}</span></li>'
                         for p in (site.posts[i] for i in site.latest[:30]))
        blocks = []
        for c in site.categories:
            if c.parent is None and c.posts:
                lis = "".join(f'<li><a href="{site.posts[i].path}">{esc(site.posts[i].title)}</a></li>' for i in c.posts[:6])
                blocks.append(f'<div class="box"><h3><a href="{c.path}">{esc(c.name)}</a></h3><ul>{lis}</ul></div>')
        recommend = "".join(f'<li><a href="{k}">{esc(site.posts[site.routes[v][1]].title)}</a></li>'
                            for k, v in site.redirects.items())
        main = (f'<div class="latest"><h2>最新文章</h2><ul>{latest}</ul></div>\n' + "\n".join(blocks) +
                f'\n<div class="box"><h3>站长推荐</h3><ul>{recommend}</ul></div>\n')
        desc = "百花范文网为您提供工作总结、心得体会、讲话致辞等各类范文。"
        if page.mobile:
            return self.head(page, "百花范文网", "范文,公文", desc) + self.top(page) + main + self.bottom(page)
        return (self.head(page, "百花范文网_免费范文大全", "范文,公文,工作总结,心得体会", desc) + self.top(page) +
                f'<div class="main w1200">\n<div class="left">\n{main}</div>\n{self.side(page)}</div>\n' + self.bottom(page))

    def render_article(self, page: Page, post: Post, part: int) -> str:
        site, doc = page.site, post.doc
        page.malformed = post.layout == "malformed"
        desc = doc.visible[1 if len(doc.visible) > 1 else 0][:80]
        parts = len(post.pages)
        pager = self.pager(page, list(enumerate(post.page_paths, 1)), part + 1, parts) if parts > 1 else ""
        raw = [page.rng.random() < 0.3 for _ in doc.terms]
        if post.layout == "malformed" and not page.mobile:   # unquoted attributes
            tags = " ".join(f"<a href={self.tag_href(t)} target=_blank>{esc(t)}</a>" for t in doc.terms)
        else:
            tags = " ".join(f'<a href="{self.tag_href(t, raw=w)}">{esc(t)}</a>' for t, w in zip(doc.terms, raw))
        trail = self.post_trail(site, post)
        content = self.content(page, post, part)
        head = self.head(page, post.title, ",".join(doc.terms), desc)
        if page.mobile:
            dl = f'<div class="m-dl"><a href="/dldoc/index{post.path}" rel="nofollow">下载这篇文档</a></div>\n'
            rel = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in self.pick(page, 6, post.index))
            return (head + self.top(page) + self.crumbs(page, trail, post.title) +
                    f'<article class="m-art"><h1>{esc(post.title)}</h1><p class="m-info">{doc.published} 百花范文网</p>\n'
                    f'<div class="m-content">\n{content}\n</div>\n{pager}{dl}'
                    f'<div class="m-tags">相关热词搜索：{tags}</div></article>\n'
                    f'<section class="m-list"><h3>相关文章</h3><ul>{rel}</ul></section>\n' + self.bottom(page))
        stray = '</div>\n<div class="ad-inline">\n' if page.malformed else ""
        foot = "".join(f'<li><a href="{h}">{n}</a></li>' for n, h in FOOT)
        return (head + self.top(page) + '<div class="main w1200">\n<div class="left">\n' +
                self.crumbs(page, trail, post.title) +
                f'<div class="article">\n<h1>{esc(post.title)}</h1>\n'
                f'<div class="info">时间:{doc.published}来源:百花范文网本文已影响'
                f'<script src="/plus/count.php?view=yes&aid={post.aid}&mid=0"></script>人</div>\n'
                '<div class="ad-article"><script>var cpro_id="u1234567";</script></div>\n'
                f'<div class="content">\n{content}\n</div>\n{pager}'
                f'<div class="tags">相关热词搜索:{tags}</div>\n</div>\n{stray}'
                f'<div class="footlinks"><ul>{foot}</ul></div>\n'
                f'<div class="tuijian"><h3>推荐访问</h3><ul>{self.recommend(page, post)}</ul></div>\n'
                f"</div>\n{self.side(page, post.index)}</div>\n" + self.bottom(page))

    def recommend(self, page: Page, post: Post) -> str:
        """推荐访问: tag links, article links (some tracked, some m. copies, maybe the old 301 URL)."""
        site, r = page.site, page.rng
        out = [f'<li><a href="{self.tag_href(t)}">{esc(t)}</a></li>' for t in r.sample(site.hot_searches, min(6, len(site.hot_searches)))]
        for p in self.pick(page, 8, post.index):
            href = self.track(page, p.path, 0.3)
            if r.random() < 0.15:
                href = page.abs_url(self.mirror, p.path)
            out.append(f'<li><a href="{href}">{esc(p.title)}</a></li>')
        if site.redirects and r.random() < 0.2:
            old = next(iter(site.redirects))
            out.append(f'<li><a href="{old}">{esc(site.posts[site.routes[site.redirects[old]][1]].title)}</a></li>')
        return "".join(out)
