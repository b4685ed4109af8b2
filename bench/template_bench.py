"""Body F1 of a crawled site whose layout fools single-page extraction, with and without site templates.

Crawls the testsite family duanwen (short articles beside a large teaser feed and a comment list)
over real HTTP twice, with FANWEN_TEMPLATES_ENABLED on and off, and prints per crawl the mean,
minimum and median body F1 against the ground truth (bag of non-space characters) and how many
articles are below 0.98; `--pages` also prints single-page extraction (crawler.extract.main_text)
per page:

    .venv/bin/python bench/template_bench.py [--articles 60] [--seed 7] [--pages]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
         "-s", "LOG_LEVEL=WARNING", "-s", "FANWEN_PROGRESS_INTERVAL=0"]


def char_f1(truth: str, got: str) -> float:
    want, have = Counter(c for c in truth if not c.isspace()), Counter(c for c in got if not c.isspace())
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def crawl_scores(bundle, server, templates: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "archive.db"
        resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", *server.start_urls, "--db", str(db), *resolve, *LOCAL,
               "-s", f"FANWEN_TEMPLATES_ENABLED={templates}"]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        conn = sqlite3.connect(db)
        bodies = dict(conn.execute("SELECT u.url, a.body FROM article_urls u JOIN articles a ON a.id = u.article_id"))
        conn.close()
    return [char_f1(t.body, bodies.get(server.url(t.host, t.path), "")) for t in bundle.truth if t.reachable]


def report(name: str, scores: list[float]) -> None:
    print(f"{name:<26} mean F1 {statistics.mean(scores):.3f}  min {min(scores):.3f}  median {statistics.median(scores):.3f}"
          f"  below 0.98: {sum(s < 0.98 for s in scores)} of {len(scores)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pages", action="store_true", help="print single-page extraction F1 per page")
    args = parser.parse_args()

    from crawler.extract import main_text
    from fanwen.testsite import SiteApp, build_sites, serve
    from fanwen.testsite.families import Duanwen

    bundle = build_sites(seed=args.seed, articles_per_site=args.articles, families=(Duanwen,))
    app = SiteApp(bundle, port=8000)
    single = []
    for truth in (t for t in bundle.truth if t.reachable):
        single.append(char_f1(truth.body, main_text(app.handle("GET", truth.host, truth.path).body.decode())))
        if args.pages:
            print(f"{truth.path:<16} {len(truth.body):>4} chars  single-page F1 {single[-1]:.3f}")
    report("single page (main_text)", single)
    with serve(bundle) as server:
        report("crawl, templates off", crawl_scores(bundle, server, False))
        report("crawl, templates on", crawl_scores(bundle, server, True))


if __name__ == "__main__":
    main()
