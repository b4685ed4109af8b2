"""Site templates learned from hand-written pages of one site: learns, applies, detects drift, relearns."""

from __future__ import annotations

import random
import sqlite3

from fanwen.archive import ArchiveWriter
from fanwen.archive.templates import latest_templates
from crawler.extract import Page, extract_article
from crawler.extract.layouts import LayoutLearner
from crawler.extract.template import PageDigest, learn
from crawler.templates import TemplateBook

SITE = "example.test"
WORDS = ("春风", "秋雨", "山河", "星火", "灯塔", "麦田", "江海", "松柏", "晨钟", "书卷", "梅雪", "竹林", "云帆", "稻香",
         "金桥", "玉泉", "长亭", "明月", "清风", "丹霞", "翠湖", "银杏", "青瓷", "墨香", "烟雨", "飞鸿", "古道", "新芽")
TEASERS = tuple(f"{w}行动启动以来，各部门认真谋划、周密部署，推动工作取得了阶段性成效，群众满意度持续提升，经验做法值得推广。"
                for w in WORDS[:12])
CHROME = "分享到朋友圈，觉得好就点个赞吧！"


def article(n: int) -> list[str]:
    """Short article text of page n: its own words, so no two pages share a line."""
    a, b = WORDS[n % len(WORDS)], WORDS[(n * 7 + 3) % len(WORDS)]
    return [f"{a}{b}计划第一阶段已经完成，参与的同志们都说收获很大。",
            f"下一步要把{a}和{b}的经验结合起来，继续抓好落实，力争年底前见到实效。"]


def page(n: int, box: str = "post-text", text: list[str] | None = None) -> Page:
    """Page n of the site: a short post beside a bigger teaser feed and a dated comment list."""
    return Page.from_html(html(n, box, text), f"http://www.{SITE}/p/{n}.html")


def html(n: int, box: str = "post-text", text: list[str] | None = None) -> str:
    """The HTML of page n."""
    rng = random.Random(n)
    paragraphs = "".join(f"<p>{line}</p>" for line in (text or article(n)))
    feed = "".join(f'<div class="item"><a href="/p/{rng.randrange(999)}.html">热文推荐</a><p>{t}</p></div>'
                   for t in rng.sample(TEASERS, 8))
    comments = "".join(f'<div class="c"><span>网友{rng.choice(WORDS)}</span> 2023-0{k + 1}-1{k} 1{k}:30'
                       f"<p>说得好，{rng.choice(WORDS)}{rng.choice(WORDS)}这部分很有启发。</p></div>" for k in range(3))
    return (f"<html><head><title>文章{n} - 示例站</title></head><body>"
            '<div class="head"><a href="/">示例站</a> <a href="/a/">栏目</a></div>'
            f'<div class="wrap"><div class="main"><div class="post"><h1>{WORDS[n % len(WORDS)]}工作简报</h1>'
            f'<div class="{box}">{paragraphs}<p>{CHROME}</p></div></div>'
            f'<div class="comments">{comments}</div></div>'
            f'<div class="side"><div class="feed">{feed}</div></div></div>'
            '<div class="foot">示例站版权所有，未经许可不得转载本站内容。</div></body></html>')


def test_single_page_extraction_takes_the_feed_or_the_comments_with_the_post():
    lines = extract_article(page(1)).lines
    assert lines != article(1)
    assert any(t in lines for t in TEASERS) or any("说得好" in line for line in lines)


def test_learns_the_article_box_and_its_chrome():
    template = learn([PageDigest.of(page(n).root, page(n).url) for n in range(10)])
    assert template is not None
    assert template.content == "body>div.wrap>div.main>div.post>div.post-text"
    assert template.chrome == {CHROME}
    assert template.pages == 10


def test_learning_does_not_depend_on_page_order():
    digests = [PageDigest.of(page(n).root, page(n).url) for n in range(10)]
    shuffled = digests[::-1][3:] + digests[::-1][:3]
    assert learn(digests) == learn(shuffled)


def test_the_template_picks_the_article_and_drops_chrome_on_a_new_page():
    template = learn([PageDigest.of(page(n).root, page(n).url) for n in range(10)])
    new = page(42)
    assert extract_article(new, template=template).lines == article(42)
    assert extract_article(new, template=template).title == f"{WORDS[42 % len(WORDS)]}工作简报"


def test_pages_that_do_not_agree_teach_nothing():
    assert learn([PageDigest.of(page(1).root, page(1).url)]) is None  # one page: nothing varies
    same = [PageDigest.of(page(1, text=article(1)).root, f"http://www.{SITE}/p/{n}.html") for n in range(6)]
    assert learn(same) is None  # every page the same text: nothing is the pages' own


def _learner(pages: int = 10) -> LayoutLearner:
    learner = LayoutLearner(learn_pages=pages, drift_window=5, drift_misfits=3)
    events = []
    for n in range(pages):
        p = page(n)
        assert learner.template_for(SITE, p.root) is None
        events += learner.observe(SITE, p.url, p.root)
    assert [e.kind for e in events] == ["learned"]
    return learner


def test_learner_applies_its_template_to_later_pages():
    learner = _learner()
    later = page(50)
    template = learner.template_for(SITE, later.root)
    assert template is not None and extract_article(later, template=template).lines == article(50)
    assert learner.observe(SITE, later.url, later.root) == []


