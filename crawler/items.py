"""What the spider hands to the pipelines. Plain dataclasses: no logic here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArticleItem:
    """One article document as found at one URL (all its pages stitched together)."""

    url: str  # canonical URL of page 1
    site: str
    display_title: str  # the title as the page shows it, decorations included
    page_lines: list[list[str]]  # raw text lines of the content block, one list per page
    fetched_urls: list[str] = field(default_factory=list)  # URLs actually requested
    categories: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    published_at: str | None = None
    source: str | None = None
    partial: bool = False
    status: int = 200
    size: int = 0
    boilerplate: tuple[re.Pattern[str], ...] = ()  # extra patterns from the site profile
    validators: tuple[str | None, str | None] = (None, None)  # ETag, Last-Modified of page 1 (revisits)
    # Pages extracted before the site's template was learned (crawler.templates.TemplateHold), or None:
    # the learning hold (pipelines.hold, in the clean pipeline) lets it wait and extracts them again.
    template_hold: Any = field(default=None, repr=False, compare=False)
    # A distributed worker's cleaning and derived data, used by the archiver while still valid (pipelines.prepare).
    prepared: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    # Filled by the pipelines:
    title: str = ""
    body: str = ""
    content_hash: str = ""
    rejected: str | None = None  # why the page was not archived as an article


@dataclass
class PageRecord:
    """A fetched (or failed, or skipped) page that is not an article: goes to the crawl log."""

    url: str
    kind: str  # list, tag, home, other, error, article_part
    status: int | None = None
    error: str | None = None
    size: int = 0
