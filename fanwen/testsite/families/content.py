"""The article text block: boilerplate injections, hidden-content variants and malformed markup."""
from __future__ import annotations

import html
import random
import re
from typing import TYPE_CHECKING

from ..model import Post

if TYPE_CHECKING:
    from .base import Page

HEAD_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|【?篇[一二三四五六七八九十]】?$)")
CN = "一二三四五六七八九十"
PIAN_RE = re.compile(r"^【?篇[一二三四五六七八九十]】?$")
INTROS = (
    "下面是小编为大家整理的{dtitle}，供大家参考。",
    "下面是小编辛苦为朋友们带来的{n}篇《{title}》,在大家参考的同时,也可以分享一下{site}给您的好友哦。",
    "下面由{site}{column}栏目小编为大家带来{cn}篇{title}，希望大家喜欢！",
    "{title}怎么写？下面是小编为大家整理的{dtitle}，欢迎借鉴参考，希望对大家有所帮助。",
)
OUTROS = (
    "以上是小编为大家准备的{title}，希望对大家的写作有所帮助。",
    "以上就是小编为大家整理的{dtitle}，希望对大家有所帮助。",
    "以上就是{site}小编为您整理的{title}的全部内容，更多精彩内容请持续关注{site}。",
)
NOTICES = (
    "",
    "版权说明:本文档由用户提供并上传,收益归属内容提供方,若内容存在侵权,请进行举报或认领",
    "【提示】本文档来源自{site}（http://{host}），{site}是国内专业的范文写作平台，微信搜索公众号“{site}”"
    "可免费获取更多范文。转发文档请保留以上标记，谢谢！",
)
PARTIAL_NOTICE = "全文阅读已结束，如果下载本文需要使用 2000 积分"


def esc(s: str) -> str:
    """HTML-escape text and attribute values."""
    return html.escape(s, quote=True)


