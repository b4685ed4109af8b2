"""Near-duplicate detection on real archives in tmp_path: folding, LSH, clusters, persistence, paragraphs."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from fanwen.archive.writer import ArchiveWriter
from fanwen.archive.neardup import NearDupDetector, recompute_clusters
from pipelines.dedupe import content_hash
from fanwen.archive.neardup.lsh import BandIndex, band_keys, earlier_sharing
from fanwen.archive.neardup.paragraph_index import ParagraphIndex
from fanwen.archive.neardup.shingles import Folder, estimate, jaccard, shingle_hashes, shingle_hashes_many, signature, signatures
from fanwen.testsite import build_sites

BODIES = [t.body for t in build_sites(seed=7, articles_per_site=20).truth if t.variant is None and "篇一" not in t.body][:12]


def store(writer: ArchiveWriter, url: str, body: str) -> int:
    record = {"url": url, "site": "x.test", "title": url, "body": body, "content_hash": content_hash(body)}
    return writer.store_article(record, None).article_id


def links(db) -> dict[int, int | None]:
    return dict(sqlite3.connect(db).execute("SELECT id, duplicate_of FROM articles"))


def open_writer(db, threshold: float = 0.6, batch_size: int = 50) -> ArchiveWriter:
    """batch_size 50 puts a test's articles in one batch (compared within it); 1 gives each its own."""
    writer = ArchiveWriter(db, batch_size=batch_size)
    writer.add_hook(NearDupDetector(threshold))
    writer.open()
    return writer


def test_fold_removes_what_reposts_change():
    f = Folder()
    assert f.fold("發展經濟，堅持問題導向") == f.fold("发展经济，坚持问题导向")
    assert f.fold("要做ｗｗｗ．ｆａｎｗｅｎ６６．ｃｏｍ好各项工作") == f.fold("要做好各项工作")
    assert f.fold("XX市***同志") == "市同志"


