"""Cleaning: site chrome, injected boilerplate and title decorations out; masks and punctuation kept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from crawler.extract.dom import normalise_space
from crawler.items import ArticleItem
from pipelines.boilerplate import BoilerplateLearner

if TYPE_CHECKING:  # asyncio (about 0.1 s to import) is for the pipeline, not for pure cleaning
    import asyncio

# Decorations sites add to the same essay's title: 【优秀范文】, (精选12篇), （通用14篇）, 【第1页】.
_DECORATION = re.compile(
    r"(?:【[^【】]{1,12}】|\[[^\[\]]{1,12}\]"
    r"|[(（][^()（）]{0,6}(?:\d+|[一二三四五六七八九十百]+)篇[^()（）]{0,4}[)）]"
    r"|[(（](?:优秀范文|精选范文|范文|精选|推荐|最新|热门|完整版|通用版|通用|模板|word版|可编辑|参考)[)）])"
)
_EDGE_DECORATION = re.compile(rf"^\s*{_DECORATION.pattern}\s*|\s*{_DECORATION.pattern}\s*$")

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
# Pay walls: the text stops here and the page is only part of the document.
_TRUNCATED = re.compile(r"全文阅读已结束|全文预览已结束|如果下载本文需要|剩余\d+页未读|需要使用\s*\d+\s*积分")
# A bare domain pasted into a sentence ("…要做 m.example.com 好各项…"); official domains stay.
_CJK = r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f“”‘’]"
_PASTED_DOMAIN = re.compile(
    rf"(?<={_CJK})(?:https?://)?(?:[a-z0-9-]+\.)+(?:com\.cn|com|cn|net|org|cc|top|xyz|info|vip|wang|site|test)"
    rf"(?::\d+)?(?:/[\w./?=&%-]*)?(?={_CJK})",
    re.I,
)
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
    own_domains = _own_domain_pattern(site_hosts)
    extra = list(extra_boilerplate)
    out = CleanText()
    for raw in lines:
        if is_learned_boilerplate is not None and is_learned_boilerplate(raw):
            continue
        line = normalise_space(_BUTTON_LABELS.sub("", raw))
        if own_domains is not None:
            line = own_domains.sub("", line).strip()
        if "." in line:  # a domain has a dot: most lines need no search
            line = _PASTED_DOMAIN.sub(_unless_official, line).strip()
        if not line:
            continue
        if _TRUNCATED.search(line):
            out.partial = True
            break
        if out.paragraphs and (_STOP_LINE.match(line) or (line[-1] in "论复言" and _COMMENTS_HEADING.match(line))):
            break
        if len(line) <= _MAX_BOILERPLATE_LINE and _BOILERPLATE_LINE.search(line):
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
    return out


def _unless_official(match: re.Match[str]) -> str:
    return match[0] if _OFFICIAL.search(match[0]) else ""


def _is_title(line: str, plain_title: str) -> bool:
    return line == plain_title or strip_title_decorations(line) == plain_title


def _own_domain_pattern(hosts: Iterable[str]) -> re.Pattern[str] | None:
    sites = sorted({h.lower().split(":")[0] for h in hosts if h}, key=len, reverse=True)
    if not sites:
        return None
    names = "|".join(re.escape(s) for s in sites)
    return re.compile(rf"\s*(?:https?://)?(?:[a-z0-9-]+\.)*(?:{names})(?::\d+)?(?:/[\w./?=&%-]*)?\s*", re.I)


class CleanPipeline:
    """Turns the raw lines of an ArticleItem into its body, title and partial flag.

    Each site's own boilerplate is learned from its first pages (pipelines.boilerplate): the
    first FANWEN_LEARN_PAGES articles of a site wait until there are enough pages to learn from, so
    they are cleaned as well as the later ones; they stop waiting when no new article of the site
    has come for FANWEN_LEARN_WAIT seconds (a small site). The clock restarts with every article,
    not with the first, so a crawl starved of CPU, whose articles come slowly, still waits for all.
    What is learned is kept in the archive, so the next crawl of the site starts with it.
    """

    def __init__(self, learner: BoilerplateLearner, session=None, wait: float = 10.0, stats=None):
        """`session`: the crawl's archive session (crawler.extensions.archive_session), or None."""
        from archive.sites import SiteBoilerplate  # the archive (sqlite-utils): not for pure cleaning

        self.learner = learner
        self.session = session
        self.sites = SiteBoilerplate(session.writer) if session is not None else None
        self.wait = wait
        self.stats = stats
        self._ready: dict[str, asyncio.Event] = {}
        self._last_arrival: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler) -> CleanPipeline:
        from crawler.extensions.archive_session import ArchiveSession  # Scrapy: not for pure cleaning

        settings = crawler.settings
        learner = BoilerplateLearner(min_pages=settings.getint("FANWEN_LEARN_PAGES"))
        return cls(learner, ArchiveSession.of(crawler), settings.getfloat("FANWEN_LEARN_WAIT"), crawler.stats)

    def open_spider(self) -> None:
        if self.session is not None:
            self.session.open()
            for site, (templates, pages) in self.sites.learned().items():
                self.learner.add_known(site, templates, pages)

    async def process_item(self, item):
        import asyncio

        if not isinstance(item, ArticleItem):
            return item
        site = item.site
        titles = _titles(item.display_title)
        self._save(site, self.learner.observe(site, titles, item.page_lines[0] if item.page_lines else []))
        ready = self._ready.setdefault(site, asyncio.Event())
        clock = asyncio.get_running_loop().time
        self._last_arrival[site] = clock()
        if self.learner.ready(site):
            ready.set()
        while not ready.is_set():
            quiet_until = self._last_arrival[site] + self.wait
            try:
                await asyncio.wait_for(ready.wait(), max(0.0, quiet_until - clock()))
            except asyncio.TimeoutError:
                if clock() >= self._last_arrival[site] + self.wait:  # no article came meanwhile: a small site
                    self._save(site, self.learner.learn(site))  # learn from what there is, and stop waiting
                    ready.set()
        self.clean(item, titles)
        return item

    def clean(self, item: ArticleItem, titles: tuple[str, ...]) -> None:
        item.title = titles[-1]
        learned = self.learner.site(item.site).learned
        cleaned = clean_pages(
            item.page_lines,
            item.display_title,
            [item.site],
            item.boilerplate,
            (lambda line: self.learner.is_boilerplate(item.site, line, titles)) if learned else None,
        )
        item.body = "\n".join(cleaned.paragraphs)
        item.partial = item.partial or cleaned.partial
        if not item.body:
            item.rejected = "no article text after cleaning"

    def _save(self, site: str, new: set[str]) -> None:
        if new:
            if self.stats is not None:
                self.stats.inc_value("fanwen/boilerplate/learned", len(new))
            if self.sites is not None:
                self.sites.save(site, new, self.learner.site(site).pages)


def _titles(display_title: str) -> tuple[str, ...]:
    """The title as shown and without decorations (the undecorated one last)."""
    plain = strip_title_decorations(display_title)
    return (display_title, plain) if plain != display_title else (plain,)
