"""End to end: a site whose short articles sit beside a bigger teaser feed and a comment list
(testsite family duanwen) is crawled over real HTTP; its learned template archives every article
with body F1 >= 0.98, where single-page extraction does not."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from crawler.extract import main_text
from fanwen.testsite import SiteApp, build_sites, serve
from fanwen.testsite.families import Duanwen
from tests.conftest import fanwen_crawl, run_fanwen

MIN_F1 = 0.98


def char_f1(truth: str, got: str) -> float:
    """F1 of the non-space characters of two texts, as bags (the extraction benchmark's measure)."""
    want, have = Counter(c for c in truth if not c.isspace()), Counter(c for c in got if not c.isspace())
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def duanwen():
    return build_sites(seed=7, articles_per_site=40, families=(Duanwen,))


@pytest.fixture(scope="module")
def archived(duanwen, tmp_path_factory):
    db = tmp_path_factory.mktemp("duanwen") / "archive.db"
    with serve(duanwen) as server:
        result = fanwen_crawl(server, duanwen, db)
        assert result.returncode == 0, result.stderr[-3000:]
        conn = sqlite3.connect(db)
        yield server, conn, db
        conn.close()


def test_single_page_extraction_is_fooled_by_the_layout(duanwen):
    """The family is a real test: without the site's template most pages come out wrong."""
    app = SiteApp(duanwen, port=8000)
    scores = [char_f1(t.body, main_text(app.handle("GET", t.host, t.path).body.decode()))
              for t in duanwen.truth if t.reachable]
    assert sum(s < MIN_F1 for s in scores) > len(scores) // 2, sorted(scores)[:5]


def test_every_article_is_archived_with_f1_at_least_098(archived, duanwen):
    server, conn, _ = archived
    bodies = {url: body for url, body in conn.execute(
        "SELECT u.url, a.body FROM article_urls u JOIN articles a ON a.id = u.article_id")}
    reachable = [t for t in duanwen.truth if t.reachable]
    scores = {t.path: char_f1(t.body, bodies.get(server.url(t.host, t.path), "")) for t in reachable}
    low = {path: round(score, 3) for path, score in scores.items() if score < MIN_F1}
    assert not low, f"{len(low)} of {len(reachable)} below {MIN_F1}: {low}"


def test_template_is_stored_and_listed(archived):
    _, conn, db = archived
    rows = conn.execute("SELECT site, version, content, chrome, retired_at FROM site_templates").fetchall()
    assert [(site, version) for site, version, *_ in rows] == [("duanwen.test", 1)]
    _, _, content, chrome, retired = rows[0]
    assert content.endswith("div.entry>div.entry-body") and retired is None
    assert "觉得有用就点个赞吧，让更多朋友看到这篇短文！" in json.loads(chrome)
    listed = run_fanwen("sites", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert "template v1" in listed.stdout and "div.entry-body" in listed.stdout


def test_the_next_crawl_starts_with_the_stored_template(archived, duanwen):
    server, conn, db = archived
    again = fanwen_crawl(server, duanwen, db, "-s", "FANWEN_REVISIT_ENABLED=False")  # fetch every article again
    assert again.returncode == 0, again.stderr[-3000:]
    stats = json.loads(conn.execute("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert stats.get("fanwen/templates/learned") is None and stats.get("fanwen/templates/retired") is None
    assert stats["fanwen/articles/unchanged"] >= sum(t.reachable for t in duanwen.truth)  # every text as before
    assert stats.get("fanwen/articles/changed") is None and stats.get("fanwen/articles/new") is None
    assert conn.execute("SELECT count(*) FROM site_templates").fetchone()[0] == 1


def test_a_small_site_waits_once_for_both_learners(tmp_path):
    """A site with fewer articles than FANWEN_LEARN_PAGES is learned when no article has come for
    FANWEN_LEARN_WAIT seconds: its template and its boilerplate from the same held articles, after
    one wait (two holds, one per learner, made it wait twice)."""
    from datetime import datetime, timezone

    wait = 4.0
    small = build_sites(seed=11, articles_per_site=20, families=(Duanwen,))  # the fewest a bundle has
    articles = {t.path for t in small.truth if t.reachable}
    db = tmp_path / "archive.db"
    with serve(small) as server:
        # fewer articles than FANWEN_LEARN_PAGES: a small site
        result = fanwen_crawl(server, small, db, "-s", f"FANWEN_LEARN_WAIT={wait}", "-s", "FANWEN_LEARN_PAGES=100")
        assert result.returncode == 0, result.stderr[-3000:]
        last_article_served = max(r.at for r in server.request_log if r.path in articles)
    conn = sqlite3.connect(db)
    stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])
    # One release of the site, after its quiet wait, with every article: both learners learned from it.
    assert stats["fanwen/hold/released_quiet"] == 1 and stats.get("fanwen/hold/released_full") is None
    assert stats["fanwen/hold/articles"] >= len(articles)  # (and the pages with a second URL)
    assert stats["fanwen/templates/learned"] == 1 and stats["fanwen/boilerplate/learned"] >= 1
    # The articles were stored one wait after the last was served, not two (the archive's clock has
    # whole seconds: one second of slack each way).
    first_stored = conn.execute("SELECT min(first_seen) FROM articles").fetchone()[0]
    stored = datetime.strptime(first_stored, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    assert wait - 1 <= stored - last_article_served < 1.5 * wait, stored - last_article_served
    conn.close()
