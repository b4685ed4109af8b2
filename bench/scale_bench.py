"""Every figure of issue 19 in one table: figure | measured | target | met? | peak RSS | load.

    .venv/bin/python bench/scale_bench.py [--articles 100000] [--runs 3] [--out /work/benchdata/scale7]
        [--search-db PREBUILT.db] [--dedupe-db PREBUILT.db] [--reuse] [--only STEP,...] [--json]
        [--crawl-sizes 1000,10000] [--workers 1 2 4] [--distributed-from DISTRIBUTED_BENCH.json]

Each step runs the existing benchmarks' own functions in fresh processes (bench/child.py), so each has
its own CPU time and peak RSS (VmHWM, or the reaped child's ru_maxrss for `fanwen --help`):

- `fanwen --help` start-up (bench/child.py, the installed `fanwen` script);
- the near-duplicate stage (bench/dedupe_bench.py `measure`: 3 x --dedupe-articles new articles into an
  archive of --articles articles, 10% of them near-duplicates);
- search (bench/search_bench.py `query_figures`): 4-character queries' p95, ranked p95 by band of
  matches, index size / text size; the index rebuild (`rebuild`) per article; the archive writer with
  the search index and near-duplicates (`write_articles`);
- the crawl at each of --crawl-sizes articles (one site, bench/crawl_bench.py `measure_size`);
- the distributed crawl with --workers workers and one archiver (bench/distributed_bench.py `measure`),
  and the archiver's CPU per page less its start-up.

Archives are built at --articles in --out, or copied there from --search-db / --dedupe-db (a copy: the
steps write to them); --reuse measures the copies an earlier run left. Every figure is the median of
--runs runs (the index rebuild: of --rebuild-runs, since it takes minutes at 100k). The targets are
issue 19's, set for 1M articles. Figures are CPU time where the target allows (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from child import ROOT, call, run  # noqa: E402

STEPS = ("startup", "dedupe", "search", "rebuild", "writer", "crawl", "distributed")
RANK_BANDS = ((1, 100), (101, 1_000), (1_001, 5_000), (5_001, 20_000))


class Table:
    """The figures, each printed to stderr as it is measured."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, figure: str, value: float | None, shown: str, target: str = "", met: bool | None = None,
            peak_rss_mib: float | None = None) -> None:
        row = {"figure": figure, "value": value, "measured": shown, "target": target, "met": met,
               "peak_rss_mib": peak_rss_mib, "load": round(os.getloadavg()[0], 1)}
        print(f"{figure}: {shown}", file=sys.stderr, flush=True)
        self.rows.append(row)

    def markdown(self) -> str:
        lines = ["| figure | measured | target (at 1M) | met? | peak RSS | load |", "|---|---|---|---|---|---|"]
        for r in self.rows:
            met = {True: "yes", False: "**no**", None: "—"}[r["met"]]
            rss = f"{r['peak_rss_mib']:,.0f} MiB" if r["peak_rss_mib"] is not None else "—"
            lines.append(f"| {r['figure']} | {r['measured']} | {r['target'] or '—'} | {met} | {rss} | {r['load']} |")
        return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values)


def startup(table: Table, runs: int) -> None:
    """`fanwen --help`: CPU and wall seconds of the whole process, medians of at least 5 runs."""
    script = Path(sys.executable).parent / "fanwen"
    cmd = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "crawler.cli", "--help"]
    done = [run(cmd) for _ in range(max(5, runs))]
    if any(d.returncode for d in done):
        sys.exit(f"fanwen --help failed:\n{done[0].stderr[-2000:]}")
    cpu, wall = median([d.cpu_seconds for d in done]), median([d.seconds for d in done])
    table.add("`fanwen --help` start-up, CPU s", cpu, f"{cpu:.2f} CPU s ({wall:.2f} s wall)", "<= 0.3 s", cpu <= 0.3,
              median([d.peak_rss_mib for d in done]))


def prepared(out: Path, name: str, articles: int, prebuilt: Path | None, reuse: bool, build: Callable[[Path], None]) -> Path:
    """The archive a step writes to: left by an earlier run (--reuse), copied from a prebuilt one, or built."""
    db = out / f"{name}-{articles}.db"
    if reuse and db.exists():
        return db
    for old in out.glob(f"{db.name}*"):
        old.unlink()
    if prebuilt:
        for suffix in ("", "-wal"):  # a prebuilt archive's committed pages may still be in its WAL
            if Path(f"{prebuilt}{suffix}").exists():
                shutil.copyfile(f"{prebuilt}{suffix}", f"{db}{suffix}")
    else:
        build(db)
    return db


def near_duplicates(table: Table, db: Path, articles: int, runs: int, window: int) -> None:
    """The near-duplicate stage alone, per CPU second (bench/dedupe_bench.py `measure`, 3 x `window` articles a run)."""
    results = [call("dedupe_bench", "measure", str(db), articles, window) for _ in range(runs)]
    stage = median([r["dedupe_stage_per_cpu_s"] for r in results])
    table.add("near-duplicate stage, articles per CPU s", stage,
              f"{stage:,.0f} ({median([r['dedupe_stage_per_s'] for r in results]):,.0f} wall; store with the stage"
              f" {median([r['store_per_cpu_s'] for r in results]):,.0f} per CPU s)", ">= 10,000", stage >= 10_000,
              median([r["peak_rss_mib"] for r in results]))


