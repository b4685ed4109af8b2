"""Cleaning the lines of an article: site chrome, injected boilerplate and title decorations out;
masks and punctuation kept. Pure functions (no Scrapy): the clean pipeline and `main_text` use them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from crawler.extract.dom import normalise_space

# Decorations sites add to the same essay's title: 【优秀范文】, (精选12篇), （通用14篇）, 【第1页】.
_DECORATION = re.compile(
    r"(?:【[^【】]{1,12}】|\[[^\[\]]{1,12}\]"
    r"|[(（][^()（）]{0,6}(?:\d+|[一二三四五六七八九十百]+)篇[^()（）]{0,4}[)）]"
    r"|[(（](?:优秀范文|精选范文|范文|精选|推荐|最新|热门|完整版|通用版|通用|模板|word版|可编辑|参考)[)）])"
)
_EDGE_DECORATION = re.compile(rf"^\s*{_DECORATION.pattern}\s*|\s*{_DECORATION.pattern}\s*$")

_CJK_CHARS = r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f“”‘’]"
# Whole lines injected by the site: intros/outros written by "小编", counters, notices, ads.
_BOILERPLATE_LINE = re.compile(
    r"小编|小編|小编精心推荐"
    r"|本文已影响.{0,12}人|阅读次数|浏览次数|点击次数|已被阅读\s*\d*\s*次|引用\s*[(（]?(?i:trackback)"
    r"|版权说明|本文档由用户提供并上传|收益归属内容提供方|版权反馈|版权所有|侵权.{0,6}(联系|删除)"
    r"|【提示】本文档来源|转发文档请保留"
    r"|本文来源于|原文(链接|地址)[:：]|文章来源[:：]|本文链接[:：]"
    r"|公文高手|写作神器|到电脑桌面|推薦一個非常厲害|人工智能工具"
)
_MAX_BOILERPLATE_LINE = 300
# Template lines every site writes the same way, whoever the writer: intros ("下面来看下…介绍。"),
# outros ("以上就是…的相关介绍"), calls to visit ("更多“…”请关注www.xxx.com"), reprint notices,
# counters ("阅读(123)"), bylines alone on a line ("人民日报记者 张三"), the buttons of share bars,
# and English chrome lines. Each is a whole short line; sentences with the same words are longer
# or say something else.
_TEMPLATE_LINE = re.compile(
    r"^(?:"
    r"下面(?:我们|就|就让我们|让我们|一起|跟随|跟着|随)?.{0,8}?(?:来|一起)?(?:看看?|了解|介绍|分享|欣赏|学习)一?下.{0,60}[。！!：:吧]?"
    r"|以上(?:就是|便是|是|即是).{0,80}(?:相关|全部|所有|介绍|内容|分享|希望|资料|知识|信息).{0,60}"
    r"|(?:更多|查看更多|了解更多|获取更多).{0,40}(?:请|敬请|欢迎)?(?:关注|访问|登录|进入|点击).{0,60}"
    r"|转载请(?:注明|保留|标明).{0,120}"
    r"|(?:反侵权公告|侵权投诉|免责声明|版权声明)[:：]?"
    r"|(?:(?:阅读|浏览|点击|评论|点赞|赞|收藏|转发|分享|喜欢|人气|热度)(?:数|量|次数)?\s*[:：]?\s*[(（]?\d+[)）]?\s*(?:次|人|条)?\s*)+"
    r"|\d+\s*(?:次阅读|人阅读|次浏览|人浏览|条评论|人点赞|人收藏|次播放)"
    r"|[(（]?(?:本报|[一-鿿]{2,8}(?:日报|晚报|早报|时报|商报|青年报|报|社|网|台))?(?:记者|通讯员|实习生|实习记者|特约记者)(?:\s*[一-鿿·]{2,5}){1,4}[)）]?"
    r"|播报文章|分享至|分享到[:：]?|微信扫码分享|扫码分享|扫一扫分享|不喜欢|举报|点个赞吧.{0,20}|打开.{0,8}(?:APP|App|app|客户端).{0,20}"
    r"|阅读原文|返回顶部|返回首页|收藏本文|已关注|取消关注|\+?关注"
    r"|.{0,120}【点击(?:投票|查看|进入|阅读|下载|收听|观看|购买|参与|报名|这里|此处|链接)[^【】]{0,4}】.{0,60}"  # a call to click
    r"|advertisement|advertisements|sponsored(?: content)?|share this(?: article| story| post)?|share on (?:facebook|twitter)"
    r"|(?:sign up|subscribe)\b.{0,80}(?:newsletter|email|inbox|updates|free|daily|weekly)\b.{0,40}|subscribe now"
    r"|read more\b.{0,80}|continue reading.{0,60}|story continues below.{0,20}|click here to\b.{0,60}"
    r"|follow us on\b.{0,60}|you (?:may|might) also like|recommended(?: for you)?|related(?: articles| stories)?:?"
    r")$",
    re.I,
)
_MAX_TEMPLATE_LINE = 200
_NOTICE_BLOCK = re.compile(r"^(?:反侵权公告|侵权投诉|免责声明|版权声明)[:：]?$")
# A domain at the end of a line ("…文章来自www.xxx.com", "…请关注 xxx.cn"); official domains stay.
_TRAILING_DOMAIN = re.compile(
    rf"(?<={_CJK_CHARS})\s*[(（]?(?:https?://)?(?:[a-z0-9-]+\.)+(?:com\.cn|com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)"
    r"(?::\d+)?(?:/[\w./?=&%-]*)?[)）]?\s*$",
    re.I,
)
# Buttons and ad calls: a whole line only when short and not a sentence, which may speak of 免费下载.
_BUTTON_LINE = re.compile(r"点击下载|免费下载|下载本文|文档下载|下载文档|下载word|立即了解", re.I)
_MAX_BUTTON_LINE = 40
_SENTENCE = re.compile("[，。；？]")
# The date/source/author line above the text, when the content block includes it.
_INFO_LINE = re.compile(r"(?:19|20)\d{2}[-/年.]\d{1,2}[-/月.]\d{1,2}.*(?:来源|作者|点击|浏览|阅读|编辑)\s*[:：]|(?:来源|作者)\s*[:：].*(?:19|20)\d{2}[-/年.]\d{1,2}")
_MAX_INFO_LINE = 120
# Button labels that sit inside a paragraph where hidden text continues.
_BUTTON_LABELS = re.compile(r"当前隐藏内容免费查看|展开阅读全文|点击查看全文|展开全文|查看全文|阅读全文|收起\s*↑?")
# Chrome that follows the article: everything from here on is not article text.
_STOP_LINE = re.compile(
    r"^(相关热词搜索|相关热词|热词搜索|相关搜索|延伸阅读|推荐访问|推荐阅读|相关文章|相关推荐|猜你喜欢|"
    r"上一篇|下一篇|热门阅读|热门推荐|精彩推荐|本文标签|相关标签|标签\s*[:：]|tags?\s*[:：]|"
    r"相关报道|相关新闻|相关阅读|发表评论|网友评论|我要评论)",
    re.I,
)
# The heading of a comment list ("《…》已有3件评论", "共12条回复"): the article has ended.
_COMMENTS_HEADING = re.compile(r"^.{0,60}(?:已有|共有|共)\s*\d+\s*(?:件|条|篇|个)(?:评论|回复|留言)\s*$")
# The editor's credit that closes a news article ("责任编辑：张三", "[责任编辑:李四]"): what follows it
# is the portal's (keywords, follow-us boxes, the next stories).
_CLOSING_CREDIT = re.compile(r"^[\[【(（]?责任编辑\s*[:：]\s*[^\s，。；]{1,24}[\]】)）]?$")
# Pay walls: the text stops here and the page is only part of the document.
_TRUNCATED = re.compile(r"全文阅读已结束|全文预览已结束|如果下载本文需要|剩余\d+页未读|需要使用\s*\d+\s*积分")
# A bare domain pasted into a sentence ("…要做 m.example.com 好各项…"); official domains stay.
_CJK = _CJK_CHARS
_PASTED_DOMAIN = re.compile(
    rf"(?<={_CJK})(?:https?://)?(?:[a-z0-9-]+\.)+(?:com\.cn|com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)"
    rf"(?::\d+)?(?:/[\w./?=&%-]*)?(?={_CJK})",
    re.I,
)
# What every domain of _PASTED_DOMAIN and _TRAILING_DOMAIN has: searched first, since it starts with
# a literal the regex engine skips to (their lookbehinds are tried at every character).
_DOMAIN_END = re.compile(r"\.(?:com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)", re.I)
_OFFICIAL = re.compile(r"\.(gov|edu|org)\.cn\b|\.gov\b", re.I)


def strip_title_decorations(title: str) -> str:
    """The title without the decorations sites add at its start or end."""
    title = normalise_space(title)
    while True:
        stripped = _EDGE_DECORATION.sub("", title, count=1).strip()
        if stripped == title or not stripped:
            return title
        title = stripped


@dataclass
class CleanText:
    paragraphs: list[str] = field(default_factory=list)
    partial: bool = False


def clean_pages(
    pages: Iterable[Iterable[str]],
    title: str = "",
    site_hosts: Iterable[str] = (),
    extra_boilerplate: Iterable[re.Pattern[str]] = (),
    is_learned_boilerplate: Callable[[str], bool] | None = None,
) -> CleanText:
    """Paragraphs of a multi-page article: each page's chrome is cut on its own."""
    out = CleanText()
    for number, lines in enumerate(pages):
        page = clean_lines(
            lines, title, site_hosts, extra_boilerplate, leading=number == 0, is_learned_boilerplate=is_learned_boilerplate
        )
        out.paragraphs += page.paragraphs
        if page.partial:
            out.partial = True
            break
    return out


