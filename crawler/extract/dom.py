"""Parsing a page once and reading its text as lines, the way a browser lays it out."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

# Elements that never hold article text. <button> labels ("展开阅读全文") are chrome too.
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "select", "textarea", "button", "svg")
BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol table tbody thead tfoot tr td th section article header footer nav "
    "blockquote pre dl dt dd form center hr address aside main figure figcaption details summary".split()
)
HEADING_TAGS = frozenset("h1 h2 h3".split())

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_PUNCT = "\u2010-\u2027\u2030-\u205e*╳"  # dashes, quotes “”‘’, ellipsis; mask stars: `*&nbsp;**` is `***`
# A space before or after Chinese text. It starts with the space, so the regex engine skips to spaces
# (a lookbehind first is tried at every character: three times slower).
_SPACE_NEAR_CJK = re.compile(rf" (?:(?=[{_CJK}{_PUNCT}])|(?<=[{_CJK}{_PUNCT}] ))")
# huge_tree: libxml2 otherwise drops everything nested deeper than 256 (broken markup does that).
_PARSER = lxml.html.HTMLParser(huge_tree=True)
# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python call for each
# element a walk touches, a tenth of extraction time. (No FormElement/InputElement: not used.)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement))
_ALL_BUT_PARAGRAPH_TAGS = re.compile(r"<(?!/?(?:p|br|h[1-6])\b)[^>]*>", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def normalise_space(text: str) -> str:
    """Collapse white space (\\u3000, &nbsp;, line breaks) and drop it next to Chinese text,
    where it is only layout; single spaces between Latin words and numbers stay."""
    if text.isprintable():  # every white space character but " " is unprintable
        if " " not in text:
            return text  # nothing to do
        if text.isascii() and "  " not in text and text[0] != " " and text[-1] != " ":
            return text  # single spaces between Latin words: nothing to do
    if "\u200b" in text or "\ufeff" in text:  # zero-width spaces are not white space to str.split
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    # White space is what str.isspace() says (\u3000, \u00a0, \u2028...) and the zero-width spaces:
    # str.split() collapses it in C, twice as fast as a regex substitution.
    text = " ".join(text.split())
    if " " in text and not text.isascii():  # no Chinese (nor curly quotes) in ASCII text
        text = _SPACE_NEAR_CJK.sub("", text)
    return text


@dataclass(frozen=True)
class Line:
    """One laid-out line of text and how many of its characters are link text."""

    text: str
    link_chars: int

    @property
    def link_ratio(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def parse(html: str) -> lxml.html.HtmlElement | None:
    """Parse a page; scripts, styles and comments are removed. None for an empty document."""
    html = _XML_DECLARATION.sub("", html)
    if not html or html.isspace():
        return None
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
        if all(text.isspace() for text in root.itertext()):  # stops at the first text
            # Nesting past libxml2's hard depth limit loses all text: keep only paragraph breaks.
            root = lxml.html.document_fromstring(_ALL_BUT_PARAGRAPH_TAGS.sub("", html) or " ", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    etree.strip_elements(root, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return root


def text_lines(element: lxml.html.HtmlElement, skip: set | frozenset = frozenset()) -> list[Line]:
    """The element's text split at block boundaries and <br>, with link text counted; the
    subtrees in `skip` are left out (their tails are read).

    Hidden elements (display:none) are read like any other: their text is in the page.
    """
    lines: list[Line] = []
    parts: list[str] = []
    link_chars = 0
    link_depth = 0
    walk = etree.iterwalk(element, events=("start", "end"))
    for event, el in walk:
        tag = el.tag
        if event == "start":
            if el in skip:
                walk.skip_subtree()
                if parts:
                    _flush(lines, parts, link_chars)
                    parts = []
                    link_chars = 0
                text = el.tail
                if text:
                    parts.append(text)
                    if link_depth:
                        link_chars += len(text.strip())
                continue
            if parts and tag in BLOCK_TAGS:
                _flush(lines, parts, link_chars)
                parts = []
                link_chars = 0
            if tag == "a":
                link_depth += 1
            text = el.text
        else:
            if tag == "a":
                link_depth -= 1
            if parts and tag in BLOCK_TAGS:
                _flush(lines, parts, link_chars)
                parts = []
                link_chars = 0
            text = el.tail if el is not element else None
        if text:
            parts.append(text)
            if link_depth:
                link_chars += len(text.strip())
    if parts:
        _flush(lines, parts, link_chars)
    return lines


def _flush(lines: list[Line], parts: list[str], link_chars: int) -> None:
    text = "".join(parts)
    if text.isspace():  # the indentation between blocks: most flushes
        return
    text = normalise_space(text)
    if text:
        lines.append(Line(text, min(link_chars, len(text))))


def own_text(element: lxml.html.HtmlElement) -> str:
    """Text of an element without the text of nested inline boxes such as <span>/<small>."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("a", "b", "strong", "font", "u"):
            parts.append(child.text_content())
        elif tag == "br":
            break
        parts.append(child.tail or "")
    return normalise_space("".join(parts))
