"""Chinese full-text search: bigram index, query language, ranking, index upkeep and `fanwen search`."""

from __future__ import annotations

import json
import random
import socket
import sqlite3
from pathlib import Path

import pytest

from fanwen.archive import ArchiveWriter, cjk
from fanwen.archive.filters import Filters
from fanwen.archive.readonly import open_readonly
from fanwen.archive.search import INDEX_VERSION, has_index, search
from archive_factory import make_archive
from pipelines.dedupe import content_hash
from fanwen.testsite import build_sites

from tests.conftest import run_fanwen as run





@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("search") / "a.db")


@pytest.fixture
def conn(archive):
    c = open_readonly(archive)
    yield c
    c.close()


def titles(result) -> set[str]:
    return {hit["title"] for hit in result.hits}


def test_tokens_are_overlapping_bigrams_plus_the_last_character_of_each_run():
    assert cjk.reference_tokens("安全生产，ABC 2023年") == "安全 全生 生产 产 ABC 2023 年"
    assert cjk.tokens("安全生产，ABC 2023年").split() == ["安全", "全生", "生产", "产", "，ABC", "2023", "年"]


def fts5_tokens(texts: list[str]) -> list[tuple[str, int, int]]:
    """(term, row, position) of every token SQLite's unicode61 (as the index is built) reads in `texts`."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", list(enumerate(texts, 1)))
    return db.execute("SELECT term, doc, offset FROM v ORDER BY doc, offset").fetchall()


def test_fast_tokens_index_exactly_the_tokens_of_the_reference_loop():
    """The vectorised tokeniser gives FTS5 the same terms at the same positions as the plain loop."""
    bundle = build_sites(seed=4, articles_per_site=20)
    texts = [t.body for t in bundle.truth] + [t.title for t in bundle.truth] + [
        "安全生产，ABC 2023年", "党", "a", "x党y", "ab_c\ue000d ・ア・イ", "ＡＢＣ全角１２", "a\x00b安\x00全",
        "𠀀𠀁字 ext-b", "한국어 텍스트", "café Straße", "  \n\t", "第1季度GDP增长5.2%", "\ud800孤",
    ]
    fast, reference = fts5_tokens([cjk.tokens(t) for t in texts]), fts5_tokens([cjk.reference_tokens(t) for t in texts])
    assert len(fast) > 10_000
    assert fast == reference
    assert cjk.phrase("安全生产") == '"安全 全生 生产"'
    assert cjk.phrase("党") == '"党"*'
    assert cjk.phrase("2023年") == '"2023 年"*'


def test_the_one_character_index_holds_each_ideograph_that_starts_a_bigram_index_token():
    """articles_chars answers lone-character queries in place of the bigram index's prefix query `"X"*`:
    through unicode61 (fts5vocab), a text's ideographs there are the first characters of its tokens,
    and a title's are those of its tokens marked `t`."""
    bundle = build_sites(seed=4, articles_per_site=20)
    texts = [(t.title, t.body) for t in bundle.truth] + [
        (None, "安全生产，ABC 2023年"), ("党", ""), ("x党y", "ab_c\ue000d ・ア・イ"), (None, "𠀀𠀁字 ext-b 한국어"),
        ("第1季度", "GDP增长5.2%\ud800孤"), ("", "  \n\t"), ("鿿龥㐀䶵", "䶶鿆"),
    ]
    chars = sqlite3.connect(":memory:")
    chars.execute("CREATE VIRTUAL TABLE t USING fts5(x, detail=none, tokenize='unicode61 remove_diacritics 0')")
    chars.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    chars.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", [(i, cjk.ideographs(t, b)) for i, (t, b) in enumerate(texts, 1)])
    held = {(term, doc) for term, doc in chars.execute("SELECT term, doc FROM v")}
    body_starts = {(term[0], doc) for term, doc, _ in fts5_tokens([cjk.tokens(b) for _, b in texts])
                   if cjk.is_ideograph(term[0])}
    title_starts = {("t" + term[0], doc) for term, doc, _ in fts5_tokens([cjk.tokens(t) for t, _ in texts])
                    if cjk.is_ideograph(term[0])}
    assert len(held) > 5_000 and len(title_starts) > 500
    assert held == body_starts | title_starts
    assert cjk.ideographs("党支部", "安全，ABC党") == "党 全 安 t党 t支 t部"  # code point order, text then title


