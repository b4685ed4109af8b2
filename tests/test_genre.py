"""Genre, occasion and masks from titles (pure), kept by the writer and filled on upgrade."""

from __future__ import annotations

import sqlite3

import pytest

from fanwen.archive import ArchiveWriter, connect
from fanwen.archive.genre import GENRES, OTHER, classify, count_masks
from pipelines.dedupe import content_hash

TITLES = [
    ("在全市“双减”工作现场推进会上的讲话", "讲话", "全市“双减”工作现场推进会"),
    ("XX同志在2023年全县经济工作会议上的总结讲话", "讲话", "2023年全县经济工作会议"),
    ("在庆祝建党102周年暨七一表彰大会上的讲话稿范文", "讲话", "庆祝建党102周年暨七一表彰大会"),
    ("局长在全县教育工作会议上的表态发言", "发言", "全县教育工作会议"),
    ("在主题教育读书班上的研讨发言", "发言", "主题教育读书班"),
    ("校长在开学典礼上的致辞", "致辞", "开学典礼"),
    ("2023年度民主生活会主持词", "主持词", "2023年度民主生活会"),
    ("2024年迎新年晚会主持词(通用5篇)", "主持词", "2024年迎新年晚会"),
    ("关于落实双减政策的工作总结", "总结", None),
    ("2023年个人述职报告范文（精选5篇）", "述职报告", None),
    ("村党支部书记抓党建述职报告", "述职报告", None),
    ("关于学校“双减”工作落实情况的自查报告", "自查报告", None),
    ("关于乡村振兴的调研报告【优秀范文】", "调研报告", None),
    ("2023年上半年工作汇报材料", "汇报", None),
    ("党员学习二十大精神心得体会3篇", "心得体会", None),
    ("安全生产月活动方案", "方案", None),
    ("关于进一步加强安全生产工作的实施意见", "意见", None),
    ("关于开展安全生产大检查的通知", "通知", None),
    ("党支部2023年度学习计划", "计划", None),
    ("专题民主生活会个人对照检查材料", "对照检查材料", None),
    ("派出所所長在職工運動會開幕式上的講話", "讲话", "職工運動會開幕式"),  # 繁体: occasion as written
    ("關於柔性引才的調研報告", "调研报告", None),
    ("我的读书笔记", OTHER, None),
    ("", OTHER, None),
]


@pytest.mark.parametrize("title, genre, occasion", TITLES)
def test_title_gives_the_most_specific_genre_and_the_occasion_of_a_speech(title, genre, occasion):
    assert classify(title) == (genre, occasion)


def test_every_genre_is_named_by_one_of_its_own_forms():
    for genre, forms in GENRES.items():
        assert genre != OTHER and forms
        assert classify(f"关于某事的{forms[0]}")[0] == genre


def test_masks_are_counted_not_replaced():
    assert count_masks("***同志在XX市××会议上的讲话", "某某单位 ** XXL 尺码") == 5
    assert count_masks("没有遮掩的正文。", None) == 0


def _store(writer: ArchiveWriter, url: str, title: str, body: str) -> int:
    return writer.store_article({"url": url, "site": "x.test", "title": title, "body": body,
                                 "content_hash": content_hash(body)}, None).article_id


def test_writer_fills_genre_occasion_and_masks(tmp_path):
    writer = ArchiveWriter(tmp_path / "a.db")
    writer.open()
    first = _store(writer, "http://x.test/1.html", "在XX县安全生产工作会议上的讲话", "同志们：***同志强调安全。")
    _store(writer, "http://x.test/2.html", "工作总结", "今年XX局完成了任务。")
    writer.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    rows = conn.execute("SELECT id, genre, occasion, masks FROM articles ORDER BY id").fetchall()
    assert rows == [(first, "讲话", "XX县安全生产工作会议", 2), (first + 1, "总结", None, 1)]


def test_an_archive_made_before_the_columns_gets_them_on_upgrade(tmp_path):
    path = tmp_path / "old.db"
    writer = ArchiveWriter(path)
    writer.open()
    _store(writer, "http://x.test/1.html", "2023年度民主生活会主持词", "下面开始。XX同志发言。")
    writer.close()
    conn = sqlite3.connect(path)  # make it look like an archive of the previous fanwen
    conn.execute("DROP INDEX articles_period")
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER period_stats_{trigger}")
    conn.execute("DROP TABLE period_stats")
    for column in ("genre", "occasion", "masks"):
        conn.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    conn.execute("DELETE FROM meta WHERE key = 'genre_version'")
    conn.commit()
    conn.close()
    db = connect(path)
    assert db.execute("SELECT genre, occasion, masks FROM articles").fetchall() == [("主持词", "2023年度民主生活会", 1)]
    assert db.execute("SELECT genre, articles FROM period_stats WHERE articles").fetchall() == [("主持词", 1)]
    db.conn.close()


def test_masks_found_as_by_the_plain_pattern():
    """The mask pattern is written so that the regex engine skips to its first characters; it finds the
    same masks, at the same places, as the plain form it replaced, on random strings of its characters."""
    import random
    import re

    from fanwen.archive.genre import _MASK

    plain = re.compile(r"\*{2,}|＊{2,}|(?<![A-Za-z])[XxＸｘ×]{2,}(?![A-Za-z])|○{2,}|□{2,}|某某")
    rng = random.Random(7)
    alphabet = "*＊XxＸｘ×○□某aZ 中文,"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20_000)]
    texts += ["aXX", "XXa", "XX", "xXx", "××某某某", "**＊＊○○□□", "AXXX XX", "某"]
    assert [[m.span() for m in _MASK.finditer(t)] for t in texts] == [[m.span() for m in plain.finditer(t)] for t in texts]
    assert sum(len(_MASK.findall(t)) for t in texts) > 1000  # the strings do hold masks
