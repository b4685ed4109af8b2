"""A multi-page article whose first page is too short to pass for an article by itself.

Page 1 of such an article holds a title and a few short paragraphs (under `MIN_ARTICLE_CHARS`), and its
pager links `N_2.html`: it must be archived whole, not classified as a list page and lost."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.discover import MIN_ARTICLE_CHARS
from fanwen.testsite import build_sites, serve
from tests.conftest import fanwen_crawl


@pytest.fixture(scope="module")
def big_bundle():
    return build_sites(seed=7, articles_per_site=1200)  # the crawl benchmark's sites, where these pages occur


def short_two_page_posts(bundle) -> list[tuple[str, str]]:
    """(host, page-1 path) of canonical two-page articles whose page 1 has little text."""
    found = []
    for site in bundle.sites:
        for post in site.posts:
            lo, hi = post.pages[0]
            if (len(post.pages) == 2 and post.canonical == post.index and post.layout == "plain"
                    and sum(map(len, post.doc.paragraphs[lo:hi])) < MIN_ARTICLE_CHARS):
                found.append((site.host, post.path))
    return found


def test_short_first_page_of_a_two_page_article_is_archived_whole(big_bundle, tmp_path):
    posts = short_two_page_posts(big_bundle)
    assert len(posts) >= 3, posts  # dede and phpcms pages at this size
    truth = {(t.host, t.path): t for t in big_bundle.truth}
    db = tmp_path / "archive.db"
    with serve(big_bundle) as server:
        starts = [server.url(host, path) for host, path in posts]
        # Depth 1: the start pages, their page 2 and the pages they link to, not the whole site.
        result = fanwen_crawl(server, big_bundle, db, "-s", "DEPTH_LIMIT=1", start_urls=starts)
        assert result.returncode == 0, result.stderr[-3000:]
        conn = sqlite3.connect(db)
        for (host, path), url in zip(posts, starts):
            row = conn.execute("SELECT a.body FROM articles a JOIN article_urls u ON u.article_id = a.id "
                               "WHERE u.url = ?", (url,)).fetchone()
            assert row is not None, f"{url} was not archived"
            assert row[0] == truth[(host, path)].body, url
        conn.close()
