"""`fanwen stats`: the archive summarised, and the monthly histogram drawn."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from archive_factory import DOCS, make_archive

from tests.conftest import run_fanwen as run





def test_stats_count_what_the_archive_holds(tmp_path):
    db = make_archive(tmp_path / "a.db")
    result = run("stats", "--db", str(db), "--json", "--short", "50")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    conn = sqlite3.connect(db)
    bodies = [r[0] for r in conn.execute("SELECT body FROM articles")]
    assert stats["articles"] == len(DOCS) + 1 and stats["duplicates"] == 1
    assert stats["duplicate_ratio"] == round(1 / (len(DOCS) + 1), 4)
    assert stats["short_bodies"] == sum(0 < len(b) < 50 for b in bodies) and stats["empty_bodies"] == 0
    sites = Counter(r[0] for r in conn.execute("SELECT site FROM articles"))
    assert {s["name"]: s["articles"] for s in stats["sites"]} == dict(sites)
    months = Counter((r[0] or "unknown")[:7] for r in conn.execute("SELECT published_at FROM articles"))
    assert {m["name"]: m["articles"] for m in stats["months"]} == dict(months)
    assert {c["name"]: c["articles"] for c in stats["categories"]}["工作总结"] == 3
    assert [c["articles_new"] for c in stats["crawls"]] == [len(DOCS) + 1]


def test_text_output_and_plot(tmp_path):
    db = make_archive(tmp_path / "a.db")
    plot = tmp_path / "months.png"
    result = run("stats", "--db", str(db), "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert "near-duplicates: 1 (16.7%)" in result.stdout and "baihua.test" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 5000


def test_unwritable_plot_path_is_refused_before_anything_runs(tmp_path):
    db = make_archive(tmp_path / "a.db")
    result = run("stats", "--db", str(db), "--plot", str(tmp_path / "missing" / "m.png"))
    assert result.returncode == 2 and "give an existing folder" in result.stderr
