"""The clean pipeline: each article's lines become its body, with the site's learned boilerplate.

The pure cleaning functions live beside extraction, in `crawler.extract.clean`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.extract.clean import clean_pages, title_forms
from crawler.items import ArticleItem
from pipelines.boilerplate import BoilerplateLearner

if TYPE_CHECKING:  # asyncio (about 0.1 s to import) is only needed once items flow
    import asyncio


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
        from fanwen.archive.sites import SiteBoilerplate  # the archive (sqlite-utils): not for pure cleaning

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
        titles = title_forms(item.display_title)
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
