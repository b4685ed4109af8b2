"""Chinese text as FTS5 tokens (overlapping CJK bigrams), and search expressions as FTS5 MATCH strings.

A CJK run "安全生产" is indexed as "安全 全生 生产 产": every bigram, plus the run's last character
alone, so that every character starts exactly one token. Then any run of 2+ characters is a phrase of
bigrams, and a single character is the prefix query `"安"*`. Search answers a lone one-character query
from a second, small index of each article's distinct ideographs (`ideographs`): a prefix query scans
every bigram that starts with the character. Latin letters and digits are kept as words (unicode61
folds their case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF))
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_QUERY_TOKENS = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
OPERATORS = ("AND", "OR", "NOT")


class BadQuery(ValueError):
    """A search expression that cannot be understood; the message says how to write it."""


def tokens(text: str | None) -> str:
    """The indexed form of `text`: every CJK character followed by the next one (a bigram) or alone at
    the end of its run, each on its own, the rest of the text as it is (unicode61 finds its words).

    Vectorised (numpy, ~0.1 ms for a 2,300-character article, 5x the regex loop it replaced): FTS5's
    unicode61 reads the same tokens from it as from `reference_tokens`, which the tests check."""
    if not text:
        return ""
    import numpy as np  # late: the CLI's start-up does not pay for it

    code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cjk = np.zeros(len(code), dtype=bool)
    for low, high in _CJK_RANGES:
        cjk |= (code >= low) & (code <= high)
    # NUL would vanish below and join its neighbours; private-use characters are letters to unicode61
    # but separators to the query parser; lone surrogates cannot be written: all become spaces.
    blank = (code == 0) | ((code >= 0xD800) & (code <= 0xDFFF)) | ((code >= 0xE000) & (code <= 0xF8FF)) | (code >= 0xF0000)
    follows_cjk = np.zeros(len(code), dtype=bool)
    follows_cjk[1:] = cjk[:-1]
    next_code = np.zeros(len(code), dtype=np.uint32)
    next_code[:-1] = code[1:]
    slots = np.zeros((len(code), 4), dtype=np.uint32)  # [space before a run, the character, its successor, space]
    slots[:, 0] = np.where(cjk & ~follows_cjk, 32, 0)
    slots[:, 1] = np.where(blank, 32, code)
    slots[:, 2] = np.where(cjk & np.append(cjk[1:], False), next_code, 0)
    slots[:, 3] = np.where(cjk, 32, 0)
    flat = slots.ravel()
    return flat[flat != 0].tobytes().decode("utf-32-le")


# Ideographs every SQLite 3.x unicode61 reads as letters (Unicode 3.0 URO and Extension A): the
# one-character index holds these; other characters are searched as prefix queries of the bigram index.
IDEOGRAPHS = ((0x3400, 0x4DB5), (0x4E00, 0x9FA5))


def is_ideograph(char: str) -> bool:
    return len(char) == 1 and any(low <= ord(char) <= high for low, high in IDEOGRAPHS)


TITLE_MARK = "t"  # a title's ideograph is indexed as "t党": unicode61 reads the pair as one token


def ideographs(title: str | None, body: str | None) -> str:
    """An article's row of the one-character index: the distinct ideographs of its text, then those of
    its title each marked with TITLE_MARK (`党 全 t党 t支`), in code point order, space-separated.
    No positions: a character's articles, not its places. Marked apart, a title's characters never
    make an article a body match (the research commands count bodies only), and search asks for
    both (`"党" OR "t党"`)."""
    body_chars = _distinct_ideographs(body)
    title_chars = _distinct_ideographs(title)
    return " ".join([*body_chars, *(TITLE_MARK + c for c in title_chars)])


def _distinct_ideographs(text: str | None) -> list[str]:
    if not text:
        return []
    import numpy as np  # late: the CLI's start-up does not pay for it

    code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = np.zeros(len(code), dtype=bool)
    for low, high in IDEOGRAPHS:
        keep |= (code >= low) & (code <= high)
    distinct = np.unique(code[keep])
    return list(distinct.tobytes().decode("utf-32-le")) if len(distinct) else []


def body_char_match(char: str) -> str:
    """MATCH of the one-character index for the articles whose text (not title) holds `char`."""
    return f'"{char}"'


def any_char_match(char: str) -> str:
    """MATCH of the one-character index for the articles whose title or text holds `char`."""
    return f'"{char}" OR "{TITLE_MARK}{char}"'


def reference_tokens(text: str | None) -> str:
    """`tokens` as a plain loop over the runs: the definition, kept to test the fast version against."""
    if not text:
        return ""
    out: list[str] = []
    for cjk, word in _RUNS.findall(text):
        if cjk:
            out.extend(map(str.__add__, cjk, cjk[1:]))
            out.append(cjk[-1])
        else:
            out.append(word)
    return " ".join(out)


def phrase(text: str) -> str | None:
    """The FTS5 phrase that matches `text` wherever it occurs inside a run, or None if it has no letters."""
    runs = _RUNS.findall(text)
    if not runs:
        return None
    parts: list[str] = []
    prefix = False
    for i, (cjk, word) in enumerate(runs):
        last = i == len(runs) - 1
        if word:
            parts.append(word)
        elif not last:  # a run that ends inside the query ends in the text too: it has its final token
            parts.extend(map(str.__add__, cjk, cjk[1:]))
            parts.append(cjk[-1])
        elif len(cjk) == 1:  # the text may go on after it: any token that starts with it
            parts.append(cjk)
            prefix = True
        else:
            parts.extend(map(str.__add__, cjk, cjk[1:]))
    return '"' + " ".join(p.replace('"', '""') for p in parts) + '"' + ("*" if prefix else "")


@dataclass
class Parsed:
    """A search expression translated: the FTS5 MATCH string and the literal texts to highlight."""

    match: str
    needles: list[str] = field(default_factory=list)


def parse(query: str) -> Parsed:
    """Translate `双减 "课后服务" OR 托管 NOT 收费` (AND/OR/NOT, quotes, parentheses) into FTS5 syntax."""
    raw = _QUERY_TOKENS.findall(query)
    if not raw:
        raise BadQuery("the search expression is empty; give a word, e.g. 双减")
    parser = _Parser(raw)
    match = parser.expression()
    if parser.pos < len(raw):
        raise BadQuery(f"unexpected {raw[parser.pos]!r} in {query!r}; write terms joined by AND, OR, NOT")
    return Parsed(match, parser.needles)


MAX_NESTING = 20  # parentheses within parentheses; far more than a person writes, far less than the stack holds


class _Parser:
    """Recursive descent: OR binds loosest, then AND (or juxtaposition), then NOT, as in FTS5."""

    def __init__(self, raw: list[str]):
        self.raw = raw
        self.pos = 0
        self.needles: list[str] = []
        self.negated = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.raw[self.pos] if self.pos < len(self.raw) else None

    def expression(self) -> str:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def conjunction(self) -> str:
        parts = [self.negation()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.pos += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def negation(self) -> str:
        left = self.atom()
        while self.peek() == "NOT":
            self.pos += 1
            self.negated += 1
            left = f"({left} NOT {self.atom()})"
            self.negated -= 1
        return left

    def atom(self) -> str:
        token = self.peek()
        if token is None:
            raise BadQuery("the search expression ends with an operator; put a term after AND, OR or NOT")
        if token in OPERATORS:
            hint = "NOT needs a term before it, e.g. 工作 NOT 总结" if token == "NOT" else f"put a term before {token}"
            raise BadQuery(f"unexpected {token}: {hint}")
        self.pos += 1
        if token == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise BadQuery(f"parentheses nest deeper than {MAX_NESTING} levels; write the expression flatter")
            inner = self.expression()
            self.depth -= 1
            if self.peek() != ")":
                raise BadQuery("a parenthesis is not closed; add the missing )")
            self.pos += 1
            return inner
        if token == ")":
            raise BadQuery("unexpected ); remove it or add the matching (")
        if token.startswith('"'):
            if len(token) < 2 or not token.endswith('"'):
                raise BadQuery(f"the quote in {token!r} is not closed; add the closing \"")
            token = token[1:-1]
        fts = phrase(token)
        if fts is None:
            raise BadQuery(f"{token!r} has no letters or digits to search for; remove it")
        if not self.negated:
            self.needles.append(token)
        return fts
