"""The fields around the article text: title, date, source, breadcrumb and related terms."""

from __future__ import annotations

import functools
import itertools
import re
from datetime import datetime, timedelta
from typing import Iterator
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extract.dom import normalise_space, own_text

_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|—|–)\s*|\s+-\s*|\s*-\s+")
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/年.]\s*(?P<m>\d{1,2})\s*[-/月.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?"
)
# After a calendar's month come its day numbers, spaced or (cells read as one text) run together.
_CALENDAR_DAYS = re.compile(r"\d|\s*(?:[日一二三四五六]\s*){0,7}\d{1,2}\s+\d{1,2}\s+\d{1,2}\s+\d{1,2}\b")
_DATE_LABEL = re.compile(r"(?:时间|日期|发布|发表于|发表|更新|上传|编辑于|录入)\s*[:：]?\s*$")
_LOOSE_DATE = re.compile(r"(?:时间|日期|发布于|发表于|更新于)\s*[:：]?\s*(\S[^\n|｜]{1,24})")
_SOURCE = re.compile(
    r"来源\s*[:：]\s*(?P<src>.{1,40}?)\s*(?=作者|点击|本文|浏览|阅读|发布|时间|编辑|责任|字体|人气|热度|[|｜/]|$)"
)
_BREADCRUMB_HINT = re.compile(r"position|crumb|bread|place|location|weizhi|dqwz|dangqian|nav_?path|path", re.I)
_BREADCRUMB_LABEL = re.compile(r"^\s*(当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|位置)\s*[:：]?")
_NOT_A_CATEGORY = {"首页", "主页", "网站首页", "正文", "返回首页", "home", "Home", "内容", "详情"}
_TERMS_LABEL = re.compile(r"^\s*(相关热词搜索|相关热词|热词搜索|相关搜索|相关标签|标签|关键词|关键字|tags?)\s*[:：]?", re.I)
_TERM_URL = re.compile(r"/tags?/|tags?\.php|[?&]c=tag|/t/|[?&]tag=", re.I)
_BLOCKISH = frozenset("p div li ul dd dl td section span".split())


def page_title(root: HtmlElement) -> str:
    """The <title> without the site name: for pages without an article heading."""
    parts = title_parts(root.findtext(".//title") or "")
    return parts[0] if parts else ""


# "标题-站点名": a hyphen without spaces ends the title only before a short name in Chinese without
# digits (2020-2021学年 and China-Pub are one title).
_SITE_SUFFIX = re.compile(r"^(?P<title>.{4,})-(?P<site>[^-\d\s]{2,16})$")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def title_parts(title: str) -> list[str]:
    """The parts of a page's <title> split at the separators sites put before their name
    ("标题_站点名", "标题 - 栏目 - 站点", "标题 | Site", "标题-站点名"), the article's first."""
    parts = [normalise_space(part) for part in _TITLE_SPLIT.split(title.strip())]
    parts = [part for part in parts if part]
    while parts:
        suffix = _SITE_SUFFIX.match(parts[0])
        if suffix is None or not _HAS_CJK.search(suffix["site"]):
            break
        parts[0:1] = [suffix["title"], suffix["site"]]
    return parts


def heading_text(heading: HtmlElement) -> str:
    """A heading's own text (a date in a nested <span> left out), else all of its text."""
    return own_text(heading) or normalise_space(heading.text_content())


