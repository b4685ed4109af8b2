"""Site model (categories, documents, posts) and the ground truth handed to tests."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .families.base import Family

HostPath = tuple[str, str]


@dataclass
class ArticleTruth:
    """What a perfect crawler + extractor should archive for one distinct document."""

    host: str
    site: str
    family: str
    path: str
    all_paths: list[str]
    title: str
    published_at: str | None
    categories: list[str]
    terms: list[str]
    body: str
    reachable: bool
    partial: bool
    variant: str | None = None      # near-duplicate or hard-negative kind (testsite.variants), else None
    variant_of: str | None = None   # path (same host) of the document the variant was made from

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


@dataclass
class Category:
    """A channel (parent is None) or a sub-category with its list pages."""

    index: int
    name: str
    path: str               # "/shiyong/qita/"
    slug: str               # "qita"
    tid: int
    parent: int | None
    genres: tuple[str, ...]
    posts: list[int] = field(default_factory=list)   # indexes into Site.posts, newest first


@dataclass
class Doc:
    """One distinct document (the truth is derived from it)."""

    title: str
    genre: str
    paragraphs: tuple[str, ...]
    terms: tuple[str, ...]
    published: str          # "YYYY-MM-DD HH:MM:SS"
    date_style: str         # "seconds" | "minutes" | "date" | "fabiao"
    essays: int
    category: int           # leaf category index (-1 for private)
    private: bool = False
    partial_at: int | None = None   # visible paragraph count of a truncated page
    topic: str = ""
    variant: str | None = None      # see testsite.variants
    variant_of: Doc | None = field(default=None, repr=False, compare=False)

    @property
    def visible(self) -> tuple[str, ...]:
        """Paragraphs actually present in the HTML."""
        return self.paragraphs if self.partial_at is None else self.paragraphs[: self.partial_at]

    @property
    def published_at(self) -> str:
        """The truth form of the date as the page shows it."""
        day, clock = self.published.split(" ")
        if self.date_style == "date":
            return day
        if self.date_style in ("minutes", "fabiao"):
            return f"{day}T{clock[:5]}:00"
        return f"{day}T{clock}"


@dataclass
class Post:
    """One copy of a document at one URL (canonical copy or a re-post)."""

    index: int
    aid: int
    doc: Doc
    decoration: str
    pages: list[tuple[int, int]]          # paragraph ranges per page part
    page_paths: list[str] = field(default_factory=list)
    layout: str = "plain"                 # plain | hiddenA | hiddenB | malformed | partial
    hidden_at: tuple[int, int] = (0, 0)   # (paragraph index, char offset) for hiddenA
    domain_at: tuple[int, int] | None = None
    tuijian_at: int | None = None         # 小编精心推荐 block after this paragraph index
    intro: int = 0                        # -1: none
    repeat: int = 1                       # 0 none, 1 decorated+plain, 2 plain, 3 decorated
    outro: int = 0                        # -1: none
    notice: int = 0                       # 0 none, 1 版权说明, 2 【提示】
    download: str = ""                    # "" | "doc" | "soft" | "both"
    ws: int = 0                           # paragraph indentation style
    bold_heads: bool = False
    enc: str = "normal"                   # dede charset variant
    bom: bool = False
    tags_alt: bool = False                # phpcms "相关热词搜索 :" form
    canonical: int = -1                   # index of the canonical post of the same doc

    @property
    def path(self) -> str:
        """Page-1 path."""
        return self.page_paths[0]

    @property
    def title(self) -> str:
        """Decorated title as shown on the page."""
        return self.doc.title + self.decoration


@dataclass
class Site:
    """One generated web site of one template family."""

    family: Family
    seed: int
    categories: list[Category]
    posts: list[Post]                  # public posts, aid ascending
    private: list[Post]
    terms: list[str]                   # every term, first-seen order
    term_posts: dict[str, list[int]]   # term -> post indexes, newest first
    routes: dict[str, tuple]           # route key -> ("home",) | ("list", cat, page) | ...
    latest: list[int]                  # post indexes, newest first
    redirects: dict[str, str] = field(default_factory=dict)    # route key -> target path (301)
    flaky: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # key -> (status, retry-after)
    dead_links: dict[int, str] = field(default_factory=dict)   # category index -> dead article path
    sid_pages: set[str] = field(default_factory=set)           # route keys whose links carry ?sid=
    hot_searches: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.family.host

    @property
    def hosts(self) -> list[str]:
        return [self.family.host] + ([self.family.mirror] if self.family.mirror else [])


@dataclass
class SiteBundle:
    """Every generated site, its ground truth and the named trap URLs."""

    seed: int
    articles_per_site: int
    sites: list[Site]
    truth: list[ArticleTruth]
    useful_paths: set[HostPath]
    disallowed_paths: set[HostPath]
    trap_paths: dict[str, Any]

    @property
    def hosts(self) -> list[str]:
        """Every host name the bundle answers to."""
        return [h for s in self.sites for h in s.hosts]

    @property
    def start_hosts(self) -> list[str]:
        """One entry host per site."""
        return [s.host for s in self.sites]

    @property
    def reachable_truth(self) -> list[ArticleTruth]:
        """Truth entries a polite crawler can reach."""
        return [t for t in self.truth if t.reachable]

    def site_for(self, host: str) -> Site | None:
        """The site answering to a host name (without port), if any."""
        for s in self.sites:
            if host in s.hosts:
                return s
        return None