def test_search_finds_exactly_the_articles_that_contain_the_text(tmp_path):
    """Recall and precision 1.0 against a brute-force scan, for 1- to 4-character queries."""
    bundle = build_sites(seed=3, articles_per_site=20)
    truth = [t for t in bundle.truth][:45]
    db = tmp_path / "t.db"
    writer = ArchiveWriter(db)
    writer.open()
    for i, t in enumerate(truth):
        writer.store_article({"url": f"http://{t.host}/{i}.html", "site": t.site, "title": t.title, "body": t.body,
                              "content_hash": content_hash(t.body)}, None)
    writer.close()
    conn = open_readonly(db)
    rng = random.Random(5)
    bodies = [t.body for t in truth]
    checked = capped = 0
    for length in (1, 2, 3, 4):
        for _ in range(15):
            body = rng.choice(bodies)
            start = rng.randrange(len(body) - length)
            query = body[start:start + length]
            if not all("\u4e00" <= c <= "\u9fff" for c in query):
                continue
            expected = {r[0] for r in conn.execute("SELECT id FROM articles WHERE instr(body, ?) OR instr(title, ?)", [query, query])}
            got = {h["id"] for h in search(conn, query, limit=1000).hits}
            assert got == expected, query
            assert search(conn, query, limit=2).total == len(expected), query  # counted in the ranked pass
            newest = search(conn, query, limit=5, cap=3)  # more than 3 matches: newest first
            assert (newest.total, newest.capped) == (min(len(expected), 3), len(expected) > 3), query
            if newest.capped:
                assert [h["id"] for h in newest.hits] == sorted(expected, reverse=True)[:5], query
                capped += 1
            checked += 1
    assert checked >= 30 and capped >= 10


def test_operators_phrases_and_parentheses(conn):
    assert titles(search(conn, "双减")) == {"关于落实双减政策的工作总结", "课后服务实施方案"}  # near-duplicate left out
    assert titles(search(conn, "党")) == {"党支部2023年度学习计划"}
    assert titles(search(conn, '"课后服务" NOT 收取')) == {"关于落实双减政策的工作总结"}
    assert titles(search(conn, "方案 AND 学校")) == {"课后服务实施方案"}
    assert titles(search(conn, "方案 学校")) == {"课后服务实施方案"}
    assert titles(search(conn, "党员 OR 事故")) == {"党支部2023年度学习计划", "安全生产月活动方案"}
    assert titles(search(conn, "(党员 OR 事故) NOT 方案")) == {"党支部2023年度学习计划"}
    assert titles(search(conn, "2023年")) == {"党支部2023年度学习计划", "安全生产月活动方案"}


def test_title_matches_rank_first_and_snippets_show_the_original_text(conn):
    result = search(conn, "工作总结")
    assert result.ranking == "bm25" and result.total == 2
    assert [h["title"] for h in result.hits][0] in {"关于落实双减政策的工作总结", "个人工作总结范文"}
    hit = search(conn, "课后服务", marks=("[", "]")).hits[0]
    assert "[课后服务]" in hit["snippet"]
    assert " " not in hit["snippet"].replace("[", "").replace("]", "")  # no bigram tokens in sight


def test_more_matches_than_the_cap_come_newest_first(conn):
    result = search(conn, "的", cap=2, limit=10)
    assert result.capped and result.ranking == "newest"
    ids = [h["id"] for h in result.hits]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 3
    assert all(h["score"] is None for h in result.hits)  # newest first: no bm25 (its IDF pass is costly)