def test_a_redesign_is_noticed_and_learned_again_one_version_up():
    learner = _learner()
    events = []
    for n in range(100, 103):  # the article box is renamed: the template no longer fits
        redesigned = page(n, box="article-body")
        assert learner.template_for(SITE, redesigned.root) is None  # single-page extraction meanwhile
        events += learner.observe(SITE, redesigned.url, redesigned.root)
    assert [e.kind for e in events] == ["retired"]
    (layout,) = learner.layouts.values()
    assert layout.template is None and layout.version == 1
    for n in range(103, 113):
        redesigned = page(n, box="article-body")
        events += learner.observe(SITE, redesigned.url, redesigned.root)
    assert [e.kind for e in events] == ["retired", "learned"]
    assert layout.version == 2 and layout.template.content.endswith("div.post>div.article-body")
    assert extract_article(page(200, box="article-body"), template=layout.template).lines == article(200)


def test_a_box_that_stops_varying_is_drift():
    learner = _learner()
    notice = ["本文已下线，请浏览站内其他内容。"]
    events = []
    for n in range(300, 306):
        p = page(n, text=notice)
        events += learner.observe(SITE, p.url, p.root)
    assert [e.kind for e in events] == ["retired"]


def test_one_misfit_is_not_drift():
    learner = _learner()
    odd = page(400, box="other")
    events = learner.observe(SITE, odd.url, odd.root)
    for n in range(401, 405):
        p = page(n)
        events += learner.observe(SITE, p.url, p.root)
    assert events == []


def test_book_stores_versions_and_the_next_crawl_starts_with_the_latest(tmp_path):
    writer = ArchiveWriter(tmp_path / "archive.db")
    writer.open()
    book = TemplateBook(LayoutLearner(learn_pages=10), writer)
    for n in range(10):
        book.observe(SITE, page(n))
    for n in range(100, 113):
        book.observe(SITE, page(n, box="article-body"))
    writer.close()
    conn = sqlite3.connect(tmp_path / "archive.db")
    rows = conn.execute("SELECT version, content, retired_at IS NOT NULL FROM site_templates ORDER BY version").fetchall()
    assert [(v, c.rsplit(">", 1)[1], r) for v, c, r in rows] == [(1, "div.post-text", 1), (2, "div.article-body", 0)]
    assert [t.version for t in latest_templates(conn)] == [2]
    conn.close()

    writer = ArchiveWriter(tmp_path / "archive.db")
    later = TemplateBook(LayoutLearner(learn_pages=10), writer)
    later.open()
    assert later.template_for(SITE, page(500, box="article-body")).content.endswith("div.article-body")
    assert later.template_for(SITE, page(500)) is None  # the old design: single-page extraction
    writer.close()


def test_first_articles_wait_once_for_template_and_boilerplate():
    """Items extracted before the site was learned carry their pages; they wait in the clean
    pipeline's one learning hold until the site has FANWEN_LEARN_PAGES articles (or is quiet: a
    small site), are extracted again with the template and cleaned with the boilerplate learned
    from the same pages. A small site is released once, after one quiet wait."""
    import asyncio
    import time

    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.items import ArticleItem
    from pipelines.boilerplate import BoilerplateLearner
    from pipelines.clean import CleanPipeline

    class Stats(MemoryStatsCollector):
        def __init__(self):
            self._stats = {}

    def injected(n: int) -> list[str]:
        """Page n's text with the line the site injects around every article's title."""
        return article(n) + [f"编者按：本站为您精选了《{WORDS[n % len(WORDS)]}工作简报》，欢迎收藏。"]

    async def crawl(articles: int) -> tuple[list[ArticleItem], float, dict]:
        book = TemplateBook(LayoutLearner(learn_pages=10, min_pages=4))
        stats = Stats()
        pipeline = CleanPipeline(BoilerplateLearner(min_pages=10), wait=0.3, stats=stats)
        started = time.monotonic()

        async def arrive(n: int) -> ArticleItem:
            await asyncio.sleep(n * 0.01)
            p = page(n, text=injected(n))  # what the spider does for an article page
            template = book.template_for(SITE, p)
            fields = extract_article(p, template=template)
            item = ArticleItem(url=p.url, site=SITE, display_title=fields.title, page_lines=[fields.lines])
            item.template_hold = book.hold(SITE, html(n, text=injected(n)), p.url, None, None) if template is None else None
            book.observe(SITE, p)
            return await pipeline.process_item(item)

        done = await asyncio.gather(*(arrive(n) for n in range(articles)))
        return done, time.monotonic() - started, stats.get_stats()

    items, _, stats = asyncio.run(crawl(14))
    assert [item.page_lines[0] for item in items] == [injected(n) for n in range(14)]  # extracted again
    assert [item.body.splitlines() for item in items] == [article(n) for n in range(14)]  # the injected line learned
    assert all(item.template_hold is None for item in items)
    assert stats.pop("fanwen/boilerplate/learned") >= 1
    assert stats == {"fanwen/hold/released_full": 1, "fanwen/hold/articles": 10}  # the first ten waited, once

    small, seconds, stats = asyncio.run(crawl(5))  # five pages: learned once no article came for 0.3 s
    assert [item.body.splitlines() for item in small] == [article(n) for n in range(5)]
    assert stats.pop("fanwen/boilerplate/learned") >= 1
    assert stats == {"fanwen/hold/released_quiet": 1, "fanwen/hold/articles": 5}  # one quiet wait for both learners
    assert seconds < 2