def test_signature_estimates_jaccard_and_is_stable():
    a = shingle_hashes(Folder().fold(BODIES[0]))
    b = shingle_hashes(Folder().fold(BODIES[0][: len(BODIES[0]) * 3 // 4]))
    assert abs(estimate(signature(a), signature(b)) - jaccard(a, b)) < 0.12
    assert np.array_equal(signature(a), signature(a.copy()))
    assert jaccard(a, shingle_hashes(Folder().fold(BODIES[1]))) < 0.3


def test_batched_sketches_equal_one_at_a_time():
    texts = [Folder().fold(b) for b in BODIES[:5]] + ["", "短", "四个字符", "五个字符串", BODIES[0][:7]]
    batched = shingle_hashes_many(texts)
    for text, hashes in zip(texts, batched):
        assert np.array_equal(hashes, shingle_hashes(text))
    rows = signatures(batched)
    assert rows.shape == (len(texts), 128)
    for hashes, row in zip(batched, rows):
        assert np.array_equal(row, signature(hashes))
    assert (rows[5] == 0xFFFFFFFF).all() and not (rows[6] == 0xFFFFFFFF).all()


def test_a_batch_finds_earlier_rows_of_the_batch_and_indexed_articles():
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 2**32, (6, 128), dtype=np.uint64).astype(np.uint32)
    sigs[3, 8:12] = sigs[1, 8:12]   # band 2 shared by rows 1 and 3
    sigs[5, :4] = sigs[3, :4]       # band 0 shared by rows 3 and 5
    sigs[4, 124:] = sigs[1, 124:]   # band 31 shared by rows 1 and 4
    keys = band_keys(sigs)
    assert earlier_sharing(keys) == [set(), set(), set(), {1}, {1}, {3}]
    index = BandIndex()
    index.add_many(np.array([10, 11, 12]), keys[:3])
    assert index.query_many(keys[3:]) == [{11}, {11}, set()]


def test_band_index_finds_shared_bands_across_runs_and_delta():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32, (9000, 128), dtype=np.uint64).astype(np.uint32)
    index = BandIndex()
    index.add_many(np.arange(3000), band_keys(sigs[:3000]))
    for i in range(3000, 9000):  # one at a time: runs of many sizes
        index.add_many(np.array([i]), band_keys(sigs[i][None, :]))
    for i in (0, 2999, 3000, 8999):
        probe = sigs[i].copy()
        probe[4:] = 7  # only the first band is left in common
        assert i in index.query_many(band_keys(probe[None, :]))[0]
    assert index.query_many(band_keys(rng.integers(0, 2**32, (1, 128), dtype=np.uint64).astype(np.uint32))) == [set()]


@pytest.mark.parametrize("batch_size", [1, 50])
def test_near_duplicates_join_one_cluster_whatever_the_order(tmp_path, batch_size):
    original = BODIES[0]
    variants = [original.replace("。", "。\n", 1) + "全文完。", "新的开头段落内容如下所述。\n" + original]
    docs = [("http://a.test/long/1.html", original), ("http://a.test/2.html", variants[0]),
            ("http://a.test/longer/3.html", variants[1]), ("http://a.test/4.html", BODIES[1])]
    results = []
    for n, order in enumerate((docs, docs[::-1])):
        writer = open_writer(tmp_path / f"{n}.db", batch_size=batch_size)
        ids = {url: store(writer, url, body) for url, body in order}
        writer.close()
        got = links(tmp_path / f"{n}.db")
        by_url = {i: u for u, i in ids.items()}
        results.append({by_url[i]: by_url.get(d) for i, d in got.items()})
    assert results[0] == results[1]
    assert results[0] == {"http://a.test/2.html": None, "http://a.test/long/1.html": "http://a.test/2.html",
                          "http://a.test/longer/3.html": "http://a.test/2.html", "http://a.test/4.html": None}


def test_representative_moves_when_a_shorter_url_of_a_member_arrives(tmp_path):
    writer = open_writer(tmp_path / "a.db")
    first = store(writer, "http://a.test/aaa/1.html", BODIES[2])
    second = store(writer, "http://a.test/b/2.html", BODIES[2] + "全文完。")
    writer.flush()
    assert links(tmp_path / "a.db") == {first: second, second: None}
    store(writer, "http://a.test/1.html", BODIES[2])  # an exact copy of `first` at a shorter URL
    writer.close()
    assert links(tmp_path / "a.db") == {first: None, second: first}


def test_signatures_persist_and_the_index_is_rebuilt(tmp_path):
    db = tmp_path / "a.db"
    writer = open_writer(db)
    for i, body in enumerate(BODIES[3:9]):
        store(writer, f"http://a.test/{i}.html", body)
    writer.close()
    stored = sqlite3.connect(db).execute("SELECT article_id, signature FROM neardup_signatures").fetchall()
    writer = open_writer(db)
    assert next(h for h in writer.hooks if isinstance(h, NearDupDetector)).index.size == 6
    late = store(writer, "http://a.test/late.html", BODIES[5] + "全文完。")
    writer.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT article_id, signature FROM neardup_signatures WHERE article_id < ?", [late]).fetchall() == stored
    assert links(db)[late] is not None


def test_multi_essay_page_gets_paragraph_duplicate_share(tmp_path):
    db = tmp_path / "a.db"
    writer = open_writer(db)
    store(writer, "http://a.test/1.html", BODIES[9])
    copied = BODIES[9].split("\n")
    page = "\n".join(["篇一", *BODIES[10].split("\n"), "篇二", *copied])
    multi = store(writer, "http://a.test/2.html", page)
    writer.close()
    essays, dup, share = sqlite3.connect(db).execute(
        "SELECT essays, dup_paragraphs, dup_share FROM paragraph_stats WHERE article_id = ?", [multi]).fetchone()
    long_copied = [p for p in copied if len(Folder().fold(p)) >= 20]
    assert essays == 2 and dup == len(set(long_copied)) and 0.3 < share < 0.7


@pytest.mark.parametrize("batch_size", [1, 50])
def test_paragraph_stats_kept_up_to_date_equal_a_recomputation(tmp_path, batch_size):
    """Pages whose paragraphs turn up later elsewhere are updated in place; a rebuild finds the same figures."""
    db = tmp_path / "a.db"
    writer = open_writer(db, batch_size=batch_size)
    paras = [b.split("\n") for b in BODIES]
    multi = store(writer, "http://a.test/m1.html", "\n".join(["篇一", *paras[0], "篇二", *paras[1]]))
    store(writer, "http://a.test/m2.html", "\n".join(["篇一", *paras[1][:2], "篇二", *paras[2], "篇三", *paras[3]]))
    store(writer, "http://a.test/p0.html", "\n".join(paras[0][1:3]))  # takes two more of m1's paragraphs
    store(writer, "http://a.test/p1.html", "\n".join(paras[1][:1]))    # already shared with m2: no change
    store(writer, "http://a.test/p3.html", "\n".join(paras[3]))
    writer.close()
    query = "SELECT article_id, essays, paragraphs, dup_paragraphs, chars, dup_chars, dup_share FROM paragraph_stats ORDER BY 1"
    kept = sqlite3.connect(db).execute(query).fetchall()
    assert len(kept) == 2 and kept[0][0] == multi and 0 < kept[0][3] < kept[0][2]

    recompute_clusters(db, 0.6)
    assert sqlite3.connect(db).execute(query).fetchall() == kept


def test_paragraph_stats_made_before_dup_chars_are_recomputed_on_open(tmp_path):
    db = tmp_path / "a.db"
    writer = open_writer(db)
    paras = [b.split("\n") for b in BODIES]
    multi = store(writer, "http://a.test/m1.html", "\n".join(["篇一", *paras[4], "篇二", *paras[5]]))
    store(writer, "http://a.test/p.html", "\n".join(paras[5]))
    writer.close()
    conn = sqlite3.connect(db)
    expected = conn.execute("SELECT dup_chars, dup_share FROM paragraph_stats WHERE article_id = ?", [multi]).fetchone()
    conn.execute("UPDATE paragraph_stats SET dup_chars = NULL")
    conn.commit()
    open_writer(db).close()
    assert expected[0] > 0
    assert conn.execute("SELECT dup_chars, dup_share FROM paragraph_stats WHERE article_id = ?", [multi]).fetchone() == expected


@pytest.mark.parametrize("batch_size", [1, 50])
def test_an_article_whose_text_changes_leaves_its_cluster_and_its_paragraphs(tmp_path, batch_size):
    """A page edited into another essay: its links and shared paragraphs go, as a recomputation finds."""
    db = tmp_path / "a.db"
    writer = open_writer(db, batch_size=batch_size)
    a = store(writer, "http://a.test/a.html", BODIES[0])
    b = store(writer, "http://a.test/bb.html", BODIES[0] + "全文完。")
    c = store(writer, "http://a.test/ccc.html", "新的开头段落内容如下所述。\n" + BODIES[0])
    multi = store(writer, "http://a.test/m.html", "\n".join(["篇一", BODIES[2], "篇二", BODIES[3]]))
    p = store(writer, "http://a.test/p.html", "\n".join(BODIES[3].split("\n")[:2]))  # two of its paragraphs
    writer.flush()
    assert links(db) == {a: None, b: a, c: a, multi: None, p: None}
    query = "SELECT article_id, paragraphs, dup_paragraphs, dup_chars FROM paragraph_stats"
    assert sqlite3.connect(db).execute(query).fetchone()[2] > 0
    assert store(writer, "http://a.test/a.html", BODIES[1]) == a  # the representative shows another essay now
    assert store(writer, "http://a.test/p.html", BODIES[4]) == p
    writer.close()
    assert links(db) == {a: None, b: None, c: b, multi: None, p: None}
    kept = sqlite3.connect(db).execute(query).fetchall()
    assert kept[0][2] == 0 and kept[0][3] == 0
    recompute_clusters(db, 0.6)
    assert links(db) == {a: None, b: None, c: b, multi: None, p: None}
    assert sqlite3.connect(db).execute(query).fetchall() == kept


def test_paragraph_rows_keyed_by_hash_in_older_archives_are_rewritten_keyed_by_article(tmp_path):
    db = tmp_path / "a.db"
    writer = open_writer(db)
    multi = store(writer, "http://a.test/m.html", "\n".join(["篇一", BODIES[5], "篇二", BODIES[6]]))
    writer.close()
    conn = sqlite3.connect(db)
    rows = sorted(conn.execute("SELECT article_id, hash FROM paragraph_hashes"))
    conn.executescript("""
        CREATE TABLE old (hash INTEGER NOT NULL, article_id INTEGER NOT NULL, PRIMARY KEY (hash, article_id)) WITHOUT ROWID;
        INSERT INTO old SELECT hash, article_id FROM paragraph_hashes;
        DROP TABLE paragraph_hashes;
        ALTER TABLE old RENAME TO paragraph_hashes;
    """)
    conn.close()
    writer = open_writer(db)
    store(writer, "http://a.test/p.html", BODIES[6])  # shares the second essay's paragraphs
    writer.close()
    conn = sqlite3.connect(db)
    key = [r[1] for r in sorted((r for r in conn.execute("PRAGMA table_info(paragraph_hashes)") if r[5]), key=lambda r: r[5])]
    assert key == ["article_id", "hash"]
    assert sorted(conn.execute("SELECT article_id, hash FROM paragraph_hashes WHERE article_id = ?", [multi])) == rows
    dup, total = conn.execute("SELECT dup_paragraphs, paragraphs FROM paragraph_stats WHERE article_id = ?", [multi]).fetchone()
    assert 0 < dup < total


def test_paragraph_index_finds_owners_across_runs_and_forgets_removed_rows():
    index = ParagraphIndex()
    for start in range(0, 3000, 100):  # many batches: runs of several sizes
        index.add(range(start, start + 100), range(start, start + 100))
    index.add([5, 2999, -7], [900, 901, 902])
    assert index.owners([5, 2999, -7, 10**12]) == {5: {5, 900}, 2999: {2999, 901}, -7: {902}}
    index.remove(900, [5])
    assert index.owners([5]) == {5: {5}}
    index.remove(5, [5])
    assert index.owners([5]) == {}
    index.add([5], [900])  # the text came back
    assert index.owners([5]) == {5: {900}}


@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_document_no_url_shows_any_more_is_retired_with_its_links_and_paragraphs(tmp_path, batch_size):
    """The representative's only URL now shows another archived text: its row goes to history (article_versions),
    its cluster and paragraph statistics are what a recomputation finds, the search index forgets it."""
    from fanwen.archive.search import sql_match

    db = tmp_path / "a.db"
    writer = open_writer(db, batch_size=batch_size)
    a = store(writer, "http://a.test/a.html", BODIES[0])
    b = store(writer, "http://a.test/bb.html", BODIES[0] + "全文完。")
    c = store(writer, "http://a.test/ccc.html", "新的开头段落内容如下所述。\n" + BODIES[0])
    multi = store(writer, "http://a.test/m.html", "\n".join(["篇一", BODIES[2], "篇二", BODIES[0]]))
    other = store(writer, "http://a.test/other.html", BODIES[5])
    writer.flush()
    assert links(db)[b] == a and links(db)[c] == a
    assert store(writer, "http://a.test/a.html", BODIES[5]) == other  # a.html now shows other.html's text
    word = next(line for line in BODIES[0].split("\n") if len(line) > 12)[4:10]
    writer.close()
    conn = sqlite3.connect(db)
    after = links(db)
    assert a not in after and after[other] is None and after[b] in (None, multi) and after[c] is not None
    assert conn.execute("SELECT url, body FROM article_versions").fetchall() == [("http://a.test/a.html", BODIES[0])]
    assert conn.execute("SELECT count(*) FROM neardup_signatures WHERE article_id = ?", [a]).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM paragraph_hashes WHERE article_id = ?", [a]).fetchone()[0] == 0
    query = "SELECT article_id, paragraphs, dup_paragraphs, dup_chars FROM paragraph_stats ORDER BY 1"
    kept = conn.execute(query).fetchall()
    indexed = {r[0] for r in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [sql_match(word)])}
    assert indexed == {b, c, multi}
    recompute_clusters(db, 0.6)
    assert links(db) == after
    assert conn.execute(query).fetchall() == kept
    # The archive opens again (its LSH index rebuilt without the row) and takes new articles.
    writer = open_writer(db, batch_size=batch_size)
    d = store(writer, "http://a.test/dddd.html", BODIES[0] + "附录。")
    writer.close()
    assert links(db)[d] == after[c]
