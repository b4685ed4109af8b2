"""The crawl's site templates: one owner, asked by the spider, kept in the archive.

`TemplateBook` learns each site's layouts from its article pages as the crawl sees them
(crawler.extract.layouts), hands the spider a fitting template for every later page, and stores
each learned or retired version in `site_templates` so that the next crawl starts with it. A site's
first articles are extracted before there is a template: each carries a `TemplateHold` (its pages)
and waits in the crawl's one learning hold (pipelines.hold, run by the clean pipeline) until the site
has had FANWEN_LEARN_PAGES article pages, or none for FANWEN_LEARN_WAIT seconds (a small site); then
the site is settled and the article extracted again with what was learned.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler.extract import Page, extract_article
from crawler.extract.layouts import Event, LayoutLearner
from crawler.extract.template import Template

if TYPE_CHECKING:
    from crawler.items import ArticleItem
    from crawler.profiles import SiteProfile

logger = logging.getLogger(__name__)


class TemplateBook:
    """Owns the learned templates of every site of a crawl (FANWEN_TEMPLATES_ENABLED)."""

    def __init__(self, learner: LayoutLearner, writer: Any = None, stats: Any = None):
        self.learner = learner
        self.writer = writer
        self.stats = stats
        self._articles: dict[str, int] = {}  # site -> article pages observed
        self._settled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler) -> TemplateBook:
        from scrapy import signals

        settings = crawler.settings
        if not settings.getbool("FANWEN_TEMPLATES_ENABLED"):
            raise NotConfigured("FANWEN_TEMPLATES_ENABLED is off")
        pages = settings.getint("FANWEN_LEARN_PAGES")
        learner = LayoutLearner(learn_pages=pages, min_pages=min(pages, settings.getint("FANWEN_TEMPLATE_MIN_PAGES")))
        book = cls(learner, None)
        book._crawler = crawler  # its stats exist from the spider's opening on
        crawler.signals.connect(book.open, signal=signals.spider_opened)
        return book

    def open(self) -> None:
        """Start from the templates earlier crawls learned."""
        crawler = getattr(self, "_crawler", None)
        if crawler is not None and self.stats is None:
            self.stats = crawler.stats
        if crawler is not None and self.writer is None:
            # The spider (which builds this book) exists before the extensions: ask for the session now.
            from crawler.extensions.archive_session import ArchiveSession

            session = ArchiveSession.of(crawler)
            if session is not None:
                session.open()
                self.writer = session.writer
        if self.writer is None:
            return
        from fanwen.archive.templates import latest_templates

        self.writer.open()  # a no-op when the session opened it
        for stored in latest_templates(self.writer.db):
            self._settled.add(stored.site)  # learned before: its articles need not wait
            layout = self.learner.layout(stored.site, stored.layout)
            layout.version = stored.version
            if stored.retired_at is None:
                layout.template = Template(stored.content, frozenset(stored.chrome), stored.pages)

    # -- asked by the spider -----------------------------------------------------------------

    def template_for(self, site: str, page: Page) -> Template | None:
        """The learned template for this page of the site, when its layout has one that fits."""
        if page.root is None:
            return None
        return self.learner.template_for(site, page.root)

    def observe(self, site: str, page: Page) -> None:
        """An article page of the site: learned from, or checked against its layout's template."""
        if page.root is None:
            return
        self._articles[site] = self._articles.get(site, 0) + 1
        self._record(self.learner.observe(site, page.url, page.root))
        if site not in self._settled and self._articles[site] >= self.learner.learn_pages:
            self.settle(site)

    def hold(self, site: str, html: str, url: str, profile: SiteProfile | None, fetched: datetime | None) -> TemplateHold | None:
        """For an article extracted before its site settled: what it takes to extract it again."""
        if site in self._settled:
            return None
        return TemplateHold(self, site, [(html, url)], profile, fetched)

    # -- settling ------------------------------------------------------------------------------

    def settle(self, site: str) -> None:
        """Learn the site's layouts from the pages seen so far (once: at its FANWEN_LEARN_PAGES-th
        article page, or when the learning hold lets a small site's articles go)."""
        if site in self._settled:
            return
        self._settled.add(site)
        self._record(self.learner.settle(site))

    def _record(self, events: list[Event]) -> None:
        from fanwen.archive.templates import retire_template, save_template

        for event in events:
            layout = event.layout
            if self.stats is not None:
                self.stats.inc_value(f"fanwen/templates/{event.kind}")
            if event.kind == "learned" and layout.template is not None:
                logger.info("%s: template v%d learned from %d pages: %s", layout.site, layout.version,
                            layout.template.pages, layout.template.content)
                if self.writer is not None:
                    save_template(self.writer, layout.site, layout.skeleton, layout.version, layout.template.content,
                                  sorted(layout.template.chrome), layout.template.pages)
            elif event.kind == "retired":
                logger.info("%s: template v%d stopped fitting; learning again", layout.site, layout.version)
                if self.writer is not None:
                    retire_template(self.writer, layout.site, layout.skeleton, layout.version)


class TemplateHold:
    """An article extracted before its site's template was learned: its pages (HTML and URL: a
    parsed tree takes several times the memory), to extract again."""

    def __init__(self, book: TemplateBook, site: str, pages: list[tuple[str, str]], profile: SiteProfile | None,
                 fetched: datetime | None):
        self.book = book
        self.site = site
        self.pages = pages
        self.profile = profile
        self.fetched = fetched

    def extract_again(self, item: ArticleItem) -> None:
        """Settle the site (when it has not yet) and extract the item's pages again where a template fits."""
        self.book.settle(self.site)
        for number, (html, url) in enumerate(self.pages[: len(item.page_lines)]):
            page = Page.from_html(html, url)
            template = self.book.template_for(self.site, page)
            if template is None:
                continue
            fields = extract_article(page, self.profile, self.fetched, template=template)
            item.page_lines[number] = list(fields.lines)
            if number == 0:
                item.display_title = fields.title or item.display_title
                item.published_at = fields.published_at
                item.source = fields.source
                item.categories = fields.categories
                item.terms = fields.terms
        self.pages = []