def test_the_cap_counts_near_duplicates_too(conn):
    """More than `cap` matches, near-duplicates included, are listed newest first: whether a query is
    over the cap is counted without the near-duplicate filter (an index seek a match)."""
    assert search(conn, "双减", Filters(include_duplicates=True), cap=3).ranking == "bm25"  # 3 articles match
    over = search(conn, "双减", cap=2)  # 2 of them are listed (the third is a near-duplicate)
    assert (over.capped, over.ranking, over.total) == (True, "newest", 2)
    assert [h["id"] for h in over.hits] == sorted((h["id"] for h in search(conn, "双减").hits), reverse=True)


def test_a_ranked_query_counts_every_match_it_does_not_list(conn):
    """The total of a ranked query comes from the ranking pass itself (no count of its own): every
    representative match, however few are listed, near-duplicates and filtered-out articles left out."""
    for limit in (0, 1, 20):
        result = search(conn, "双减", limit=limit)
        assert (result.ranking, result.total, len(result.hits)) == ("bm25", 2, min(limit, 2))
        assert search(conn, "双减", Filters(include_duplicates=True), limit=limit).total == 3
    assert search(conn, "方案", Filters(sites=("dede.test",)), limit=1).total == 2
    assert search(conn, "方案", Filters(categories=("学校",)), limit=0).total == 1
    assert search(conn, "鑫", limit=0).total == 0


def test_filters_narrow_the_results(conn):
    assert titles(search(conn, "方案", Filters(sites=("dede.test",)))) == {"安全生产月活动方案", "课后服务实施方案"}
    assert titles(search(conn, "方案", Filters(categories=("学校",)))) == {"课后服务实施方案"}
    assert titles(search(conn, "总结", Filters(terms=("双减",)))) == {"关于落实双减政策的工作总结"}
    assert titles(search(conn, "方案", Filters(since="2022-07-01"))) == {"课后服务实施方案"}
    assert titles(search(conn, "方案", Filters(until="2022-06-01"))) == {"安全生产月活动方案"}
    assert len(search(conn, "双减", Filters(include_duplicates=True)).hits) == 3


@pytest.mark.parametrize("query, message", [
    ("NOT 党", "NOT needs a term before it"),
    ("双减 OR", "put a term after"),
    ('"双减', "quote"),
    ("(双减", "parenthesis"),
    ("，。", "no letters or digits"),
])
def test_malformed_expressions_are_refused_with_a_hint(query, message):
    with pytest.raises(cjk.BadQuery, match=message):
        cjk.parse(query)


@pytest.mark.parametrize("batch_size", [200, 1], ids=["same-batch", "later-batch"])
def test_a_new_shorter_url_retitles_the_article_in_the_index(tmp_path, batch_size):
    db = tmp_path / "r.db"
    writer = ArchiveWriter(db, batch_size=batch_size)
    writer.open()
    body = "学校安全工作计划正文，加强校园安全管理。"
    writer.store_article({"url": "http://x.test/a/12345.html", "site": "x.test", "title": "旧标题春季",
                          "body": body, "content_hash": content_hash(body)}, None)
    writer.store_article({"url": "http://x.test/a/1.html", "site": "x.test", "title": "新标题秋季",
                          "body": body, "content_hash": content_hash(body)}, None)
    writer.close()
    conn = open_readonly(db)
    assert titles(search(conn, "秋季")) == {"新标题秋季"}
    assert search(conn, "春季").hits == []


def test_articles_written_without_the_index_are_caught_up_on_open(tmp_path):
    db = make_archive(tmp_path / "c.db", near_duplicate=False)
    raw = sqlite3.connect(db)
    raw.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")  # as after a crash or an old writer
    raw.commit()
    raw.close()
    ArchiveWriter(db).open()  # any writer that opens the archive
    assert titles(search(open_readonly(db), "双减")) == {"关于落实双减政策的工作总结", "课后服务实施方案"}


