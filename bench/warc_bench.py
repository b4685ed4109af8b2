"""WARC capture costs and the readers' speed, on the generated sites:

1. `fanwen crawl` with and without capture: --crawl-pairs single crawls of each, interleaved (without,
   with, without, with, ...) so that the machine's drift hits both sides alike; medians of each side and
   their ratio (pages/s, pages per CPU second), disk per 1,000 pages (WARC folder and archive);
2. `fanwen reextract --from` the captured archive into a fresh one: pages/s and pages per CPU second, the
   direct offline path (the default) against the replay through Scrapy's engine (the baseline, same run),
   and the command's fixed part (an archive of one capture), so that the rate after start-up is known too;
3. import-warc's reading: records/s skipped when no record is of the named host (FastWARC), against
   warcio's ArchiveIterator reading the same file.

    .venv/bin/python bench/warc_bench.py [--articles-per-site 300] [--runs 3] [--crawl-pairs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl_bench import PYTHON, SAME_SETTINGS, served_fixture  # noqa: E402


def crawl(start_urls: list[str], resolve: dict[str, str], folder: Path, capture: bool) -> dict[str, float]:
    stats_file = folder / "stats.json"
    db = folder / "archive.db"
    cmd = [PYTHON, str(ROOT / "bench" / "measure.py"), str(stats_file), "fanwen", ",".join(start_urls), *SAME_SETTINGS,
           "-s", f"FANWEN_RESOLVE={json.dumps(resolve)}", "-s", f"ARCHIVE_DB={db}", "-s", "FANWEN_PROGRESS_INTERVAL=0",
           "-s", f"FANWEN_WARC_ENABLED={capture}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-4000:])
    stats = json.loads(stats_file.read_text())
    pages = stats["response_received_count"]
    warc = sum(p.stat().st_size for p in (folder / "archive.warc").glob("*")) if capture else 0
    archive = sum(p.stat().st_size for p in folder.glob("archive.db*"))
    return {"pages": pages, "pages_per_s": pages / stats["elapsed_time_seconds"],
            "pages_per_cpu_s": pages / stats["cpu_seconds"], "warc_per_1000": warc / pages * 1000,
            "db_per_1000": archive / pages * 1000,
            "capture_share": stats.get("fanwen/warc/cpu_seconds", 0.0) / stats["cpu_seconds"]}


def reextract(source: Path, folder: Path, engine: str = "direct", run: int = 0) -> dict[str, float]:
    db = folder / f"re-{engine}-{run}.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "crawler.cli", "reextract", "--db", str(db), "--from", str(source), "--json",
                           "-s", "LOG_LEVEL=WARNING", "-s", "FANWEN_PROGRESS_INTERVAL=0",
                           "-s", f"FANWEN_REPLAY_ENGINE={engine}"],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-4000:])
    pages = json.loads(proc.stdout)["pages"]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"pages": pages, "pages_per_s": pages / seconds, "pages_per_cpu_s": pages / cpu, "cpu_seconds": cpu,
            "seconds": seconds}


def one_capture_source(captured: Path, folder: Path) -> Path:
    """A copy of the captured archive that keeps only its first capture: re-extracting it costs the
    command's fixed part (imports, Scrapy, the archive's components, closing) and a page or two."""
    folder.mkdir()
    shutil.copy2(captured / "archive.db", folder / "archive.db")
    (folder / "archive.warc").symlink_to(captured / "archive.warc")
    conn = sqlite3.connect(folder / "archive.db")
    conn.execute("DELETE FROM captures WHERE id != (SELECT min(id) FROM captures)")
    conn.commit()
    conn.close()
    return folder / "archive.db"


def skip_rates(files: list[Path], repeat: int) -> dict[str, float]:
    from warcio.archiveiterator import ArchiveIterator

    from crawler.capture.importer import ImportCounts, index_warc, wanted_host

    fast, slow = [], []
    for _ in range(repeat):
        counts = ImportCounts()
        started = time.process_time()
        for path in files:
            for _row in index_warc(path, wanted_host({"nosuch.example"}), counts):
                raise AssertionError("a record of another host was kept")
        fast.append(counts.records / (time.process_time() - started))
        records = 0
        started = time.process_time()
        for path in files:
            with open(path, "rb") as handle:
                for record in ArchiveIterator(handle):
                    records += 1
                    record.rec_headers.get_header("WARC-Target-URI")
        slow.append(records / (time.process_time() - started))
    return {"records": counts.records, "fastwarc": statistics.median(fast), "warcio": statistics.median(slow)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="re-extractions of each kind")
    parser.add_argument("--crawl-pairs", type=int, default=5, help="crawls without and with capture, interleaved")
    parser.add_argument("--keep", type=Path, help="copy the first captured archive (archive.db and archive.warc/) here,"
                        " to profile or compare re-extractions on it later (bench/reextract_compare.py)")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"capture": [], "no capture": [], "reextract": [],
                                                  "reextract (engine)": [], "reextract (start-up)": []}
    skip: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, served_fixture(args.articles_per_site) as (bundle, start_urls):
        resolve = {host: "127.0.0.1" for host in bundle.hosts}
        for pair in range(args.crawl_pairs):
            for name in ("no capture", "capture"):
                folder = Path(tmp) / f"{name.replace(' ', '-')}-{pair}"
                folder.mkdir()
                r = crawl(start_urls, resolve, folder, name == "capture")
                results[name].append(r)
                print(f"crawl {pair + 1} {name:10s}: {r['pages']:.0f} pages, {r['pages_per_s']:.1f} pages/s,"
                      f" {r['pages_per_cpu_s']:.1f} pages/CPU s, WARC {r['warc_per_1000'] / 2**20:.1f} MiB"
                      f" and archive {r['db_per_1000'] / 2**20:.1f} MiB per 1,000 pages"
                      + (f", capture {100 * r['capture_share']:.1f}% of its CPU" if name == "capture" else ""), flush=True)
                if pair > 0 and name == "no capture":
                    shutil.rmtree(folder)  # only the first pair's archives are read again
        captured = Path(tmp) / "capture-0"
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for db_file in captured.glob("archive.db*"):
                shutil.copy2(db_file, args.keep / db_file.name)
            shutil.copytree(captured / "archive.warc", args.keep / "archive.warc", dirs_exist_ok=True)
            print(f"captured archive kept in {args.keep}", flush=True)
        one = one_capture_source(captured, Path(tmp) / "one-capture")
        for run in range(args.runs):
            for name, engine, source in (("reextract (engine)", "scrapy", captured / "archive.db"),
                                         ("reextract", "direct", captured / "archive.db"),
                                         ("reextract (start-up)", "direct", one)):
                r = reextract(source, source.parent, engine, run)
                results[name].append(r)
                print(f"run {run + 1} {name}: {r['pages']:.0f} pages, {r['pages_per_s']:.1f} pages/s,"
                      f" {r['pages_per_cpu_s']:.1f} pages/CPU s", flush=True)
        skip = skip_rates(sorted((Path(tmp) / "capture-0" / "archive.warc").glob("*.warc.gz")), args.runs)
    med = {name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in results.items()}
    print(f"\nmedians of {args.crawl_pairs} crawls of each kind (interleaved) and {args.runs} re-extractions of each kind")
    for name in ("no capture", "capture"):
        m = med[name]
        print(f"crawl, {name:10s}: {m['pages_per_s']:7.1f} pages/s {m['pages_per_cpu_s']:7.1f} pages/CPU s"
              f"  disk per 1,000 pages: WARC {m['warc_per_1000'] / 2**20:5.1f} MiB, archive {m['db_per_1000'] / 2**20:5.1f} MiB")
    print(f"capture/no capture: pages/s {med['capture']['pages_per_s'] / med['no capture']['pages_per_s']:.2f},"
          f" pages per CPU s {med['capture']['pages_per_cpu_s'] / med['no capture']['pages_per_cpu_s']:.2f} (target >= 0.90)")
    shares = [r["capture_share"] for r in results["capture"]]
    print(f"capture's own CPU (records, CDXJ, captures rows; timed inside each crawl with capture): "
          f"{', '.join(f'{100 * x:.1f}%' for x in shares)} of the crawl's CPU; median {100 * statistics.median(shares):.1f}%"
          f" (pages per CPU s without it: x{1 / (1 - statistics.median(shares)):.3f}; target: capture <= 10%)")
    pair_ratios = [c["pages_per_cpu_s"] / n["pages_per_cpu_s"] for n, c in zip(results["no capture"], results["capture"])]
    print(f"capture/no capture, pages per CPU s, each pair (a crawl with capture against the one just before it):"
          f" {', '.join(f'{r:.2f}' for r in pair_ratios)}; median {statistics.median(pair_ratios):.2f}")
    m, base = med["reextract"], med["reextract (engine)"]
    print(f"reextract, direct, all in (start-up included): {m['pages_per_s']:.1f} pages/s,"
          f" {m['pages_per_cpu_s']:.1f} pages per CPU second (target >= 200);"
          f" through Scrapy's engine: {base['pages_per_s']:.1f} pages/s, {base['pages_per_cpu_s']:.1f} pages per CPU second"
          f" (direct/engine {m['pages_per_cpu_s'] / base['pages_per_cpu_s']:.2f})")
    startup = med["reextract (start-up)"]["cpu_seconds"]
    steady = [r["pages"] / (r["cpu_seconds"] - startup) for r in results["reextract"]]
    print(f"reextract, direct, its fixed part out: the command's start-up and close, re-extracting an archive of one"
          f" capture, {startup:.2f} CPU s (median of {args.runs}); {statistics.median(steady):.1f} pages per CPU second"
          f" after it (target >= 200; {', '.join(f'{x:.1f}' for x in steady)}): an archive of N pages re-extracts at"
          f" N / (N / that + {startup:.2f}) pages per CPU s")
    print(f"import-warc reading, {skip['records']} records all of other hosts: FastWARC {skip['fastwarc']:,.0f} records/CPU s,"
          f" warcio {skip['warcio']:,.0f} records/CPU s (target >= 5,000)")


if __name__ == "__main__":
    main()
