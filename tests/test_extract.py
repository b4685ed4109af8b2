"""Extraction on hand-written pages of the three template families, without site profiles."""

from pathlib import Path

import pytest

from crawler.discover import LinkResolver, continuation_pages, page_kind
from crawler.extract import Page, extract_article, main_text
from crawler.extract.body import find_content, text_mass
from crawler.extract.dom import parse
from crawler.profiles import ProfileRegistry, load_profile
from crawler.urls import Scope

PAGES = Path(__file__).parent / "pages"


def load(name: str, encoding: str = "utf-8") -> str:
    return (PAGES / name).read_bytes().decode(encoding)


def test_seed_layout_fields():
    page = Page.from_html(load("seed_layout.html"), "http://www.baihuafanwen.com/shiyong/qita/1203.html")
    f = extract_article(page)
    assert f.title == "在全市“双减”工作现场推进会上的讲话【优秀范文】"
    assert f.published_at == "2022-09-29T17:30:15"
    assert f.source == "百花范文网"
    assert f.categories == ["实用范文", "其他范文"]
    assert f.terms == ["会上", "推进", "讲话"]
    assert f.canonical == "http://www.baihuafanwen.com/shiyong/qita/1203.html"


def test_seed_layout_text_keeps_hidden_content_and_masks():
    text = main_text(load("seed_layout.html")).split("\n")
    assert text[0].startswith("今天的推进会")
    assert "作为教育变革,“双减”不仅是对我国教育格局的重大调整,更是教育观念的大变革。" in text
    assert "总体而言,我市“双减”工作开局良好、推进有序、成效明显。" in text
    assert text[-1] == "要做好各项工作,************亲自抓。"
    joined = "\n".join(text)
    for chrome in ("小编", "当前隐藏内容免费查看", "相关热词", "推荐访问", "本文已影响", "范文大全"):
        assert chrome not in joined


def test_dede_layout_fields_and_br_paragraphs():
    url = "http://www.dede.test/gongwen/zongjie/1869.html"
    page = Page.from_html(load("dede_layout.html"), url)
    f = extract_article(page)
    assert f.title == "2023年社区党支部工作总结(精选3篇)"
    assert f.published_at == "2018-11-06T23:27:00"
    assert f.categories == ["公文大全", "工作总结"]
    assert f.terms == ["社区", "工作总结"]
    assert f.lines[:3] == ["篇一", "2023年，社区党支部在街道党工委的正确领导下，认真贯彻落实上级各项决策部署，扎实推进各项工作。", "今年以来，我们坚持以党建为引领"]
    scope = Scope([url])
    assert continuation_pages(page, url, LinkResolver(scope), "utf-8") == [
        "http://www.dede.test/gongwen/zongjie/1869_2.html",
        "http://www.dede.test/gongwen/zongjie/1869_3.html",
    ]


def test_phpcms_layout_fields_and_collapsed_text():
    page = Page.from_html(load("phpcms_layout.html"), "http://www.phpcms.test/2022/jianghua_0402/89.html")
    f = extract_article(page)
    assert f.title == "在全县安全生产工作会议上的讲话【精选】"
    assert f.published_at == "2022-04-02T10:05:00"
    assert f.source == "百科范文"
    assert f.categories == ["讲话致辞", "领导讲话"]
    assert f.terms == ["安全", "讲话"]
    text = main_text(load("phpcms_layout.html"))
    assert text.endswith("去年以来，全县上下认真贯彻落实上级决策部署，安全生产形势总体平稳。")
    assert "展开阅读全文" not in text and "上一篇" not in text


def test_list_page_is_not_an_article():
    items = "".join(f'<li><a href="/a/{i}.html">第{i}篇工作总结范文标题很长很长</a></li>' for i in range(100, 130))
    html = f"<html><body><div class='list'><ul>{items}</ul></div></body></html>"
    page = Page.from_html(html, "http://x.com/gongwen/list_2_3.html")
    assert page_kind(page.url, extract_article(page)) == "list"


@pytest.mark.parametrize("html", ["", "   ", "<html>", "\x00\x01binary", "<p>unclosed <div><p>nested</span></i>"])
def test_malformed_or_empty_html_never_raises(html):
    page = Page.from_html(html, "http://x.com/a/1.html")
    f = extract_article(page)
    assert isinstance(f.lines, list)