def clean_lines(
    lines: Iterable[str],
    title: str = "",
    site_hosts: Iterable[str] = (),
    extra_boilerplate: Iterable[re.Pattern[str]] = (),
    leading: bool = True,
    is_learned_boilerplate: Callable[[str], bool] | None = None,
) -> CleanText:
    """Paragraphs of the article from the raw lines of its content block.

    `leading` is False for continuation pages: the title is not repeated there."""
    plain_title = strip_title_decorations(title)
    own_domains, own_names = _own_domain_patterns(tuple(site_hosts))
    extra = list(extra_boilerplate)
    out = CleanText()
    for raw in lines:
        if is_learned_boilerplate is not None and is_learned_boilerplate(raw):
            continue
        line = normalise_space(_BUTTON_LABELS.sub("", raw))
        if own_domains is not None and own_names.search(line):  # most lines name no host: skip the slow pattern
            line = own_domains.sub("", line).strip()
        if not line.isascii() and _DOMAIN_END.search(line):  # a domain after Chinese text: most lines skip it
            line = _PASTED_DOMAIN.sub(_unless_official, line).strip()
            line = _TRAILING_DOMAIN.sub(_unless_official, line).strip()
        if not line:
            continue
        if _TRUNCATED.search(line):
            out.partial = True
            break
        if out.paragraphs and (_STOP_LINE.match(line) or (line[-1] in "论复言" and _COMMENTS_HEADING.match(line))):
            break
        if len(line) <= _MAX_BOILERPLATE_LINE and _BOILERPLATE_LINE.search(line):
            continue
        if len(line) <= _MAX_TEMPLATE_LINE and _TEMPLATE_LINE.match(line):
            if _NOTICE_BLOCK.match(line) and out.paragraphs:
                break  # a notice block (反侵权公告…) ends the article
            continue
        if len(line) <= _MAX_BUTTON_LINE and _BUTTON_LINE.search(line) and not _SENTENCE.search(line):
            continue
        if extra and any(pattern.search(line) for pattern in extra):
            continue
        if len(line) <= _MAX_INFO_LINE and _INFO_LINE.search(line):
            continue
        if leading and not out.paragraphs and plain_title and _is_title(line, plain_title):
            continue
        if not out.paragraphs and _STOP_LINE.match(line):
            continue
        out.paragraphs.append(line)
        if len(out.paragraphs) > 1 and line.startswith(("责", "[", "【", "(", "（")) and _CLOSING_CREDIT.match(line):
            break
    return out


