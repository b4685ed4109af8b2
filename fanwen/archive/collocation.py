"""Collocations (words near a node, scored by logDice and MI) and keywords (log-likelihood keyness of one
sub-corpus against another), over words segmented by rjieba (jieba-rs; choice in docs/research.md).

Node counts are exact (every occurrence, as the concordance finds them). Corpus word frequencies come
from segmenting the filtered corpus; above `sample_chars` characters, from a fixed random sample of
its articles scaled to the corpus size, and the result says so (`sampled`).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fanwen.archive import cjk
from fanwen.archive.concordance import candidates_sql, compile_query, lines_of
from fanwen.archive.filters import Filters

SAMPLE_CHARS = 5_000_000  # ~1.5 s of segmentation
_IS_WORD = re.compile(f"[{cjk._CJK}]|[^\\W_]")


def segment(text: str) -> list[str]:
    """The words of `text` (punctuation and white space dropped)."""
    import rjieba

    return [w for w in rjieba.cut(text) if _IS_WORD.search(w)]


@dataclass
class Frequencies:
    words: Counter
    tokens: int  # word tokens in the segmented text
    chars: int  # characters segmented
    corpus_chars: int  # characters of the whole (filtered) corpus
    articles: int  # articles segmented
    corpus_articles: int

    @property
    def scale(self) -> float:
        return self.corpus_chars / self.chars if self.chars else 1.0

    @property
    def sampled(self) -> bool:
        return self.articles < self.corpus_articles


def corpus_frequencies(conn: Any, filters: Filters, sample_chars: int = SAMPLE_CHARS, seed: int = 0,
                       extra_where: tuple[str, list[Any]] | None = None) -> Frequencies:
    """Word frequencies of the filtered articles (a fixed random sample of them above `sample_chars`)."""
    clauses, params = filters.where("a")
    if extra_where:
        clauses.append(extra_where[0])
        params.extend(extra_where[1])
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sizes = conn.execute(f"SELECT a.id, a.chars FROM articles a{where} ORDER BY a.id", params).fetchall()
    total = sum(c for _, c in sizes)
    chosen = [i for i, _ in sizes]
    if total > sample_chars:
        random.Random(seed).shuffle(chosen)
        budget, picked, size_of = 0, [], dict(sizes)
        for article_id, chars in ((i, size_of[i]) for i in chosen):
            if budget >= sample_chars:
                break
            picked.append(article_id)
            budget += chars
        chosen = sorted(picked)
    words: Counter = Counter()
    chars = 0
    for start in range(0, len(chosen), 500):
        chunk = chosen[start:start + 500]
        for (body,) in conn.execute(f"SELECT body FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            words.update(segment(body))
            chars += len(body)
    return Frequencies(words, sum(words.values()), chars, total, len(chosen), len(sizes))


@dataclass
class Collocates:
    word: str
    hits: int  # exact occurrences of the node
    reference: Frequencies
    rows: list[dict[str, Any]] = field(default_factory=list)


def collocates(conn: Any, word: str, filters: Filters = Filters(), window: int = 5, min_freq: int = 3,
               limit: int | None = 50, sample_chars: int = SAMPLE_CHARS) -> Collocates:
    """Words within `window` words left or right of each occurrence of `word`, best logDice first."""
    compiled = compile_query(word, conn)
    sql, params = candidates_sql(compiled, filters, "a.id, a.url, a.title, a.published_at, a.site, a.genre, a.body",
                                 " ORDER BY a.id")
    context = window * 4 + 8  # characters: enough for `window` words plus one cut at the edge, dropped
    left: Counter = Counter()
    right: Counter = Counter()
    hits = 0
    for row in conn.execute(sql, params):
        for line in lines_of(compiled, row, context):
            hits += 1
            before, after = segment(line["left"]), segment(line["right"])
            if len(line["left"]) == context:
                before = before[1:]
            if len(line["right"]) == context:
                after = after[:-1]
            left.update(before[-window:])
            right.update(after[:window])
    reference = corpus_frequencies(conn, filters, sample_chars)
    n = reference.tokens * reference.scale
    rows = []
    for collocate, freq in (left + right).items():
        if freq < min_freq:
            continue
        corpus_freq = max(reference.words.get(collocate, 0) * reference.scale, freq)
        rows.append({"collocate": collocate, "freq": freq, "left": left[collocate], "right": right[collocate],
                     "corpus_freq": round(corpus_freq),
                     "logDice": round(14 + math.log2(2 * freq / (hits + corpus_freq)), 3),
                     "mi": round(math.log2(freq * n / (hits * corpus_freq)), 3) if n else None})
    rows.sort(key=lambda r: (-r["logDice"], -r["freq"], r["collocate"]))
    return Collocates(word, hits, reference, rows[:limit] if limit is not None else rows)


@dataclass
class Keywords:
    focus: Frequencies
    reference: Frequencies
    rows: list[dict[str, Any]] = field(default_factory=list)


def log_likelihood(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G2 of a word seen a times in c tokens (focus) and b times in d tokens (reference)."""
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))


def keywords(conn: Any, focus: Filters, reference: Filters | None = None, min_freq: int = 5, limit: int | None = 50,
             sample_chars: int = SAMPLE_CHARS) -> Keywords:
    """Words used more in `focus` than in `reference` (None: every other article), by log-likelihood."""
    mine = corpus_frequencies(conn, focus, sample_chars)
    if reference is None:
        clauses, params = focus.where("a")
        # The rest: representatives (or all, as the focus) that the focus does not select.
        own = [c for c in clauses if "duplicate_of" not in c]
        rest = (f"NOT coalesce(({' AND '.join(own)}), 0)", params) if own else ("0", [])
        others = corpus_frequencies(conn, Filters(include_duplicates=focus.include_duplicates), sample_chars,
                                    extra_where=rest)
    else:
        others = corpus_frequencies(conn, reference, sample_chars)
    c, d = mine.tokens * mine.scale, others.tokens * others.scale
    rows = []
    for word, count in mine.words.items():
        a, b = count * mine.scale, others.words.get(word, 0) * others.scale
        if count < min_freq or not c or not d or a / c <= b / d:
            continue
        rows.append({"word": word, "focus_freq": round(a), "reference_freq": round(b),
                     "focus_per_10k": round(a * 10000 / c, 3), "reference_per_10k": round(b * 10000 / d, 3),
                     "ll": round(log_likelihood(a, b, c, d), 3)})
    rows.sort(key=lambda r: (-r["ll"], r["word"]))
    return Keywords(mine, others, rows[:limit] if limit is not None else rows)


_FIELDS = {"site": "sites", "category": "categories", "term": "terms", "genre": "genres"}


def parse_subcorpus(text: str, include_duplicates: bool = False) -> Filters:
    """`site=baihua.test,year=2023,genre=讲话` (also category=, term=, since=, until=) as Filters."""
    values: dict[str, Any] = {"include_duplicates": include_duplicates}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"{part!r}: write NAME=VALUE, e.g. site=baihua.test or year=2023")
        if name in _FIELDS:
            values[_FIELDS[name]] = (*values.get(_FIELDS[name], ()), value)
        elif name == "year" and re.fullmatch(r"\d{4}", value):
            values["since"], values["until"] = f"{value}-01-01", f"{value}-12-31"
        elif name in ("since", "until") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            values[name] = value
        else:
            raise ValueError(f"{part!r}: use site=, category=, term=, genre=, year=YYYY, since= or until=YYYY-MM-DD")
    if len(values) == 1:
        raise ValueError(f"{text!r} selects nothing; write e.g. site=baihua.test or year=2023")
    return Filters(**values)