class ArticleText:
    """Mixin of Family: renders what sits inside an article's content container."""

    domain_text = ""
    site_name = ""
    host = ""

    def pick(self, page: Page, k: int, exclude: int = -1) -> list[Post]:
        """k public posts chosen with the page RNG (provided by Family)."""
        raise NotImplementedError

    def content(self, page: Page, post: Post, part: int) -> str:
        """HTML inside the content container: boilerplate plus the article text."""
        doc, r = post.doc, page.rng
        lo, hi = post.pages[part]
        last = part == len(post.pages) - 1
        head: list[str] = []
        if part == 0:
            if post.intro >= 0:
                head.append(self.para(self.intro_text(page, post), post, r, noise=False))
            if post.repeat in (1, 3):
                head.append(f'<p style="text-align:center"><strong>{esc(post.title)}</strong></p>')
            if post.repeat in (1, 2):
                head.append(f"<p>{esc(doc.title)}</p>")
        body: list[str] = []
        paras = doc.visible
        hid_k = post.hidden_at[0] if post.layout == "hiddenA" and lo <= post.hidden_at[0] < hi - 1 else -1
        for i in range(lo, hi):
            text = paras[i]
            if post.domain_at and post.domain_at[0] == i:
                off = post.domain_at[1]
                body.append(self.para(f"{text[:off]} {self.domain_text} {text[off:]}", post, r, noise=False))
            elif i == hid_k:
                off = post.hidden_at[1]
                body.append(
                    f"<p>{self.indent(post)}{esc(text[:off])}<a class=\"hide-btn\" href=\"javascript:;\">当前隐藏内容免费查看</a>"
                    f"<span class=\"hidden-text\" style=\"display:none\">{esc(text[off:])}</span></p>"
                    '\n<div class="hide-content" style="display:none">')
            elif HEAD_RE.match(text) and len(text) < 45:
                body.append(self.heading(text, post))
            else:
                body.append(self.para(text, post, r))
            if post.tuijian_at == i and i < hi - 1:
                body.append(self.tuijian(page, post))
        if hid_k >= 0:
            body.append("</div>")
            if r.random() < 0.5:
                body.append('<a class="hide-up" href="javascript:;" style="display:none">收起↑</a>')
        if post.layout == "malformed":
            body = self.malform(body, r)
        if post.layout == "hiddenB":
            body = ['<div class="jhcbk" style="max-height:300px;overflow:hidden">'] + head + body + \
                   ['</div>\n<div class="jhcbtn">展开阅读全文<span></span></div>']
            if r.random() < 0.5:
                body.append('<div class="jhcbtn-up" style="display:none">收起↑</div>')
            head = []
        tail: list[str] = []
        if last:
            fmt = self.fmt(page, post)
            if doc.partial_at is not None:
                tail.append(f'<div class="readall"><p class="tip">{PARTIAL_NOTICE}</p>'
                            f'<p><a href="/dldoc/{post.aid}.html" rel="nofollow">下载本文档</a></p></div>')
            elif post.outro >= 0:
                tail.append(self.para(self.outro_text(page, post), post, r, noise=False))
            if post.notice:
                tail.append(f'<p class="notice" style="color:#999">{esc(NOTICES[post.notice].format(**fmt))}</p>')
            if post.download in ("doc", "both"):
                tail.append(f'<p class="download"><a href="/uploads/fanwen-{post.aid}.doc" target="_blank">点击下载文档</a></p>')
            if post.download in ("soft", "both"):
                tail.append('<p class="download"><a href="/soft/30mb.html" rel="nofollow">免费下载这篇文档</a></p>')
        return "\n".join(head + body + tail)

    def fmt(self, page: Page, post: Post) -> dict[str, str]:
        site = page.site
        column = "内部资料" if post.doc.private else site.categories[post.doc.category].name
        n = post.doc.essays
        return {"title": post.doc.title, "dtitle": post.title, "site": self.site_name, "column": column,
                "n": str(n), "cn": CN[n - 1], "host": self.host}

    def intro_text(self, page: Page, post: Post) -> str:
        return INTROS[post.intro].format(**self.fmt(page, post))

    def outro_text(self, page: Page, post: Post) -> str:
        return OUTROS[post.outro].format(**self.fmt(page, post))

    @staticmethod
    def indent(post: Post) -> str:
        return ("\u3000\u3000", "&nbsp;&nbsp;&nbsp;&nbsp;", "", "\n\t")[post.ws]

    def para(self, text: str, post: Post, r: random.Random, noise: bool = True) -> str:
        t = esc(text)
        if noise:
            t = add_noise(t, r)
        if post.ws == 3:
            return f'<p style="text-indent:2em">\n\t{t}&nbsp;\n</p>'
        return f"<p>{self.indent(post)}{t}</p>"

    def heading(self, text: str, post: Post) -> str:
        if PIAN_RE.match(text):
            return f'<p style="text-align:center"><strong>{esc(text)}</strong></p>'
        if post.bold_heads:
            return f"<p><strong>{esc(text)}</strong></p>"
        return f"<p>{self.indent(post)}{esc(text)}</p>"

    def tuijian(self, page: Page, post: Post) -> str:
        links = "".join(f'<li><a href="{p.path}" target="_blank">{esc(p.title)}</a></li>'
                        for p in self.pick(page, 4, post.index))
        return f'<p><strong>小编精心推荐</strong></p>\n<ul class="xbtj">{links}</ul>'

    @staticmethod
    def malform(body: list[str], r: random.Random) -> list[str]:
        """Break the markup the way sloppy CMS templates do; the visible text stays the same."""
        plain = [i for i, b in enumerate(body) if b.startswith("<p>") and b.endswith("</p>") and "<strong>" not in b]
        if len(plain) >= 6:
            a = plain[1]          # <p> inside <p>
            nxt = plain[2]
            if nxt == a + 1:
                body[a] = body[a][:-4] + body[nxt] + "</p>"
                body[nxt] = ""
            b = plain[3]          # <br> soup: following plain paragraphs folded into one <p>
            run = [b] + [j for j in plain[4:6] if j - b <= 2]
            if len(run) > 1 and all(run[k + 1] == run[k] + 1 for k in range(len(run) - 1)):
                inner = [body[j][3:-4] for j in run]
                body[b] = "<p class=txt>" + "<br>\n<br>".join(inner) + "<br>"
                for j in run[1:]:
                    body[j] = ""
            for j in plain[6:]:   # unclosed <p>
                if r.random() < 0.5:
                    body[j] = body[j][:-4]
        return [b for b in body if b]



def add_noise(t: str, r: random.Random) -> str:
    """Occasionally put &nbsp; or a newline between two non-ASCII-alphanumeric characters."""
    x = r.random()
    if x > 0.18 or len(t) < 12:
        return t
    ins = "&nbsp;" if x < 0.1 else "\n"
    for _ in range(6):
        i = r.randint(4, len(t) - 4)
        if not (_alnum(t[i - 1]) or _alnum(t[i]) or t[i - 1] in "&;" or t[i] in "&;"):
            return t[:i] + ins + t[i:]
    return t


def _alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()
