"""bench/scale_bench.py at a tiny size: every figure of issue 19 comes out measured, in one table."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scale_bench import Table  # noqa: E402

ARTICLES = 2000
FIGURES = [
    "`fanwen --help` start-up, CPU s",
    "near-duplicate stage, articles per CPU s",
    "search, 4-character queries, top 20: p95 CPU ms",
    "ranked (exact bm25), 1-100 matches: p95 CPU ms",
    "ranked (exact bm25), 101-1,000 matches: p95 CPU ms",
    "ranked (exact bm25), 1,001-5,000 matches: p95 CPU ms",
    "ranked (exact bm25), 5,001-20,000 matches: p95 CPU ms",
    "search index size / text size",
    "search index rebuild, CPU ms an article",
    "archive writer with search index + near-duplicates, articles per CPU s",
    "crawl, 20 articles (one site): pages per CPU s",
    "crawl in one process (20 articles a site, 4 sites): pages/s",
    "distributed, 1 worker + 1 archiver: pages/s",
    "archiver CPU ms a page (start-up excluded)",
]


def test_scale_bench_measures_every_figure_at_a_tiny_size(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale_bench.py"), "--articles", str(ARTICLES), "--runs", "1",
         "--out", str(tmp_path), "--writer-articles", "100", "--dedupe-articles", "100", "--crawl-sizes", "20",
         "--distributed-articles-per-site", "20", "--workers", "1", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = {row["figure"]: row for row in report["figures"]}
    assert list(rows) == FIGURES
    for name, row in rows.items():
        if name.startswith("ranked (exact bm25), 5,001"):  # no query can match 5,001 of 2,000 articles
            assert row["value"] is None and row["measured"].startswith("n/a"), row
            continue
        assert isinstance(row["value"], (int, float)) and math.isfinite(row["value"]) and row["value"] > 0, row
        assert re.match(r"\d[\d,]*(\.\d+)?x? ", row["measured"] + " "), row  # the table shows the number first
        if row["target"] and not name.startswith("crawl, "):  # the smallest crawl is the baseline of "flat"
            assert isinstance(row["met"], bool), row
    assert rows["search, 4-character queries, top 20: p95 CPU ms"]["met"] is (rows["search, 4-character queries, top 20: p95 CPU ms"]["value"] <= 20)
    assert report["articles"] == ARTICLES and report["runs"] == 1
    assert rows["search index rebuild, CPU ms an article"]["measured"].endswith(f"for {ARTICLES:,} articles; 1 run)")
    assert all(row["peak_rss_mib"] > 10 for name, row in rows.items()
               if name.startswith(("near-duplicate", "archive writer", "search index rebuild", "crawl, ")))


def test_the_table_has_one_line_per_figure_and_marks_missed_targets():
    table = Table()
    table.add("a figure", 3.0, "3.0 (detail)", "<= 2", False, 120.4)
    table.add("another", 1.0, "1.0", "", None)
    lines = table.markdown().splitlines()
    assert lines[0].startswith("| figure | measured | target (at 1M) | met? | peak RSS | load |")
    assert lines[2].startswith("| a figure | 3.0 (detail) | <= 2 | **no** | 120 MiB | ")
    assert lines[3].startswith("| another | 1.0 | — | — | — | ")
    assert len(lines) == 4


def test_the_writer_benchmark_adds_new_articles_when_run_again(tmp_path):
    import sqlite3

    import search_bench

    db = tmp_path / "archive.db"
    search_bench.generate(db, 50)
    for _ in range(2):  # the same seed twice, as two runs of the bench with --reuse
        search_bench.write_articles(str(db), 1, 20, 100)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone() == (90, 90)
