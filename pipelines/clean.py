"""The clean pipeline: each article's lines become its body, with the site's learned boilerplate.

The pure cleaning functions live beside extraction, in `crawler.extract.clean`."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.clean import clean_pages, title_forms
from crawler.items import ArticleItem
from pipelines.boilerplate import BoilerplateLearner, is_learned_line
from pipelines.hold import LearningHold


@dataclass(frozen=True)
class CleanedArticle:
    """What cleaning makes of an ArticleItem's raw lines."""

    title: str
    body: str
    partial: bool
    rejected: str | None


def clean_article(item: ArticleItem, titles: tuple[str, ...], learned: set[str] | frozenset[str]) -> CleanedArticle:
    """The article's body cleaned with its site's `learned` boilerplate templates (a pure function: the
    distributed crawl's workers run it ahead of the archiver, pipelines.prepare)."""
    cleaned = clean_pages(
        item.page_lines,
        item.display_title,
        [item.site],
        item.boilerplate,
        (lambda line: is_learned_line(learned, line, titles)) if learned else None,
    )
    body = "\n".join(cleaned.paragraphs)
    return CleanedArticle(titles[-1], body, item.partial or cleaned.partial,
                          item.rejected if body else "no article text after cleaning")


class CleanPipeline:
    """Turns the raw lines of an ArticleItem into its body, title and partial flag.

    A site's first FANWEN_LEARN_PAGES articles wait in the crawl's one learning hold
    (pipelines.hold) until there are enough pages to learn from, or none has come for
    FANWEN_LEARN_WAIT seconds (a small site). Then, together: those extracted before the site's
    template was known are extracted again with it (crawler.templates.TemplateHold), the site's own
    boilerplate is learned from all of them (pipelines.boilerplate), and each is cleaned as well as
    the later ones. What is learned is kept in the archive, so the next crawl of the site starts with it.
    """

    def __init__(self, learner: BoilerplateLearner, session=None, wait: float = 10.0, stats=None, pages: int | None = None):
        """`session`: the crawl's archive session (crawler.extensions.archive_session), or None."""
        from fanwen.archive.sites import SiteBoilerplate  # the archive (sqlite-utils): not for pure cleaning

        self.learner = learner
        self.session = session
        self.sites = SiteBoilerplate(session.writer) if session is not None else None
        self.stats = stats
        self.hold = LearningHold(self._learn, pages if pages is not None else learner.min_pages, wait, stats)

    @classmethod
    def from_crawler(cls, crawler) -> CleanPipeline:
        from crawler.extensions.archive_session import ArchiveSession  # Scrapy: not for pure cleaning

        settings = crawler.settings
        pages = settings.getint("FANWEN_LEARN_PAGES")
        learner = BoilerplateLearner(min_pages=pages)
        return cls(learner, ArchiveSession.of(crawler), settings.getfloat("FANWEN_LEARN_WAIT"), crawler.stats, pages)

    def open_spider(self) -> None:
        if self.session is not None:
            self.session.open()
            for site, (templates, pages) in self.sites.learned().items():
                self.learner.add_known(site, templates, pages)

    async def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        site = item.site
        if not self.hold.is_released(site) and (item.template_hold is not None or not self.learner.ready(site)):
            await self.hold.admit(site, item)  # extracted again and observed with the others of its site
        else:
            self._learn(site, [item], releasing=False)
        self.clean(item, title_forms(item.display_title))
        return item

    def _learn(self, site: str, items: list[ArticleItem], releasing: bool = True) -> None:
        """Both learners see the items: their pages are extracted again where the site's template
        is known by now, then their lines are counted for the site's boilerplate."""
        for item in items:
            if item.template_hold is not None:
                hold, item.template_hold = item.template_hold, None
                hold.extract_again(item)
                item.prepared = None  # made from the lines extracted before
        for item in items:
            titles = title_forms(item.display_title)
            self._save(site, self.learner.observe(site, titles, item.page_lines[0] if item.page_lines else []))
        if releasing:
            self._save(site, self.learner.learn(site))  # a small site: learned from what there is

    def clean(self, item: ArticleItem, titles: tuple[str, ...]) -> None:
        prepared, item.prepared = item.prepared, None
        learned = self.learner.site(item.site).learned
        if prepared is not None and self._still_valid(item.site, prepared):
            cleaned = CleanedArticle(prepared["title"], prepared["body"], prepared["partial"], prepared["rejected"])
            item.prepared = prepared  # the later stages take its content hash and derived data too
        else:
            cleaned = clean_article(item, titles, learned)
        item.title, item.body, item.partial, item.rejected = cleaned.title, cleaned.body, cleaned.partial, cleaned.rejected

    def _still_valid(self, site: str, prepared: dict) -> bool:
        """A worker's cleaning (pipelines.prepare) is this pipeline's when it used the templates learned
        by now; counted either way (fanwen/clean/prepared_used, _stale)."""
        from pipelines.prepare import is_current  # the archive's derived data: only for prepared items

        valid = prepared.get("boilerplate") == self.learner.digest(site) and is_current(prepared)
        if self.stats is not None:
            self.stats.inc_value(f"fanwen/clean/prepared_{'used' if valid else 'stale'}")
        return valid

    def _save(self, site: str, new: set[str]) -> None:
        if new:
            if self.stats is not None:
                self.stats.inc_value("fanwen/boilerplate/learned", len(new))
            if self.sites is not None:
                self.sites.save(site, new, self.learner.site(site).pages)
