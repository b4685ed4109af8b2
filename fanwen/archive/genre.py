"""Genre and occasion of a 范文/公文 from its title, and the masks (***, XX) of its text: pure functions.

A title names its genre at its end ("关于落实双减政策的工作总结", "…实施方案范文3篇"): decorations
(范文, 模板, 精选, (3篇), 【…】) are cut off, then the longest known ending wins, so "述职报告" beats
"报告" and "…总结讲话" is a 讲话. A title that ends otherwise takes the right-most genre word it
contains. Speeches also name their occasion: "在全市“双减”工作现场推进会上的讲话" -> 全市“双减”工作现场推进会.
The genre names and their title forms are in GENRES (documented in docs/research.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

GENRE_VERSION = "2"  # change it with the rules: archives then classify their articles again
OTHER = "其他"

# genre -> the title endings that name it (a 公文 reader's names; the official 公文 kinds included).
GENRES: dict[str, tuple[str, ...]] = {
    "讲话": ("讲话", "讲话稿", "讲话提纲", "讲话材料", "讲稿"),
    "发言": ("发言", "发言稿", "发言材料", "发言提纲", "交流发言", "研讨发言", "表态发言"),
    "致辞": ("致辞", "致词", "贺词", "欢迎词", "答谢词", "祝酒词", "开幕词", "闭幕词"),
    "主持词": ("主持词", "主持稿", "串词", "主持人词"),
    "演讲稿": ("演讲稿", "演讲", "演讲词"),
    "党课": ("党课", "党课讲稿", "党课讲话", "专题党课"),
    "述职报告": ("述职报告", "述职述廉报告", "述责述廉报告", "述职", "述廉报告"),
    "自查报告": ("自查报告", "自查自纠报告", "自查情况报告", "自查情况"),
    "调研报告": ("调研报告", "调查报告", "调研材料", "考察报告"),
    "报告": ("报告", "工作报告", "情况报告"),
    "汇报": ("汇报", "汇报材料", "工作汇报", "情况汇报", "汇报提纲"),
    "总结": ("总结", "小结", "工作总结", "年终总结"),
    "心得体会": ("心得体会", "心得", "体会", "感悟", "观后感", "读后感", "学习心得", "研讨材料"),
    "对照检查材料": ("对照检查材料", "对照检查", "检视剖析材料", "剖析材料", "检查材料", "对照材料"),
    "方案": ("方案", "实施方案", "工作方案", "活动方案", "预案", "应急预案"),
    "计划": ("计划", "工作计划", "规划", "工作要点", "要点", "安排"),
    "意见": ("意见", "实施意见", "指导意见"),
    "通知": ("通知",),
    "通报": ("通报",),
    "请示": ("请示",),
    "批复": ("批复",),
    "决定": ("决定",),
    "公告": ("公告", "通告"),
    "函": ("函", "复函", "商洽函"),
    "纪要": ("纪要", "会议纪要", "会议记录", "记录"),
    "制度": ("制度", "办法", "规定", "细则", "条例", "规则", "守则", "章程"),
    "倡议书": ("倡议书", "倡议", "倡议信"),
    "申请书": ("申请书", "申请"),
    "承诺书": ("承诺书", "责任书", "承诺"),
    "事迹材料": ("事迹材料", "先进事迹", "事迹", "典型材料"),
    "简报": ("简报", "工作简报"),
}
SPEECHES = {"讲话", "发言", "致辞", "主持词", "演讲稿", "党课"}

_FORMS = sorted(((form, genre) for genre, forms in GENRES.items() for form in forms), key=lambda f: -len(f[0]))
_GENRE_OF = dict(_FORMS)
_ENDING = re.compile("(" + "|".join(re.escape(f) for f, _ in _FORMS) + ")$")
_ANYWHERE = re.compile("|".join(re.escape(f) for f, _ in _FORMS))
# Decorations after the genre word: 范文, 模板, (精选12篇), 【…】, 2023, 最新, 大全, punctuation.
_DECORATION = re.compile(
    r"(?:[（(【\[〔《<][^）)】\]〕》>]*[）)】\]〕》>]|[0-9０-９一二三四五六七八九十百]+篇|范文|范本|模板|模版|样本|样板|例文|大全|汇编|合集"
    r"|精选|推荐|最新|优秀|通用|完整版|全文|word版|下载|[0-9０-９]{4}年?|[\s，,。.、:：;；!！?？…_\-—~|/]|[0-9０-９]+)$",
    re.IGNORECASE,
)
# 在…会上的讲话: the occasion between 在 and 上/中/时 的 before the genre word (and a few modifiers).
_SPEECH_AT = re.compile(r"在(.+?)(?:上|中|期间|之际|时|前夕)的(?:[^在的]{0,6})$")
_EVENT_END = re.compile(r"(?:会|会议|仪式|典礼|式|活动|论坛|晚会|年会|讲座|班|节|日|庆典|大赛|比赛)$")
_MODIFIERS = re.compile(r"(?:总结|表态|交流|主题|专题|动员|即兴|重要|主旨|领导|代表|典型|讨论)$")
# Masks: **, ＊＊, XX (two or more of XxＸｘ×, not inside a Latin word), ○○, □□, 某某. Every alternative starts
# with a literal character, so the regex engine skips to those characters in C; written as
# `(?<![A-Za-z])[XxＸｘ×]{2,}` it was tried at every character (a tenth of a millisecond per article;
# tests/test_genre.py checks the two forms find the same masks).
_MASK = re.compile("|".join([r"\*\*+", "＊＊+", *(rf"{x}(?<![A-Za-z]{x})[XxＸｘ×]+(?![A-Za-z])" for x in "XxＸｘ×"),
                             "○○+", "□□+", "某某"]))


@lru_cache(maxsize=1)
def _simplified() -> dict[int, str]:
    """Traditional -> simplified for the characters the rules look at (one character each: offsets hold)."""
    import opencc

    rules = "".join(f for f, _ in _FORMS) + _EVENT_END.pattern + _MODIFIERS.pattern + _SPEECH_AT.pattern + "范文模板精选篇"
    to_traditional = opencc.OpenCC("s2t")
    table = {}
    for char in set(rules):
        traditional = to_traditional.convert(char)
        if len(traditional) == 1 and traditional != char:
            table[ord(traditional)] = char
    return table


def core_title(title: str) -> str:
    """The title without the decorations that follow the genre word."""
    core = title.strip()
    while True:
        stripped = _DECORATION.sub("", core)
        if stripped == core or not stripped:
            return core
        core = stripped


def classify(title: str | None) -> tuple[str, str | None]:
    """(genre, occasion) of a title: a GENRES name or 其他, and the occasion of a speech (or None)."""
    if not title:
        return OTHER, None
    original = core_title(title)
    core = original.translate(_simplified())  # 講話 is 讲话: same length, so the occasion is cut from the original
    ending = _ENDING.search(core)
    if ending:
        genre, head = _GENRE_OF[ending.group(1)], core[:ending.start()]
    else:
        found = list(_ANYWHERE.finditer(core))
        if not found:
            return OTHER, None
        last = max(found, key=lambda m: (m.end(), len(m.group(0))))
        genre, head = _GENRE_OF[last.group(0)], core[:last.start()]
    if genre not in SPEECHES:
        return genre, None
    where = occasion(core, head)
    if where is None:
        return genre, None
    start = core.find(where)
    return genre, original[start:start + len(where)]


def occasion(core: str, head: str) -> str | None:
    """The event a speech was given at, from "在X上的讲话" or "X主持词" (X ending like an event)."""
    at = _SPEECH_AT.search(core)
    if at:
        return at.group(1).strip() or None
    head = _MODIFIERS.sub("", head.rstrip("的上 "))
    head = re.sub(r"^.*?(?:同志|书记|局长|县长|市长|校长|主任|院长|部长|代表)在?", "", head) or head
    return head if len(head) >= 3 and _EVENT_END.search(head) else None


def count_masks(*texts: str | None) -> int:
    """How many masked names (***, XX, ××, ○○, 某某) the texts hold."""
    return sum(len(_MASK.findall(t)) for t in texts if t)


def fields(title: str | None, body: str | None) -> tuple[str, str | None, int]:
    """The derived columns of an article: (genre, occasion, masks)."""
    genre, where = classify(title)
    return genre, where, count_masks(title, body)