_TITLE_CLASS = re.compile(r"title|headline|biaoti|(?<![a-z])(?:tit|bt|hd)(?![a-z])", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4")
_TITLE_BOXES = ("div", "p", "span", "strong", "td", "header")
_MAX_HEADING = 100


def article_heading(root: HtmlElement, content: HtmlElement, mass: dict) -> HtmlElement | None:
    """The heading that names the article.

    The last h1 (else h2) before the content block that is not the site logo, when it names the
    page as its <title> does (or there is no <title>); else the heading or title-styled box
    (h1-h4, class "title"/"headline") that does, nearest before the text and not in a sidebar,
    navigation or footer. A sidebar's "其他诗词" or "全部导航" does not name the page.

    `mass` is body.text_mass of the page: its last field is each element's document position."""
    start = mass[content][3] if content in mass else 1 << 30
    page = title_parts(root.findtext(".//title") or "")
    first = _first_heading(root, content, mass, start)
    if first is not None:
        text = heading_text(first)
        if not page and not _in_chrome(first, content):
            return first
        if page and _names_page(text, page) and (_is_exact(text, page) or not _in_chrome(first, content)):
            return first
    if page:
        # Headings first (few, found in C), then boxes styled as titles (every box with a class).
        for tags, styled in ((_HEADINGS, False), (_TITLE_BOXES, True)):
            found = _naming_box(root.iter(tags), styled, page, content, mass, start)
            if found is not None:
                return found
    return first if first is not None and not _in_chrome(first, content) else None


def _naming_box(elements, styled: bool, page: list[str], content: HtmlElement, mass: dict, start: int):
    """The nearest element before the text (else the first inside it) that names the page."""
    before, inside = [], []
    for el in elements:
        if styled:
            cls, ident = el.get("class"), el.get("id")
            if (cls is None and ident is None) or not _names_title(cls, ident):
                continue
        text = heading_text(el)
        exact = _is_exact(text, page)
        if not (exact or 4 <= len(text) <= _MAX_HEADING and _names_page(text, page)) or _is_home_link(el):
            continue
        if not exact and _in_chrome(el, content):
            continue
        if contains(content, el):
            inside.append(el)
        elif el in mass and mass[el][3] < start and not contains(el, content):
            before.append(el)
    return before[-1] if before else inside[0] if inside else None


@functools.lru_cache(maxsize=4096)
def _names_title(cls: str | None, ident: str | None) -> bool:
    """Class and id words of a box styled as a title. Cached: a page repeats its class names."""
    return _TITLE_CLASS.search(f"{cls or ''} {ident or ''}") is not None


def _is_exact(text: str, page: list[str]) -> bool:
    return len(text) >= 2 and text.replace(" ", "") == page[0].replace(" ", "")


def _first_heading(root: HtmlElement, content: HtmlElement, mass: dict, start: int) -> HtmlElement | None:
    for tag in ("h1", "h2"):
        candidates = [h for h in root.iter(tag) if len(heading_text(h)) >= 4 and not _is_home_link(h)]
        inside = [h for h in candidates if contains(content, h)]
        before = [h for h in candidates if h in mass and mass[h][3] < start and not contains(h, content)]
        if before:
            return before[-1]
        if inside:
            return inside[0]
    return None


def _names_page(text: str, page: list[str]) -> bool:
    """The text is the page's title as its <title> gives it: its first part, or a part of the
    whole at least as long as that first part (a site name alone is not the title)."""
    if not page:
        return False
    text = text.replace(" ", "")
    whole = "".join(page).replace(" ", "")
    first = page[0].replace(" ", "")
    if text == first:
        return True
    if len(text) >= 4 and text in whole and len(text) >= 0.6 * len(first) and (text in first or text.startswith(first[:4])):
        return True
    return len(first) >= 4 and first in text and len(text) <= 1.6 * len(first)


def _in_chrome(el: HtmlElement, content: HtmlElement) -> bool:
    """The element sits in a sidebar, navigation or footer box (one that does not hold the text)."""
    from crawler.extract.body import is_chrome  # body does not import fields: no cycle, but kept local

    for ancestor in el.iterancestors():
        if ancestor.tag in ("body", "html") or ancestor is content:
            return False
        if is_chrome(ancestor) and not contains(ancestor, content):
            return True
    return False


def contains(ancestor: HtmlElement, el: HtmlElement | None) -> bool:
    """True when `el` is `ancestor` or inside it."""
    while el is not None:
        if el is ancestor:
            return True
        el = el.getparent()
    return False


def url_path(href: str | None, base: str = "") -> str | None:
    """The path of `href` resolved against `base`; None for an unparseable URL (`http://[::1`)."""
    try:
        return urlsplit(urljoin(base, href or "") if base else href or "").path
    except ValueError:
        return None


def _is_home_link(heading: HtmlElement) -> bool:
    """A site logo: the heading's text is one link to the home page."""
    links = heading.findall(".//a")
    return (
        len(links) == 1
        and url_path(links[0].get("href")) in ("", "/", "/index.html", "/index.php")
        and normalise_space(links[0].text_content()) == own_text(heading)
    )


def published_at(text: str, fetched: datetime | None = None) -> str | None:
    """The publication time in `text` (the lines between title and body) as ISO 8601.

    A date next to a label (时间/发布/发表于…) wins; else the first date. Forms the regex
    does not read (10-23, 3天前, 昨天 10:20) go to dateparser, relative to the fetch time.
    """
    best = None
    for match in _DATE.finditer(text):
        if _CALENDAR_DAYS.match(text, match.end()):
            continue  # a calendar widget's month and its day numbers, not a publication date
        if _DATE_LABEL.search(text[max(0, match.start() - 8) : match.start()]):
            best = match
            break
        best = best or match
    if best is not None:
        return _iso(best)
    loose = _LOOSE_DATE.search(text)
    if loose:
        found, iso = _short_iso(loose.group(1), fetched or datetime.now())
        return iso if found else _dateparser_iso(loose.group(1), fetched)
    return None


# Forms without a leading year, read without dateparser (slow, and it takes 10-23 for 2010-11-23).
_TIME = r"(?:\s*-?\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?"
_YEAR_LAST = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})" + _TIME)  # m/d/Y - H:i
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})\s*[-/月.]\s*(?P<d>\d{1,2})\s*日?" + _TIME)  # 10-23, 08-11 16:06
_DAYS_AGO = re.compile(r"^(?P<n>\d{1,3})\s*(?P<unit>秒|分钟|小时|天|周|星期)前")
_NAMED_DAY = re.compile(r"^(?P<day>刚刚|今天|昨天|前天)" + _TIME)
_UNIT_SECONDS = {"秒": 1, "分钟": 60, "小时": 3600, "天": 86400, "周": 604800, "星期": 604800}
_DAYS_BACK = {"刚刚": 0, "今天": 0, "昨天": 1, "前天": 2}


