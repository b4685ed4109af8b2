"""Near-duplicate detection cost against the archive size: incremental throughput, rebuild, peak memory.

    .venv/bin/python bench/dedupe_bench.py [--sizes 10000,100000,1000000] [--runs 3] [--baseline DIR]
                                           [--out bench/out] [--plot docs/dedupe_cost.png]

For each size N: build a synthetic archive of N articles (2-5 KB of Chinese text, 10% near-duplicates
of earlier ones) with their signatures, then, in a fresh process (so that peak RSS is its own), open it
as a crawl does (rebuild the LSH index from the stored signatures) and store 3 x 2,000 new articles
(10% near-duplicates) through ArchiveWriter with the near-duplicate stage, on one core. Prints one JSON
line per size; the medians of the three windows are reported, for the store (article rows and the
near-duplicate stage) and for the near-duplicate stage alone. The search index is left out (writers
with `search_index=False`): its cost is measured by bench/search_bench.py and bench/crawl_bench.py.

`--reuse` measures the archive an earlier run left in --out (each run adds its articles to it) instead
of building it again (8.5 min at 1M on a quiet machine). `--runs N` measures N times (each a fresh process; each adds its 6,000 articles to the archive) and
reports medians. `--baseline DIR` also measures the code checked out in DIR (e.g. `git worktree add
/tmp/base bf11e7e`) on the same archive, its runs interleaved with ours, so that both see the same load
of this shared machine; the signatures are the same, so one archive serves both. A table of medians
is printed at the end; one JSON line per measurement before it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanwen.archive.writer import ArchiveWriter  # noqa: E402
from bench.rss import peak_rss_mib  # noqa: E402
from fanwen.archive.neardup import NearDupDetector  # noqa: E402
from pipelines.dedupe import content_hash  # noqa: E402

NEAR_SHARE = 0.10
WINDOW, WINDOWS = 2000, 3


class Corpus:
    """Synthetic articles: sentences of common CJK characters, their clauses set off by full-width commas as
    on real pages (a text with them is not in NFKC: folding it costs more); near-duplicates edit an earlier
    article."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]
        self.sentences = ["，".join("".join(self.rng.choices(chars, k=self.rng.randint(6, 16)))
                                   for _ in range(self.rng.randint(1, 3))) + "。" for _ in range(20000)]
        self.recent: list[str] = []

    def article(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < NEAR_SHARE:
            lines = rng.choice(self.recent).split("\n")
            del lines[rng.randrange(len(lines))]                   # a paragraph dropped
            lines.insert(0, self._paragraph())                      # a new intro
            body = "\n".join(lines)
        else:
            body = "\n".join(self._paragraph() for _ in range(rng.randint(6, 14)))  # ~2-5 KB UTF-8
        self.recent = (self.recent + [body])[-5000:]
        return body

    def _paragraph(self) -> str:
        return "".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 5)))


def record(n: int, body: str) -> dict:
    return {"url": f"http://bench.test/{n}.html", "site": "bench.test", "title": str(n), "body": body,
            "content_hash": content_hash(body)}


def build(db: Path, size: int) -> float:
    """Archive `size` articles through the writer with the near-duplicate stage; returns seconds."""
    started = time.perf_counter()
    writer = ArchiveWriter(db, batch_size=6000, search_index=False)
    writer.add_hook(NearDupDetector())
    writer.open()
    corpus = Corpus(size)
    for n in range(size):
        writer.store_article(record(n, corpus.article()), None)
    writer.close()
    return time.perf_counter() - started


def measure(db: Path, size: int, window: int = WINDOW) -> dict:
    """Open the archive as a crawl does and time incremental inserts of WINDOWS x `window` new articles
    (runs in its own process)."""
    started = time.perf_counter()
    writer = ArchiveWriter(db, batch_size=200, search_index=False)
    detector = NearDupDetector()
    writer.add_hook(detector)
    writer.open()
    rebuild = time.perf_counter() - started
    rss_after_rebuild = peak_rss_mib()
    # New URLs and texts even when the archive was measured before (each measure adds 6,000 articles).
    n = writer.db.execute("SELECT max(id) FROM articles").fetchone()[0]
    corpus = Corpus(n + 1)
    corpus.recent = [b for _, b in _sample_bodies(writer, 2000)]
    # Rates per wall second and per CPU second of this (single-threaded) process: on a shared machine
    # the CPU figure is the cost, the wall figure also counts the time other programs held the core.
    rates: dict[str, list[float]] = {"wall": [], "cpu": [], "stage_wall": [], "stage_cpu": []}
    spent = {"wall": 0.0}
    flush = detector.flush

    def timed_flush():  # the near-duplicate stage alone: sketch, LSH, verify, clusters, paragraph stats
        wall = time.perf_counter()
        flush()
        spent["wall"] += time.perf_counter() - wall

    detector.flush = timed_flush
    for _ in range(WINDOWS):
        bodies = [corpus.article() for _ in range(window)]
        spent["wall"] = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            n += 1
            writer.store_article(record(n, body), None)
        writer.flush()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rates["wall"].append(window / wall)
        rates["cpu"].append(window / cpu)
        rates["stage_wall"].append(window / spent["wall"])
        # The process clock is slow to read on this VM (~1 ms), too slow to read per batch: the stage's
        # CPU time is taken as its share of the window's wall time applied to the window's CPU time.
        rates["stage_cpu"].append(window / (spent["wall"] * cpu / wall))
    counts = detector.counts
    writer.close()
    return {"size": size, "rebuild_s": round(rebuild, 2), "store_per_s": round(statistics.median(rates["wall"])),
            "store_per_cpu_s": round(statistics.median(rates["cpu"])),
            "dedupe_stage_per_s": round(statistics.median(rates["stage_wall"])),
            "dedupe_stage_per_cpu_s": round(statistics.median(rates["stage_cpu"])),
            "rss_after_rebuild_mib": round(rss_after_rebuild),
            "peak_rss_mib": round(peak_rss_mib()),
            "linked": counts["linked"], "verified": counts["verified"], "rejected": counts["rejected"]}


