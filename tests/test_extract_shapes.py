"""The failure shapes of single-page extraction on real pages, on small hand-written pages:
a short article beside a bigger teaser feed, comment thread or consent banner, and chrome inside
the article's container."""

from crawler.extract import main_text

ARTICLE = (
    "<h1>社区食堂开张</h1><div class='body'>"
    "<p>本月起，城南社区食堂正式开张，每天为辖区老人提供午餐和晚餐，价格比市场低三成。</p>"
    "<p>食堂由街道出资改建，聘请了两名厨师，菜单每周更换，并根据老人的口味少盐少油。</p>"
    "<p>社区还组织志愿者为行动不便的老人送餐上门，目前已有四十多户登记。</p></div>"
)
TEASERS = "<div class='list'>" + "".join(
    f"<div class='item'><a href='/n/{i}.html'>第{i}条新闻标题在这里</a>"
    f"<p>这是第{i}条新闻的摘要，讲述了某地发生的一件事情，引起了关注。</p></div>"
    for i in range(15)
) + "</div>"


def body_of(html: str) -> str:
    return main_text("<html><head><title>社区食堂开张_城南新闻</title></head><body>" + html + "</body></html>")


def test_a_short_article_beats_a_bigger_teaser_feed():
    feed = TEASERS.replace("<div class='list'>", "<div class='most-read'>")
    text = body_of("<div class='wrap'><div class='main'>" + ARTICLE + "</div>" + feed + "</div>")
    assert text.startswith("本月起，城南社区食堂正式开张")
    assert "摘要" not in text and "新闻标题" not in text


def test_a_short_article_beats_a_feed_whose_entries_spread_their_paragraphs():
    """No class names: the article's paragraphs share one parent, the feed's entries each have
    their own box (with a summary too short to count as a paragraph), so the scores concentrate
    in the article."""
    feed = "<div class='list'>" + "".join(
        f"<div class='item'><h4><a href='/n/{i}.html'>第{i}条新闻标题在这里</a></h4><div>第{i}条摘要，引起了关注。</div>"
        f"<div>2024-05-0{i % 9 + 1}，阅读{i}次。</div></div>"
        for i in range(25)
    ) + "</div>"
    text = body_of("<div class='wrap'><div class='main'>" + ARTICLE + "</div>" + feed + "</div>")
    assert text.startswith("本月起，城南社区食堂正式开张")
    assert "摘要" not in text


def test_a_short_post_beats_its_comment_thread():
    comments = "<div class='comments-area'><h3>34 responses</h3>" + "".join(
        f"<div class='comment'><p>网友{i}：说得很好，我们小区也应该办一个这样的食堂，方便老人吃饭。</p></div>"
        for i in range(20)
    ) + "</div>"
    text = body_of("<div class='content'><article>" + ARTICLE + "</article>" + comments + "</div>")
    assert text.startswith("本月起") and "网友" not in text


def test_a_consent_banner_and_navigation_do_not_win():
    banner = "<div id='cookie-consent'>" + "<p>我们使用Cookie来改善您的体验，继续浏览即表示您同意我们的隐私政策和使用条款。</p>" * 8 + "</div>"
    nav = "<nav>" + "".join(f"<a href='/c{i}/'>栏目{i}</a>" for i in range(40)) + "</nav>"
    text = body_of(nav + banner + "<div class='main'>" + ARTICLE + "</div><footer><p>违法和不良信息举报电话：12377，举报邮箱：x@x.cn。</p></footer>")
    assert text.startswith("本月起") and "Cookie" not in text and "举报电话" not in text


def test_share_bars_and_recommendations_inside_the_container_are_pruned():
    inside = (
        "<div class='article'>" + ARTICLE
        + "<div class='share-bar'>播报文章 分享至 微信扫码分享 不喜欢 举报</div>"
        + "<div class='recommend'><h3>猜你喜欢</h3>" + "".join(
            f"<p><a href='/r/{i}'>推荐文章{i}</a>：一段推荐文章的摘要，说明它讲了什么，吸引读者点击。</p>" for i in range(3))
        + "</div></div>"
    )
    text = body_of(inside)
    assert text.endswith("目前已有四十多户登记。")
    assert "分享至" not in text and "推荐文章" not in text
