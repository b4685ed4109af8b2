"""Chinese text as FTS5 tokens (overlapping CJK bigrams), and search expressions as FTS5 MATCH strings.

A CJK run "安全生产" is indexed as "安全 全生 生产 产": every bigram, plus the run's last character
alone, so that every character starts exactly one token. Then any run of 2+ characters is a phrase of
bigrams, and a single character is the prefix query `"安"*` (served by the `prefix='1'` index).
Latin letters and digits are kept as words (unicode61 folds their case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_QUERY_TOKENS = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
OPERATORS = ("AND", "OR", "NOT")


class BadQuery(ValueError):
    """A search expression that cannot be understood; the message says how to write it."""


def tokens(text: str | None) -> str:
    """The indexed form of `text`: space-separated bigrams, run-final characters and words."""
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