def _short_iso(text: str, now: datetime) -> tuple[bool, str | None]:
    """(whether the form is known, its ISO date) for dates printed without a leading year:
    10-23 and 08-11 16:06 (the last such day before `now`), 06/02/2022 - 13:48, 3天前, 昨天 10:20."""
    text = text.strip()
    match = _YEAR_LAST.match(text)
    if match:
        return True, _iso(match)
    match = _MONTH_DAY.match(text)
    if match:
        month, day = int(match["m"]), int(match["d"])
        year = now.year - 1 if (month, day) > (now.month, now.day) else now.year
        return True, _build(year, month, day, match["H"], match["M"], match["S"])
    match = _DAYS_AGO.match(text)
    if match:
        when = now - timedelta(seconds=int(match["n"]) * _UNIT_SECONDS[match["unit"]])
        return True, when.replace(microsecond=0).isoformat()
    match = _NAMED_DAY.match(text)
    if match:
        day = now - timedelta(days=_DAYS_BACK[match["day"]])
        if match["day"] == "刚刚":
            return True, now.replace(microsecond=0).isoformat()
        return True, _build(day.year, day.month, day.day, match["H"], match["M"], match["S"])
    return False, None


def _iso(match: re.Match[str]) -> str | None:
    return _build(int(match["y"]), int(match["m"]), int(match["d"]), match["H"], match["M"], match["S"])


def _build(y: int, m: int, d: int, hour: str | None, minute: str | None, second: str | None) -> str | None:
    try:
        if hour is None:
            return datetime(y, m, d).strftime("%Y-%m-%d")
        return datetime(y, m, d, int(hour), int(minute), int(second or 0)).isoformat()
    except ValueError:
        return None


def _dateparser_iso(text: str, fetched: datetime | None) -> str | None:
    import dateparser  # imported on first use: it is slow to load and rarely needed

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if fetched is not None:
        settings["RELATIVE_BASE"] = fetched
    parsed = dateparser.parse(text, languages=["zh"], settings=settings)
    if parsed is None:
        return None
    has_time = bool(re.search(r"\d{1,2}[:：]\d{2}|[前]", text))
    return parsed.replace(microsecond=0).isoformat() if has_time else parsed.strftime("%Y-%m-%d")


# A byline at the top of the text: "作者：张三 2020年01月12日18:32", "来源：新华网 2023-11-17".
_BYLINE_LABEL = re.compile(r"作者|来源|发布|时间|日期|编辑|记者|稿源|出处|发表|更新|posted|published|updated|by\b", re.I)
_MAX_BYLINE = 100
_BYLINE_LINES = 4


