"""End to end: near-duplicate links of two crawls (in different orders) against the designed ground truth."""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
import subprocess

import pytest

from fanwen.testsite.variants import NEGATIVE_KINDS
from tests.conftest import FANWEN, ROOT, fanwen_crawl


def clusters(db) -> dict[str, frozenset[str]]:
    """representative URL -> URLs of every member (by kept URL), for clusters of two or more."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT a.url, r.url FROM articles a JOIN articles r ON r.id = a.duplicate_of").fetchall()
    out: dict[str, set[str]] = {}
    for url, rep in rows:
        out.setdefault(rep, {rep}).add(url)
    return {rep: frozenset(m) for rep, m in out.items()}


@pytest.fixture(scope="module")
def crawls(site, bundle, tmp_path_factory):
    """The same sites crawled twice into fresh archives, the second time in another order."""
    tmp = tmp_path_factory.mktemp("neardup")
    first, second = tmp / "a.db", tmp / "b.db"
    result = fanwen_crawl(site, bundle, first)
    assert result.returncode == 0, result.stderr[-2000:]
    other_order = ["-s", "CONCURRENT_REQUESTS=3", "-s", "DEPTH_PRIORITY=1", "-s",
                   "SCHEDULER_DISK_QUEUE=scrapy.squeues.PickleFifoDiskQueue", "-s",
                   "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue"]
    result = fanwen_crawl(site, bundle, second, *other_order, start_urls=list(reversed(site.start_urls)))
    assert result.returncode == 0, result.stderr[-2000:]
    return first, second


def truth_pairs(site, bundle) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """(pairs that must be linked, hard-negative pairs that must not), as kept URLs."""
    url = {(t.host, t.path): site.url(t.host, min(t.all_paths, key=lambda p: (len(p), p))) for t in bundle.reachable_truth}
    group = {k: k for k in url}

    def find(k):
        while group[k] != k:
            k = group[k]
        return k

    negatives = set()
    for t in bundle.reachable_truth:
        if t.variant in NEGATIVE_KINDS:
            negatives.add(frozenset((url[(t.host, t.path)], url[(t.host, t.variant_of)])))
        elif t.variant:
            group[find((t.host, t.path))] = find((t.host, t.variant_of))
    members: dict[tuple, list[str]] = {}
    for k in url:
        members.setdefault(find(k), []).append(url[k])
    pairs = {frozenset(p) for m in members.values() for p in itertools.combinations(m, 2)}
    return pairs, negatives


def linked_pairs(db) -> set[frozenset[str]]:
    return {frozenset(p) for m in clusters(db).values() for p in itertools.combinations(sorted(m), 2)}


def test_precision_and_recall_of_links(crawls, site, bundle):
    want, negatives = truth_pairs(site, bundle)
    got = linked_pairs(crawls[0])
    assert len(want) >= 30 and len(negatives) >= 6
    precision = len(got & want) / len(got)
    recall = len(got & want) / len(want)
    print(f"near-duplicate pairs: {len(got)} linked, {len(want)} true; precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95
    assert not got & negatives, "same topic or template, different text: must not be linked"


def test_links_point_at_the_representative(crawls):
    conn = sqlite3.connect(crawls[0])
    assert conn.execute("SELECT count(*) FROM articles a JOIN articles r ON r.id = a.duplicate_of"
                        " WHERE r.duplicate_of IS NOT NULL").fetchone()[0] == 0  # no chains
    for rep, members in clusters(crawls[0]).items():
        assert rep == min(members, key=lambda u: (len(u), u))


def test_two_crawl_orders_give_identical_clusters(crawls):
    first, second = crawls
    order = "SELECT url FROM articles ORDER BY id"
    assert [r for r in sqlite3.connect(first).execute(order)] != [r for r in sqlite3.connect(second).execute(order)]
    assert clusters(first) == clusters(second) and clusters(first)


def test_signatures_and_paragraph_stats_are_stored(crawls):
    conn = sqlite3.connect(crawls[0])
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM neardup_signatures").fetchone()[0] == articles
    multi = conn.execute("SELECT count(*) FROM articles WHERE body LIKE '%篇一%' AND body LIKE '%篇二%'").fetchone()[0]
    stats = conn.execute("SELECT count(*), min(essays) FROM paragraph_stats").fetchone()
    assert multi and stats[0] >= multi * 0.9 and stats[1] >= 2


def test_dedupe_command_recomputes_with_another_threshold(crawls, tmp_path):
    db = tmp_path / "copy.db"
    shutil.copy(crawls[0], db)
    before = clusters(db)

    def dedupe(threshold: str) -> dict:
        run = subprocess.run([*FANWEN, "dedupe", "--db", str(db), "--threshold", threshold, "--json"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    strict = dedupe("0.97")
    assert strict["signatures_computed"] == 0 and strict["unlinked"] > 0
    assert strict["linked_after"] == strict["linked_before"] - strict["unlinked"] + strict["newly_linked"]
    assert sum(len(m) - 1 for m in clusters(db).values()) == strict["linked_after"] < sum(len(m) - 1 for m in before.values())
    again = dedupe("0.6")
    assert clusters(db) == before and again["newly_linked"] == strict["unlinked"]
