"""Learning a site's own boilerplate from its pages: lines it injects into every article.

A site's intros and outros ("下面是小编为大家整理的《…》，供大家参考。"), labels and ads repeat on
page after page, with only the article's title (and a count) changing. Seen as templates, with
the title and numbers masked, they stand out from article text, which does not repeat across
articles. No phrase list is needed, so a new site's own phrases are learned on the fly.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

TITLE = "{title}"
NUMBER = "{n}"
_DIGITS = re.compile(r"\d+|[一二三四五六七八九十]+(?=篇)")
_MAX_LINE = 200  # article paragraphs are longer; injected lines are not


def line_template(line: str, titles: tuple[str, ...]) -> str:
    """The line with the page's title masked, and then its numbers ("3篇《{title}》").

    Numbers are masked only in lines that hold the title: a line that merely differs in its
    numbers from page to page (a date, a count) is article text, not an injected template.
    """
    masked = line
    for title in titles:
        if title and len(title) >= 4 and title in masked:
            masked = masked.replace(title, TITLE)
    return _DIGITS.sub(NUMBER, masked) if masked != line else line


def is_learned_line(learned: set[str] | frozenset[str], line: str, titles: tuple[str, ...]) -> bool:
    """Whether `line` is one of a site's `learned` templates (with the page's `titles` masked)."""
    return bool(learned) and len(line) <= _MAX_LINE and line_template(line, titles) in learned


def templates_digest(templates: set[str] | frozenset[str]) -> str:
    """A name for one set of learned templates: two equal digests mean the same cleaning."""
    return hashlib.sha1("\n".join(sorted(templates)).encode("utf-8")).hexdigest()


@dataclass
class SiteBoilerplate:
    """What has been seen of one site: page count, template counts, and the learned templates.

    Counts are keyed by the template's `hash()` (cached in the str): most templates are an article's
    own first or last lines, met once, and cost ~80 bytes so, not their text (~0.75 KiB an article kept
    for the whole crawl otherwise). The texts of templates met often enough to be boilerplate are in
    `names`; two templates with one 64-bit hash would be counted as one (at 1M articles, a chance of
    ~1 in 10 million)."""

    pages: int = 0
    counts: Counter[int] = field(default_factory=Counter)
    names: dict[int, str] = field(default_factory=dict)
    learned: set[str] = field(default_factory=set)


class BoilerplateLearner:
    """Counts line templates at the edges of each site's article texts.

    A template that wraps the page's own title is boilerplate once it is on `title_pages` pages
    (and `title_share` of them): the same sentence around different articles' titles is
    injected, never written. A line without the title must be on `line_share` of the pages (a
    label, a notice, an ad). Only the first and last `edge` lines of a page are counted: injected
    text sits around the article, and a stock phrase inside one ("同志们：") is not learned.
    Learning starts after `min_pages` pages and then goes on with every page.
    """

    def __init__(
        self,
        min_pages: int = 8,
        title_pages: int = 2,
        title_share: float = 0.05,
        line_share: float = 0.7,
        edge: int = 4,
    ):
        self.min_pages = min_pages
        self.title_pages = title_pages
        self.title_share = title_share
        self.line_share = line_share
        self.edge = edge
        self.sites: dict[str, SiteBoilerplate] = {}
        self._digests: dict[str, tuple[int, str]] = {}

    def site(self, site: str) -> SiteBoilerplate:
        return self.sites.setdefault(site, SiteBoilerplate())

    def observe(self, site: str, titles: tuple[str, ...], lines: list[str]) -> set[str]:
        """Count the page's edge lines; returns the templates this page made boilerplate."""
        state = self.site(site)
        state.pages += 1
        edges = lines[: self.edge] + lines[max(self.edge, len(lines) - self.edge) :]
        templates = {line_template(line, titles) for line in edges if len(line) <= _MAX_LINE}
        named_at = min(self.title_pages, 3)  # below this count no template is boilerplate (_is_boilerplate)
        for template in templates:
            key = hash(template)
            count = state.counts[key] = state.counts[key] + 1
            if count >= named_at and key not in state.names:
                state.names[key] = template
        if state.pages < self.min_pages:
            return set()
        if state.pages == self.min_pages:
            return self.learn(site)
        new = {t for t in templates if t not in state.learned and self._is_boilerplate(t, state)}
        state.learned |= new
        return new

    def _is_boilerplate(self, template: str, state: SiteBoilerplate) -> bool:
        count = state.counts[hash(template)]
        if TITLE in template:
            wrapped = len(template.replace(TITLE, "").strip()) >= 2
            return wrapped and count >= self.title_pages and count >= self.title_share * state.pages
        return count >= 3 and count >= self.line_share * state.pages

    def ready(self, site: str) -> bool:
        return self.site(site).pages >= self.min_pages

    def learn(self, site: str) -> set[str]:
        """Templates that are boilerplate by now; returns the ones learned by this call."""
        state = self.site(site)
        new = {t for t in state.names.values() if t not in state.learned and self._is_boilerplate(t, state)}
        state.learned |= new
        return new

    def add_known(self, site: str, templates: set[str], pages: int) -> None:
        """Templates learned by an earlier crawl (stored in the archive)."""
        state = self.site(site)
        state.learned |= templates
        state.pages = max(state.pages, pages)

    def is_boilerplate(self, site: str, line: str, titles: tuple[str, ...]) -> bool:
        return is_learned_line(self.site(site).learned, line, titles)

    def digest(self, site: str) -> str:
        """`templates_digest` of the site's learned templates (cached: the set only grows, so its size
        names its state)."""
        state = self.site(site)
        cached = self._digests.get(site)
        if cached is None or cached[0] != len(state.learned):
            cached = self._digests[site] = (len(state.learned), templates_digest(state.learned))
        return cached[1]