def test_deeply_nested_broken_markup_does_not_recurse():
    html = "<div>" * 5000 + "正文内容" * 50 + "</div>" * 10
    assert "正文内容" in main_text(html)


def test_density_picks_the_text_block_not_the_sidebar():
    side = "".join(f"<li><a href='/x/{i}.html'>侧栏链接{i}</a></li>" for i in range(40))
    body = "".join(f"<p>第{i}段正文，内容充实，字数较多。</p>" for i in range(20))
    root = parse(f"<html><body><div id=side><ul>{side}</ul></div><div id=main><div id=text>{body}</div></div></body></html>")
    assert find_content(root, text_mass(root)).get("id") == "text"


def test_profile_selectors_override_heuristics(tmp_path):
    (tmp_path / "x.toml").write_text('sites = ["baihuafanwen.com"]\n[selectors]\nbody = "div.tuijian"\n', encoding="utf-8")
    profile = ProfileRegistry.from_dir(tmp_path).for_site("baihuafanwen.com")
    page = Page.from_html(load("seed_layout.html"), "http://www.baihuafanwen.com/shiyong/qita/1203.html")
    assert extract_article(page, profile).lines == ["推荐访问"]


def test_bundled_profiles_load():
    for path in (Path(__file__).parent.parent / "data" / "sites").glob("*.toml"):
        assert load_profile(path).sites


UNSEEN = """<html><head><title>关于加强社区治理的调研报告 - 墨韵文库</title></head><body>
<div class="mast"><a href="/">墨韵文库</a><a href="/baogao/">报告</a></div>
<div class="where">您在这里：<a href="/">墨韵文库</a> › <a href="/baogao/">报告</a> › <a href="/baogao/diaoyan/">调研报告</a> › 正文</div>
<div class="sheet"><div class="sheet-hd"><h2 class="sheet-title">关于加强社区治理的调研报告</h2>
<div class="sheet-meta">更新时间 2021-06-18 · 浏览 <em class="pv"></em> 次</div></div>
<div class="sheet-bd"><p>今年以来，我们围绕社区治理开展专题调研，走访了十二个社区，召开座谈会八次。</p>
<p>一、基本情况。全市共有城市社区二百余个，基层治理体系不断完善，群众满意度逐年提高。</p>
<p>二、存在问题。部分社区工作者力量不足，服务能力有待提升，信息化水平不高。</p></div>
<div class="sheet-kw">文档标签：<a href="/topic/shequ/">社区治理</a> <a href="/topic/diaoyan/">调研报告</a></div>
<div class="sheet-nav">上一篇：<a href="/baogao/diaoyan/77.html">关于推进乡村振兴战略实施情况的调研报告</a></div></div>
</body></html>"""


def test_unseen_layout_breadcrumb_and_terms_by_shape():
    page = Page.from_html(UNSEEN, "http://www.moyun.test/baogao/diaoyan/78.html")
    f = extract_article(page)
    assert f.title == "关于加强社区治理的调研报告"
    assert f.published_at == "2021-06-18"
    assert f.categories == ["报告", "调研报告"]
    assert f.terms == ["社区治理", "调研报告"]
    assert f.lines[0].startswith("今年以来") and f.lines[-1].startswith("二、存在问题")


def test_comments_outweighing_a_short_post_are_left_out():
    post = "<div class='post'><h2>很高兴入住博客堂</h2><p>承蒙邀请，很高兴入住博客堂，我在这里的博客将集中在两个方面，欢迎大家交流。</p>" \
           "<p>第二段正文，介绍了今后的写作计划，也感谢朋友们的支持。</p></div>"
    comments = "".join(
        f"<h4># re: 很高兴入住博客堂 2004-12-27 12:{i:02d} 网友{i}</h4><p>第{i}条评论，写得很好，期待更多文章，欢迎欢迎。</p>"
        for i in range(12)
    )
    html = f"<html><body><div id='main'>{post}<div id='comments'><h3>评论</h3>{comments}</div></div></body></html>"
    text = main_text(html)
    assert text.startswith("承蒙邀请") and "评论" not in text


def test_linked_reply_list_beside_a_short_post_is_left_out():
    post = "<div class='post'><p>导游的收入很大一部分来自购物的回扣，这是业内的行规，境内游境外游都是这样的。" \
           "所以，以我的经验，一定要看清楚合同，不要听导游瞎掰。</p></div>"
    replies = "".join(
        f"<li><a href='/t/{i}.html'>旅行中谁忽悠了你第{i}帖</a>【<a href='/u/{i}'>网友{i}</a>】08-11 16:{i:02d} 298字[43/8]</li>"
        for i in range(30)
    )
    html = f"<html><body><div id='main'>{post}<div class='thread'><b>回复线索</b><ul>{replies}</ul></div></div></body></html>"
    assert main_text(html).startswith("导游的收入") and "网友" not in main_text(html)


