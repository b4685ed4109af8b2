"""The archive writer against a real SQLite file."""

import sqlite3

import pytest

from fanwen.archive import SCHEMA_VERSION, ArchiveWriter, NotAnArchive, connect
from tests.conftest import foreign_database


def article(url, body="正文。", **extra):
    from pipelines.dedupe import content_hash

    record = {"url": url, "site": "x.test", "title": "标题", "display_title": "标题【精选】", "body": body,
              "categories": ["公文"], "terms": ["双减"], "content_hash": content_hash(body)}
    record.update(extra)
    return record


@pytest.fixture
def writer(tmp_path):
    w = ArchiveWriter(tmp_path / "a.db", batch_size=3)
    w.open()
    yield w
    w.close()


def test_exact_copies_share_one_row_and_keep_every_url(writer):
    crawl = writer.start_crawl(["http://x.test/"], {})
    assert writer.store_article(article("http://x.test/a/1203.html"), crawl).status == "new"
    assert writer.store_article(article("http://x.test/a/98.html"), crawl).status == "duplicate"
    assert writer.store_article(article("http://x.test/a/98.html"), crawl).status == "unchanged"
    writer.flush()
    db = writer.db
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert db.execute("SELECT url FROM articles").fetchone()[0] == "http://x.test/a/98.html"  # shortest URL kept
    assert {r[0] for r in db.execute("SELECT url FROM article_urls")} == {"http://x.test/a/1203.html", "http://x.test/a/98.html"}


def test_kept_copy_does_not_depend_on_order(tmp_path):
    urls = ["http://x.test/a/1203.html", "http://x.test/a/98.html", "http://x.test/a/99.html"]
    kept = []
    for order in (urls, list(reversed(urls))):
        w = ArchiveWriter(tmp_path / f"{len(kept)}.db")
        w.open()
        for url in order:
            w.store_article(article(url), None)
        w.flush()
        kept.append(w.db.execute("SELECT url FROM articles").fetchone()[0])
        w.close()
    assert kept[0] == kept[1] == "http://x.test/a/98.html"


def test_changed_text_at_a_known_url_is_a_new_version_and_the_old_text_is_kept(writer):
    from fanwen.archive.search import search
    from fanwen.archive.versions import versions

    writer.store_article(article("http://x.test/a/1.html", "第一版的正文。"), None)
    assert writer.store_article(article("http://x.test/a/1.html", "第二版的正文。"), None).status == "changed"
    assert writer.store_article(article("http://x.test/a/1.html", "第三版的正文。"), None).status == "changed"
    writer.flush()
    assert [r[0] for r in writer.db.execute("SELECT body FROM articles")] == ["第三版的正文。"]
    assert [(v["version"], v["body"]) for v in versions(writer.db, "http://x.test/a/1.html")] == [
        (1, "第一版的正文。"), (2, "第二版的正文。")]
    # Search shows the current text only.
    assert search(writer.db.conn, "第三版").total == 1
    assert search(writer.db.conn, "第一版").total == 0


def test_changed_text_at_one_of_several_urls_gets_a_document_of_its_own(writer):
    writer.store_article(article("http://x.test/a/1.html", "原文。"), None)
    assert writer.store_article(article("http://x.test/a/22.html", "原文。"), None).status == "duplicate"
    assert writer.store_article(article("http://x.test/a/1.html", "改过的文。"), None).status == "changed"
    writer.flush()
    rows = dict(writer.db.execute("SELECT body, url FROM articles").fetchall())
    assert rows == {"原文。": "http://x.test/a/22.html", "改过的文。": "http://x.test/a/1.html"}
    mapping = dict(writer.db.execute(
        "SELECT u.url, a.body FROM article_urls u JOIN articles a ON a.id = u.article_id").fetchall())
    assert mapping == {"http://x.test/a/1.html": "改过的文。", "http://x.test/a/22.html": "原文。"}
    assert writer.db.execute("SELECT url, version, body FROM article_versions").fetchall() == [
        ("http://x.test/a/1.html", 1, "原文。")]


