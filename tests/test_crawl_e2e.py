"""End to end: `fanwen crawl` against the generated sites over real HTTP, compared with the ground truth."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest

from tests.conftest import fanwen_crawl

BOILERPLATE = ("小编", "小編", "当前隐藏内容免费查看", "展开阅读全文", "相关热词搜索", "推荐访问", "本文已影响",
               "版权说明", "转发文档请保留", "点击下载", "免费下载", "上一篇", "下一篇", "延伸阅读", "收起")


class Crawl:
    """One crawl of the served sites, with a reader polling the archive while it runs."""

    def __init__(self, site, bundle, db):
        self.site, self.bundle, self.db = site, bundle, db
        self.reader_errors: list[str] = []
        self.reader_reads = 0
        done = threading.Event()
        reader = threading.Thread(target=self._read_while_writing, args=(done,), daemon=True)
        reader.start()
        self.result = fanwen_crawl(site, bundle, db)
        done.set()
        reader.join()
        self.conn = sqlite3.connect(db)
        self.conn.row_factory = sqlite3.Row

    def _read_while_writing(self, done: threading.Event) -> None:
        while not done.is_set():
            try:
                conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
                conn.execute("SELECT count(*) FROM articles").fetchone()
                conn.close()
                self.reader_reads += 1
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc) and "unable to open" not in str(exc):
                    self.reader_errors.append(str(exc))
            time.sleep(0.05)

    def url(self, host: str, path: str) -> str:
        return self.site.url(host, path)

    def rows(self, sql: str, *params) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def crawl(site, bundle, tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e") / "archive.db"
    result = Crawl(site, bundle, db)
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def reachable(bundle):
    return [t for t in bundle.truth if t.reachable]


def article_for(crawl, truth):
    urls = [crawl.url(truth.host, p) for p in truth.all_paths]
    rows = crawl.rows(
        f"SELECT DISTINCT a.* FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url IN ({','.join('?' * len(urls))})",
        *urls,
    )
    return rows


def test_every_reachable_article_is_archived_once(crawl, reachable):
    missing = [t.path for t in reachable if len(article_for(crawl, t)) == 0]
    doubled = [t.path for t in reachable if len(article_for(crawl, t)) > 1]
    assert not missing, f"{len(missing)} of {len(reachable)} not archived, e.g. {missing[:5]}"
    assert not doubled
    assert crawl.rows("SELECT count(*) FROM articles")[0][0] == len(reachable)


def test_every_copy_url_is_recorded(crawl, reachable):
    for truth in reachable:
        (row,) = article_for(crawl, truth)
        urls = {r["url"] for r in crawl.rows("SELECT url FROM article_urls WHERE article_id = ?", row["id"])}
        assert {crawl.url(truth.host, p) for p in truth.all_paths} <= urls, truth.path
        assert row["url"] in urls


def _mismatches(crawl, reachable, field, convert=lambda v: v):
    bad = []
    for truth in reachable:
        (row,) = article_for(crawl, truth)
        got, want = convert(row[field]), getattr(truth, field)
        if got != want:
            bad.append((truth.family, truth.path, want if not isinstance(want, str) else want[:80], got if not isinstance(got, str) else got[:80]))
    return bad


@pytest.mark.parametrize("field", ["title", "published_at"])
def test_titles_and_dates_match_the_truth(crawl, reachable, field):
    bad = _mismatches(crawl, reachable, field)
    assert not bad, f"{len(bad)} wrong, e.g. {bad[:3]}"


@pytest.mark.parametrize("field", ["categories", "terms"])
def test_categories_and_terms_match_the_truth(crawl, reachable, field):
    bad = _mismatches(crawl, reachable, field, json.loads)
    assert not bad, f"{len(bad)} wrong, e.g. {bad[:3]}"


def test_bodies_match_the_truth(crawl, reachable):
    bad = _mismatches(crawl, reachable, "body")
    if bad:
        family, path, _, _ = bad[0]
        truth = next(t for t in reachable if t.path == path and t.family == family)
        (row,) = article_for(crawl, truth)
        import difflib

        diff = "\n".join(difflib.unified_diff(truth.body.split("\n"), row["body"].split("\n"), lineterm="", n=0))
        pytest.fail(f"{len(bad)} of {len(reachable)} bodies differ; first {family} {path}:\n{diff[:3000]}")


def test_partial_pages_are_flagged(crawl, reachable):
    for truth in reachable:
        (row,) = article_for(crawl, truth)
        assert bool(row["partial"]) == truth.partial, truth.path


def test_no_boilerplate_left(crawl):
    for (body,) in crawl.rows("SELECT body FROM articles"):
        for phrase in BOILERPLATE:
            assert phrase not in body


def test_masks_are_kept(crawl, reachable):
    bodies = "\n".join(r[0] for r in crawl.rows("SELECT body FROM articles"))
    truth = "\n".join(t.body for t in reachable)
    for mask in ("***", "XX"):
        assert bodies.count(mask) == truth.count(mask)


def test_no_robots_disallowed_url_requested(crawl, site, bundle):
    requested = {(r.host, r.path.split("?")[0]) for r in site.request_log}
    disallowed = {(h, p.split("?")[0]) for h, p in bundle.disallowed_paths}
    assert disallowed, "the site has robots-disallowed pages to test with"
    assert not requested & disallowed
    assert not [r for r in site.request_log if r.path.startswith(("/private/", "/plus/", "/dldoc/"))]


def test_requests_stay_within_a_small_multiple_of_useful_pages(crawl, site, bundle):
    pages = [r for r in site.request_log if not r.path.endswith("robots.txt")]
    assert len(pages) <= 2 * len(bundle.useful_paths), (len(pages), len(bundle.useful_paths))


def test_every_url_the_crawl_requested_is_accounted_for_in_fetches(crawl, site):
    """The server's access log against the crawl log: each URL served has a fetches row (done, failed or
    skipped with a reason; robots.txt, sitemaps and every redirect hop included), and each row with a
    status was served."""
    served = {crawl.url(r.host, r.path) for r in site.request_log}
    rows = crawl.rows("SELECT url, kind, status, error FROM fetches")
    logged = {r["url"] for r in rows}
    missing = sorted(served - logged)
    assert not missing, f"{len(missing)} of {len(served)} served URLs have no fetches row, e.g. {missing[:5]}"
    assert {r["url"] for r in rows if r["status"] is not None} <= served
    assert all(r["error"] for r in rows if r["status"] is None)
    assert {r["kind"] for r in rows} >= {"robots", "redirect", "article", "list", "error", "skipped"}


def test_large_binary_is_not_downloaded_in_full(crawl, site):
    big = [r for r in site.request_log if "30mb" in r.path]
    assert all(r.bytes_sent < 10 * 1024 * 1024 for r in big)
    assert crawl.rows("SELECT count(*) FROM fetches WHERE error LIKE 'not_html:%'")[0][0] >= 1


def test_failures_are_logged_with_reasons(crawl, bundle):
    errors = {r["error"].split(":")[0] for r in crawl.rows("SELECT error FROM fetches WHERE error IS NOT NULL")}
    assert {"http_404", "redirect_loop", "not_html"} <= errors, errors
    (stats,) = crawl.rows("SELECT stats FROM crawls")
    stats = json.loads(stats[0])
    assert stats["fanwen/errors/http_404"] >= 1
    assert stats.get("retry/count", 0) >= 3  # the 500 once, the 503 and the 429


def test_progress_and_summary_are_shown(crawl):
    assert "progress:" in crawl.result.stderr
    assert "archived:" in crawl.result.stdout and "new articles" in crawl.result.stdout


def test_reader_can_read_while_the_crawl_writes(crawl):
    assert crawl.reader_reads > 5
    assert not crawl.reader_errors


def test_retry_after_is_honoured_and_the_page_archived(crawl, site, bundle):
    for key in ("retry_after_503", "retry_after_429", "error_500_once"):
        host, path = bundle.trap_paths[key]
        hits = sorted(r.at for r in site.request_log if r.host == host and r.path == path)
        assert len(hits) >= 2, key
        if key != "error_500_once":
            assert hits[1] - hits[0] >= 0.9, f"{key}: retried after {hits[1] - hits[0]:.2f}s, Retry-After is 1s"
        assert crawl.rows("SELECT count(*) FROM article_urls WHERE url = ?", crawl.url(host, path))[0][0] == 1


def test_redirect_loop_is_named_in_the_crawl_log(crawl):
    (error,) = crawl.rows("SELECT error FROM fetches WHERE error LIKE 'redirect_loop:%' LIMIT 1")[0]
    assert "/go/a.html -> " in error and "/go/b.html" in error


def test_each_charset_trap_decodes(crawl, bundle, reachable):
    by_path = {(t.host, t.path): t for t in reachable}
    for key in ("charset_utf8_header", "charset_meta_gb2312", "charset_none", "charset_malformed_meta", "utf8_bom"):
        articles = [by_path[hp] for hp in bundle.trap_paths[key] if hp in by_path]
        assert articles, key
        for truth in articles:
            (row,) = article_for(crawl, truth)
            assert row["body"] == truth.body and row["title"] == truth.title, (key, truth.path)


def test_learned_boilerplate_is_stored_and_listed(crawl):
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run([sys.executable, "-m", "crawler.cli", "sites", "--db", str(crawl.db), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    sites = {s["site"]: s for s in json.loads(result.stdout)}
    assert set(sites) == {"baihua.test", "dede.test", "phpcms.test", "moyun.test"}
    for site in sites.values():
        assert any("{title}" in entry["template"] for entry in site["boilerplate"]), site


def test_second_crawl_adds_nothing(crawl, site, bundle):
    before = crawl.rows("SELECT id, url, content_hash FROM articles ORDER BY id")
    urls_before = crawl.rows("SELECT url, article_id FROM article_urls ORDER BY url")
    again = fanwen_crawl(site, bundle, crawl.db)
    assert again.returncode == 0, again.stderr[-2000:]
    conn = sqlite3.connect(crawl.db)
    assert conn.execute("SELECT id, url, content_hash FROM articles ORDER BY id").fetchall() == [tuple(r) for r in before]
    assert conn.execute("SELECT url, article_id FROM article_urls ORDER BY url").fetchall() == [tuple(r) for r in urls_before]
    assert conn.execute("SELECT count(*) FROM crawls").fetchone()[0] == 2
