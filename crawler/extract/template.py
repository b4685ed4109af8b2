"""Site templates: where a site's article text lives, learned from several of its own pages.

One page cannot always tell the article from a bigger box beside it (a teaser feed, a comment
list); a site's pages side by side can. Boxes are named by their path of tag#id.class signatures
from <body>. Across pages of one layout the article is the box whose text is each page's own:
static chrome repeats word for word from page to page, and feeds, comment threads and link lists
are lists of records (boxes of one signature that each start with a link or carry a date and
time) on most pages. Lines that repeat inside the article box (a share bar, a fixed note) are
chrome too. Pure functions and plain classes: no Scrapy here, and nothing depends on the order in
which pages were seen, only on the set of pages (sorted by URL).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.dom import normalise_space

# Paragraph-like and inline elements are not boxes: their text belongs to the nearest box.
NOT_BOXES = frozenset(
    "p h1 h2 h3 h4 h5 h6 span a b strong em i u font pre code br img label small big sup sub q cite abbr time "
    "dt dd input button select option script style head title meta link html".split()
)
MIN_CHUNK = 5  # shorter text nodes (punctuation around inline tags) say nothing about repetition
MIN_RECORDS = 3
_DATETIME = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}[:：]\d{2}")
_DIGITS = re.compile(r"\d+")

# Learning: a box is stable when it is on (unique) on this share of the pages; a step down goes
# into the child holding this share of the page-own text; chrome lines repeat on this share
# (of at least MIN_CHROME_PAGES pages).
STABLE_SHARE = 0.8
STEP_SHARE = 0.6
LIST_SHARE = 0.5
CHROME_SHARE = 0.8
MIN_CHROME_PAGES = 10  # fewer pages of one genre share section headings (一、基本情况) too often
VARY_SHARE = 0.9


def mask(text: str) -> str:
    """A text's repeatable form: white space normalised, numbers masked (counts, dates)."""
    return _DIGITS.sub("#", normalise_space(text))


def _signature(el: HtmlElement) -> str:
    """tag#id.class.class with numbers masked: the same for the same box on every page of a layout."""
    return _signature_of(el.tag, el.get("id"), el.get("class"))


@functools.lru_cache(maxsize=4096)
def _signature_of(tag: object, ident: str | None, cls: str | None) -> str:
    """`_signature` of an element by its tag, id and class. Cached: a site's pages repeat the same boxes,
    and every page's skeleton and template look-up asks for the signatures of its top boxes."""
    if not ident and not cls:
        return tag if isinstance(tag, str) else "?"
    classes = sorted(cls.split()) if cls else ()
    out = tag + (f"#{ident}" if ident else "") + "".join(f".{c}" for c in classes)
    if any(digit in out for digit in "0123456789"):  # most names have none: no regex for them
        out = _DIGITS.sub("#", out)
    return out.replace(">", "_")


def _may_be(tag: str, signature: str) -> bool:
    """False when an element of this tag cannot have this signature: a tag of letters only is the
    signature's start as it is (nothing masked), followed by its id, its classes or nothing. Most
    boxes a template's path passes by fail here, before their signature is built."""
    if not tag.isalpha():
        return True  # digits (masked) or anything unusual: build the signature
    return signature.startswith(tag) and signature[len(tag) : len(tag) + 1] in ("", "#", ".")


def _boxes(root: HtmlElement) -> tuple[list[HtmlElement], list[str], list[int], dict[HtmlElement, int]]:
    """The page's boxes in document order with their paths and parent box indexes (<body> is 0)."""
    body = _body(root)
    elements, paths, parents = [body], ["body"], [-1]
    index = {body: 0}
    for el in body.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str) or tag in NOT_BOXES:
            continue
        parent = el.getparent()
        while parent is not None and parent not in index:
            parent = parent.getparent()
        p = index[parent] if parent is not None else 0
        index[el] = len(elements)
        elements.append(el)
        paths.append(paths[p] + ">" + _signature(el))
        parents.append(p)
    return elements, paths, parents, index


