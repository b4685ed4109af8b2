"""Cleaning: each boilerplate family on hand-written lines; masks and punctuation survive."""

from crawler.extract.clean import clean_lines, strip_title_decorations


def test_title_decorations_are_stripped():
    assert strip_title_decorations("在全市“双减”工作现场推进会上的讲话【优秀范文】") == "在全市“双减”工作现场推进会上的讲话"
    assert strip_title_decorations("2023年社区工作总结(精选12篇)") == "2023年社区工作总结"
    assert strip_title_decorations("【精选】述职报告（通用14篇）") == "述职报告"
    assert strip_title_decorations("工作计划 (汇总16篇)") == "工作计划"
    assert strip_title_decorations("演讲稿(优秀3篇)") == "演讲稿"


def test_title_words_that_are_not_decorations_stay():
    assert strip_title_decorations("关于“十四五”规划(草案)的说明") == "关于“十四五”规划(草案)的说明"
    assert strip_title_decorations("【】") == "【】"


def test_intro_and_title_repeats_are_removed():
    title = "在全市讲话【优秀范文】"
    lines = ["下面是小编为大家整理的在全市讲话【优秀范文】,供大家参考。", title, "在全市讲话", "正文第一段。"]
    assert clean_lines(lines, title).paragraphs == ["正文第一段。"]


def test_other_intro_and_outro_families_are_removed():
    lines = [
        "下面是小编辛苦为朋友们带来的3篇《工作总结》,在大家参考的同时,也可以分享一下差异网给您的好友哦。",
        "下面由出国留学网演讲稿栏目小编为大家带来四篇工作总结，希望大家喜欢！",
        "正文。",
        "以上是小編為大家準備的工作總結，希望對大家的寫作有所幫助。",
    ]
    assert clean_lines(lines, "工作总结").paragraphs == ["正文。"]


def test_hidden_content_label_is_removed_and_text_joined():
    lines = ["作为教育变革,“双减当前隐藏内容免费查看”不仅是大变革。", "展开阅读全文", "收起↑"]
    assert clean_lines(lines).paragraphs == ["作为教育变革,“双减”不仅是大变革。"]


def test_chrome_after_the_text_is_cut():
    lines = ["正文。", "相关热词搜索:会上 推进", "推荐访问", "会上的讲话"]
    assert clean_lines(lines).paragraphs == ["正文。"]


def test_notices_counters_and_ads_are_removed():
    lines = [
        "公文高手,超级方便的公文写作神器! 立即了解",
        "正文。",
        "本文已影响人",
        "版权说明:本文档由用户提供并上传,收益归属内容提供方,若内容存在侵权,请进行举报或认领",
        "【提示】本文档来源自第一范文网（https://www.diyifanwen.com），转发文档请保留以上标记，谢谢！",
        "点击下载文档",
    ]
    assert clean_lines(lines).paragraphs == ["正文。"]


def test_pasted_domains_are_removed_official_ones_kept():
    lines = ["要做 m.chayi5.com 好各项财务工作。", "详见www.baihua.test通知。", "请登录www.gov.cn查询。"]
    out = clean_lines(lines, site_hosts=["baihua.test"]).paragraphs
    assert out == ["要做好各项财务工作。", "详见通知。", "请登录www.gov.cn查询。"]


def test_masks_and_chinese_punctuation_are_kept_verbatim():
    lines = ["贯彻落实***和************的指示，**局长在X省XX市╳╳大学讲话；共计余人。", "xx同志：“双减”《方案》（试行）……"]
    assert clean_lines(lines).paragraphs == lines


def test_white_space_is_normalised():
    lines = ["\u3000\u3000今天的推进会，\n主要是\xa0贯彻落实。", "GDP 增长 5%"]
    assert clean_lines(lines).paragraphs == ["今天的推进会，主要是贯彻落实。", "GDP增长5%"]


def test_pay_wall_truncation_marks_partial():
    out = clean_lines(["第一段。", "全文阅读已结束，如果下载本文需要使用 2000 积分", "广告"])
    assert out.paragraphs == ["第一段。"] and out.partial


def test_info_line_is_removed():
    lines = ["2020-09-10 21:22:36来源：百科范文作者：admin点击：", "时间:2022-09-29 17:30:15来源:百花范文网", "正文。"]
    assert clean_lines(lines).paragraphs == ["正文。"]


def test_each_page_of_a_multi_page_article_is_cut_on_its_own():
    from crawler.extract.clean import clean_pages

    pages = [["标题", "第一页正文。", "相关热词搜索:会上"], ["第二页正文。", "相关热词搜索:会上", "推荐访问"]]
    assert clean_pages(pages, "标题").paragraphs == ["第一页正文。", "第二页正文。"]


def test_mask_split_by_nbsp_is_one_mask():
    assert clean_lines(["一是*\xa0**书记带队，在*&nbsp;*同志指导下。".replace("&nbsp;", "\xa0")]).paragraphs == [
        "一是***书记带队，在**同志指导下。"
    ]


