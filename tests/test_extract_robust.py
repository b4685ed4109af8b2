"""Extraction never raises on malformed pages and stays linear in the page's size."""

import time

import pytest

from crawler.extract import Page, extract_article, main_text
from crawler.extract.fields import canonical_link, url_path

ARTICLE = "<div class='c'><h1>关于社区治理的调研报告</h1>" + "<p>今年以来，我们围绕社区治理开展调研，走访了十二个社区。</p>" * 40 + "</div>"


@pytest.mark.parametrize(
    "html",
    [
        # an unparseable IPv6 host in the breadcrumb, in a trail without a class, and as the canonical link
        "<html><head><link rel='canonical' href='http://[::1'></head><body><div class='crumb'>"
        "<a href='http://[::1'>首页</a> &gt; <a href='http://[::1/x'>栏目</a></div>" + ARTICLE + "</body></html>",
        "<html><body><div><a href='http://[::1/'>首页</a> &gt; <a href='http://[::1/a/'>栏目</a></div>"
        + ARTICLE + "</body></html>",
        "<html><body><div class='tags'>标签：<a href='http://[::1/tags/a'>调研</a></div>" + ARTICLE + "</body></html>",
        # unclosed tags, a stray end tag, an attribute without its quote, a NUL byte
        "<html><body><div><div><span><p>" + ARTICLE.replace("</p>", "") + "</span></table><a href='x>y\x00",
        "",
        "<?xml version='1.0'?>",
        "<html><body>" + "<div>" * 5000 + "深层嵌套的正文，很长的一段话。" * 20 + "</body></html>",
    ],
)
def test_malformed_pages_do_not_raise(html):
    article = extract_article(Page.from_html(html, "http://example.com/a/1.html"))
    main_text(html)
    assert article.canonical is None or url_path(article.canonical) is not None


def test_unparseable_canonical_link_is_ignored():
    page = Page.from_html("<html><head><link rel='canonical' href='http://[::1'></head><body>正文</body></html>")
    assert canonical_link(page.root) is None


def test_bad_breadcrumb_href_keeps_the_good_ones():
    html = (
        "<html><body><div class='position'><a href='/'>首页</a> &gt; <a href='http://[::1/x'>坏链接</a> &gt; "
        "<a href='/gongzuo/'>工作总结</a></div>" + ARTICLE + "</body></html>"
    )
    assert extract_article(Page.from_html(html, "http://example.com/gongzuo/1.html")).categories == ["工作总结"]


def one_megabyte_page() -> str:
    """About 1 MB: a long breadcrumb-like structure (flat trails, nested trails, nested boxes
    without links) before a short article."""
    flat = "".join(f"<div><a href='/'>首页</a> &gt; <a href='/c{i}/'>栏目{i}</a> 说明</div>" for i in range(12000))
    nested = "".join(f"<div><a href='/'>首页</a> &gt; <a href='/n{i}/'>栏目{i}</a> &gt; " for i in range(1500))
    nested += "</div>" * 1500
    boxes = "<div class='path'>" * 1500 + "<span>位置</span>" + "</div>" * 1500
    return "<html><body>" + flat + nested + boxes + ARTICLE + "</body></html>"


def test_a_one_megabyte_page_with_a_long_breadcrumb_like_structure_is_quick():
    html = one_megabyte_page()
    assert len(html.encode()) > 1_000_000
    start = time.process_time()  # CPU time: the wall clock of a loaded shared machine says little
    article = extract_article(Page.from_html(html, "http://example.com/a/1.html"))
    elapsed = time.process_time() - start
    assert "今年以来，我们围绕社区治理开展调研" in "\n".join(article.lines)
    assert elapsed < 5, f"{elapsed:.1f} CPU s"  # a guard only: bench/extract_bench.py --robust prints timings


def test_sentence_marks_are_found_as_by_the_plain_pattern():
    """The sentence-mark pattern is one character class and a look-behind, so the regex engine skips to the
    marks; it finds the same marks as `[marks]|\\.(?=\\s|$)` (a full stop only before white space or the end)."""
    import random
    import re

    from crawler.extract.body import _MARKS, _SENTENCE_MARKS

    plain = re.compile("[" + "".join(sorted(_SENTENCE_MARKS)) + r"]|\.(?=\s|$)")
    rng = random.Random(3)
    alphabet = "，。；！？、,;!?. \n\ta中\u3000"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(20_000)]
    texts += ["3.5", "a.b", "end.", "end. next", "end.\n", "...", "。.", ".。"]
    assert [[m.span() for m in _MARKS.finditer(t)] for t in texts] == [[m.span() for m in plain.finditer(t)] for t in texts]
    assert not _MARKS.findall("3.5 a.b") and len(_MARKS.findall("One. Two.")) == 2