def test_url_whose_text_became_another_known_document_moves_to_it(writer):
    writer.store_article(article("http://x.test/a/1.html", "甲文。"), None)
    writer.store_article(article("http://x.test/a/2.html", "乙文。"), None)
    assert writer.store_article(article("http://x.test/a/1.html", "乙文。"), None).status == "changed"
    writer.flush()
    body = writer.db.execute(
        "SELECT a.body FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?",
        ["http://x.test/a/1.html"]).fetchone()[0]
    assert body == "乙文。"
    assert writer.db.execute("SELECT body FROM article_versions").fetchall() == [("甲文。",)]


def test_a_moved_url_seen_again_keeps_the_archive_consistent(writer):
    """1.html, the earlier document's only URL, moves to the known one: the earlier row is history (in
    article_versions, out of articles), and the known document takes 1.html as its kept URL."""
    writer.store_article(article("http://x.test/a/1.html", "甲文。"), None)
    writer.store_article(article("http://x.test/a/22.html", "乙文。"), None)
    assert writer.store_article(article("http://x.test/a/1.html", "乙文。"), None).status == "changed"
    assert writer.store_article(article("http://x.test/a/1.html", "乙文。"), None).status == "unchanged"
    writer.flush()
    rows = writer.db.execute("SELECT url, body FROM articles ORDER BY id").fetchall()
    assert rows == [("http://x.test/a/1.html", "乙文。")]
    assert writer.db.execute("SELECT url, body FROM article_versions").fetchall() == [("http://x.test/a/1.html", "甲文。")]
    assert writer.db.execute("SELECT count(*) FROM article_urls").fetchone()[0] == 2


def test_a_document_keeps_its_row_while_another_url_shows_it(writer):
    writer.store_article(article("http://x.test/a/1.html", "甲文。"), None)
    writer.store_article(article("http://x.test/a/33.html", "甲文。"), None)
    writer.store_article(article("http://x.test/a/22.html", "乙文。"), None)
    assert writer.store_article(article("http://x.test/a/1.html", "乙文。"), None).status == "changed"
    writer.flush()
    rows = writer.db.execute("SELECT url, body FROM articles ORDER BY id").fetchall()
    assert rows == [("http://x.test/a/33.html", "甲文。"), ("http://x.test/a/1.html", "乙文。")]


def test_json_fields_are_readable_by_sqlite(writer):
    writer.store_article(article("http://x.test/a/1.html"), None)
    writer.flush()
    row = writer.db.execute("SELECT t.value FROM articles, json_each(articles.terms) t").fetchone()
    assert row[0] == "双减"


def test_reader_sees_committed_rows_while_writer_holds_a_batch(writer, tmp_path):
    writer.store_article(article("http://x.test/a/1.html"), None)
    writer.flush()
    writer.store_article(article("http://x.test/a/2.html", "另一篇。"), None)  # open transaction
    reader = sqlite3.connect(tmp_path / "a.db", timeout=1)
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    reader.close()


def test_foreign_database_is_refused(tmp_path):
    path = foreign_database(tmp_path / "other.db")
    with pytest.raises(NotAnArchive, match="not a fanwen archive"):
        connect(path)