def search(table: Table, db: Path, runs: int) -> None:
    """Search latency by query length and by band of matches, and the index size."""
    q = call("search_bench", "query_figures", str(db), runs, False)
    p50, p95 = q["lengths"]["4"][2], q["lengths"]["4"][3]
    table.add("search, 4-character queries, top 20: p95 CPU ms", p95, f"{p95:.1f} (p50 {p50:.1f}; wall p95"
              f" {q['lengths']['4'][1]:.1f} ms)", "<= 20 ms", p95 <= 20, q["peak_rss_mib"])
    measured = {(b["low"], b["high"]): b for b in q["ranked"]}
    for low, high in RANK_BANDS:
        figure = f"ranked (exact bm25), {low:,}-{high:,} matches: p95 CPU ms"
        band = measured.get((low, high))
        if band:
            p95 = band["latency"][3]
            table.add(figure, p95, f"{p95:.1f} (p50 {band['latency'][2]:.1f}; {band['queries']} queries)", "<= 50 ms",
                      p95 <= 50, q["peak_rss_mib"])
        else:  # an archive smaller than the band has no such query
            table.add(figure, None, f"n/a: no query has this many matches in {q['articles']:,} articles", "<= 50 ms")
    s = q["sizes"]
    table.add("search index size / text size", s["ratio"], f"{s['ratio']:.2f}x ({s['index_mb']:,.0f} MB / {s['text_mb']:,.0f} MB)",
              "<= 1.5x", s["ratio"] <= 1.5)


def rebuild(table: Table, db: Path, rebuild_runs: int) -> None:
    """The search index rebuilt in one transaction, CPU per article."""
    rebuilt = [call("search_bench", "rebuild", str(db)) for _ in range(rebuild_runs)]
    ms = median([1000 * r["cpu_seconds"] / r["articles"] for r in rebuilt])
    table.add("search index rebuild, CPU ms an article", ms,
              f"{ms:.2f} ({median([r['cpu_seconds'] for r in rebuilt]):,.0f} CPU s,"
              f" {median([r['seconds'] for r in rebuilt]):,.0f} s wall for {rebuilt[0]['articles']:,} articles;"
              f" {len(rebuilt)} run{'s' if len(rebuilt) > 1 else ''})",
              "<= 0.6 ms (10 min at 1M)", ms <= 0.6, median([r["peak_rss_mib"] for r in rebuilt]))


def writer(table: Table, db: Path, runs: int, writer_articles: int) -> None:
    """The archive writer with the search index and near-duplicates; it adds articles, so it runs last."""
    written = [call("search_bench", "write_articles", str(db), 3, writer_articles, 100 + n) for n in range(runs)]
    rate = median([r["per_cpu_s"] for r in written])
    table.add("archive writer with search index + near-duplicates, articles per CPU s", rate,
              f"{rate:,.0f} ({median([r['per_s'] for r in written]):,.0f} wall; 3 x {writer_articles:,} articles a run)",
              ">= 1,500", rate >= 1_500, median([r["peak_rss_mib"] for r in written]))


def crawl(table: Table, sizes: list[int], runs: int) -> None:
    """fanwen crawling one generated site (baihua) of each size: pages/s, per CPU s, peak RSS; flat is the goal."""
    smallest = None
    for size in sizes:
        results, useful, reachable = call("crawl_bench", "measure_size", size, runs, ["baihua"], ["fanwen"])
        fanwen = results["fanwen"]
        per_cpu = median([r["pages_per_cpu_s"] for r in fanwen])
        smallest = smallest or per_cpu
        flat = per_cpu / smallest
        table.add(f"crawl, {size:,} articles (one site): pages per CPU s", per_cpu,
                  f"{per_cpu:.1f} ({median([r['pages_per_s'] for r in fanwen]):.1f} pages/s; {median([r['pages'] for r in fanwen]):,.0f}"
                  f" pages, {median([r['articles'] for r in fanwen]):,.0f} of {reachable:,} articles; {flat:.2f}x the smallest size)",
                  "flat: >= 0.9x the smallest size", flat >= 0.9 if size != sizes[0] else None,
                  median([r["peak_mib"] for r in fanwen]))