def test_front_page_of_dated_posts_gives_the_first_post():
    posts = "".join(
        f"<div class='entry'><div class='hd'>第{i}篇日志 2005-03-{21 - i:02d} 01:20:44</div>"
        f"<div class='bd'>这是第{i}篇日志的正文，写了去金矿玩的经过，风景很好，人也很多，大家都很开心。"
        f"回来以后又写了很多感想，记录下来。</div><div class='ft'>由海姑娘张贴 @ 2005-03-{21 - i:02d} 01:20:44</div></div>"
        for i in range(1, 6)
    )
    text = main_text(f"<html><body><div id='posts'>{posts}</div></body></html>")
    assert text.startswith("这是第1篇日志的正文") and "第2篇日志" not in text


def test_second_copy_of_the_article_does_not_widen_the_block():
    paras = "".join(f"<p>第{i}段正文，政策实施以来，企业发展后劲增强，创新活力不断激发。</p>" for i in range(12))
    chrome = "<div class='share'>分享到：</div>"
    html = (f"<html><body><div class='pc'><h1>标题</h1>{chrome}<div class='text'>{paras}</div></div>"
            f"<div class='mobile'><div class='m-hd'>今日关注</div><div class='m-text'>{paras}</div></div></body></html>")
    root = parse(html)
    assert find_content(root, text_mass(root)).get("class") == "text"


@pytest.mark.parametrize(
    "info, expected",
    [
        ("时间：10-23", "2026-10-23"),
        ("时间：12-30", "2025-12-30"),  # a day later in the year than the fetch: last year's
        ("发表于 08-11 16:06", "2026-08-11T16:06:00"),
        ("发布于 3天前", "2026-11-26T09:00:00"),
        ("时间: 昨天 10:20", "2026-11-28T10:20:00"),
        ("时间：06/02/2022 - 13:48", "2022-06-02T13:48:00"),
    ],
)
def test_dates_without_a_leading_year_are_read_without_dateparser(info, expected, monkeypatch):
    from datetime import datetime

    from crawler.extract import fields

    monkeypatch.setattr(fields, "_dateparser_iso", lambda *a: pytest.fail("dateparser called"))
    assert fields.published_at(info, datetime(2026, 11, 29, 9, 0)) == expected


def test_pure_cleaning_imports_neither_scrapy_nor_the_archive():
    import subprocess
    import sys

    code = "import sys, crawler.extract; print('scrapy' in sys.modules or 'sqlite_utils' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_dated_summaries_beside_an_article_are_not_posts():
    article = "<div class='text'>" + "".join(
        f"<p>第{i}段正文，关于社区治理的调研，走访了十二个社区，召开座谈会八次。</p>" for i in range(6)
    ) + "</div>"
    related = "".join(
        f"<div class='rel'>2022-03-0{i} 10:00 相关文章{i}：今年以来，我们围绕工作开展调研，取得成效，群众满意，反响良好。</div>"
        for i in range(1, 5)
    )
    text = main_text(f"<html><body><div id='main'>{article}{related}</div></body></html>")
    assert text.startswith("第0段正文") and "第5段正文" in text


def test_sibling_essays_sharing_sentences_are_both_kept():
    shared = "<p>尊敬的各位领导、各位来宾，同志们：大家好！</p>"
    one = "".join(f"<p>篇一第{i}段，社区党支部认真贯彻落实上级决策部署，服务群众。</p>" for i in range(6))
    two = "".join(f"<p>篇二第{i}段，机关党支部围绕中心工作开展主题活动，效果良好。</p>" for i in range(5))
    html = (f"<html><body><div id='text'><div class='essay'>{shared}{one}{shared}</div>"
            f"<div class='essay'>{shared}{two}{shared}</div></div></body></html>")
    text = main_text(html)
    assert "篇一第0段" in text and "篇二第4段" in text


def test_extraction_does_not_import_the_pipelines():
    import subprocess
    import sys

    code = "import sys, crawler.extract; print(sorted(m for m in sys.modules if m.startswith('pipelines')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