def byline_date(lines: list[str], fetched: datetime | None = None) -> str | None:
    """The date of a byline among the first lines of the text: a short line that is no sentence,
    with a label (作者/来源/发布…) or a time beside the date. None rather than a guess."""
    for line in lines[:_BYLINE_LINES]:
        if len(line) > _MAX_BYLINE or "。" in line:
            continue
        match = _DATE.search(line)
        if match is None or _CALENDAR_DAYS.match(line, match.end()):
            continue
        if _BYLINE_LABEL.search(line) or match["H"] is not None:
            return _iso(match)
    return None


def source(text: str) -> str | None:
    match = _SOURCE.search(text)
    return match["src"].strip() or None if match else None


def breadcrumb(
    root: HtmlElement,
    page_url: str,
    title: str,
    explicit: bool = False,
    content: HtmlElement | None = None,
    mass: dict | None = None,
) -> list[str]:
    """Category names of the breadcrumb trail below the site root (`root` is the trail if explicit)."""
    trail = root if explicit else _breadcrumb_element(root)
    if trail is None and not explicit and content is not None:
        trail = _trail_by_shape(root, content, page_url, title, mass)
    if trail is None:
        return []
    names: list[str] = []
    for link in trail.iter("a"):
        name = normalise_space(link.text_content())
        path = url_path(link.get("href"), page_url)
        if not name or path is None or path in ("", "/", "/index.html", "/index.htm", "/index.php") or name in _NOT_A_CATEGORY:
            continue
        if name == title or (names and names[-1] == name):
            continue
        names.append(name)
    return names


def _breadcrumb_element(root: HtmlElement) -> HtmlElement | None:
    for el in root.iter():
        cls, ident, text = el.get("class"), el.get("id"), el.text
        if cls is None and ident is None and (text is None or "位置" not in text):
            continue  # no hint and no label (every label ends in 位置): most elements
        if not isinstance(el.tag, str) or el.tag in ("a", "body", "html"):
            continue
        hint = f"{cls or ''} {ident or ''}"
        if (_BREADCRUMB_HINT.search(hint) or _BREADCRUMB_LABEL.match(text or "")) and _is_small(el):
            links = sum(1 for _ in itertools.islice(el.iter("a"), 13))
            if 1 <= links <= 12:
                return el
    return None


_SEPARATOR_CHARS = set(" >›»/|·→＞-")
_HOME_PATHS = ("", "/", "/index.html", "/index.htm", "/index.php")
_SHAPE_BOXES = frozenset("div p nav span ul ol td section header dd li".split())


# A trail is a small box: its subtree is looked at only if it has at most this many elements, so
# deeply nested markup (unclosed tags) costs no more than well-formed markup.
_MAX_SMALL_BOX = 200
_TRAIL_LEVELS = 4
_MAX_TRAIL_TEXT = 400
_NO_MASS = (0, 0, 0, 0)


def _is_small(el: HtmlElement) -> bool:
    return sum(1 for _ in itertools.islice(el.iter(), _MAX_SMALL_BOX + 1)) <= _MAX_SMALL_BOX


def _trail_by_shape(
    root: HtmlElement, content: HtmlElement, page_url: str, title: str, mass: dict | None = None
) -> HtmlElement | None:
    """A trail with no known class or label: before the text, a box of 2-8 links, the first to
    the home page, with nothing but separators (>, ›, », /) between them, an optional label in
    front ("您在这里：") and the title or 正文 at the end.

    Linear in the page: only the few boxes around each link to the home page are looked at, from
    the outermost, and each only when small."""
    if mass is None:  # positions only: no text is skipped unread
        mass = {el: (0, 0, 0, position) for position, el in enumerate(root.iter())}
    around = set(content.iterancestors())
    content_start = mass[content][3] if content in mass else 1 << 62
    seen: set[HtmlElement] = set()
    for home in root.iter("a"):
        href = home.get("href")
        if not _may_be_home(href) or url_path(href, page_url) not in _HOME_PATHS:
            continue
        if mass.get(home, _NO_MASS)[3] > content_start:
            return None  # the trail is before the text
        boxes = [el for el in itertools.islice(home.iterancestors(), _TRAIL_LEVELS) if el.tag in _SHAPE_BOXES]
        for el in reversed(boxes):
            if el in seen or el in around or el is content:
                continue
            seen.add(el)
            if _trail_shape(el, home, title, mass):
                return el
    return None