def test_a_writer_without_the_index_leaves_it_to_the_next_writer(tmp_path):
    db = tmp_path / "w.db"
    writer = ArchiveWriter(db, search_index=False)  # as the near-duplicate benchmark writes
    writer.open()
    body = "关于落实双减政策的工作总结正文。"
    writer.store_article({"url": "http://x.test/1.html", "site": "x.test", "title": "双减总结", "body": body,
                          "content_hash": content_hash(body)}, None)
    writer.close()
    assert not has_index(open_readonly(db))
    ArchiveWriter(db).open()
    assert titles(search(open_readonly(db), "双减")) == {"双减总结"}


def test_the_crawl_keeps_the_index_up_to_date(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "demo.db"
    result = run("demo", "--db", str(db), "--port", str(port), "--articles-per-site", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    conn = open_readonly(db)
    title = conn.execute("SELECT title FROM articles ORDER BY id DESC").fetchone()[0]
    word = next(title[i:i + 2] for i in range(len(title) - 1) if all("\u4e00" <= c <= "\u9fff" for c in title[i:i + 2]))
    expected = {r[0] for r in conn.execute("SELECT id FROM articles WHERE instr(title || body, ?) AND duplicate_of IS NULL", [word])}
    assert {h["id"] for h in search(conn, word, limit=1000).hits} == expected


def test_cli_prints_a_table_and_json(archive):
    table = run("search", "双减", "--db", str(archive))
    assert table.returncode == 0, table.stderr
    assert "关于落实双减政策的工作总结" in table.stdout and "[双减]" in table.stdout
    assert "2 matches, ranked by bm25" in table.stdout
    data = json.loads(run("search", "双减 OR 党", "--db", str(archive), "--json", "--limit", "2").stdout)
    assert data["total"] == 3 and len(data["hits"]) == 2 and data["ranking"] == "bm25"
    assert all("<mark>" in hit["snippet"] for hit in data["hits"])
    filtered = json.loads(run("search", "双减", "--db", str(archive), "--json", "--site", "dede.test", "--since", "2022-01-01").stdout)
    assert [h["title"] for h in filtered["hits"]] == ["课后服务实施方案"]


def test_cli_errors_are_one_line_with_exit_status_2(archive, tmp_path):
    before = archive.read_bytes()
    for args, message in [
        (["search", "NOT 党", "--db", str(archive)], "NOT needs a term before it"),
        (["search", "双减", "--db", str(archive), "--site", "nope.test"], "known sites: baihua.test, dede.test"),
        (["search", "双减", "--db", str(tmp_path / "missing.db")], "there is no archive"),
        (["search", "(" * 300 + "双减" + ")" * 300, "--db", str(archive)], "nest deeper than 20 levels"),
        (["search", "双减 " + " ".join(f"NOT 收费{i}" for i in range(300)), "--db", str(archive)], "write it shorter"),
    ]:
        result = run(*args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert archive.read_bytes() == before
    assert not (tmp_path / "missing.db").exists()


def test_archive_without_index_says_to_run_fanwen_index(tmp_path):
    db = make_archive(tmp_path / "n.db")
    raw = sqlite3.connect(db)
    raw.execute("DROP TABLE articles_fts")
    raw.commit()
    raw.close()
    result = run("search", "双减", "--db", str(db))
    assert result.returncode == 2 and "fanwen index --db" in result.stderr
    assert run("index", "--db", str(db)).returncode == 0
    assert "关于落实双减政策的工作总结" in run("search", "双减", "--db", str(db)).stdout


def _in_a_terminal(args: list[str], columns: int) -> str:
    """Run a fanwen command with its output on a real pseudo-terminal of `columns` columns."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    from tests.conftest import FANWEN, ROOT

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([*FANWEN, *args], cwd=ROOT, stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, proc.stderr.read()
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_the_table_fits_the_terminal_width_and_json_keeps_whole_snippets(archive):
    from crawler.cli.reading import width

    for columns in (80, 120):
        lines = _in_a_terminal(["search", "双减", "--db", str(archive)], columns).splitlines()
        assert len(lines) > 3 and all(width(line) <= columns for line in lines), lines
        assert any(line.endswith("…") for line in lines[2:-1])
    whole = json.loads(run("search", "双减", "--db", str(archive), "--json").stdout)
    assert all(len(hit["snippet"]) > 60 for hit in whole["hits"])


# The index as fanwen built it before cjk-bigram-2 (title before body, the regex tokeniser), for the
# ranking comparison below.
OLD_DDL = ("CREATE VIRTUAL TABLE old_fts USING fts5(title, body, content='', prefix='1',"
           " tokenize='unicode61 remove_diacritics 0')")


def test_ranking_is_the_same_as_with_the_previous_index_layout(tmp_path):
    """Same ids in the same order, same scores, as the title-first index with the regex tokeniser."""
    bundle = build_sites(seed=6, articles_per_site=40)
    db = tmp_path / "r.db"
    writer = ArchiveWriter(db)
    writer.open()
    for i, t in enumerate(bundle.truth):
        writer.store_article({"url": f"http://{t.host}/{i}.html", "site": t.site, "title": t.title, "body": t.body,
                              "content_hash": content_hash(t.body)}, None)
    writer.close()
    raw = sqlite3.connect(db)
    raw.execute(OLD_DDL)
    rows = raw.execute("SELECT id, title, body FROM articles").fetchall()
    raw.executemany("INSERT INTO old_fts(rowid, title, body) VALUES (?, ?, ?)",
                    [(i, cjk.reference_tokens(t), cjk.reference_tokens(b)) for i, t, b in rows])
    raw.commit()
    conn = open_readonly(db)
    rng = random.Random(8)
    queries = ["党", "工作", "总结", "双减 OR 安全", '"课后服务" 学校', "工作 NOT 总结", "2023年"]
    for length in (1, 2, 3, 4):
        while len(queries) < 7 + 10 * length:
            body = rng.choice(rows)[2]
            start = rng.randrange(len(body) - length)
            if all("\u4e00" <= c <= "\u9fff" for c in body[start:start + length]):
                queries.append(body[start:start + length])
    compared = 0
    for query in queries:
        result = search(conn, query, Filters(include_duplicates=True), limit=10_000)
        assert result.ranking == "bm25" and not result.capped
        old = raw.execute("SELECT rowid, bm25(old_fts, 5.0, 1.0) AS s FROM old_fts WHERE old_fts MATCH ?"
                          " ORDER BY s, rowid DESC", [result.match]).fetchall()
        assert [h["id"] for h in result.hits] == [i for i, _ in old], query
        assert [h["score"] for h in result.hits] == [round(-s, 4) for _, s in old], query
        compared += len(old)
    assert compared > 1000
    # An archive still holding the old index (only read since) ranks as it did.
    raw.execute("DROP TABLE articles_fts")
    raw.execute("ALTER TABLE old_fts RENAME TO articles_fts")
    raw.execute("UPDATE meta SET value = 'cjk-bigram-1' WHERE key = 'search_index'")
    raw.commit()
    conn = open_readonly(db)
    for query in queries[:12]:
        new = search(conn, query, Filters(include_duplicates=True), limit=10_000)
        old = raw.execute("SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS s FROM articles_fts WHERE articles_fts MATCH ?"
                          " ORDER BY s, rowid DESC", [new.match]).fetchall()
        assert [(h["id"], h["score"]) for h in new.hits] == [(i, round(-s, 4)) for i, s in old], query


def test_an_archive_with_the_prefix_index_ranks_as_before_and_a_writer_rebuilds_it(tmp_path):
    """cjk-bigram-2 (a `prefix='1'` index, no articles_chars) is searched as it is while only read, and
    rebuilt in the new layout by the first writer that opens it; results are the same throughout."""
    db = make_archive(tmp_path / "u.db")
    queries = ["党", "双减", "的", "工作总结", "方案 学校", "党员 OR 事故", "2023年"]
    conn = open_readonly(db)
    expected = {q: [(h["id"], h["score"]) for h in search(conn, q, limit=100).hits] for q in queries}
    newest = [h["id"] for h in search(conn, "的", cap=2).hits]
    conn.close()
    raw = sqlite3.connect(db)
    raw.execute("DROP TABLE articles_fts")
    raw.execute("DROP TABLE articles_chars")
    raw.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(body, title, content='', prefix='1',"
                " tokenize='unicode61 remove_diacritics 0')")
    raw.executemany("INSERT INTO articles_fts(rowid, body, title) VALUES (?, ?, ?)",
                    [(i, cjk.tokens(b), cjk.tokens(t)) for i, t, b in raw.execute("SELECT id, title, body FROM articles")])
    raw.execute("UPDATE meta SET value = 'cjk-bigram-2' WHERE key = 'search_index'")
    raw.commit()
    for upgraded in (False, True):
        conn = open_readonly(db)
        assert {q: [(h["id"], h["score"]) for h in search(conn, q, limit=100).hits] for q in queries} == expected
        assert [h["id"] for h in search(conn, "的", cap=2).hits] == newest
        conn.close()
        if not upgraded:
            ArchiveWriter(db).open()  # any writer that opens the archive
            assert "prefix" not in raw.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
            assert raw.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()[0] == INDEX_VERSION
            assert raw.execute("SELECT count(*) FROM articles_chars WHERE articles_chars MATCH '党'").fetchone()[0] >= 1


def test_an_archive_whose_character_index_mixes_titles_is_read_as_it_is_and_a_writer_rebuilds_that_table_alone(tmp_path):
    """cjk-bigram-3 held a title's ideographs like the text's. Read as it is, search and the research
    commands give the same results (counts read the bodies); the first writer rebuilds articles_chars
    alone (the bigram index, nearly all the cost of a rebuild, is kept byte for byte)."""
    import fanwen
    from research_archive import make_research_archive

    db = make_research_archive(tmp_path / "r.db", per_site=20)
    queries = ["党", "的", "讲", "话", "双减", "工作 OR 服务"]

    def results() -> dict:
        conn = open_readonly(db)
        found = {q: [(h["id"], h["score"]) for h in search(conn, q, limit=100).hits] for q in queries}
        conn.close()
        with fanwen.open(db) as archive:
            for q in queries:
                frame = archive.kwic(q, limit=None)
                found[f"kwic {q}"] = (frame.attrs["hits"], frame.attrs["articles"], sorted(set(frame.article_id)))
        return found

    expected = results()
    raw = sqlite3.connect(db)
    rows = raw.execute("SELECT id, title, body FROM articles").fetchall()
    raw.execute("INSERT INTO articles_chars(articles_chars) VALUES ('delete-all')")
    raw.executemany("INSERT INTO articles_chars(rowid, chars) VALUES (?, ?)",
                    [(i, " ".join(sorted({c for c in f"{t or ''}{b}" if cjk.is_ideograph(c)}))) for i, t, b in rows])
    raw.execute("UPDATE meta SET value = 'cjk-bigram-3' WHERE key = 'search_index'")
    raw.commit()
    bigrams = raw.execute("SELECT group_concat(hex(block)) FROM articles_fts_data").fetchone()[0]
    assert results() == expected
    ArchiveWriter(db).open()  # any writer that opens the archive
    assert raw.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()[0] == INDEX_VERSION
    assert raw.execute("SELECT group_concat(hex(block)) FROM articles_fts_data").fetchone()[0] == bigrams
    title_only = [i for i, t, b in rows if "讲" in (t or "") and "讲" not in b]
    assert title_only
    assert set(title_only) <= {r[0] for r in raw.execute("SELECT rowid FROM articles_chars WHERE articles_chars MATCH 't讲'")}
    assert not set(title_only) & {r[0] for r in raw.execute("SELECT rowid FROM articles_chars WHERE articles_chars MATCH '讲'")}
    assert results() == expected
    raw.close()
