"""The layouts of the sites a crawl sees: pages to learn from, learned templates, and drift.

Pure state, no Scrapy: `crawler.templates.TemplateBook` owns one `LayoutLearner` per crawl and
persists what it learns. A layout is a site's pages that share a skeleton
(`template.skeleton`); its template is learned from its first `learn_pages` article pages (or
fewer, when the site has no more: `settle`). A template that stops fitting (its box is missing,
or holds the same text on several pages: a redesign) on `drift_misfits` of the last `drift_window`
pages it was tried on is retired; the layout learns again from the next pages, one version up.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from crawler.extract.template import PageDigest, Template, content_key, learn, page_skeleton

SEEN_KEYS = 64  # recent article-box texts per layout
# The same box text on this many other pages means the box stopped varying (re-posts of one
# document, two or three copies, do not).
REPEATS = 3


@dataclass
class Layout:
    """One site layout: what is known of it and what is being learned."""

    site: str
    skeleton: str
    template: Template | None = None
    version: int = 0
    digests: dict[str, PageDigest] = field(default_factory=dict)  # url -> page to learn from
    recent: deque[bool] = field(default_factory=deque)  # fit (True) or misfit of the last pages
    seen: OrderedDict[str, set[str]] = field(default_factory=OrderedDict)  # box text key -> urls
    gave_up: bool = False  # its pages did not agree on an article box


@dataclass(frozen=True)
class Event:
    """Something the owner must store: a template learned (version) or retired."""

    kind: str  # learned | retired
    layout: Layout


class LayoutLearner:
    """Per site and layout: learns templates, applies them, notices when they stop fitting."""

    def __init__(self, learn_pages: int = 20, min_pages: int = 4, drift_window: int = 5, drift_misfits: int = 3):
        self.learn_pages = learn_pages
        self.min_pages = min_pages
        self.drift_window = drift_window
        self.drift_misfits = drift_misfits
        self.layouts: dict[tuple[str, str], Layout] = {}
        self._last: tuple[HtmlElement | None, str] = (None, "")  # the page asked about last, and its skeleton
        self._found: tuple[HtmlElement | None, Template | None, HtmlElement | None] = (None, None, None)

    def _skeleton(self, root: HtmlElement) -> str:
        """The page's skeleton; the spider asks about a page, then reports it: computed once."""
        if self._last[0] is not root:
            self._last = (root, page_skeleton(root))
        return self._last[1]

    def layout(self, site: str, skeleton: str) -> Layout:
        key = (site, skeleton)
        if key not in self.layouts:
            self.layouts[key] = Layout(site, skeleton, recent=deque(maxlen=self.drift_window))
        return self.layouts[key]

    def add_known(self, site: str, skeleton: str, template: Template, version: int) -> None:
        """A template learned by an earlier crawl (stored in the archive)."""
        layout = self.layout(site, skeleton)
        layout.template, layout.version = template, version

    def template_for(self, site: str, root: HtmlElement) -> Template | None:
        """The learned template of the page's layout when the page fits it, else None."""
        if not any(layout.template is not None for (name, _), layout in self.layouts.items() if name == site):
            return None  # most pages of a crawl: no need to look at the page
        layout = self.layouts.get((site, self._skeleton(root)))
        if layout is None or layout.template is None:
            return None
        return layout.template if self._box(layout.template, root) is not None else None

    def observe(self, site: str, url: str, root: HtmlElement) -> list[Event]:
        """An article page of the site: learn from it, or check that its layout's template fits."""
        layout = self.layout(site, self._skeleton(root))
        if layout.template is not None:
            return self._check(layout, url, root)
        if layout.gave_up or len(layout.digests) >= self.learn_pages:
            return []
        layout.digests[url] = PageDigest.of(root, url)
        if len(layout.digests) >= self.learn_pages:
            return self._learn(layout)
        return []

    def settle(self, site: str) -> list[Event]:
        """The site's pages are all in (or enough): learn its layouts that have `min_pages`."""
        events: list[Event] = []
        for (name, _), layout in sorted(self.layouts.items()):
            if name == site and layout.template is None and not layout.gave_up and len(layout.digests) >= self.min_pages:
                events += self._learn(layout)
        return events

    def _learn(self, layout: Layout) -> list[Event]:
        template = learn(list(layout.digests.values()))
        layout.digests = {}
        if template is None:
            layout.gave_up = True
            return []
        layout.template = template
        layout.version += 1
        layout.recent.clear()
        layout.seen.clear()
        return [Event("learned", layout)]

    def _box(self, template: Template, root: HtmlElement) -> HtmlElement | None:
        """The template's box on the page (found once for the page asked about and then reported)."""
        if self._found[0] is not root or self._found[1] is not template:
            self._found = (root, template, template.find(root))
        return self._found[2]

    def _check(self, layout: Layout, url: str, root: HtmlElement) -> list[Event]:
        box = self._box(layout.template, root)
        fits = box is not None
        if fits:
            key = content_key(box)
            urls = layout.seen.setdefault(key, set())
            urls.add(url)
            fits = len(urls) <= REPEATS
            layout.seen.move_to_end(key)
            while len(layout.seen) > SEEN_KEYS:
                layout.seen.popitem(last=False)
        layout.recent.append(fits)
        if layout.recent.count(False) < self.drift_misfits:
            return []
        layout.template = None  # a redesign: single-page extraction until relearned
        layout.recent.clear()
        layout.seen.clear()
        layout.gave_up = False
        return [Event("retired", layout)]
