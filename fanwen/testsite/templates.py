"""Sentence, heading and opening templates of the 公文 text generator, compiled once at import."""
from __future__ import annotations

import re

_SLOT = re.compile(r"\{(\w+)\}")


def _compile(*templates: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Split templates into (literal, slot) pairs once, at import."""
    out = []
    for t in templates:
        parts, pos = [], 0
        for m in _SLOT.finditer(t):
            parts.append((t[pos:m.start()], m.group(1)))
            pos = m.end()
        parts.append((t[pos:], ""))
        out.append(tuple(parts))
    return tuple(out)


GENERAL = _compile(
    "{S}要{ADV}{V}{O}，{ADV}{V}{I}，{G}。",
    "要坚持{IDM}、{IDM}，把{I}作为{KEYPOS}，{G}。",
    "截至目前，{SCOPE}已完成{I}任务{N}项，累计投入资金{N2}万元，同比增长{P}。",
    "{DATE}，{LEAD}印发了{DOC}，明确了{N}项重点任务和{N}条具体措施。",
    "一方面，要{V}{O}，{V}{O}；另一方面，要{V}{I}，{G}。",
    "实践证明，抓好{I}{RES}，{G}。",
    "这些成绩的取得，得益于{LEAD}的坚强领导，得益于{S}的{IDM}、{IDM}。",
    "但也要清醒地看到，{I}方面还存在{PR}、{PR}等问题，必须引起高度重视。",
    "{MP}在{I}方面探索形成了“1+{N1}”工作模式，{RES}。",
    "全年共开展{I}专项行动{N}次，组织{O}培训{N2}人次，{G}。",
    "针对{PR}等问题，要{IDM}，{ADV}{V}{O}，坚决防止问题反弹回潮。",
    "要把{I}与{I2}结合起来，做到{IDM}、{IDM}，{G}。",
    "{MP}的做法值得学习借鉴，{S}要结合实际，{ADV}{V}{O}。",
    "正如{MPER}所强调的，“{QUOTE}”。",
    "在此基础上，{V}{O}，{V}{O}，{V}{O}，{G}。",
    "{YEAR}年，{SCOPE}{I}达标率达到{P}，较上年提高{P2}个百分点。",
    "{S}必须{ADV}{V}{O}，决不能{BAD}。",
    "{ADV}{V}{O}，{ADV}{V}{O}，推动{I}{RES2}。",
    "从{MP}的情况来看，{I}工作总体平稳，但{PR}的问题依然存在。",
    "{LEAD}对{TW}高度重视，{MPER}多次作出批示、提出明确要求。",
    "各责任单位要对照任务清单，逐项{V}、逐条{V}，确保{MON}月底前全部完成。",
    "要建立“周调度、月通报、季考核”工作机制，对{O}情况实行{O}，{G}。",
    "坚持问题导向，聚焦{PR}等突出问题，{ADV}{V}{O}。",
    "通过{V}{O}、{V}{O}，{SCOPE}{I}工作{RES}。",
    "今年以来，{SCOPE}共排查{I}问题{N}个，已整改{N}个，整改率{P}。",
    "要充分发挥{O}的作用，{ADV}{V}{O}，让{GROUP}{BEN}。",
    "{I}涉及{WIDE}，{S}要{ADV}{V}{O}，切实扛起政治责任。",
    "对工作中发现的问题，要建立台账、明确时限、落实责任，做到{IDM}。",
    "{S}要树牢“{QW}”意识，{ADV}{V}{O}，{G}。",
    "据统计，{SCOPE}{I}覆盖率已达{P}，惠及群众{N2}余人。",
    "{MPER}带队深入{MP}开展专题调研，召开座谈会{N1}次，收集意见建议{N}条。",
    "要{ADV}{V}{O}，对{BADGUY}发现一起、查处一起、通报一起，形成有力震慑。",
    "与此同时，{V}{O}{RES}，{I}{RES2}。",
    "{ADV}{V}{O}是做好{TW}的{KEYPOS}，必须{IDM}、{IDM}。",
    "要以{I}为突破口，{V}{O}，{V}{O}，推动{TW}{RES2}。",
    "截至{MON}月底，{SCOPE}{I}完成投资{N2}万元，占年度计划的{P}。",
    "{S}务必{ADV}{V}{O}，切实做到{SLOGAN}。",
    "{DATE}以来，{SCOPE}累计出动检查人员{N2}人次，检查各类场所{N}{CNT}，下达整改通知书{N}份。",
    "{I}是一项系统工程，不可能一蹴而就，{S}要{IDM}，{ADV}{V}{O}。",
    "在{I}上，{MP}先行先试，{V}{O}，{RES}。",
    "{S}要深入学习贯彻************关于{T}的重要指示批示精神，{ADV}{V}{O}，{G}。",
)
PERSONAL = _compile(
    "作为一名{ROLE}，我{ADV}{V}{O}，{G}。",
    "通过这次学习，我深刻认识到，{I}是{KEYPOS}，只有{IDM}，才能{G}。",
    "在今后的工作中，我将{ADV}{V}{O}，{ADV}{V}{I}，{G}。",
    "回顾{YEAR}年的工作，我始终坚持{IDM}，{V}{O}，{RES}。",
    "我深刻体会到，“{QUOTE}”，这句话道出了做好工作的真谛。",
    "一年来，我研读{I}相关文件{N1}份，撰写学习笔记{N}余篇，参加{O}专题培训{N1}次。",
    "对照{LEAD}的要求，我在{O}方面还存在{PR}的问题。",
    "本人能够{ADV}{V}{O}，带头{V}{O}，{G}。",
    "我切身感受到，{I}关系到{WIDE}，容不得半点马虎。",
    "今后，我将以此为契机，{ADV}{V}{O}，努力做一名合格的{ROLE}。",
    "在{MPER}的悉心指导下，我主动{V}{O}，牵头完成{I}任务{N1}项。",
    "工作中，我坚持把{I}放在突出位置，{ADV}{V}{O}，{V}{O}。",
)
FESTIVE = _compile(
    "过去的一年，{UNIT}上下{IDM}、{IDM}，{I}{RES}。",
    "这些成绩的取得，凝聚着{AUD}的心血和汗水。",
    "新的征程已经开启，希望大家{ADV}{V}{O}，{G}。",
    "一年来，{UNIT}累计开展{I}活动{N}场，参与群众{N2}人次。",
    "回首来路，我们{IDM}、{IDM}，在{I}上{RES}。",
    "展望未来，让我们{IDM}，{V}{O}，共同书写{UNIT}发展的崭新篇章。",
)
HEADINGS = _compile(
    "{HI}，{V}{TW}的{ASP}",
    "{HI}，{ADV}{V}{I}",
    "{HI}，{V}{O}",
    "{HI}，在{I}上{V}{O}",
    "{V}{O}，{V}{I}",
)
SUBHEADINGS = _compile(
    "{V}{I}",
    "{HI}，{V}{O}",
    "{ADV}{V}{O}",
    "统筹好“{PA}”与“{PB}”的关系",
)
OPENINGS = {
    "speech": _compile(
        "今天，我们召开{SCOPE}{TW}{MEETING}，主要任务是{V}{O}，{V}{I}，{G}。",
        "今天的{MEETING}，主要是贯彻落实{LEAD}关于{TW}的部署要求，{V}{O}，对{I}进行再动员、再部署。",
        "这次会议是经{LEAD}研究同意召开的一次重要会议，目的是总结{TW}，分析形势，{V}{O}。",
    ),
    "summary": _compile(
        "{YEAR}年以来，{UNIT}在{LEAD}的坚强领导下，坚持{IDM}、{IDM}，{ADV}推进{T}各项工作，{RES}。现将有关情况总结如下：",
        "{YEAR}年，{UNIT}紧紧围绕{T}目标任务，{ADV}{V}{O}，{V}{I}，各项工作{RES}。现将全年工作总结如下：",
    ),
    "xinde": _compile(
        "近期，我参加了{EVENT}，通过系统学习{I}相关内容，深受启发、倍感振奋。现将学习心得体会汇报如下。",
        "{DATE}，{UNIT}组织开展了{EVENT}，我有幸参加，收获颇丰，对{TW}有了更加深刻的认识。",
    ),
    "plan": _compile(
        "为深入贯彻落实{LEAD}关于{TW}的决策部署，进一步{V}{O}，结合{UNIT}实际，制定本计划。",
        "为推动{TW}{RES2}，{ADV}{V}{I}，根据{DOC}精神，现就{YEAR}年工作作如下安排。",
    ),
    "shuzhi": _compile(
        "{YEAR}年以来，本人担任{UNIT}{ROLE}，在{LEAD}的正确领导下，{ADV}{V}{O}，较好地完成了各项工作任务。现将履职情况报告如下，请予评议。",
        "根据安排，现将本人{YEAR}年度抓{TW}情况报告如下，请各位领导和同志们评议。",
    ),
    "fayan": _compile(
        "根据会议安排，结合{TW}实际，我谈几点认识和体会。",
        "按照{LEAD}的统一部署，我围绕{I}认真开展了学习研讨，现将有关体会汇报如下。",
    ),
    "huibao": _compile(
        "根据{DOC}要求，{UNIT}高度重视，迅速行动，对{TW}开展了全面自查。现将有关情况汇报如下：",
        "{YEAR}年以来，{UNIT}认真落实{LEAD}关于{TW}的部署要求，{ADV}{V}{O}。现将工作情况汇报如下：",
    ),
}
DOCS = _compile(
    "《关于进一步加强{I}工作的实施意见》",
    "《{SCOPEP}{TW}三年行动方案》",
    "《{I}专项整治工作方案》",
    "《{TW}重点任务清单》",
    "《关于建立{I}长效机制的通知》",
)
