"""Finding the block that holds the article text, by where the non-link text is."""

from __future__ import annotations

import bisect
import functools
import re

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.dom import Line, normalise_space, text_lines

# A child box is the better container when it holds this share of the non-link text and the
# text beside it has at most this share of its sentence marks.
MIN_SHARE = 0.4
LEFT_MARKS_SHARE = 0.15
# Lines that are mostly link text (related lists, download buttons) are not article text.
MAX_LINK_RATIO = 0.5
MAX_SUMMARY_CHARS = 400
# Boxes are descended into, paragraphs and lists are not: a paragraph is never the whole article.
# Unknown elements (custom tags, a `<text>` wrapper) count as boxes.
PARAGRAPH_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li ul ol dl dt dd span a b strong em i u font pre code br img label small big "
    "sup sub q cite abbr time".split()
)


# A list used for layout (columns as <ul><li>, a <dd> holding the article) is a box when it holds
# boxes of its own.
_LIST_TAGS = frozenset("ul ol li dl dd".split())
_BOX_CHILDREN = frozenset("div section article table p ul ol dl h1 h2 h3 h4 form".split())


def is_box(el: HtmlElement) -> bool:
    """An element the descent may step into: not a paragraph, or a list that lays out boxes."""
    if el.tag not in PARAGRAPH_TAGS:
        return True
    if el.tag not in _LIST_TAGS:
        return False
    for child in el:
        if child.tag in _BOX_CHILDREN or (child.tag in ("li", "dd") and any(c.tag in _BOX_CHILDREN for c in child)):
            return True
    return False


_SENTENCE_MARKS = frozenset("，。；！？、,;!?")


def text_mass(root: HtmlElement) -> dict[HtmlElement, tuple[int, int, int, int]]:
    """For every element with text: characters of non-link text, of link text, sentence marks
    (，。；！？) in the non-link text of its subtree, and its position in document order.
    Elements without text are left out (read them with `mass.get(el, _EMPTY)`).

    This is the hot path of extraction, so the counting is inlined: each element's own text is
    counted in document order (`root.iter()`, in C), then its tail and its totals go to its parent
    in reverse order, children before parents."""
    elements = list(root.iter())
    in_link: set[HtmlElement] = set()  # inside an <a>
    for link in root.iter("a"):
        if link not in in_link:
            in_link.update(link.iter())
    marks_in = _MARKS.findall
    count = len(elements)
    plain, link_chars, marks = [0] * count, [0] * count, [0] * count
    index: dict[HtmlElement, int] = {}
    for i, el in enumerate(elements):
        index[el] = i
        text = el.text
        if text is not None and not text.isspace():
            n = len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\u3000")
            if el in in_link:
                link_chars[i] = n
            else:
                plain[i] = n
                marks[i] = len(marks_in(text))
    mass: dict[HtmlElement, tuple[int, int, int, int]] = {}
    for i in range(count - 1, -1, -1):
        el = elements[i]
        own_plain, own_link, own_marks = plain[i], link_chars[i], marks[i]
        if own_plain or own_link:  # elements without text are left out: mass.get(el, _EMPTY)
            mass[el] = (own_plain, own_link, own_marks, i + 1)
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail  # the tail belongs to the parent
        if tail is not None and not tail.isspace():
            n = len(tail) - tail.count(" ") - tail.count("\n") - tail.count("\t") - tail.count("\u3000")
            if parent in in_link:
                own_link += n
            else:
                own_plain += n
                own_marks += len(marks_in(tail))
        j = index[parent]
        plain[j] += own_plain
        link_chars[j] += own_link
        marks[j] += own_marks
    return mass


# A full stop ends an English sentence when a space or the end of the text follows it (not 3.5, a.b).
# Spelled as one character class (and a look-behind for the full stop's condition) rather than
# `[，。…]|\.(?=\s|$)`: a pattern that starts with a class lets the regex engine skip to the marks in C
# (the same matches: tests/test_extract_robust.py).
_MARKS = re.compile("[" + "".join(sorted(_SENTENCE_MARKS)) + r".](?<!\.(?!\s|$))")


_EMPTY = (0, 0, 0, 0)


