"""Article extraction: pure functions from a page's HTML to its fields. No Scrapy here.

`extract_article(html, url)` returns the raw fields of an article page; the cleaning step
(`crawler.extract.clean`, run by the clean pipeline) then removes boilerplate. `main_text(html)` does both and returns only the
cleaned text, so the extractor can be measured on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml.html import HtmlElement

from crawler.extract import body, fields
from crawler.extract.clean import clean_lines
from crawler.extract.dom import Line, normalise_space, own_text, parse
from crawler.extract.template import Template
from crawler.profiles import SiteProfile


@dataclass
class Page:
    """A parsed page: the tree is built once and shared by discovery and extraction."""

    url: str
    root: HtmlElement | None

    @classmethod
    def from_html(cls, html: str, url: str = "") -> Page:
        return cls(url, parse(html))


@dataclass
class ArticleFields:
    title: str = ""
    published_at: str | None = None
    source: str | None = None
    categories: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    canonical: str | None = None
    text_chars: int = 0  # non-link characters in the content block
    link_chars: int = 0


def extract_article(
    page: Page, profile: SiteProfile | None = None, fetched: datetime | None = None, template: Template | None = None
) -> ArticleFields:
    """Title, date, source, breadcrumb, terms and text lines of an article page.

    A learned site `template` (crawler.extract.template) that fits the page picks the content box."""
    root = page.root
    if root is None:
        return ArticleFields()
    mass, content, heading, title, lines = _text(root, profile, template)
    info = _info_text(heading, content, lines)
    crumb = _select(root, profile.breadcrumb if profile else None)
    terms_box = _select(root, profile.terms if profile else None)
    plain, links, _, _ = mass.get(content, (0, 0, 0, 0))
    return ArticleFields(
        title=title,
        published_at=fields.published_at(info, fetched) or fields.byline_date(lines, fetched),
        source=fields.source(info),
        categories=fields.breadcrumb(
            crumb if crumb is not None else root, page.url, title, explicit=crumb is not None, content=content, mass=mass
        ),
        terms=fields.link_texts(terms_box) if terms_box is not None else fields.related_terms(root, content, mass),
        lines=lines,
        canonical=fields.canonical_link(root),
        text_chars=plain,
        link_chars=links,
    )


def _text(
    root: HtmlElement, profile: SiteProfile | None, template: Template | None = None
) -> tuple[dict, HtmlElement, HtmlElement | None, str, list[str]]:
    """Text mass, content block, heading, title and text lines: what the article text needs."""
    mass = body.text_mass(root)
    content = _select(root, profile.body if profile else None)
    learned = template.find(root) if template is not None and content is None else None
    if content is None:
        content = learned if learned is not None else body.find_content(root, mass)
    heading = _select(root, profile.title if profile else None)
    if heading is None:
        heading = fields.article_heading(root, content, mass)
    title = (fields.heading_text(heading) if heading is not None else "") or fields.page_title(root)
    box = template.without_chrome(content) if learned is not None else content
    # a copy without chrome is not in `mass`: its chrome boxes were learned, not measured
    lines = [line.text for line in body.content_lines(box, mass if box is content else None)]
    return mass, content, heading, title, lines


def _select(root: HtmlElement, selector: str | None) -> HtmlElement | None:
    if not selector:
        return None
    found = root.cssselect(selector)
    return found[0] if found else None


def _info_text(heading: HtmlElement | None, content: HtmlElement, lines: list[str]) -> str:
    """The text between the heading and the article text: where date and source are printed."""
    if heading is None:
        return ""
    first = lines[0][:12] if lines else None
    node = heading
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        text = normalise_space(node.text_content())
        start = text.find(normalise_space(heading.text_content())[:8])
        end = text.find(first, max(start, 0)) if first else -1
        region = text[max(start, 0) : end if end > 0 else max(start, 0) + 400]
        if fields.published_at(region) or node is content or fields.contains(node, content):
            return region
    return normalise_space(heading.text_content())


def main_text(html: str) -> str:
    """The cleaned main text of a page, paragraphs joined by newlines."""
    root = parse(html)
    if root is None:
        return ""
    _, _, _, title, lines = _text(root, None)  # no breadcrumb, terms or date: not part of the text
    return "\n".join(clean_lines(lines, title=title).paragraphs)


__all__ = ["ArticleFields", "Line", "Page", "extract_article", "main_text"]

