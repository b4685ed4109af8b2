"""Designed near-duplicates (re-posts with small edits) and hard negatives (same topic or template, new text).

Each site replaces its last few public documents with these, so the number of documents stays the same.
A variant's truth names the document it was made from (`variant_of`) and how (`variant`).
"""
from __future__ import annotations

import random
import re
from dataclasses import replace

from .hant import to_traditional
from .model import Doc
from .text import TextGen

# Near-duplicate kinds (linked to their original) and hard-negative kinds (must not be linked).
NEAR_KINDS = ("intro", "city", "drop", "add", "title", "domain", "hant")
NEGATIVE_KINDS = ("topic", "template")
# (original slot, kind): originals 0 and 1 get two variants each, so clusters of three occur.
PLAN = (
    (0, "intro"), (0, "hant"), (1, "drop"), (1, "domain"), (2, "city"), (3, "add"), (4, "title"),
    (5, "intro"), (6, "drop"), (7, "hant"), (8, "city"),
    (9, "topic"), (10, "template"), (11, "template"),
)
CITIES = ("南京", "杭州", "成都", "武汉", "长沙", "郑州", "济南", "合肥")
# Full-width domains survive the cleaner (which strips ASCII domains), as on sites that dodge filters.
DOMAINS = ("ｗｗｗ．ｆａｎｗｅｎ６６．ｃｏｍ", "ｗｅｎｍｉ８．ｃｎ", "ｍ．ｇｏｎｇｗｅｎｂａ．ｎｅｔ")
INTROS = (
    "为进一步统一思想、明确任务，推动各项决策部署落地见效，经研究，现将有关情况通报如下，请结合实际认真抓好落实。",
    "近段时间以来，各单位围绕年度目标任务，主动作为、狠抓落实，取得了阶段性成效，现将主要情况和下步打算汇报如下。",
    "根据会议安排，结合前期调研掌握的情况，我就做好当前和今后一个时期的重点工作谈几点认识，供同志们参考讨论。",
)
SUFFIXES = {"intro": "范文", "city": "", "drop": "参考", "add": "范本", "title": "模板", "domain": "例文", "hant": "",
            "topic": "", "template": ""}
_MASK = re.compile(r"XX|xx")


def is_candidate(d: Doc) -> bool:
    """A document fit to be an original: one essay, public, long enough to drop a paragraph from."""
    return d.essays == 1 and not d.private and len(d.paragraphs) >= 7


def apply_plan(docs: list[Doc], n_public: int, gen: TextGen, rng: random.Random, used_titles: set[str]) -> None:
    """Replace the last public documents with the planned variants of earlier ones (two on tiny sites)."""
    plan = PLAN if n_public >= 60 else PLAN[:2]
    slots = range(n_public - len(plan), n_public)
    pool = [d for d in docs[: slots.start] if is_candidate(d)]
    originals = rng.sample(pool, max(k for k, _ in plan) + 1)
    for k in {k for k, kind in plan if kind == "city"}:  # the city kind needs XX masks to replace
        if not _MASK.search("".join(originals[k].paragraphs)):
            originals[k] = next(d for d in pool if _MASK.search("".join(d.paragraphs)) and d not in originals)
    for slot, (k, kind) in zip(slots, plan):
        original, old = originals[k], docs[slot]
        title, paras = _edit(kind, original, gen, rng, used_titles)
        used_titles.add(title)
        docs[slot] = replace(old, title=title, genre=original.genre, paragraphs=tuple(paras), essays=1,
                             terms=original.terms, topic=original.topic, variant=kind, variant_of=original)


def _edit(kind: str, d: Doc, gen: TextGen, rng: random.Random, used: set[str]) -> tuple[str, list[str]]:
    paras = list(d.paragraphs)
    title = d.title + SUFFIXES[kind]
    if kind == "intro":
        at = 1 if paras[0].endswith("：") else 0
        paras.insert(at, rng.choice(INTROS))
    elif kind == "city":
        city = rng.choice(CITIES)
        paras = [_MASK.sub(city, p) for p in paras]
        title = city + _MASK.sub(city, d.title)
    elif kind == "drop":
        total = sum(map(len, paras))
        cands = [i for i in range(1, len(paras) - 1) if 40 < len(paras[i]) <= total // 6 and not _gbk_only(paras[i])]
        del paras[rng.choice(cands or [len(paras) - 2])]
    elif kind == "add":
        extra = gen.document(d.genre, set(used), topic_name=d.topic).paragraphs
        paras.insert(len(paras) // 2, max(extra[1:-1], key=lambda p: -abs(len(p) - 150)))
    elif kind == "title":
        paras[-1] += "全文完。"
    elif kind == "domain":
        i = max(range(len(paras)), key=lambda j: len(paras[j]))
        at = next(o for o in range(len(paras[i]) // 2, len(paras[i])) if _cjk(paras[i][o - 1]) and _cjk(paras[i][o]))
        paras[i] = paras[i][:at] + rng.choice(DOMAINS) + paras[i][at:]
    elif kind == "hant":
        paras = [to_traditional(p) for p in paras]
        title = to_traditional(d.title)
    else:  # hard negatives: the same genre and topic, new text; `template` also shares opening and closing
        fresh = gen.document(d.genre, set(used), topic_name=d.topic)
        title, paras = fresh.title, list(fresh.paragraphs)
        if kind == "template" and sum(map(len, paras[1:-1] + [d.paragraphs[0], d.paragraphs[-1]])) <= 4000:
            paras[0], paras[-1] = d.paragraphs[0], d.paragraphs[-1]
    while title in used:
        title += "稿"
    return title, paras


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _gbk_only(text: str) -> bool:
    return bool(re.search("[镕堃喆昇龍臺]", text))