def test_a_sentence_that_mentions_a_download_is_kept():
    lines = ["任何人都可以通过软件免费下载播客提供的节目，订阅自己喜欢的内容。", "免费下载word文档"]
    assert clean_lines(lines).paragraphs == lines[:1]


def test_comment_list_and_blog_counters_end_or_leave_the_text():
    lines = ["正文。", "(本文发表于首页,已被阅读178次)", "本文通告引用(Trackback)链接: /wp-trackback.php?p=1700",
             "《播客热潮》已有1件评论", "September 19th, 2005 at 7:32 pm", "评论的内容。"]
    assert clean_lines(lines).paragraphs == ["正文。"]
    assert clean_lines(["正文。", "相关报道：", "·另一篇新闻"]).paragraphs == ["正文。"]


def test_universal_intro_and_outro_phrasings_are_removed():
    lines = [
        "下面来看下2024年社区工作总结的详细介绍。",
        "下面我们一起来了解一下入党申请书怎么写吧",
        "正文第一段。",
        "以上就是关于社区工作总结的相关介绍，希望对大家有所帮助。",
        "以上便是本文的全部内容。",
    ]
    assert clean_lines(lines).paragraphs == ["正文第一段。"]


def test_calls_to_visit_reprint_notices_and_trailing_domains_are_removed():
    lines = [
        "正文第一段，详见文件。",
        "更多“工作总结”请关注www.example-fanwen.com",
        "转载请注明：原文链接 - https://www.example-fanwen.com/a/1.html",
        "本文内容由网友整理发布于www.example-fanwen.com",
        "请登录www.gov.cn查询。",
    ]
    assert clean_lines(lines).paragraphs == ["正文第一段，详见文件。", "本文内容由网友整理发布于", "请登录www.gov.cn查询。"]


def test_a_notice_block_ends_the_article():
    lines = ["正文第一段。", "反侵权公告", "本站所有内容均来自网络，如有侵权请联系。", "正文之后的页脚。"]
    assert clean_lines(lines).paragraphs == ["正文第一段。"]


def test_bylines_counters_and_share_bars_are_removed():
    lines = [
        "人民日报记者 张三 李四",
        "（本报记者 王五）",
        "播报文章",
        "正文第一段。",
        "阅读(1234) 评论(5)",
        "1234次阅读",
        "分享至",
        "微信扫码分享",
        "不喜欢",
        "举报",
        "点个赞吧",
    ]
    assert clean_lines(lines).paragraphs == ["正文第一段。"]


def test_english_chrome_lines_are_removed():
    lines = ["Advertisement", "The council met on Monday.", "Share this article", "Sign up for our daily newsletter",
             "Read more: other stories", "ADVERTISEMENT", "It voted to close the road."]
    assert clean_lines(lines).paragraphs == ["The council met on Monday.", "It voted to close the road."]


def test_real_sentences_with_the_same_words_survive():
    lines = [
        "下面我们看一下去年的数据：全市新增就业岗位十二万个，比上年增长百分之八，其中服务业占六成以上，增速明显。" * 2,
        "以上是我们今年的工作。",
        "记者从市教育局获悉，今年全市新建学校十所。",
        "更多的人参与到社区治理中来。",
        "他说，举报电话已经开通。",
        "Sign up for the course was slow at first, the dean said.",
        "Read the full report on the council's website before Friday's vote, officials urged residents.",
        "要做好各项工作,************亲自抓。",
        "XX同志在XX会议上的讲话。",
    ]
    assert clean_lines(lines).paragraphs == lines[:1] + lines[1:]


def test_the_editor_credit_closes_a_news_article():
    lines = ["今晚，铁路部门通过官方微博发布辟谣消息称：网传信息不实。", "责任编辑：霍琦", "文章关键词：辟谣外泄账号",
             "新浪财经公众号", "24小时滚动播报最新的财经资讯和视频，更多粉丝福利扫描二维码关注（sinafinance）"]
    assert clean_lines(lines).paragraphs == lines[:2]
    bracketed = ["第一段正文，讲清楚了事情的来龙去脉。", "[责任编辑:肖春芳]", "下一篇新闻的标题"]
    assert clean_lines(bracketed).paragraphs == bracketed[:2]
    # Alone at the top (an info line), or inside a sentence, it ends nothing.
    top = ["责任编辑：张三", "正文第一段，内容完整。", "正文第二段，继续说明。"]
    assert clean_lines(top).paragraphs == top
    said = ["正文第一段。", "责任编辑：本文经作者授权发布，转载请联系作者。", "正文第二段，继续说明。"]
    assert clean_lines(said).paragraphs == said


def test_a_call_to_click_is_removed():
    lines = ["“2018十大经济年度人物评选”火热进行中！【点击投票】Pick你心目中的商业领袖", "新京报快讯：今日有网友爆料。"]
    assert clean_lines(lines).paragraphs == lines[1:]
    kept = ["文中提到的【点击率】统计方法，在第二部分有详细说明，供大家在实际工作中参考借鉴使用。"]
    assert clean_lines(kept).paragraphs == kept