def test_newer_schema_is_refused(tmp_path):
    db = connect(tmp_path / "a.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    db.conn.close()
    with pytest.raises(NotAnArchive, match="newer"):
        connect(tmp_path / "a.db")


def test_archive_is_in_wal_mode(tmp_path):
    db = connect(tmp_path / "a.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


class RecordingHook:
    """A writer hook given by FANWEN_WRITER_HOOKS: records what the writer tells it, and when."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.writer = None

    def opened(self, writer) -> None:
        self.writer = writer
        self.events.append(("opened",))

    def article_added(self, article_id, article) -> None:
        self.events.append(("added", article_id, article["url"], self.writer._pending > 0))

    def text_changing(self, article_id, article, previous_body) -> None:
        stored = self.writer.db.execute("SELECT body FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        self.events.append(("changing", article_id, previous_body, stored))

    def title_changing(self, article_id, title) -> None:
        self.events.append(("retitle", article_id, title))

    def kept_url_changed(self, article_id) -> None:
        self.events.append(("kept_url", article_id))

    def before_commit(self) -> None:
        self.events.append(("before_commit",))

    def closed(self) -> None:
        self.events.append(("closed",))


def test_a_crawl_adds_the_writer_hooks_of_its_settings_and_they_see_every_change(tmp_path):
    """FANWEN_WRITER_HOOKS: the crawl's archive session adds them after the built-in ones; each is told
    of new rows, of a text about to change (while the row still holds the old one), of a shorter kept
    URL, and of every commit."""
    from scrapy.utils.test import get_crawler

    from crawler.extensions.archive_session import ArchiveSession

    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db"), "FANWEN_BATCH_SIZE": 100,
                                         "FANWEN_WRITER_HOOKS": ["tests.test_archive.RecordingHook"]})
    session = ArchiveSession.from_crawler(crawler)
    try:
        writer = session.writer
        hook = writer.hooks[-1]
        assert [type(h).__name__ for h in writer.hooks] == ["DerivedFields", "SearchIndexer", "RecordingHook"]
        writer.open()
        first = writer.store_article(article("http://x.test/a/long-name.html", "第一版。"), None).article_id
        writer.store_article(article("http://x.test/a/1.html", "第一版。", title="短标题"), None)
        writer.flush()
        writer.store_article(article("http://x.test/a/1.html", "第二版。"), None)  # a row of its own: 1.html moves
        writer.flush()
        writer.store_article(article("http://x.test/a/1.html", "第三版。"), None)  # the row's only URL: new text
        writer.close()
    finally:
        session.lock.release()
    assert hook.events == [
        ("opened",),
        ("added", first, "http://x.test/a/long-name.html", True),
        ("retitle", first, "短标题"), ("kept_url", first), ("before_commit",),
        ("kept_url", first), ("added", first + 1, "http://x.test/a/1.html", True), ("before_commit",),
        ("changing", first + 1, "第二版。", "第二版。"), ("before_commit",),
        ("closed",),
    ]


def test_the_extractor_version_is_written_with_the_article(writer):
    """`extractor_version` comes with the record: on insert, on a new text, and when a later extractor
    makes the same text again."""
    url = "http://x.test/a/1.html"
    writer.store_article(article(url, "甲文。", extractor_version="1"), None)
    writer.store_article(article("http://x.test/a/2.html", "乙文。"), None)  # a record without one: NULL
    writer.flush()
    version = "SELECT extractor_version FROM articles WHERE id = (SELECT article_id FROM article_urls WHERE url = ?)"
    assert writer.db.execute(version, [url]).fetchone()[0] == "1"
    assert writer.db.execute(version, ["http://x.test/a/2.html"]).fetchone()[0] is None
    assert writer.store_article(article(url, "甲文。", extractor_version="2"), None).status == "unchanged"
    writer.flush()
    assert writer.db.execute(version, [url]).fetchone()[0] == "2"
    assert writer.store_article(article(url, "甲文改。", extractor_version="3"), None).status == "changed"
    assert writer.store_article(article(url, "甲文改。"), None).status == "unchanged"  # none given: kept
    writer.flush()
    assert writer.db.execute(version, [url]).fetchone()[0] == "3"


def test_write_many_takes_rows_made_as_they_are_read_and_counts_them_in_the_batch(writer):
    """The search index hands its rows over as a generator (a batch's token strings are never all held);
    an empty one opens no transaction, and the rows of a full one count toward the batch."""
    writer.write_many("INSERT INTO meta(key, value) VALUES (?, ?)", (row for row in []))
    writer.write_many("INSERT INTO meta(key, value) VALUES (?, ?)", ((f"k{i}", str(i)) for i in range(3)))
    writer.start_crawl(["http://a.test/"], {})  # writes after both: no transaction opened twice
    writer.flush()
    assert writer.db.execute("SELECT count(*) FROM meta WHERE key LIKE 'k_'").fetchone()[0] == 3
