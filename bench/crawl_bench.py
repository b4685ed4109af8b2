"""Full `fanwen crawl` against a bare link-following Scrapy spider on one generated ~5,000-page site.

Prints pages/s and pages per CPU second of both, their ratios and peak memory, as medians of --runs runs (alternating):

    .venv/bin/python bench/crawl_bench.py [--articles-per-site 1200] [--runs 3]
    .venv/bin/python bench/crawl_bench.py --sizes 1000,10000,100000 [--runs 1]   # how cost grows with size
    .venv/bin/python bench/crawl_bench.py --family baihua --crawlers fanwen --sizes 1000,10000,100000 --runs 1

With --sizes, each size (articles per site) is crawled as above and one table at the end gives pages/s,
pages per CPU second and peak RSS (VmHWM) of both crawlers for every size, and how many bytes of peak RSS
each article added since the size before (flat is the goal: ~0). `--family` serves
only that family's site (100,000 articles of all four sites is ~750,000 pages, hours of crawling), and
`--crawlers fanwen` skips the bare spider (its cost per page does not depend on the archive's size).

The demo site is served by a separate process, so the crawler has a core of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SAME_SETTINGS = [
    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=16",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=WARNING", "-s", "ROBOTSTXT_OBEY=True",
    "-s", "FANWEN_RETRY_BACKOFF_BASE=0.2",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=1200)
    parser.add_argument("--sizes", default="", help="articles per site of each crawl, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--family", action="append", default=[], help="serve only this family's site (repeatable)")
    parser.add_argument("--crawlers", default="bare,fanwen", help="which crawlers to run, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.articles_per_site]
    crawlers = tuple(name for name in ("bare", "fanwen") if name in args.crawlers.split(","))
    table = []
    for size in sizes:
        results, useful, articles = measure_size(size, args.runs, args.family, crawlers)
        table.append((size, useful, _report(results, useful, articles)))
    if args.sizes:
        print()
        print("| articles per site | useful pages | crawler | pages/s | pages per CPU s | peak RSS | bytes an article more than the size before |")
        print("|---|---|---|---|---|---|---|")
        previous: dict[str, tuple[int, float]] = {}
        for size, useful, med in table:
            for name, m in med.items():
                growth = "—"
                if name in previous and size != previous[name][0]:
                    before_size, before_mib = previous[name]
                    growth = f"{(m['peak_mib'] - before_mib) * 2**20 / (size - before_size):,.0f}"
                previous[name] = (size, m["peak_mib"])
                print(f"| {size:,} | {useful:,} | {name} | {m['pages_per_s']:.1f} | {m['pages_per_cpu_s']:.1f}"
                      f" | {m['peak_mib']:.0f} MiB | {growth} |")


def measure_size(articles_per_site: int, runs: int, families: list[str],
                  crawlers: tuple[str, ...]) -> tuple[dict[str, list[dict[str, float]]], int, int]:
    """Each crawler, `runs` times (alternating), over the sites with `articles_per_site` articles."""
    with served_fixture(articles_per_site, families) as (bundle, start_urls):
        resolve = {host: "127.0.0.1" for host in bundle.hosts}
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
        results: dict[str, list[dict[str, float]]] = {name: [] for name in crawlers}
        for run in range(runs):
            for name in crawlers:
                results[name].append(_one_run(name, start_urls, resolve, env))
                r = results[name][-1]
                print(f"{articles_per_site} per site, run {run + 1} {name:6s}: {r['pages']:.0f} pages in {r['seconds']:.1f}s"
                      f" = {r['pages_per_s']:.1f} pages/s, {r['pages_per_cpu_s']:.1f} pages per CPU second,"
                      f" peak {r['peak_mib']:.0f} MiB", flush=True)
        return results, len(bundle.useful_paths), sum(t.reachable for t in bundle.truth)


@contextmanager
def served_fixture(articles_per_site: int, families: list[str] = ()) -> Iterator[tuple[Any, list[str]]]:
    """The generated demo sites (seed 7; only `families` if given) served by a separate process: (bundle, start URLs)."""
    sys.path.insert(0, str(ROOT))
    from fanwen.testsite import build_sites
    from fanwen.testsite.__main__ import FAMILY_NAMES
    from fanwen.testsite.families import FAMILIES

    chosen = tuple(FAMILY_NAMES[name] for name in families) if families else FAMILIES
    bundle = build_sites(seed=7, articles_per_site=articles_per_site, families=chosen)
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "fanwen.testsite", "serve", "--port", str(port), "--seed", "7",
         "--articles-per-site", str(articles_per_site), *(arg for name in families for arg in ("--family", name))],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        _wait_for_port(port, server)
        yield bundle, [f"http://{host}:{port}/" for host in bundle.start_hosts]
    finally:
        server.terminate()
        server.wait()


def _one_run(name: str, start_urls: list[str], resolve: dict[str, str], env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = Path(tmp) / "stats.json"
        common = SAME_SETTINGS + ["-s", f"FANWEN_RESOLVE={json.dumps(resolve)}"]
        if name == "bare":
            cmd = [PYTHON, str(ROOT / "bench" / "measure.py"), str(stats_file), "bare", ",".join(start_urls), *common]
        else:
            cmd = [PYTHON, str(ROOT / "bench" / "measure.py"), str(stats_file), "fanwen", ",".join(start_urls), *common,
                   "-s", f"ARCHIVE_DB={Path(tmp) / 'archive.db'}", "-s", "FANWEN_PROGRESS_INTERVAL=0"]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{name} failed:\n{proc.stderr[-4000:]}")
        stats = json.loads(stats_file.read_text())
    pages = stats["response_received_count"]
    seconds = stats["elapsed_time_seconds"]
    return {"pages": pages, "seconds": seconds, "pages_per_s": pages / seconds, "peak_mib": stats["peak_rss_mib"],
            "cpu_seconds": stats["cpu_seconds"], "pages_per_cpu_s": pages / stats["cpu_seconds"],
            "articles": stats.get("fanwen/articles/new", 0)}


def _report(results: dict[str, list[dict[str, float]]], useful: int, articles: int) -> dict[str, dict[str, float]]:
    med = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
    print()
    print(f"site: {useful} useful pages, {articles} reachable articles; medians of {len(next(iter(results.values())))} runs")
    print(f"{'crawler':10s} {'pages':>7s} {'seconds':>8s} {'pages/s':>8s} {'CPU s':>7s} {'pages/CPU s':>12s} {'peak MiB':>9s}")
    for name, m in med.items():
        print(f"{name:10s} {m['pages']:7.0f} {m['seconds']:8.1f} {m['pages_per_s']:8.1f} {m['cpu_seconds']:7.1f}"
              f" {m['pages_per_cpu_s']:12.1f} {m['peak_mib']:9.0f}")
    if "fanwen" in med:
        print(f"fanwen archived {med['fanwen']['articles']:.0f} of {articles} articles")
    if len(med) == 2:
        ratio = med["fanwen"]["pages_per_s"] / med["bare"]["pages_per_s"]
        print(f"ratio fanwen/bare pages/s: {ratio:.2f} (target >= 0.80)")
        # Both crawlers are CPU-bound, so pages per CPU second is their cost per page, and unlike wall time
        # it barely moves when other programs share the machine's cores.
        cpu_ratio = med["fanwen"]["pages_per_cpu_s"] / med["bare"]["pages_per_cpu_s"]
        print(f"ratio fanwen/bare pages per CPU second: {cpu_ratio:.2f}")
    return med


def _wait_for_port(port: int, server: subprocess.Popen, timeout: float = 3600) -> None:
    """Until the server listens: generating 100,000 articles a site takes minutes before it does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"demo server did not start on port {port}")


if __name__ == "__main__":
    main()