def find_content(root: HtmlElement, mass: dict[HtmlElement, tuple[int, int, int, int]] | None = None) -> HtmlElement:
    """The smallest box that holds the article's prose.

    From <body> down, step into the child box with the most non-link text as long as it holds
    a fair share of it and what is left beside it has (almost) no sentences: a visible part and a
    CSS-hidden rest of one article stay together, while titles, info lines and link lists are
    left behind. Beside a post with sentences of its own, a dated comment list or a linked list
    without sentences (a reply thread) does not count, however long; a second copy of the
    article (a mobile version) does not keep the descent from the first; and where the text
    is several dated posts side by side (a blog's front page, a thread), the first post is taken.
    Chrome boxes (is_chrome) beside prose are passed over; where sentences remain beside the
    biggest box, the child where the paragraph scores concentrate is the article (a short article
    beside a teaser feed or a comment thread).
    """
    mass = mass if mass is not None else text_mass(root)
    body = root.find("body")
    node = body if body is not None else root
    scored = None  # paragraph_scores, computed when first needed
    while True:
        total, _, total_marks, _ = mass.get(node, _EMPTY)
        if total == 0:
            return node
        children = sorted(
            (child for child in node if isinstance(child.tag, str)),
            key=lambda child: mass.get(child, _EMPTY)[0],
            reverse=True,
        )
        best = None
        # Chrome boxes (comments, share bars, teaser feeds, footers) beside prose are not looked at.
        chrome = [
            child
            for child in node
            if child.tag not in PARAGRAPH_TAGS and is_chrome(child) and _is_beside_prose(child, mass, total_marks)
        ]
        chrome.sort(key=lambda child: mass.get(child, _EMPTY)[2])
        while chrome and total_marks - sum(mass.get(child, _EMPTY)[2] for child in chrome) < MIN_PROSE_MARKS:
            chrome.pop()  # the prose is in it, whatever its class says ("js-social-anchor")
        total -= sum(mass.get(child, _EMPTY)[0] for child in chrome)
        total_marks -= sum(mass.get(child, _EMPTY)[2] for child in chrome)
        for child in [child for child in children if child not in chrome][:3]:
            if (
                child.tag not in PARAGRAPH_TAGS
                and _is_beside_prose(child, mass, total_marks)
                and (_is_link_list(child, mass, total_marks) or _is_discussion(child))
            ):
                # Comments, replies or a linked index outweigh a short post: they are not its text.
                total -= mass.get(child, _EMPTY)[0]
                total_marks -= mass.get(child, _EMPTY)[2]
                continue
            best = child
            break
        stop = best is None or not is_box(best) or mass.get(best, _EMPTY)[0] == 0
        wide = False  # stopping with sentences beside the biggest box: the node may be too wide
        if not stop:
            plain, _, marks, _ = mass.get(best, _EMPTY)
            limit = LEFT_MARKS_SHARE * marks + 1
            stop = plain < MIN_SHARE * total
            wide = not stop and _sentences_beside(node, best, mass, total_marks - marks, limit) > limit
            stop = stop or wide
            if not stop and total_marks - marks >= MIN_PROSE_MARKS:
                # Prose beside the biggest box: the paragraphs may concentrate there (a short article
                # beside a feed whose entries each hold a few sentences).
                scored = scored if scored is not None else paragraph_scores(root, mass)
                concentrated = _concentrated(node, mass, chrome, scored)
                if concentrated is not None:
                    best = concentrated
        if stop:
            first_post = _first_post(node, mass)
            if first_post is None and wide:
                scored = scored if scored is not None else paragraph_scores(root, mass)
                first_post = _concentrated(node, mass, chrome, scored)
            if first_post is None:
                return node
            best = first_post
        node = best


# Paragraph scores, as readability scores them: a paragraph of at least MIN_PARAGRAPH characters
# adds 1, its sentence marks and a point per 100 characters (at most 3) to its parent box and half
# of that to the box above. The article's paragraphs share one parent; a teaser feed's or a
# comment list's are spread over one box per entry.
MIN_PARAGRAPH = 25
_PARAGRAPHS = ("p", "pre", "td", "blockquote", "dd", "li", "div", "section", "article")
# A box is the article's when its score is this many times the best of its siblings'.
CONCENTRATION = 3.5