def distributed(table: Table, articles_per_site: int, workers: list[int], runs: int, measured: Path | None) -> None:
    """Pages/s with each number of workers and one archiver; the archiver's CPU per page, less its start-up.
    `measured`: the JSON of an earlier bench/distributed_bench.py run, shown instead of measuring again."""
    if measured:
        d = json.loads(measured.read_text())
        articles_per_site, workers = d["articles_per_site"], sorted(int(k.split("_")[1]) for k in d if k.startswith("workers_"))
    else:
        d = call("distributed_bench", "measure", articles_per_site, workers, 0, runs)
    single = d["single_process"]
    table.add(f"crawl in one process ({articles_per_site} articles a site, 4 sites): pages/s", single["pages_per_s"],
              f"{single['pages_per_s']:.1f} ({single['pages_per_cpu_s']:.1f} per CPU s; {single['requests']:,.0f} pages)")
    for count in workers:
        w = d[f"workers_{count}"]
        table.add(f"distributed, {count} worker{'s' if count > 1 else ''} + 1 archiver: pages/s", w["pages_per_s"],
                  f"{w['pages_per_s']:.1f} (workers {w['worker_pages_per_cpu_s']:.1f} pages per CPU s; archived"
                  f" {w['archived_after_s']:.0f} s after the start, crawl span {w['seconds']:.0f} s)")
    ms = median([d[f"workers_{count}"]["archiver_ms_per_page_working"] for count in workers])
    per_article = median([d[f"workers_{count}"]["archiver_ms_per_article"] for count in workers])
    table.add("archiver CPU ms a page (start-up excluded)", ms,
              f"{ms:.2f} (one archiver with a core of its own serves {1000 / ms:,.0f} pages/s; fixed cost"
              f" {d[f'workers_{workers[0]}']['archiver_fixed_cpu_s']:.1f} CPU s; {per_article:.1f} ms an article, start-up included)",
              "<= 2 ms (>= 500 pages/s)", ms <= 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="archive size of the search and near-duplicate figures")
    parser.add_argument("--runs", type=int, default=3, help="runs of each figure (medians)")
    parser.add_argument("--rebuild-runs", type=int, default=0, help="runs of the index rebuild (default: --runs)")
    parser.add_argument("--out", type=Path, default=Path("/work/benchdata/scale7"), help="folder of the archives")
    parser.add_argument("--search-db", type=Path, help="a prebuilt indexed archive to copy instead of generating one")
    parser.add_argument("--dedupe-db", type=Path, help="a prebuilt bench/dedupe_bench.py archive to copy")
    parser.add_argument("--reuse", action="store_true", help="measure the archives an earlier run left in --out")
    parser.add_argument("--writer-articles", type=int, default=4000, help="articles per writer window (3 a run)")
    parser.add_argument("--dedupe-articles", type=int, default=2000, help="articles per near-duplicate window (3 a run)")
    parser.add_argument("--crawl-sizes", default="1000,10000", help="articles of the crawled site, comma-separated")
    parser.add_argument("--crawl-runs", type=int, default=0, help="runs of each crawl (default: --runs)")
    parser.add_argument("--distributed-articles-per-site", type=int, default=300)
    parser.add_argument("--distributed-from", type=Path,
                        help="the JSON printed by an earlier bench/distributed_bench.py run, instead of running it")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--only", default="", help=f"comma-separated steps to run (default: all of {','.join(STEPS)})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = {"load": os.getloadavg()[0], "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    steps = set(args.only.split(",")) if args.only else set(STEPS)
    if steps - set(STEPS):
        parser.error(f"--only: unknown steps {', '.join(sorted(steps - set(STEPS)))}; the steps are {','.join(STEPS)}")
    table = Table()
    if "startup" in steps:
        startup(table, args.runs)
    if "dedupe" in steps:
        dedupe_db = prepared(args.out, "dedupe", args.articles, args.dedupe_db, args.reuse,
                             lambda db: call("dedupe_bench", "build", str(db), args.articles))
        near_duplicates(table, dedupe_db, args.articles, args.runs, args.dedupe_articles)

    def generate_and_index(db: Path) -> None:
        call("search_bench", "generate", str(db), args.articles)
        call("search_bench", "rebuild", str(db))

    if steps & {"search", "rebuild", "writer"}:
        search_db = prepared(args.out, "search", args.articles, args.search_db, args.reuse, generate_and_index)
    if "search" in steps:
        search(table, search_db, args.runs)
    if "rebuild" in steps:
        rebuild(table, search_db, args.rebuild_runs or args.runs)
    if "writer" in steps:
        writer(table, search_db, args.runs, args.writer_articles)
    if "crawl" in steps:
        crawl(table, [int(size) for size in args.crawl_sizes.split(",")], args.crawl_runs or args.runs)
    if "distributed" in steps:
        distributed(table, args.distributed_articles_per_site, args.workers, args.runs, args.distributed_from)
    meta = {"articles": args.articles, "runs": args.runs, "commit": commit, "started": started["at"],
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_before": round(started["load"], 1),
            "load_after": round(os.getloadavg()[0], 1), "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps({**meta, "figures": table.rows}, indent=2, ensure_ascii=False))
        return
    print(f"\n{args.articles:,} articles, medians of {args.runs} runs, commit {commit}, {meta['started']} to {meta['finished']},"
          f" load average {meta['load_before']} before, {meta['load_after']} after, {meta['cpus']} CPUs\n")
    print(table.markdown())


if __name__ == "__main__":
    main()
