"""Crawl-quality monitors: a site whose template changes between two crawls raises an alarm (exit 4,
reason in crawls.alarms, shown by fanwen stats); the checks themselves on figures."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import pytest

from crawler.monitors import SiteFigures, Thresholds, evaluate, site_figures
from fanwen.testsite import build_sites, serve
from tests.conftest import LOCAL, ROOT, fanwen_crawl, run_fanwen

FULL = ["-s", "FANWEN_REVISIT_ENABLED=False"]  # every article page is fetched again: a full recrawl
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def _script_rendered(render):
    """The family's article pages after a redesign: the text is written by a script the extractor does not run."""
    def redesigned(page, route):
        html = render(page, route)
        if route[0] != "article":
            return html
        texts = _PARAGRAPH.findall(html)
        html = _PARAGRAPH.sub("", html)
        return html.replace("</body>", f"<script>var body = {json.dumps(texts, ensure_ascii=False)};</script></body>")
    return redesigned


@pytest.fixture(scope="module")
def redesign():
    bundle = build_sites(seed=5, articles_per_site=20)
    with serve(bundle) as server:
        yield bundle, server


def test_a_redesign_that_breaks_extraction_raises_the_alarm(redesign, tmp_path):
    bundle, server = redesign
    db = tmp_path / "archive.db"
    first = fanwen_crawl(server, bundle, db, *FULL, "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    assert json.loads(first.stdout)["alarms"] == []

    family = bundle.sites[0].family
    family.render = _script_rendered(type(family).render.__get__(family))
    try:
        second = fanwen_crawl(server, bundle, db, *FULL)
    finally:
        del family.render
    assert second.returncode == 4, second.stderr[-2000:]
    site = bundle.sites[0].host.removeprefix("www.")
    assert f"alarm:    {site}:" in second.stdout
    error_lines = [line for line in second.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1 and "quality alarm" in error_lines[0] and "Traceback" not in second.stderr

    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, alarms, quality FROM crawls ORDER BY id").fetchall()
    assert rows[0][1] is None and json.loads(rows[0][2])["sites"][site]["articles"] >= 10
    alarms = json.loads(rows[1][1])
    assert alarms and all(a.startswith(f"{site}:") for a in alarms)  # the other three sites kept their template
    stats = run_fanwen("stats", "--db", str(db))
    assert stats.returncode == 0, stats.stderr
    assert "quality per site" in stats.stdout and f"ALARM {alarms[0]}" in stats.stdout


def test_a_bare_scrapy_crawl_runs_the_monitors_too_and_exits_4_on_an_alarm(redesign, tmp_path):
    bundle, server = redesign
    db = tmp_path / "archive.db"
    resolve = json.dumps({host: "127.0.0.1" for host in bundle.hosts})
    # every body counts as short: the short-body share breaks its threshold
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "fanwen", "-a", f"start_urls={server.start_urls[0]}",
                             "-s", f"ARCHIVE_DB={db}", "-s", f"FANWEN_RESOLVE={resolve}", "-s", "FANWEN_WARC_ENABLED=0",
                             "-s", "FANWEN_MONITOR_SHORT_CHARS=100000", *LOCAL],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 4, result.stderr[-3000:]
    assert "quality alarm" in result.stderr
    conn = sqlite3.connect(db)
    [(alarms,)] = conn.execute("SELECT alarms FROM crawls").fetchall()
    assert alarms and "have a body under 100000 characters" in alarms


LIMITS = Thresholds(min_pages=10)


def _site(articles=20, failed=0, short=0, duplicates=0, median=2000.0) -> SiteFigures:
    return SiteFigures(articles=articles, failed=failed, short=short, duplicates=duplicates, median_chars=median)


def test_a_healthy_crawl_passes():
    assert evaluate({"a.test": _site()}, ["a.test"], [], LIMITS) == []


@pytest.mark.parametrize("figures, words", [
    (_site(failed=10), "failed extraction"),
    (_site(short=10), "body under 80 characters"),
    (_site(duplicates=19), "are duplicates"),
    (_site(articles=0, failed=3), "no article page"),
])
def test_each_share_check_raises_its_alarm(figures, words):
    alarms = evaluate({"a.test": figures}, ["a.test"], [], LIMITS)
    assert len(alarms) == 1 and words in alarms[0] and alarms[0].startswith("a.test:")


def test_drops_against_the_same_sites_earlier_crawls():
    history = [{"incremental": False, "sites": {"a.test": _site(articles=100, median=2000).summary()}}]
    shorter = evaluate({"a.test": _site(articles=100, median=600)}, ["a.test"], history, LIMITS)
    fewer = evaluate({"a.test": _site(articles=30)}, ["a.test"], history, LIMITS)
    assert len(shorter) == 1 and "median body length fell to 600" in shorter[0]
    assert len(fewer) == 1 and "30 article pages, down from 100" in fewer[0]
    # A recrawl requests only the articles that are due: fewer pages is no alarm, and no page is no alarm
    # for a site the archive already holds.
    assert evaluate({"a.test": _site(articles=30)}, ["a.test"], history, LIMITS, incremental=True) == []
    assert evaluate({}, ["a.test"], history, LIMITS, incremental=True, archived={"a.test": 100}) == []
    # Another site's history does not count.
    assert evaluate({"b.test": _site(articles=30)}, ["b.test"], history, LIMITS) == []


def test_small_sites_are_judged_only_for_having_articles():
    assert evaluate({"a.test": _site(articles=3, short=3)}, ["a.test"], [], LIMITS) == []


def test_decode_replacements_share():
    assert "replacement characters" in evaluate({"a.test": _site()}, ["a.test"], [], LIMITS, decode_share=0.2)[0]


def test_site_figures_group_pages_by_site_mirrors_included():
    rows = [("http://www.a.test/1.html", "article", None, 1500, False),
            ("http://m.a.test/2.html", "article", None, 50, True),
            ("http://www.a.test/3.html", "other", "no article text after cleaning", None, False)]
    figures = site_figures(rows, 200)["a.test"]
    assert (figures.articles, figures.failed, figures.short, figures.duplicates) == (2, 1, 1, 1)
    assert figures.median_chars == 775.0


def test_revisits_that_answer_304_count_as_article_pages_seen():
    history = [{"incremental": False, "sites": {"a.test": _site(articles=40).summary()}}]
    recrawl = SiteFigures(articles=2, unchanged=38, median_chars=2000.0)
    assert evaluate({"a.test": recrawl}, ["a.test"], history, LIMITS) == []
    rows = [("http://www.a.test/1.html", "skipped", "unchanged: not modified since the last visit (HTTP 304)", None, False)]
    assert site_figures(rows, 200)["a.test"].unchanged == 1
