"""The site boilerplate learner on small hand-written pages."""

from pipelines.boilerplate import BoilerplateLearner, line_template
from crawler.extract.clean import clean_pages


def page(n: int, title: str) -> list[str]:
    return [
        f"小贴士：本站为您精选了{title}，阅读前请先收藏本页。",  # this site's own intro, not in any list
        title,
        "同志们：",
        f"第{n}篇正文的第一段，内容各不相同，讲的是第{n}件事情的具体做法。",
        f"第{n}篇正文的第二段，总结了经验，提出了下一步打算。",
        "温馨提示：本文由墨韵文库整理发布，禁止转载。",
    ]


TITLES = [f"第{n}季度安全生产工作{kind}" for n, kind in zip(range(1, 13), ["总结", "计划", "讲话"] * 4)]


def learned_from(pages: int, speeches_only: bool = False) -> BoilerplateLearner:
    learner = BoilerplateLearner(min_pages=8)
    for n, title in enumerate(TITLES[:pages]):
        lines = page(n, title)
        if not speeches_only and n % 3:
            lines.remove("同志们：")  # a stock phrase of some essays only
        learner.observe("moyun.test", (title,), lines)
    learner.learn("moyun.test")
    return learner


def test_templates_mask_title_and_numbers():
    assert line_template("下面是小编为大家整理的3篇《年度总结》，供参考。", ("年度总结",)) == "下面是小编为大家整理的{n}篇《{title}》，供参考。"


def test_injected_intro_and_footer_are_learned_article_text_is_not():
    learner = learned_from(12)
    learned = learner.site("moyun.test").learned
    assert "小贴士：本站为您精选了{title}，阅读前请先收藏本页。" in learned
    assert "温馨提示：本文由墨韵文库整理发布，禁止转载。" in learned
    assert not any("正文" in t for t in learned)
    assert "同志们：" not in learned  # on a third of the pages: a stock phrase, not chrome


def test_learned_lines_are_cleaned_from_a_new_page():
    learner = learned_from(12)
    title = "第四季度消防工作总结"
    lines = page(99, title)
    body = clean_pages([lines], title, is_learned_boilerplate=lambda line: learner.is_boilerplate("moyun.test", line, (title,)))
    assert body.paragraphs == lines[2:5]


def test_nothing_is_learned_from_too_few_pages():
    learner = BoilerplateLearner(min_pages=8)
    learner.observe("x.test", ("标题一二三四",), ["只有一页的正文内容。"])
    assert learner.learn("x.test") == set()


def test_other_sites_are_not_affected():
    learner = learned_from(12)
    assert not learner.is_boilerplate("other.test", "温馨提示：本文由墨韵文库整理发布，禁止转载。", ("标题",))


def test_a_slow_crawl_waits_for_enough_pages_a_small_site_does_not():
    """Articles that come slower than FANWEN_LEARN_WAIT apart (a crawl starved of CPU) still wait
    until the site's boilerplate is learned; a site whose articles stop coming is learned from what
    there is once no new one has come for that long."""
    import asyncio
    import time

    from crawler.items import ArticleItem
    from pipelines.clean import CleanPipeline

    def item(n: int, site: str) -> ArticleItem:
        return ArticleItem(url=f"http://{site}/{n}.html", site=site, display_title=TITLES[n], page_lines=[page(n, TITLES[n])])

    async def crawl(site: str, articles: int, gap: float) -> tuple[list[ArticleItem], float]:
        pipeline = CleanPipeline(BoilerplateLearner(min_pages=8), wait=0.3)
        started = time.monotonic()

        async def arrive(n: int) -> ArticleItem:
            await asyncio.sleep(n * gap)
            return await pipeline.process_item(item(n, site))

        done = await asyncio.gather(*(arrive(n) for n in range(articles)))
        return done, time.monotonic() - started

    slow, _ = asyncio.run(crawl("slow.test", 10, gap=0.2))  # 0.2 s apart, 1.8 s in all, wait 0.3 s
    assert all(not a.body.startswith("小贴士") and "温馨提示" not in a.body for a in slow)
    small, seconds = asyncio.run(crawl("small.test", 3, gap=0.0))
    assert all("温馨提示" not in a.body for a in small)  # learned from its three pages after 0.3 s quiet
    assert seconds < 2