def paragraph_scores(root: HtmlElement, mass) -> list[tuple[int, HtmlElement, float]]:
    """(position, box, score) of every box that paragraphs score for, in document order."""
    scores: dict[HtmlElement, float] = {}
    for el in root.iter(_PARAGRAPHS):
        plain, links, marks, _ = mass.get(el, _EMPTY)
        if el.tag in ("div", "section", "article", "li"):
            if plain < MIN_PARAGRAPH:
                continue
            plain = _own_chars(el)  # a box scores for the text it holds itself, not for its boxes
            if plain < MIN_PARAGRAPH:
                continue
            marks = min(marks, plain // 10 + 1)
        elif plain + links < MIN_PARAGRAPH:
            continue
        score = 1 + marks + min(plain / 100, 3)
        parent = el.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + score / 2
    return sorted(((mass.get(el, _EMPTY)[3], el, score) for el, score in scores.items()), key=lambda item: item[0])


def _end_position(node: HtmlElement, mass) -> int:
    """The position of the first element with text after the node's subtree."""
    el = node
    while el is not None:
        for sibling in el.itersiblings():
            if sibling in mass:
                return mass[sibling][3]
        el = el.getparent()
    return 1 << 62


def _concentrated(node: HtmlElement, mass, chrome: list[HtmlElement], scored: list) -> HtmlElement | None:
    """The child of `node` where the paragraphs concentrate, when one clearly does.

    `scored` is paragraph_scores of the page: the scores of boxes inside the node are the same
    as if the node alone were scored."""
    start = mass.get(node, _EMPTY)[3]
    first = bisect.bisect_left(scored, start, key=lambda item: item[0])
    last = bisect.bisect_left(scored, _end_position(node, mass), key=lambda item: item[0])
    direct = 0.0  # paragraphs right in the node: the node is the article
    best: dict[HtmlElement, float] = {}
    for _, el, score in scored[first:last]:
        if el is node:
            direct = score
            continue
        plain, links, _, _ = mass.get(el, _EMPTY)
        score *= 1 - links / (plain + links) if plain + links else 0
        child = el
        while child is not None and child.getparent() is not node:
            child = child.getparent()
        if child is not None and child not in chrome and score > best.get(child, 0.0):
            best[child] = score
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or not is_box(ranked[0][0]):
        return None
    runner_up = max(ranked[1][1] if len(ranked) > 1 else 0.0, direct)
    if ranked[0][1] >= CONCENTRATION * runner_up:
        return ranked[0][0]
    return None


def _own_chars(box: HtmlElement) -> int:
    """Characters of the text directly in a box (not in its child elements' own text)."""
    text = box.text
    n = len(text.strip()) if text else 0
    for child in box:
        if child.tag in _INLINE:
            n += len(child.text_content().strip())
        tail = child.tail
        if tail:
            n += len(tail.strip())
    return n


_INLINE = frozenset("a b strong em i u font span small big sup sub q cite abbr".split())


# Class and id words of boxes that are page chrome, not article text: comments, share and follow
# bars, teaser and recommendation feeds, banners, navigation, footers.
_CHROME_WORDS = re.compile(
    r"(?<![a-z])(?:comment|disqus|respond|reply|replies|sidebar|side-bar|aside|footer|masthead|navbar|menu|breadcrumb"
    r"|share|sharing|social|follow|subscribe|newsletter|signup|sign-up|promo|advert|sponsor|outbrain|taboola"
    r"|related|recommend|trending|popular|most-|teaser|cookie|consent|gdpr|banner|popup|modal|overlay|flyout"
    r"|widget|pagination|pager|toolbar|login|pinglun|tuijian|xiangguan|xgwd|xgwz|hotnews)|(?<![\w-])(?:ad|ads|nav|hot|rank|tags?)(?![\w-])",
    re.I,
)
_CHROME_TAGS = frozenset("aside nav footer".split())


def is_chrome(box: HtmlElement) -> bool:
    """A box whose tag, class or id says it is page chrome (comments, share bar, teaser feed...)."""
    if box.tag in _CHROME_TAGS:
        return True
    if box.tag == "article" or box.get("itemprop") == "articleBody":
        return False
    cls, ident = box.get("class"), box.get("id")
    if cls is None and ident is None:
        return False
    return _names_chrome(cls, ident)


@functools.lru_cache(maxsize=4096)
def _names_chrome(cls: str | None, ident: str | None) -> bool:
    """Class and id words that name chrome. Cached: a page repeats a few class names on many
    boxes, and the search is the costly part of is_chrome."""
    words = f"{cls or ''} {ident or ''}"
    if words.count("-") > 3:  # slugs of headings ("sharing-with-a-single-developer") say nothing
        words = " ".join(word for word in words.split() if word.count("-") <= 3)
    return _CHROME_WORDS.search(words) is not None


_DATETIME = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}[:：]\d{2}")
_RECORD_TAGS = frozenset("h2 h3 h4 h5 h6 div li dl dt table section article".split())
_POST_TAGS = frozenset("div li dl table tbody tr td section article".split())
MIN_DISCUSSION_RECORDS = 4


def _head_text(el: HtmlElement, limit: int) -> str:
    """`el.text_content()[:limit]` without reading the rest of a long subtree (a whole article)."""
    parts: list[str] = []
    size = 0
    for text in el.itertext():
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return "".join(parts)[:limit]


def _is_discussion(box: HtmlElement) -> bool:
    """A list of dated records (comments, replies, a guest book): at least four child headings or
    boxes that each carry a date and time."""
    dated = 0
    for child in box:
        if child.tag in _RECORD_TAGS and _DATETIME.search(_head_text(child, 300)):
            dated += 1
            if dated >= MIN_DISCUSSION_RECORDS:
                return True
    return False


