"""DedeCMS (织梦) family: GBK pages, list_{tid}_{n}.html lists, /tags.php?/<GBK>/ tags, charset traps."""
from __future__ import annotations

import zlib
from urllib.parse import quote, unquote

from ..model import Category, Post
from .base import Family, Page, esc

META = {
    "normal": '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />',
    "utf8_header": '<meta charset="gb2312">',
    "meta_gb2312": '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
    "none": "",
    "malformed_meta": '<meta httpequiv="ContentType" content="text/html; charset=gbk">',
}
HEADER = {"normal": "text/html; charset=gbk", "utf8_header": "text/html; charset=utf-8"}
ENC_CYCLE = ("utf8_header", "meta_gb2312", "none", "malformed_meta", "normal", "normal", "normal", "normal", "normal", "normal")


def unquote_any(s: str) -> str:
    """Percent-decode as UTF-8 if valid, else as GBK."""
    try:
        return unquote(s, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return unquote(s, encoding="gbk", errors="replace")


class Dede(Family):
    """The DedeCMS template family (GBK)."""

    name = "dede"
    host = "www.dede.test"
    site_name = "范文写作网"
    charset = "gbk"
    id_start = 1
    id_gap = (1, 4)
    date_styles = (("minutes", 0.6), ("date", 0.2), ("fabiao", 0.2))
    domain_text = "www.dede.test"
    categories = (
        ("公文大全", "gongwen", (("工作总结", "zongjie", ("summary",)), ("工作计划", "jihua", ("plan",)),
                              ("述职报告", "shuzhi", ("shuzhi",)))),
        ("讲话稿", "jianghua", (("领导讲话", "lingdao", ("speech",)), ("致辞", "zhici", ("zhici",)))),
        ("心得体会", "xinde", (("学习心得", "xuexi", ("xinde",)), ("党员心得", "dangyuan", ("xinde", "fayan")))),
        ("报告", "baogao", (("自查报告", "zicha", ("huibao",)), ("调研报告", "diaoyan", ("huibao",)),
                          ("汇报材料", "huibao", ("huibao", "fayan")))),
    )

    # ------------------------------------------------------------------ URLs
    def list_href(self, cat: Category, n: int) -> str:
        return cat.path if n == 1 else f"{cat.path}list_{cat.tid}_{n}.html"

    def list_keys(self, cat: Category, n: int) -> list[str]:
        keys = [self.list_href(cat, n), f"{cat.path}list_{cat.tid}_{n}.html"]
        if n == 1:
            keys.append(cat.path + "index.html")
        return keys

    def article_path(self, cat: Category, aid: int, published: str, part: int) -> str:
        return f"{cat.path}{aid}.html" if part == 0 else f"{cat.path}{aid}_{part + 1}.html"

    def tag_href(self, term: str, n: int = 1, raw: bool = False) -> str:
        t = quote(term, encoding="gbk")
        return f"/tags.php?/{t}/" if n == 1 else f"/tags.php?/{t}/{n}/"

    def route_key(self, path: str, query: str) -> str:
        if path == "/tags.php":
            parts = [p for p in unquote_any(query.split("&")[0]).split("/") if p]
            if not parts:
                return "tag::"
            n = parts[1] if len(parts) > 1 and parts[1].isdigit() else "1"
            return f"tag:{parts[0]}:{int(n)}"
        return unquote(path, errors="replace")

    def disallowed(self, site) -> dict[str, set[str]]:
        out = super().disallowed(site)
        paths = out[self.host]
        paths |= {"/member/index.php", "/plus/heightsearch.php", "/plus/ad_js.php?aid=1"}
        for p in site.posts + site.private:
            paths |= {f"/plus/count.php?view=yes&aid={p.aid}&mid=0", f"/plus/stow.php?aid={p.aid}",
                      f"/plus/erraddsave.php?aid={p.aid}", f"/plus/recommend.php?aid={p.aid}"}
        return out

    # --------------------------------------------------------------- charset
    def page_enc(self, site, key: str, route: tuple) -> str:
        if route[0] == "article":
            return site.posts[route[1]].enc
        if route[0] == "home":
            return "normal"
        return ENC_CYCLE[zlib.crc32(key.encode("utf-8")) % len(ENC_CYCLE)]

    def content_type(self, page: Page) -> str:
        return HEADER.get(page.enc, "text/html")

    def encode(self, html: str, page: Page) -> bytes:
        return html.encode("gbk", errors="xmlcharrefreplace")

    # ---------------------------------------------------------------- chrome
    def layout(self, page: Page, title: str, keywords: str, desc: str, main: str, right: str) -> str:
        site = page.site
        nav = "".join(f"<li><a href='{c.path}'><span>{esc(c.name)}</span></a></li>"
                      for c in site.categories if c.parent is None)
        hot = "".join(f'<li><a href="{self.search_href(t)}">{esc(t)}</a></li>' for t in site.hot_searches[:8])
        arch = f"/archive/{site.posts[site.latest[0]].doc.published[:7]}.html"
        tail = "<!-- 统计代码开始 <script src='/plus/tj.js'></script>\n" if page.malformed else ""
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            f"{META[page.enc]}\n<title>{esc(title)}_范文写作网</title>\n"
            f'<meta name="keywords" content="{esc(keywords)}" />\n<meta name="description" content="{esc(desc)}" />\n'
            '<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />\n'
            '<script language="javascript" type="text/javascript" src="/include/dedeajax2.js"></script>\n</head>\n'
            '<body class="articleview">\n<div class="header_top"><div class="w960 center"><span class="time">欢迎光临范文写作网</span>'
            '<div class="toplinks"><a href="/member/index.php" rel="nofollow">会员中心</a>|<a href="/plus/heightsearch.php" '
            'rel="nofollow">高级搜索</a></div></div></div>\n'
            '<div class="header"><div class="top w960 center"><div class="title"><h1><a href="/">'
            '<img src="/templets/default/images/logo.gif" height="54" width="216" alt="范文写作网"/></a></h1></div></div>\n'
            "<div class=\"module blue mT10 wrapper w963\"><div class=\"top\"><div id=\"navMenu\"><ul>"
            f"<li><a href='/'><span>主页</span></a></li>{nav}<li><a href='/private/'><span>内部资料</span></a></li></ul></div>\n"
            '<div class="search"><form name="formsearch" action="/search/"><div class="form"><h4>搜索</h4>'
            '<input name="q" type="text" class="search-keyword" value="在这里搜索..." />'
            '<button type="submit" class="search-submit">搜索</button></div></form>\n'
            f'<div class="tags"><h4>热门标签:</h4><ul>{hot}</ul></div></div></div></div>\n</div>\n'
            f'<div class="w960 center clear mt1">\n<div class="pleft">\n{main}</div>\n<div class="pright">\n{right}</div>\n</div>\n'
            '<div class="footer w960 center mt1 clear"><div class="footer_body">'
            '<p class="powered">Powered by <strong>DedeCMS_V57_GBK_SP2</strong> &copy; 2004-2024 DesDev Inc.<br /></p>\n'
            '<div class="copyright">Copyright &copy; 2012-2024 范文写作网 版权所有 地址：X省XX市九龍大道88号 '
            '备案号：粤ICP备10098765号</div>\n'
            f'<div class="links"><a href="/go/a.html">网站地图</a> | <a href="{arch}">文章归档</a></div></div></div>\n'
            f"{tail}</body>\n</html>\n")

    def right(self, page: Page, exclude: int = -1) -> str:
        def box(cls: str, name: str, posts: list[Post]) -> str:
            lis = "".join(f"<li><a href=\"{self.track(page, p.path, 0.1)}\">{esc(p.title)}</a></li>" for p in posts)
            return (f"<div class=\"{cls} mt1\"><dl class=\"tbox light\"><dt class='light'><strong>{name}</strong></dt>"
                    f"<dd class='light'><ul class=\"c1 ico2\">{lis}</ul></dd></dl></div>\n")
        return box("commend", "推荐内容", self.pick(page, 6, exclude)) + box("hot", "热点内容", self.pick(page, 10, exclude))

    def place(self, trail: list[tuple[str, str]], end: str = " &gt; ") -> str:
        links = "".join(f" &gt; <a href='{h}'>{esc(n)}</a>" for n, h in trail)
        return f"<div class=\"place\"><strong>当前位置:</strong> <a href='/'>主页</a>{links}{end}</div>\n"

    def list_pager_href(self, cat: Category, n: int) -> str:
        return f"list_{cat.tid}_{n}.html"

    def pager_html(self, links, n, total, count) -> str:
        lis = "".join(f"<li><a href='{h}'>{t}</a></li>" if h else f'<li class="thisclass"><a href="#">{t}</a></li>'
                      for t, h in links)
        info = f'<li><span class="pageinfo">共 <strong>{total}</strong>页<strong>{count}</strong>条</span></li>' if count else ""
        return f'<div class="dede_pages"><ul class="pagelist">{lis}{info}</ul></div>\n'

    # ----------------------------------------------------------------- pages
    def render_listing(self, page, title, trail, items, pager, extra="") -> str:
        lis = "".join(f"<li><a href='{h}' class='title'>{esc(t)}</a><span class='info'><small>日期：</small>{d}</span></li>"
                      for h, t, d in items)
        main = (self.place(trail, "") + f'<div class="listbox"><ul class="e2">{lis}</ul></div>\n{pager}{extra}\n')
        return self.layout(page, title, title, f"{title}_范文写作网", main, self.right(page))

    def render_home(self, page: Page) -> str:
        site = page.site
        latest = "".join(f"<li><span>{p.doc.published[5:10]}</span><a href=\"{p.path}\">{esc(p.title)}</a></li>"
                         for p in (site.posts[i] for i in site.latest[:30]))
        blocks = "".join(
            f'<div class="listbox"><h3><a href="{c.path}">{esc(c.name)}</a></h3><ul class="d1">' +
            "".join(f'<li><a href="{site.posts[i].path}">{esc(site.posts[i].title)}</a></li>' for i in c.posts[:6]) +
            "</ul></div>\n" for c in site.categories if c.parent is None)
        main = f'<div class="tbox"><dt><strong>最新文章</strong></dt><ul class="d1">{latest}</ul></div>\n{blocks}'
        return self.layout(page, "范文写作网_公文范文大全", "范文,公文", "范文写作网提供各类公文范文。", main, self.right(page))

    def render_article(self, page: Page, post: Post, part: int) -> str:
        site, doc = page.site, post.doc
        page.malformed = post.layout == "malformed"
        day, clock = doc.published.split(" ")
        count = f'<script src="/plus/count.php?view=yes&aid={post.aid}&mid=0" type=\'text/javascript\' language="javascript"></script>'
        stamp = {"minutes": f"时间:{day} {clock[:5]}", "date": f"时间:{day}", "fabiao": f"发表于 {day} {clock[:5]}"}[doc.date_style]
        info = f"{stamp} 来源:未知 作者:admin 点击:{count}次"
        parts = len(post.pages)
        rel_paths = [p.rsplit("/", 1)[1] for p in post.page_paths]
        pager = self.pager(page, list(enumerate(rel_paths, 1)), part + 1, 0) if parts > 1 else ""
        tags = " ".join(f'<a href="{self.tag_href(t)}">{esc(t)}</a>' for t in doc.terms)
        prev_next = self.context(page, post)
        related = "".join(f"<li><a href=\"{self.track(page, p.path, 0.15)}\">{esc(p.title)}</a><span>{p.doc.published[:10]}</span></li>"
                          for p in self.pick(page, 8, post.index))
        stray = "</div>\n<div class=\"adbox\">\n" if page.malformed else ""
        main = (self.place(self.post_trail(site, post)) +
                f'<div class="viewbox">\n<div class="title"><h2>{esc(post.title)}</h2></div>\n<div class="info">{info}</div>\n'
                "<div class=\"content\"><table width='100%'><tr><td>\n"
                '<div id="contentMidPicAD" style="float:right; clear:both; top:0; vertical-align:top;">'
                '<script src="/plus/ad_js.php?aid=1"></script></div>\n'
                f"{self.content(page, post, part)}\n</td></tr></table></div>\n{pager}"
                '<div class="boxoff"><strong>------分隔线----------------------------</strong></div>\n'
                f'<div class="handle">\n<div class="context"><ul>{prev_next}</ul></div>\n'
                f'<div class="actbox"><ul><li id="act-fav"><a href="/plus/stow.php?aid={post.aid}" target="_blank">收藏</a></li>'
                f'<li id="act-err"><a href="/plus/erraddsave.php?aid={post.aid}" target="_blank">挑错</a></li>'
                f'<li id="act-pus"><a href="/plus/recommend.php?aid={post.aid}" target="_blank">推荐</a></li>'
                '<li id="act-pnt"><a href="#" onClick="window.print();">打印</a></li></ul></div>\n</div>\n'
                f'<div class="tags">TAG标签：{tags}</div>\n</div>\n{stray}'
                '<div class="xiangguan"><dl class="tbox"><dt><strong>相关文章</strong></dt>'
                f'<dd><ul class="d1 ico3">{related}</ul></dd></dl></div>\n')
        desc = doc.visible[1 if len(doc.visible) > 1 else 0][:80]
        return self.layout(page, post.title, ",".join(doc.terms), desc, main, self.right(page, post.index))

    def context(self, page: Page, post: Post) -> str:
        """上一篇/下一篇 within the post's category."""
        site = page.site
        if post.doc.private:
            return "<li>上一篇：没有了 </li><li>下一篇：没有了 </li>"
        posts = site.categories[post.doc.category].posts
        i = posts.index(post.index)
        older = site.posts[posts[i + 1]] if i + 1 < len(posts) else None
        newer = site.posts[posts[i - 1]] if i > 0 else None
        prev = f"<a href='{older.path}'>{esc(older.title)}</a>" if older else "没有了"
        nxt = f"<a href='{newer.path}'>{esc(newer.title)}</a>" if newer else "没有了"
        return f"<li>上一篇：{prev} </li><li>下一篇：{nxt} </li>"
