"""Seeded generator of realistic 公文/范文 Chinese: titles, bodies and related terms."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from . import phrases as ph
from .templates import DOCS, FESTIVE, GENERAL, HEADINGS, OPENINGS, PERSONAL, SUBHEADINGS

GENRES = ("speech", "summary", "xinde", "plan", "shuzhi", "fayan", "huibao", "zhici")

@dataclass(frozen=True)
class DocText:
    """A generated document: undecorated title, body paragraphs, terms and metadata."""

    title: str
    genre: str
    topic: str
    paragraphs: tuple[str, ...]
    terms: tuple[str, ...]
    essays: int


class TextGen:
    """Generates titles, bodies and terms from the phrase pools with one seeded RNG."""

    def __init__(self, rng: random.Random, *, gbk_extras: bool = False) -> None:
        self.rng = rng
        self.gbk_extras = gbk_extras
        self._pools: dict[str, tuple[str, ...]] = {
            "S": ph.SUBJECTS, "ADV": ph.ADVERBS, "V": ph.VERBS, "O": ph.OBJECTS, "G": ph.GOALS,
            "IDM": ph.IDIOMS, "HI": ph.HEAD_IDIOMS, "ASP": ph.ASPECTS, "KEYPOS": ph.KEYPOS,
            "PR": ph.PROBLEMS, "RES": ph.RESULTS, "RES2": ph.RESULTS2, "BAD": ph.BAD, "GROUP": ph.GROUPS,
            "BEN": ph.BENEFITS, "WIDE": ph.WIDES, "QW": ph.QWORDS, "BADGUY": ph.BADGUYS,
            "SLOGAN": ph.SLOGANS, "QUOTE": ph.QUOTES, "MP": ph.MASK_PLACES, "MPER": ph.MASK_PEOPLE,
            "MEETING": ph.MEETINGS, "EVENT": ph.EVENTS, "AUD": ph.AUDIENCES, "CNT": ph.COUNTERS,
        }

    # ----------------------------------------------------------------- slots
    def _fill(self, tpl: tuple[tuple[str, str], ...], dyn: dict[str, Callable[[], str]]) -> str:
        choice, pools = self.rng.choice, self._pools
        out = []
        for lit, slot in tpl:
            out.append(lit)
            if slot:
                pool = pools.get(slot)
                out.append(choice(pool) if pool is not None else dyn[slot]())
        return "".join(out)

    def _dyn(self, topic: tuple, scope: str, unit: str, role: str, year: int, lead: str) -> dict[str, Callable[[], str]]:
        r = self.rng
        items = topic[2]
        pair = r.choice(ph.PAIRS)
        scope_p = scope[1:] if len(scope) > 1 else scope
        tw = topic[0] if topic[0].endswith("工作") else topic[0] + "工作"
        dyn: dict[str, Callable[[], str]] = {
            "T": lambda: topic[0], "TW": lambda: tw, "I": lambda: r.choice(items), "I2": lambda: r.choice(items),
            "DEPT": lambda: topic[3], "SCOPE": lambda: scope, "SCOPEP": lambda: "XX" + scope_p,
            "UNIT": lambda: unit, "ROLE": lambda: role, "YEAR": lambda: str(year),
            "LEAD": lambda: lead if r.random() < 0.7 else r.choice(ph.LEADS),
            "N": lambda: str(r.randint(3, 480)), "N1": lambda: str(r.randint(2, 9)),
            "N2": lambda: str(r.randint(120, 98000)),
            "P": self._percent, "P2": lambda: f"{r.randint(1, 19) / 2:g}",
            "MON": lambda: str(r.randint(1, 12)), "DATE": lambda: f"{r.randint(1, 12)}月{r.randint(1, 28)}日",
            "PA": lambda: pair[0], "PB": lambda: pair[1],
        }
        dyn["DOC"] = lambda: self._fill(r.choice(DOCS), dyn)
        return dyn

    def _percent(self) -> str:
        r = self.rng.random()
        if r < 0.2:
            return "100%"
        if r < 0.6:
            return f"{self.rng.randint(35, 99)}%"
        return f"{self.rng.randint(3500, 9999) / 100:.2f}%"

    # ---------------------------------------------------------------- titles
    def title(self, genre: str, topic: tuple, scope: str, unit: str, role: str, year: int) -> str:
        """An undecorated, realistic title for the genre."""
        r = self.rng
        t, ch = topic[0], r.choice
        tw = t if t.endswith("工作") else t + "工作"
        forms = {
            "speech": (f"在{scope}{tw}{ch(ph.MEETINGS)}上的讲话", f"{ch(ph.ROLES)}在{year}年{scope}{tw}会议上的讲话",
                       f"在{scope}{t}{ch(ph.MEETINGS)}上的讲话提纲", f"{year}年{tw}会议讲话稿"),
            "summary": (f"{year}年{unit}{tw}总结", f"{unit}{year}年上半年{tw}总结",
                        f"{year}年度{unit}工作总结及{year + 1}年工作计划", f"{unit}{tw}开展情况总结"),
            "xinde": (f"{ch(ph.EVENTS)}心得体会", f"参加{t}培训心得体会", f"{role}{t}学习心得",
                      f"学习{ch(topic[2])}心得体会范本"),
            "plan": (f"{year}年{unit}{tw}计划", f"{unit}{year}年{tw}要点", f"{t}{ch(('实施方案', '工作方案', '行动方案'))}",
                     f"{year}年{ch(topic[2])}工作计划"),
            "shuzhi": (f"{year}年{role}述职报告", f"{role}{year}年度述职述廉报告", f"{role}抓{tw}述职报告"),
            "fayan": (f"{t}专题研讨发言材料", f"在{t}座谈会上的交流发言", f"{year}年度{role}专题民主生活会发言材料",
                      f"关于{ch(topic[2])}的研讨发言"),
            "huibao": (f"关于{scope}{tw}情况的汇报", f"{unit}{t}自查报告", f"{tw}调研报告",
                       f"关于{ch(topic[2])}的调研报告"),
            "zhici": (f"在{unit}{ch(ph.FESTIVALS)}上的致辞", f"{ch(ph.FESTIVALS)}领导致辞", f"{role}在{ch(ph.FESTIVALS)}上的讲话"),
        }[genre]
        return r.choice(forms)

    def terms(self, genre: str, topic: tuple, title: str, scope: str, year: int) -> tuple[str, ...]:
        """2-6 related terms (相关热词) for a document, in page order."""
        r = self.rng
        gterm = {"speech": ("讲话", "讲话稿", "领导讲话"), "summary": ("工作总结", "总结"), "xinde": ("心得体会", "学习心得"),
                 "plan": ("工作计划", "计划"), "shuzhi": ("述职报告", "述职"), "fayan": ("发言材料", "交流发言"),
                 "huibao": ("汇报材料", "自查报告"), "zhici": ("致辞", "讲话")}[genre]
        cands = [r.choice(gterm), topic[1], f"{topic[1]}{gterm[0]}"]
        if "会上" in title:
            cands.append("会上")
        if title.startswith("在" + scope):
            cands.append("在" + scope)
        cands += [f"{year}年{gterm[0]}", f"{topic[1]}工作", r.choice(topic[2])]
        uniq = list(dict.fromkeys(cands))
        head = uniq[:2]
        rest = uniq[2:]
        r.shuffle(rest)
        out = head + rest[: r.randint(0, 4)]
        r.shuffle(out)
        return tuple(out)

    # ------------------------------------------------------------------ body
    def document(self, genre: str, used_titles: set[str], *, essays: int = 1, year: int | None = None,
                 topic_name: str | None = None) -> DocText:
        """Generate one document whose title is not in used_titles (which is updated); `topic_name` pins the topic."""
        r = self.rng
        topic = r.choice(ph.TOPICS)
        if topic_name is not None:
            topic = next(t for t in ph.TOPICS if t[1] == topic_name)
        scope = r.choice(ph.SCOPES)
        unit, role = r.choice(ph.UNITS), r.choice(ph.ROLES)
        base_year = year or r.randint(2016, 2023)
        year = base_year - 1 if genre in ("summary", "shuzhi") and r.random() < 0.5 else base_year
        for _ in range(50):
            title = self.title(genre, topic, scope, unit, role, year)
            if title not in used_titles:
                break
            if topic_name is None:
                topic = r.choice(ph.TOPICS)
            scope, unit, role = r.choice(ph.SCOPES), r.choice(ph.UNITS), r.choice(ph.ROLES)
        while title in used_titles:
            title = r.choice(ph.UNITS) + title
        used_titles.add(title)
        dyn = self._dyn(topic, scope, unit, role, year, r.choice(ph.LEADS))
        if essays > 1:
            paras: list[str] = []
            for i in range(essays):
                paras.append(f"篇{ph.CN_NUMS[i]}" if r.random() < 0.7 else f"【篇{ph.CN_NUMS[i]}】")
                paras += self._essay(genre, dyn, short=True)
        else:
            paras = self._essay(genre, dyn, short=False)
        if self.gbk_extras:
            self._add_gbk(paras)
        paras = self._fit(paras, 6, 25, 800, 4000, dyn, keep_heads=essays > 1)
        terms = self.terms(genre, topic, title, scope, year)
        return DocText(title, genre, topic[1], tuple(paras), terms, essays)

    def _sentences(self, pool, dyn, n: int) -> str:
        return "".join(self._fill(self.rng.choice(pool), dyn) for _ in range(n))

    def _para(self, dyn, lo: int = 2, hi: int = 5, pool=GENERAL) -> str:
        return self._sentences(pool, dyn, self.rng.randint(lo, hi))

    def _heading(self, i: int, dyn) -> str:
        return f"{ph.CN_NUMS[i]}、{self._fill(self.rng.choice(HEADINGS), dyn)}"

    def _sub(self, j: int, dyn) -> str:
        n = ph.CN_NUMS[j]
        lead = f"({n})" if self.rng.random() < 0.5 else f"（{n}）"
        return lead + self._fill(self.rng.choice(SUBHEADINGS), dyn)

    def _shi(self, j: int, dyn, pool=GENERAL) -> str:
        head = f"{ph.CN_NUMS[j]}是{self.rng.choice(ph.HEAD_IDIOMS)}，{self.rng.choice(ph.VERBS)}{self.rng.choice(ph.OBJECTS)}。"
        return head + self._para(dyn, 1, 3, pool)

    def _sections(self, dyn, k: int, start: int = 0, pool=GENERAL, short: bool = False) -> list[str]:
        r, out = self.rng, []
        for i in range(start, start + k):
            out.append(self._heading(i, dyn))
            style = r.random()
            if short:
                out.append(self._para(dyn, 2, 4, pool))
            elif style < 0.35:
                for j in range(r.randint(2, 3)):
                    out.append(self._sub(j, dyn))
                    out.append(self._para(dyn, 2, 4, pool))
            elif style < 0.7:
                out += [self._shi(j, dyn, pool) for j in range(r.randint(2, 3))]
            else:
                out += [self._para(dyn, 2, 5, pool) for _ in range(r.randint(1, 3))]
        return out

    def _essay(self, genre: str, dyn, *, short: bool) -> list[str]:
        r, fill = self.rng, self._fill
        k = r.randint(1, 2) if short else r.randint(2, 4)
        if genre == "zhici":
            out = ["尊敬的各位领导、各位来宾，同志们、朋友们：",
                   f"在这{r.choice(ph.SEASONS)}的美好时节，我们欢聚一堂，隆重举行{r.choice(ph.FESTIVALS)}。"
                   f"首先，我代表{dyn['UNIT']()}，向{r.choice(ph.AUDIENCES)}致以诚挚的问候和衷心的感谢！"]
            out += [self._para(dyn, 2, 4, FESTIVE) + self._para(dyn, 1, 2) for _ in range(k + 1)]
            out.append("最后，祝大家身体健康、工作顺利、阖家幸福！谢谢大家！")
            return out
        if genre in OPENINGS:
            opening = fill(r.choice(OPENINGS[genre]), dyn)
        else:
            opening = fill(r.choice(OPENINGS["speech"]), dyn)
        out: list[str] = []
        personal = genre in ("xinde", "shuzhi", "fayan")
        pool = PERSONAL if personal else GENERAL
        if short:
            return self._short_essay(genre, opening, dyn, pool)
        if genre == "speech":
            if r.random() < 0.7:
                out.append("同志们：")
            out.append(opening + self._para(dyn, 1, 2))
            if not short:
                out.append(self._para(dyn, 2, 4) + f"下面，我讲{ph.CN_NUMS[k - 1]}点意见。")
            out += self._sections(dyn, k, short=short)
            out.append(f"同志们，{dyn['TW']()}任重道远。" + self._para(dyn, 1, 2) + "让我们" +
                       r.choice(ph.IDIOMS) + "、" + r.choice(ph.IDIOMS) + f"，{r.choice(ph.GOALS)}！")
        elif genre == "summary":
            out.append(opening)
            out.append(r.choice(("一、主要工作开展情况", "一、工作完成情况", "一、主要做法及成效")))
            for j in range(1 if short else r.randint(2, 4)):
                out.append(self._sub(j, dyn))
                out.append(self._para(dyn, 2, 4))
            out.append(r.choice(("二、存在的问题和不足", "二、存在的主要问题")))
            out.append(f"一是{r.choice(ph.PROBLEMS)}；二是{r.choice(ph.PROBLEMS)}；三是{r.choice(ph.PROBLEMS)}。" + self._para(dyn, 1, 2))
            out.append(r.choice(("三、下一步工作打算", f"三、{dyn['YEAR']()}年工作思路", "三、下一步工作计划")))
            out += [self._shi(j, dyn) for j in range(r.randint(1, 3))]
        elif genre == "plan":
            out.append(opening)
            out.append("一、指导思想")
            out.append(self._para(dyn, 2, 3))
            out.append("二、工作目标")
            out.append(self._para(dyn, 2, 3))
            out.append("三、重点任务")
            for j in range(1 if short else r.randint(2, 4)):
                out.append(self._sub(j, dyn))
                out.append(self._para(dyn, 1, 3))
            out.append("四、保障措施")
            out += [self._shi(j, dyn) for j in range(r.randint(1, 3))]
        elif genre == "shuzhi":
            if r.random() < 0.6:
                out.append("各位领导、同志们：")
            out.append(opening)
            out += self._sections(dyn, k, pool=pool, short=short)
            out.append(f"{ph.CN_NUMS[k]}、存在的不足")
            out.append(f"一是{r.choice(ph.PROBLEMS)}；二是{r.choice(ph.PROBLEMS)}。" + self._para(dyn, 1, 2, pool))
            out.append(f"{ph.CN_NUMS[k + 1]}、今后努力方向")
            out.append(self._para(dyn, 2, 3, pool))
            out.append("以上是我的述职报告，不妥之处，请各位领导和同志们批评指正。")
        elif genre == "huibao":
            out.append(opening)
            out.append("一、基本情况")
            out.append(self._para(dyn, 2, 4))
            out.append("二、主要做法")
            out += [self._shi(j, dyn) for j in range(1 if short else r.randint(2, 4))]
            out.append("三、存在问题")
            out.append(f"一是{r.choice(ph.PROBLEMS)}；二是{r.choice(ph.PROBLEMS)}；三是{r.choice(ph.PROBLEMS)}。")
            out.append("四、下一步打算")
            out.append(self._para(dyn, 2, 3))
        else:  # xinde, fayan
            out.append(opening + self._para(dyn, 1, 2, pool))
            out += self._sections(dyn, k, pool=pool if r.random() < 0.6 else GENERAL, short=short)
            if genre == "fayan":
                out.append("以上发言，不当之处，请批评指正。")
            else:
                out.append("总之，" + self._para(dyn, 1, 2, pool))
        return out

    def _short_essay(self, genre: str, opening: str, dyn, pool) -> list[str]:
        """A compact essay for multi-essay (篇一/篇二) pages."""
        r = self.rng
        out = [opening + self._para(dyn, 1, 2, pool)]
        if r.random() < 0.5:
            for i in range(r.randint(1, 2)):
                out += [self._heading(i, dyn), self._para(dyn, 2, 4, pool)]
        else:
            out += [self._para(dyn, 2, 4, pool) for _ in range(r.randint(2, 3))]
        closing = {"speech": "同志们，让我们" + r.choice(ph.IDIOMS) + f"，{r.choice(ph.GOALS)}！",
                   "shuzhi": "以上述职，不妥之处，请批评指正。", "fayan": "以上发言，不当之处，请批评指正。"}
        if genre in closing:
            out.append(closing[genre])
        return out

    def _fit(self, paras: list[str], lo_n: int, hi_n: int, lo_c: int, hi_c: int, dyn, keep_heads: bool = False) -> list[str]:
        """Trim or extend a body to 6-25 paragraphs and 800-4,000 characters."""
        r = self.rng

        def removable(i: int) -> bool:
            p = paras[i]
            return 0 < i < len(paras) - 1 and len(p) > 40 and not (keep_heads and p.startswith(("篇", "【篇")))

        target = r.randint(lo_c + 200, hi_c - 500)
        while len(paras) < lo_n or sum(map(len, paras)) < target:
            if len(paras) < min(hi_n, 16) and (len(paras) < lo_n or r.random() < 0.4):
                paras.insert(max(1, len(paras) - 1), self._para(dyn, 2, 4))
            else:
                idx = [i for i, p in enumerate(paras) if len(p) > 40] or [len(paras) - 1]
                i = r.choice(idx)
                paras[i] += self._para(dyn, 1, 2)
        while (len(paras) > hi_n or sum(map(len, paras)) > hi_c) and len(paras) > lo_n:
            idx = [i for i in range(len(paras)) if removable(i)]
            if not idx:
                break
            del paras[r.choice(idx)]
        while sum(map(len, paras)) > hi_c:
            i = max(range(len(paras)), key=lambda j: len(paras[j]))
            cut = paras[i].rfind("。", 0, len(paras[i]) - 10)
            paras[i] = paras[i][: cut + 1] if cut > 20 else paras[i][:200]
        return paras

    def _add_gbk(self, paras: list[str]) -> None:
        """Put GBK-only characters (names, 繁体 place names) into one body paragraph."""
        r = self.rng
        s = (f"{r.choice(ph.ROLES)}{r.choice(ph.GBK_NAMES)}同志带队深入{r.choice(ph.GBK_PLACES)}，"
             f"{r.choice(ph.VERBS)}{r.choice(ph.OBJECTS)}，{r.choice(ph.GOALS)}。")
        idx = [i for i, p in enumerate(paras) if len(p) > 40] or [len(paras) - 1]
        i = r.choice(idx)
        paras[i] = paras[i] + s
