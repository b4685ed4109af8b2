"""Titles and dates as a reader sees them, on small hand-written pages."""

import pytest

from crawler.extract import Page, extract_article
from crawler.extract.fields import byline_date, page_title, published_at, title_parts

TEXT = "".join(f"<p>第{i}段：今年以来，我们围绕社区治理开展调研，走访了十二个社区，召开座谈会八次。</p>" for i in range(8))


def article(html: str):
    return extract_article(Page.from_html(html, "http://example.com/a/1.html"))


@pytest.mark.parametrize(
    "title, expected",
    [
        ("社区治理调研报告-百花范文网", "社区治理调研报告"),
        ("社区治理调研报告_百花范文网", "社区治理调研报告"),
        ("社区治理调研报告 | Fanwen Site", "社区治理调研报告"),
        ("社区治理调研报告 - 调研报告 - 百花范文网", "社区治理调研报告"),
        ("2020-2021学年工作计划", "2020-2021学年工作计划"),  # a hyphen inside the title stays
        ("China-Pub blog", "China-Pub blog"),
    ],
)
def test_page_title_without_the_site_suffix(title, expected):
    assert title_parts(title)[0] == expected
    assert page_title(Page.from_html(f"<html><head><title>{title}</title></head><body>正文</body></html>").root) == expected


def test_an_h3_heading_names_the_article():
    html = (
        "<html><head><title>社区治理调研报告_百花范文网</title></head><body>"
        "<div class='logo'><h1><a href='/'>百花范文网</a></h1></div>"
        "<div class='main'><h3>社区治理调研报告</h3><div class='text'>" + TEXT + "</div></div></body></html>"
    )
    assert article(html).title == "社区治理调研报告"


def test_a_styled_div_names_the_article():
    html = (
        "<html><head><title>长恨歌_白居易_古诗文网</title></head><body>"
        "<div class='main'><div class='title'>长恨歌</div><div class='text'>" + TEXT + "</div></div></body></html>"
    )
    assert article(html).title == "长恨歌"


def test_a_sidebar_heading_does_not_win():
    html = (
        "<html><head><title>长恨歌_白居易_古诗文网</title></head><body>"
        "<div class='main'><div class='cont'><h1>长恨歌</h1><div class='text'>" + TEXT + "</div></div></div>"
        "<div class='right'><h2>白居易其他诗词</h2><ul><li><a href='/1'>琵琶行</a></li></ul>"
        "<h2>全部导航</h2><ul><li><a href='/2'>诗文</a></li></ul></div></body></html>"
    )
    assert article(html).title == "长恨歌"
    # the sidebar comes before the text: still not the title
    html = html.replace("<div class='right'>", "<div class='left'>")
    moved = html[html.index("<div class='left'>"):html.index("</body>")]
    html = html.replace(moved, "").replace("<body>", "<body>" + moved)
    assert article(html).title == "长恨歌"


def test_without_a_heading_the_title_is_the_page_title_without_its_site():
    html = "<html><head><title>社区治理调研报告-百花范文网</title></head><body><div>" + TEXT + "</div></body></html>"
    assert article(html).title == "社区治理调研报告"


def test_a_byline_date_at_the_top_of_the_text_is_read():
    html = (
        "<html><head><title>社区治理调研报告</title></head><body><h1>社区治理调研报告</h1>"
        "<div class='text'><p>作者：张三 2020年01月12日18:32</p>" + TEXT + "</div></body></html>"
    )
    assert article(html).published_at == "2020-01-12T18:32:00"
    assert byline_date(["来源：新华网 2023-11-17", "正文。"]) == "2023-11-17"


def test_dates_in_sentences_and_calendars_are_not_read():
    assert byline_date(["2020年1月12日，全市召开了社区治理工作会议，部署全年工作。"]) is None
    assert byline_date(["会议纪要", "本次会议共有十二人参加"]) is None
    calendar = "2020年1月 日一二三四五六 1 2 3 4 5 6 7 8 9 10 11"
    assert published_at(calendar) is None
    html = (
        "<html><head><title>社区治理调研报告</title></head><body><h1>社区治理调研报告</h1>"
        "<table class='cal'><tr><td>2020年1月</td></tr><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>"
        "<div class='text'>" + TEXT + "</div></body></html>"
    )
    assert article(html).published_at is None