def _unless_official(match: re.Match[str]) -> str:
    return match[0] if _OFFICIAL.search(match[0]) else ""


def _is_title(line: str, plain_title: str) -> bool:
    return line == plain_title or strip_title_decorations(line) == plain_title


@functools.lru_cache(maxsize=256)
def _own_domain_patterns(hosts: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The pattern of the site's own domain (with scheme, subdomains, port and path) and of its names alone.

    Every match of the first holds a match of the second (the same names, the same flags), so a line the
    second does not match is left as it is: the first, starting with `\\s*`, is tried at every character
    of a line (2.5% of a re-extraction's CPU when run on every line)."""
    sites = sorted({h.lower().split(":")[0] for h in hosts if h}, key=len, reverse=True)
    if not sites:
        return None, None
    names = "|".join(re.escape(s) for s in sites)
    return (re.compile(rf"\s*(?:https?://)?(?:[a-z0-9-]+\.)*(?:{names})(?::\d+)?(?:/[\w./?=&%-]*)?\s*", re.I),
            re.compile(names, re.I))


def title_forms(display_title: str) -> tuple[str, ...]:
    """The title as shown and without decorations (the undecorated one last)."""
    plain = strip_title_decorations(display_title)
    return (display_title, plain) if plain != display_title else (plain,)
