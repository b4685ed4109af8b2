"""The per-month corpus sizes kept by triggers: equal to a GROUP BY over the articles after any change,
made for archives from before it, and the trend's period sizes read from it equal a scan."""

from __future__ import annotations

import shutil
import sqlite3
from collections import defaultdict

import pytest

from fanwen.archive import ArchiveWriter
from fanwen.archive.filters import Filters
from fanwen.archive.period_stats import has_period_stats
from fanwen.archive.readonly import open_readonly
from fanwen.archive.trends import period_sizes, stats_sizes
from research_archive import corpus, make_research_archive

SCAN = """SELECT CASE WHEN published_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]*' THEN substr(published_at, 1, 7) ELSE '' END,
                 coalesce(site, ''), coalesce(genre, ''), duplicate_of IS NOT NULL, count(*), sum(chars)
          FROM articles GROUP BY 1, 2, 3, 4"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_research_archive(tmp_path_factory.mktemp("period-stats") / "r.db")


def table(conn: sqlite3.Connection) -> set[tuple]:
    return set(conn.execute("SELECT month, site, genre, duplicate, articles, chars FROM period_stats WHERE articles"))


def test_the_table_follows_every_insert_update_and_delete(db, tmp_path):
    path = tmp_path / "changed.db"
    shutil.copy(db, path)
    conn = sqlite3.connect(path)
    assert has_period_stats(conn) and table(conn) == set(conn.execute(SCAN))
    with conn:
        conn.execute("UPDATE articles SET published_at = '2016-02-29' WHERE id % 5 = 0")
        conn.execute("UPDATE articles SET published_at = NULL WHERE id % 7 = 0")
        conn.execute("UPDATE articles SET genre = '讲话', site = 'moved.test' WHERE id % 4 = 1")
        conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id % 3 = 0")
        conn.execute("UPDATE articles SET chars = chars + 1 WHERE id % 6 = 2")
        conn.execute("DELETE FROM article_urls WHERE article_id % 11 = 0")
        conn.execute("DELETE FROM articles WHERE id % 11 = 0")
    assert table(conn) == set(conn.execute(SCAN))
    conn.close()


def test_an_archive_made_before_the_table_gets_it_when_a_writer_opens_it(db, tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(db, path)
    conn = sqlite3.connect(path)
    with conn:
        for trigger in ("insert", "delete", "update"):
            conn.execute(f"DROP TRIGGER period_stats_{trigger}")
        conn.execute("DROP TABLE period_stats")
    conn.close()
    assert not has_period_stats(open_readonly(path))
    writer = ArchiveWriter(path)
    writer.open()
    writer.store_article({"url": "http://new.test/1.html", "site": "new.test", "title": "新的讲话", "body": "双减工作。" * 30,
                          "published_at": "2030-01-02", "content_hash": "new-1"}, None)
    writer.close()
    conn = sqlite3.connect(path)
    assert table(conn) == set(conn.execute(SCAN))
    assert ("2030-01", "new.test") in {row[:2] for row in table(conn)}
    conn.close()


def scan_sizes(rows: list[dict], chars: dict[int, int], by: int) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r["published_at"] and r["published_at"][:4].isdigit():
            out[r["published_at"][:by]][0] += 1
            out[r["published_at"][:by]][1] += chars[r["id"]]
    return {p: tuple(v) for p, v in out.items()}


@pytest.mark.parametrize("by,n", [("month", 7), ("year", 4)])
@pytest.mark.parametrize("filters,keep", [
    (Filters(), lambda r: r["duplicate_of"] is None),
    (Filters(include_duplicates=True), lambda r: True),
    (Filters(sites=("dede.test", "x.test")), lambda r: r["duplicate_of"] is None and r["site"] in ("dede.test", "x.test")),
    (Filters(genres=("讲话", "总结")), lambda r: r["duplicate_of"] is None and r["genre"] in ("讲话", "总结")),
])
def test_trend_period_sizes_from_the_table_equal_a_scan_and_the_index(db, by, n, filters, keep):
    conn = open_readonly(db)
    chars = dict(conn.execute("SELECT id, chars FROM articles"))
    genres = dict(conn.execute("SELECT id, genre FROM articles"))
    rows = [{**r, "genre": genres[r["id"]]} for r in corpus(db, include_duplicates=True)]
    expected = scan_sizes([r for r in rows if keep(r)], chars, n)
    assert expected
    assert stats_sizes(conn, filters, by) == expected
    assert period_sizes(conn, filters, by) == expected
    conn.close()
