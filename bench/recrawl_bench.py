"""Recrawl of an unchanged ~5,000-page site: requests and time relative to the first crawl.

Four crawls into one archive, each a `fanwen crawl` child process as a user runs it:

1. first crawl (empty archive);
2. recrawl with the default revisit policy: archived articles are not due yet, so only the list,
   tag and home pages are requested (target: <= 15% of the first crawl's requests);
3. the same with FANWEN_REVISIT_LISTINGS=new: list shapes that reveal nothing new stop like traps;
4. recrawl with every archived article due (their `url_state.next_visit` moved to now): each is
   asked with If-None-Match / If-Modified-Since and the site answers 304.

    .venv/bin/python bench/recrawl_bench.py [--articles-per-site 1200]

The site is served by a separate process, so the crawler has a core of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawl_bench import PYTHON, SAME_SETTINGS, served_fixture  # noqa: E402  (this folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=1200)
    args = parser.parse_args()

    with served_fixture(args.articles_per_site) as (bundle, start_urls):
        resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "archive.db"
            crawl = [PYTHON, "-m", "crawler.cli", "crawl", *start_urls, "--db", str(db), *resolve, *SAME_SETTINGS,
                     "-s", "FANWEN_PROGRESS_INTERVAL=0", "--json"]
            runs = [("first crawl", _run(crawl, db))]
            runs.append(("recrawl, articles not due", _run(crawl, db)))
            runs.append(("same, FANWEN_REVISIT_LISTINGS=new", _run(crawl + ["-s", "FANWEN_REVISIT_LISTINGS=new"], db)))
            _make_all_due(db)
            runs.append(("recrawl, all articles due (304)", _run(crawl, db)))
            articles = _scalar(db, "SELECT count(*) FROM articles")
        _report(runs, len(bundle.useful_paths), articles)


def _run(cmd: list[str], db: Path) -> dict[str, float]:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"crawl failed:\n{proc.stderr[-4000:]}")
    crawl_id = json.loads(proc.stdout)["crawl_id"]
    stats = json.loads(_scalar(db, "SELECT stats FROM crawls WHERE id = ?", crawl_id))
    return {
        "requests": stats.get("downloader/request_count", 0),
        "status_200": stats.get("downloader/response_status_count/200", 0),
        "status_304": stats.get("downloader/response_status_count/304", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "seconds": stats.get("elapsed_time_seconds", 0.0),
        "wall": wall,
        "not_due": stats.get("fanwen/revisit/not_due", 0),
        "new_articles": stats.get("fanwen/articles/new", 0),
    }


def _make_all_due(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE url_state SET next_visit = '2000-01-01T00:00:00Z'")
    conn.close()


def _scalar(db: Path, sql: str, *params: object) -> object:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def _report(runs: list[tuple[str, dict[str, float]]], useful: int, articles: int) -> None:
    first = runs[0][1]
    print(f"site: {useful} useful pages; archive: {articles} articles")
    print(f"{'run':34s} {'requests':>8s} {'200':>6s} {'304':>6s} {'MiB':>6s} {'seconds':>8s} {'req %':>6s} {'time %':>7s} {'not due':>8s}")
    for name, r in runs:
        print(f"{name:34s} {r['requests']:8.0f} {r['status_200']:6.0f} {r['status_304']:6.0f} {r['bytes'] / 2**20:6.1f}"
              f" {r['seconds']:8.1f} {100 * r['requests'] / first['requests']:6.1f} {100 * r['seconds'] / first['seconds']:7.1f}"
              f" {r['not_due']:8.0f}")
    print(f"recrawl of the unchanged site: {100 * runs[1][1]['requests'] / first['requests']:.1f}% of the first crawl's"
          " requests (target <= 15%)")


if __name__ == "__main__":
    main()