# A box of entries is a linked list (reply thread, index) when it has fewer sentence marks than
# one per this many characters and at least this share of link text to its plain text.
LIST_CHARS_PER_MARK = 50
LIST_LINK_SHARE = 0.5
MIN_PROSE_MARKS = 5
MIN_POSTS = 3
MIN_POSTS_SHARE = 0.6


def _is_beside_prose(box: HtmlElement, mass, node_marks: int) -> bool:
    """The sentences of the node are mostly outside this box."""
    return node_marks - mass.get(box, _EMPTY)[2] >= MIN_PROSE_MARKS


def _is_link_list(box: HtmlElement, mass, node_marks: int) -> bool:
    """Entries with links and few sentences (a reply thread, an archive index): beside the prose,
    its text is not the article's, however long it is. (A box with more sentences than are
    beside it holds the prose, with link lists of its own.)"""
    plain, links, marks, _ = mass.get(box, _EMPTY)
    return marks * LIST_CHARS_PER_MARK < plain and links >= LIST_LINK_SHARE * plain and marks <= node_marks - marks


def _first_post(node: HtmlElement, mass) -> HtmlElement | None:
    """The first of several sibling posts (a blog's front page, a thread): boxes that each start
    with a date and time, hold sentences of their own and together most of the text. The first
    one is the page's article. (Dated summaries beside an article are not most of the text.)"""
    posts = []
    text = 0
    for child in node:
        plain, _, marks, _ = mass.get(child, _EMPTY)
        if child.tag in _POST_TAGS and marks >= MIN_PROSE_MARKS and _DATETIME.search(_head_text(child, 200)):
            posts.append(child)
            text += plain
    if len(posts) >= MIN_POSTS and text >= MIN_POSTS_SHARE * mass.get(node, _EMPTY)[0]:
        return posts[0]
    return None


def _sentences_beside(node: HtmlElement, best: HtmlElement, mass, left_marks: int, limit: float) -> int:
    """Sentence marks outside `best`, not counting blocks that repeat its text (a summary, or a
    second copy of the article such as a mobile or print version)."""
    if left_marks <= limit:
        return left_marks
    best_text = None
    for sibling in node:
        plain, _, sibling_marks, _ = mass.get(sibling, _EMPTY) if sibling is not best else _EMPTY
        if sibling_marks:
            best_text = best_text or normalise_space(best.text_content())
            if _repeats(normalise_space(sibling.text_content()), best_text, plain <= MAX_SUMMARY_CHARS):
                left_marks -= sibling_marks
    return left_marks


SUMMARY_HEAD = 32
COPY_SAMPLES = 5
COPY_HITS = 4


def _repeats(text: str, best_text: str, short: bool) -> bool:
    """A summary is the article's words (its first 32 characters, short of a closing …, are in
    the article: a shared salutation such as 尊敬的各位领导、各位来宾：is not enough); a copy has
    them at nearly all of its sample points (essays on one theme share phrases, not 16
    characters at four points of five)."""
    if short and text.rstrip("…. ")[:SUMMARY_HEAD] in best_text:
        return True
    step = len(text) / (COPY_SAMPLES + 1)
    samples = [text[int(step * n) :][:16] for n in range(1, COPY_SAMPLES + 1)]
    return sum(len(sample) == 16 and sample in best_text for sample in samples) >= COPY_HITS


def chrome_inside(container: HtmlElement, mass: dict | None = None) -> set[HtmlElement]:
    """The chrome boxes (share bars, teaser feeds, comment lists) inside the content block."""
    boxes: set[HtmlElement] = set()
    walk = etree.iterwalk(container, events=("start",))
    for _, el in walk:
        if el is container or el.tag in PARAGRAPH_TAGS or not isinstance(el.tag, str) or not is_chrome(el):
            continue
        boxes.add(el)
        walk.skip_subtree()  # boxes inside a pruned box are pruned with it
    if mass is not None:
        # Pruned only when the sentences left outside them are the article's (most of its text may be
        # a gallery or a comment list inside the block).
        left = mass.get(container, _EMPTY)[2] - sum(mass.get(box, _EMPTY)[2] for box in boxes)
        if left < MIN_PROSE_MARKS:
            return set()
    return boxes


def content_lines(container: HtmlElement, mass: dict | None = None) -> list[Line]:
    """Lines of the container that read as text, not as link lists or chrome boxes."""
    skip = chrome_inside(container, mass) if mass is not None else set()
    return [line for line in text_lines(container, skip) if line.link_ratio <= MAX_LINK_RATIO]