def _may_be_home(href: str | None) -> bool:
    """A quick test before resolving: can this href point at the home page?"""
    if href is None:
        return False
    href = href.partition("#")[0].partition("?")[0].strip()
    if href in ("", ".", "..") or href.endswith(("/", "index.html", "index.htm", "index.php")):
        return True
    _, slashes, rest = href.partition("//")
    return bool(slashes) and "/" not in rest  # http://host


def _trail_shape(el: HtmlElement, home: HtmlElement, title: str, mass: dict) -> bool:
    plain, link_chars = mass.get(el, _NO_MASS)[:2]
    if plain + link_chars > _MAX_TRAIL_TEXT or not _is_small(el):
        return False
    links = el.findall(".//a")
    if not 2 <= len(links) <= 8 or links[0] is not home:
        return False
    rest = el.text_content()
    for link in links:
        rest = rest.replace(link.text_content(), " ", 1)
    rest = normalise_space(rest.replace(title, "").replace("正文", ""))
    label, colon, after = rest.partition("：") if "：" in rest else rest.partition(":")
    if colon and len(label) <= 8:
        rest = after
    return bool(rest) and set(rest) <= _SEPARATOR_CHARS


# A terms box has a label of at most 10 characters beside its links: boxes with more non-link
# text than this (white space the text mass counts included) are not looked at.
_MAX_TERMS_BOX_TEXT = 40


def _terms_by_shape(root: HtmlElement, content: HtmlElement, mass: dict | None = None) -> list[str]:
    """Related terms with an unknown label: after the text, a short label ending in ：/: and then
    only short links (1-20 of them). `mass` (body.text_mass) lets most boxes be skipped unread."""
    for el in _after(content):
        if el.tag not in _SHAPE_BOXES:
            continue
        if mass is not None:
            plain, link_chars = mass.get(el, _NO_MASS)[:2]
            if plain > _MAX_TERMS_BOX_TEXT or not link_chars:
                continue
        if not _is_small(el):
            continue
        rest = el.text_content()
        if "：" not in rest and ":" not in rest:
            continue  # no label
        links = el.findall(".//a")
        if not 1 <= len(links) <= 20:
            continue
        texts = [normalise_space(a.text_content()) for a in links]
        if any(not t or len(t) > 20 for t in texts):
            continue
        for text in texts:
            rest = rest.replace(text, " ", 1)
        rest = normalise_space(rest)
        if rest.endswith(("：", ":")) and 2 <= len(rest) <= 10:
            return _dedupe(texts)
    return []


def related_terms(root: HtmlElement, content: HtmlElement, mass: dict | None = None) -> list[str]:
    """Texts of the related-term links (相关热词搜索 / 标签) after the article text, in page order."""
    for el in itertools.chain(content.iter(), _after(content)):
        text = el.text
        if not text or el.tag == "a" or not isinstance(el.tag, str) or not _TERMS_LABEL.match(text):
            continue
        box = el
        while box is not None and (box.tag not in _BLOCKISH or box.find(".//a") is None):
            box = box.getparent()
        if box is None or not _is_small(box) or len(box.findall(".//a")) > 40:
            continue
        terms = link_texts(box)
        if terms:
            return terms
    terms = _terms_by_shape(root, content, mass)
    if terms:
        return terms
    # No label: tag-like links that follow the article text.
    links = [a for a in content.getparent().iter("a")] if content.getparent() is not None else []
    return _dedupe([normalise_space(a.text_content()) for a in links if _TERM_URL.search(a.get("href") or "")])


def _after(el: HtmlElement) -> Iterator[HtmlElement]:
    """The elements after `el` and its subtree, in document order."""
    node = el
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def link_texts(box: HtmlElement) -> list[str]:
    return _dedupe([normalise_space(a.text_content()) for a in box.iter("a")])


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and len(item) <= 40 and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def canonical_link(root: HtmlElement) -> str | None:
    """The page's rel=canonical URL, if it is one (an unparseable href is ignored)."""
    for link in root.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            href = link.get("href").strip()
            return href if url_path(href) is not None else None
    return None