def _sample_bodies(writer: ArchiveWriter, k: int) -> Iterator[tuple[int, str]]:
    yield from writer.db.execute("SELECT id, body FROM articles ORDER BY id DESC LIMIT ?", [k]).fetchall()


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["size"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    axes[0].plot(sizes, [r["dedupe_stage_per_cpu_s"] for r in results], "s--", label="near-dup stage alone")
    for ax, key, label in zip(axes, ("store_per_cpu_s", "rebuild_s", "peak_rss_mib"),
                              ("articles per CPU second", "index rebuild at start (s)", "peak RSS (MiB)")):
        ax.plot(sizes, [r[key] for r in results], "o-", label="store: rows + near-dup stage")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("articles in the archive")
        ax.set_title(label, fontsize=10)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def measure_in_child(code: Path, db: Path, size: int) -> dict:
    """`measure` in a fresh process running the bench script and package of checkout `code`."""
    child = subprocess.run([sys.executable, str(code / "bench" / "dedupe_bench.py"), "--measure", str(db), str(size)],
                           capture_output=True, text=True, check=True, cwd=code)
    return json.loads(child.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict]) -> dict:
    """The median of every figure over the runs (run counts: the first run's)."""
    keys = ("rebuild_s", "store_per_s", "store_per_cpu_s", "dedupe_stage_per_s", "dedupe_stage_per_cpu_s",
            "rss_after_rebuild_mib", "peak_rss_mib")
    return runs[0] | {key: statistics.median(run[key] for run in runs) for key in keys} | {"runs": len(runs)}


def table(rows: list[tuple[str, dict]]) -> str:
    lines = ["| code | archive size | runs | near-dup stage, articles/s (wall) | per CPU s | store (rows + stage) per CPU s"
             " | index rebuild at start | peak RSS (VmHWM) | archive file | build |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['size']:,} | {r['runs']} | {r['dedupe_stage_per_s']:,.0f} | {r['dedupe_stage_per_cpu_s']:,.0f}"
                     f" | {r['store_per_cpu_s']:,.0f} | {r['rebuild_s']:.2f} s | {r['peak_rss_mib']:,.0f} MiB"
                     f" | {r['db_mib']:,} MiB | {r['build_s']}{' s' if isinstance(r['build_s'], float) else ''} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3, help="measurements per size (medians reported)")
    parser.add_argument("--baseline", default="", help="a checkout of other code to measure the same way")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--plot", default="")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the archive left in --out by an earlier run instead of building it again")
    parser.add_argument("--measure", nargs=2, metavar=("DB", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]))))
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    codes = [("this", ROOT)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    results, rows = [], []
    for size in map(int, args.sizes.split(",")):
        db = out / f"dedupe-{size}.db"
        if args.reuse and db.exists():
            built = {"build_s": "reused", "db_mib": round(db.stat().st_size / 2**20)}
        else:
            for old in out.glob(f"dedupe-{size}.db*"):
                old.unlink()
            built = {"build_s": round(build(db, size), 1), "db_mib": round(db.stat().st_size / 2**20)}
        runs: dict[str, list[dict]] = {name: [] for name, _ in codes}
        for _ in range(args.runs):
            for name, code in codes:  # interleaved: both see the same load
                run = measure_in_child(code, db, size) | built
                print(json.dumps({"code": name} | run), flush=True)
                runs[name].append(run)
        for name, _ in codes:
            rows.append((name, median_of(runs[name])))
        results.append(rows[-len(codes)][1])
    print(table(rows))
    if args.plot:
        plot(results, Path(args.plot))


if __name__ == "__main__":
    main()