def _child_boxes(el: HtmlElement):
    """The boxes directly below `el`, looking through paragraph and inline elements."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in NOT_BOXES:
            yield from _child_boxes(child)
        else:
            yield child


def _body(root: HtmlElement) -> HtmlElement:
    body = root.find("body")
    return body if body is not None else root


def page_skeleton(root: HtmlElement) -> str:
    """`skeleton` of a page without walking all of it (the same value as its digest's)."""
    paths = ["body"]
    for child in _child_boxes(_body(root)):
        path = "body>" + _signature(child)
        paths.append(path)
        paths += [path + ">" + _signature(grandchild) for grandchild in _child_boxes(child)]
    return skeleton(paths)


@dataclass
class PageDigest:
    """What learning needs of one page, without its tree: boxes, their own text, list shapes."""

    url: str
    skeleton: str
    paths: list[str]
    parents: list[int]
    chunks: list[tuple[int, str]]  # (box, masked non-link text node)
    records: set[int]  # boxes that hold a list of records on this page

    @classmethod
    def of(cls, root: HtmlElement, url: str) -> PageDigest:
        elements, paths, parents, index = _boxes(root)
        chunks: list[tuple[int, str]] = []
        dated = [False] * len(elements)
        link_first = [False] * len(elements)
        seen_text = [False] * len(elements)
        boxes: list[int] = []  # the open boxes, innermost last
        in_link = 0

        def take(text: str | None, box: int) -> None:
            if not text or text.isspace():
                return
            for open_box in reversed(boxes):  # the first text of every open box not yet seen
                if seen_text[open_box]:
                    break
                seen_text[open_box] = True
                link_first[open_box] = bool(in_link)
            if in_link:
                return
            if _DATETIME.search(text):
                dated[box] = True
            masked = mask(text)
            if len(masked) >= MIN_CHUNK:
                chunks.append((box, masked))

        for event, el in etree.iterwalk(elements[0], events=("start", "end")):
            box = index.get(el)
            if event == "start":
                if box is not None:
                    boxes.append(box)
                if el.tag == "a":
                    in_link += 1
                take(el.text, boxes[-1])
            else:
                if el.tag == "a":
                    in_link -= 1
                if box is not None:
                    boxes.pop()
                if el is not elements[0] and boxes:
                    take(el.tail, boxes[-1])
        # Children's flags reach their parents (reverse document order visits children first).
        for i in range(len(elements) - 1, 0, -1):
            p = parents[i]
            dated[p] = dated[p] or dated[i]
        groups: Counter[tuple[int, str]] = Counter()
        for i in range(1, len(elements)):
            if link_first[i] or dated[i]:
                groups[(parents[i], paths[i])] += 1
        records = {p for (p, _), n in groups.items() if n >= MIN_RECORDS}
        return cls(url, skeleton(paths), paths, parents, chunks, records)


def skeleton(paths: list[str]) -> str:
    """A layout's key: the distinct box paths two levels below <body> (not the content's inside)."""
    top = sorted({path for path in paths if path.count(">") <= 2})
    return hashlib.sha1("\n".join(top).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Template:
    """A learned layout: the path of the article box and the chrome lines inside it."""

    content: str
    chrome: frozenset[str] = frozenset()
    pages: int = 0

    def find(self, root: HtmlElement) -> HtmlElement | None:
        """The article box of a page of this layout, or None when the page does not fit."""
        found = [_body(root)]
        for signature in self.content.split(">")[1:]:
            found = [box for el in found for box in _child_boxes(el)
                     if _may_be(box.tag, signature) and _signature(box) == signature]
            if not found:
                return None
        return found[0] if len(found) == 1 else None

    def without_chrome(self, content: HtmlElement) -> HtmlElement:
        """A copy of the article box with its learned chrome text removed."""
        if not self.chrome:
            return content
        box = copy.deepcopy(content)
        box.tail = None
        for el in box.iter():
            if not isinstance(el.tag, str):
                continue
            if el.text and mask(el.text) in self.chrome:
                el.text = None
            for child in el:
                if child.tail and mask(child.tail) in self.chrome:
                    child.tail = None
        return box


def learn(digests: list[PageDigest]) -> Template | None:
    """The template of pages of one layout, or None when they do not agree on an article box."""
    pages = sorted(digests, key=lambda d: d.url)
    n = len(pages)
    if n < 2:
        return None
    on_pages: Counter[str] = Counter()
    for d in pages:
        on_pages.update({text for _, text in d.chunks})
    list_votes: Counter[str] = Counter()
    present: Counter[str] = Counter()
    for d in pages:
        counts = Counter(d.paths)
        present.update(path for path, k in counts.items() if k == 1)
        list_votes.update({d.paths[i] for i in d.records})
    lists = {path for path, votes in list_votes.items() if votes >= LIST_SHARE * max(1, present[path] or n)}
    own_text: Counter[str] = Counter()  # path -> page-own characters outside record lists, over all pages
    children: dict[str, set[str]] = defaultdict(set)
    for d in pages:
        counts = Counter(d.paths)
        mass = [0] * len(d.paths)
        for box, text in d.chunks:
            if on_pages[text] == 1:
                mass[box] += len(text)
        for i in range(len(d.paths) - 1, 0, -1):
            children[d.paths[d.parents[i]]].add(d.paths[i])
            if d.paths[i] not in lists:
                mass[d.parents[i]] += mass[i]
        for i, path in enumerate(d.paths):
            if counts[path] == 1 and path not in lists:
                own_text[path] += mass[i]
    node = "body"
    while True:
        stable = [c for c in children.get(node, ()) if present[c] >= STABLE_SHARE * n and c not in lists]
        if not stable:
            break
        best = max(stable, key=lambda c: (own_text[c], c))
        if own_text[best] < STEP_SHARE * own_text[node] or own_text[best] == 0:
            break
        node = best
    if node == "body" or own_text[node] == 0:
        return None
    return Template(node, _chrome(pages, node, on_pages), n)


def _chrome(pages: list[PageDigest], content: str, on_pages: Counter[str]) -> frozenset[str]:
    """Text nodes inside the article box that repeat on many pages."""
    inside: Counter[str] = Counter()
    prefix = content + ">"
    for d in pages:
        texts = {text for box, text in d.chunks if d.paths[box] == content or d.paths[box].startswith(prefix)}
        inside.update(texts)
    if len(pages) < MIN_CHROME_PAGES:
        return frozenset()
    limit = CHROME_SHARE * len(pages)
    return frozenset(text for text, k in inside.items() if k >= limit and on_pages[text] >= limit)


def content_key(content: HtmlElement) -> str:
    """A short hash of a box's text: the same text on two pages means the box stopped varying."""
    return hashlib.sha1(normalise_space(content.text_content()).encode()).hexdigest()[:16]
