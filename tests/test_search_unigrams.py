"""The unigram table of small archives: a lone character ranked from it exactly as by the bigram index's
prefix query, kept in step by the writer, dropped once the archive is big, created for older small archives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fanwen.archive import ArchiveWriter, cjk, unigrams
from fanwen.archive.filters import Filters
from fanwen.archive.readonly import open_readonly
from fanwen.archive.search import search
from pipelines.dedupe import content_hash

# Texts with what could move a token: kana and their middle dot (a separator to unicode61), Hangul,
# ideographs outside the one-character index (Extension B), Latin words, digits, punctuation.
TEXTS = [
    ("党建工作总结", "加强党的建设，党员干部要带头。党支部书记讲党课，党员学习党章党规。"),
    ("学校安全工作计划", "学校安全工作计划正文，加强校园安全管理，落实安全责任。"),
    ("テスト・データ党", "カタカナ・党・漢字の混在テスト。한국어 문장 党员 𠀀党𠀁 党ABC123党，2023年党代会。"),
    ("双减政策落实", "关于落实双减政策的工作总结，课后服务和作业管理。党组织领导。"),
    ("短", "党"),
]


def three_articles(db) -> None:
    """An archive of the first three TEXTS, written and closed by the real writer."""
    writer = ArchiveWriter(db)
    writer.open()
    for i, (title, body) in enumerate(TEXTS[:3]):
        store(writer, f"http://x.test/a/{i}.html", title, body)
    writer.close()


def store(writer: ArchiveWriter, url: str, title: str, body: str) -> None:
    writer.store_article({"url": url, "site": "x.test", "title": title, "body": body,
                          "content_hash": content_hash(body)}, None)


def ideographs(db: Path) -> set[str]:
    raw = sqlite3.connect(db)
    chars = {c for t, b in raw.execute("SELECT title, body FROM articles") for c in f"{t}{b}" if cjk.is_ideograph(c)}
    raw.close()
    return chars | {"鑫", "龘"}  # and characters found nowhere


def assert_ranked_as_by_the_prefix_query(db: Path, chars: set[str]) -> None:
    """Same rows, same order, same bm25 to the last bit, as `"c"*` over the bigram index."""
    conn = open_readonly(db)
    for char in sorted(chars):
        by_prefix = conn.execute("SELECT rowid, bm25(articles_fts, 1.0, 5.0) AS s FROM articles_fts"
                                 " WHERE articles_fts MATCH ? ORDER BY s, rowid DESC", [f'"{char}"*']).fetchall()
        by_unigram = conn.execute(f"SELECT rowid, bm25({unigrams.TABLE}, 1.0, 5.0) AS s FROM {unigrams.TABLE}"
                                  f" WHERE {unigrams.TABLE} MATCH ? ORDER BY s, rowid DESC", [f'"{char}"']).fetchall()
        assert by_unigram == by_prefix, char
        hits = search(conn, char, Filters(include_duplicates=True), limit=1000).hits
        assert [(h["id"], h["score"]) for h in hits] == [(i, round(-s, 4)) for i, s in by_prefix], char
    conn.close()


def test_a_small_archive_ranks_a_lone_character_from_the_unigram_table_as_the_prefix_query_does(tmp_path):
    db = tmp_path / "u.db"
    writer = ArchiveWriter(db, batch_size=1)
    writer.open()
    for i, (title, body) in enumerate(TEXTS):
        store(writer, f"http://x.test/a/{i}0000.html", title, body)
    writer.flush()  # indexed: the changes below re-index rows of the table, not waiting articles
    store(writer, "http://x.test/a/0.html", "党建工作总结（修订）", TEXTS[0][1])  # a shorter URL: the title changes
    store(writer, "http://x.test/a/10000.html", "学校安全工作计划", "新学期党团活动安排，党史学习。")  # a new text
    store(writer, "http://x.test/a/30000.html", TEXTS[4][0], TEXTS[4][1])  # shows another's text: its row retires
    writer.close()
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT count(*) FROM articles").fetchone()[0] == len(TEXTS) - 1
    assert raw.execute(f"SELECT count(*) FROM {unigrams.TABLE}_docsize").fetchone()[0] == len(TEXTS) - 1
    raw.close()
    chars = ideographs(db)
    assert {"党", "漢", "校", "新"} <= chars
    assert_ranked_as_by_the_prefix_query(db, chars | {"划", "落"})  # 划 only in a text that was replaced
    conn = open_readonly(db)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    assert search(conn, "党").ranking == "bm25"
    assert any(f"{unigrams.TABLE} MATCH" in s for s in statements)
    assert not any("articles_fts MATCH" in s for s in statements)  # not the prefix query


def test_the_writer_drops_the_table_once_the_archive_is_big_and_creates_it_for_a_small_one(tmp_path, monkeypatch):
    db = tmp_path / "b.db"
    three_articles(db)
    # An archive indexed before the table existed (an older fanwen) gets it from the next writer.
    raw = sqlite3.connect(db)
    raw.execute(f"DROP TABLE {unigrams.TABLE}")
    raw.commit()
    ArchiveWriter(db).open()
    assert_ranked_as_by_the_prefix_query(db, ideographs(db))
    # Past SMALL articles the writer drops it; search goes back to the prefix query, same results.
    monkeypatch.setattr(unigrams, "SMALL", 4)
    writer = ArchiveWriter(db)
    writer.open()
    for i, (title, body) in enumerate(TEXTS[3:], 3):
        store(writer, f"http://x.test/a/{i}.html", title, body)
    writer.close()
    assert raw.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [unigrams.TABLE]).fetchone() is None
    conn = open_readonly(db)
    by_prefix = conn.execute("SELECT rowid, bm25(articles_fts, 1.0, 5.0) AS s FROM articles_fts"
                             " WHERE articles_fts MATCH '\"党\"*' ORDER BY s, rowid DESC").fetchall()
    result = search(conn, "党")
    assert result.total == len(by_prefix) == 4
    assert [(h["id"], h["score"]) for h in result.hits] == [(i, round(-s, 4)) for i, s in by_prefix]
    ArchiveWriter(db).open()  # a big archive does not get it back
    assert raw.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [unigrams.TABLE]).fetchone() is None


@pytest.mark.parametrize("text", [t for pair in TEXTS for t in pair] + ["", "ABC", "党", "・党・", "党\x00员"])
def test_unigram_tokens_are_the_bigram_tokens_with_each_ideograph_alone(text):
    bigram, unigram = cjk.tokens(text).split(" "), unigrams.tokens(text).split(" ")
    assert len(unigram) == len(bigram)
    for b, u in zip(bigram, unigram):
        assert u == (b[0] if b and cjk.is_ideograph(b[0]) else b)


def test_unigram_tokens_of_random_mixed_text():
    import random

    rng = random.Random(4)
    alphabet = "党员学习安全・ー〇カ한𠀀aZ9 ，。\n\t_-'\"\x00" + "\ud800" + "\ue000"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        test_unigram_tokens_are_the_bigram_tokens_with_each_ideograph_alone(text)


def test_a_table_left_behind_by_an_older_writer_is_not_used_and_is_built_again(tmp_path, monkeypatch):
    db = tmp_path / "o.db"
    three_articles(db)
    with monkeypatch.context() as older:  # a writer of a fanwen that does not know the table
        older.setattr(unigrams, "present", lambda conn: False)
        older.setattr(unigrams, "fit", lambda conn, create_if_small=False: None)
        writer = ArchiveWriter(db)
        writer.open()
        store(writer, "http://x.test/a/9.html", "新来的", "党员新来的文章，党。")
        writer.close()
    conn = open_readonly(db)
    assert not unigrams.usable(conn) and unigrams.present(conn)
    assert 4 in {h["id"] for h in search(conn, "党").hits}  # ranked by the prefix query meanwhile
    conn.close()
    ArchiveWriter(db).open()
    assert unigrams.usable(open_readonly(db))
    assert_ranked_as_by_the_prefix_query(db, ideographs(db))
