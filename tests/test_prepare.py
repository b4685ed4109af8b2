"""A distributed worker's preparation of an article (pipelines.prepare) against the archiver's own work:
the same title, body, hash, derived columns and comparison form, and used only while still valid."""

from __future__ import annotations

from crawler.items import ArticleItem
from pipelines.boilerplate import BoilerplateLearner
from pipelines.clean import CleanPipeline
from pipelines.dedupe import ExactDedupePipeline, content_hash
from pipelines.prepare import Preparer
from tests.test_boilerplate import learned_from, page

SITE = "moyun.test"
TITLE = "第四季度消防工作总结"
INTRO = "小贴士：本站为您精选了{title}，阅读前请先收藏本页。"


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def article() -> ArticleItem:
    return ArticleItem(url=f"http://{SITE}/99.html", site=SITE, display_title=f"{TITLE}(精选3篇)",
                       page_lines=[page(99, TITLE)])


def archived(item: ArticleItem, learner: BoilerplateLearner) -> tuple[ArticleItem, Stats]:
    """The item after the archiver's clean and dedupe stages."""
    stats = Stats()
    pipeline = CleanPipeline(learner, stats=stats)
    pipeline.clean(item, (item.display_title, TITLE))
    ExactDedupePipeline().process_item(item)
    return item, stats


def test_a_prepared_article_is_what_the_archiver_makes_of_it():
    from fanwen.archive.genre import fields
    from fanwen.archive.neardup.shingles import Folder

    learner = learned_from(12)
    prepared = Preparer().prepare(article(), frozenset(learner.site(SITE).learned))
    own, _ = archived(article(), learner)  # no preparation: the archiver's own cleaning
    assert own.body and not own.body.startswith("小贴士") and own.rejected is None
    assert (prepared["title"], prepared["body"], prepared["partial"], prepared["rejected"]) == \
        (own.title, own.body, own.partial, own.rejected)
    assert prepared["content_hash"] == own.content_hash == content_hash(own.body)
    assert tuple(prepared["fields"]) == fields(own.title, own.body)
    assert prepared["folded"].split("\n") == Folder().fold_lines(own.body)

    item = article()
    item.prepared = prepared
    used, stats = archived(item, learner)
    assert stats.values == {"fanwen/clean/prepared_used": 1}
    assert used.prepared is prepared  # the store stage takes the derived columns and comparison form
    assert [getattr(used, f) for f in ("title", "body", "partial", "rejected", "content_hash")] == \
        [getattr(own, f) for f in ("title", "body", "partial", "rejected", "content_hash")]


def test_a_site_with_nothing_learned_takes_the_workers_preparation_too():
    learner = BoilerplateLearner()  # nothing learned for SITE: a site without boilerplate, or none seen yet
    assert not learner.site(SITE).learned
    item = article()
    item.prepared = Preparer().prepare(item, frozenset())
    used, stats = archived(item, learner)
    own, _ = archived(article(), learner)
    assert stats.values == {"fanwen/clean/prepared_used": 1}
    assert used.prepared is not None and used.body.startswith("小贴士")  # the intro is kept: nothing is learned
    assert [getattr(used, f) for f in ("title", "body", "partial", "rejected", "content_hash")] == \
        [getattr(own, f) for f in ("title", "body", "partial", "rejected", "content_hash")]


def test_an_article_prepared_with_other_templates_is_cleaned_again():
    learner = learned_from(12)
    assert INTRO in learner.site(SITE).learned
    older = frozenset(learner.site(SITE).learned - {INTRO})  # what a worker read before the intro was learned
    item = article()
    item.prepared = Preparer().prepare(item, older)
    assert item.prepared["body"].startswith("小贴士")  # the worker's cleaning kept the intro
    got, stats = archived(item, learner)
    assert stats.values == {"fanwen/clean/prepared_stale": 1}
    assert got.prepared is None and not got.body.startswith("小贴士")
    assert got.body == archived(article(), learner)[0].body
    assert got.content_hash == content_hash(got.body)


def test_an_article_prepared_by_another_version_is_cleaned_again():
    learner = learned_from(12)
    item = article()
    prepared = Preparer().prepare(item, frozenset(learner.site(SITE).learned))
    item.prepared = {**prepared, "version": "genre0/older", "body": "另一个版本的正文"}
    got, stats = archived(item, learner)
    assert stats.values == {"fanwen/clean/prepared_stale": 1}
    assert got.prepared is None and got.body == prepared["body"]


def test_a_prepared_article_crosses_the_stream_unchanged():
    from crawler.distributed.stream import decode_item, encode_item

    learner = learned_from(12)
    item = article()
    item.prepared = Preparer().prepare(item, frozenset(learner.site(SITE).learned))
    back = decode_item(encode_item(item))
    assert back.prepared == item.prepared
    assert (back.page_lines, back.display_title, back.site) == (item.page_lines, item.display_title, item.site)
