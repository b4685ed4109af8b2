"""The clean pipeline: each article's lines become its body, with the site's learned boilerplate.

The pure cleaning functions live beside extraction, in `crawler.extract.clean`."""

from __future__ import annotations

from crawler.extract.clean import clean_pages, title_forms
from crawler.items import ArticleItem
from pipelines.boilerplate import BoilerplateLearner
from pipelines.hold import LearningHold


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
        for item in items:
            titles = title_forms(item.display_title)
            self._save(site, self.learner.observe(site, titles, item.page_lines[0] if item.page_lines else []))
        if releasing:
            self._save(site, self.learner.learn(site))  # a small site: learned from what there is

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
