"""The extractor against the baselines on every extraction development set, in one table.

    .venv/bin/pip install -e '.[bench]'      # readability-lxml, trafilatura, justext
    .venv/bin/python bench/extract_bench.py                 # all sets, fanwen + readability + trafilatura
    .venv/bin/python bench/extract_bench.py --runs 3 --show-worst 5
    .venv/bin/python bench/extract_bench.py --dataset ../shared/benchmarks/extraction/zh-cwced
    .venv/bin/python bench/extract_bench.py --cpu --runs 5  # warm pages per CPU second, all sets
    .venv/bin/python bench/extract_bench.py --cpu --runs 3 --against bf11e7e  # and the extractor at bf11e7e
    .venv/bin/python bench/extract_bench.py --robust        # a 1 MB page with a long breadcrumb-like structure

Runs ../shared/benchmarks/extraction/score.py with `crawler.extract:main_text` (named fanwen) and
the baselines in one process per run, so the pages/s figures of a run are comparable, and prints
per set: mean and median F1, the pages where fanwen fails (F1 < 0.5) while readability-lxml does
well (F1 > 0.8), pages/s (median over --runs) and its ratio to readability-lxml's, and with
--show-worst the worst pages of each extractor. The "all" row is over every page of every set:
mean F1 over the pages and pages/s over the total time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "benchmarks" / "extraction"
SETS = ("zh-cwced", "mixed-readability", "zh-gne-silver", "zh-newspaper4k-fundus")
BASELINES = ("readability", "trafilatura")
FAIL_F1, BASELINE_GOOD_F1 = 0.5, 0.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", help="a set (default: every development set)")
    parser.add_argument("--show-worst", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1, help="runs; pages/s is the median")
    parser.add_argument("--baseline", action="append", help=f"only these baselines (default: {', '.join(BASELINES)})")
    parser.add_argument("--cpu", action="store_true", help="warm pages per CPU second of fanwen and readability-lxml")
    parser.add_argument("--robust", action="store_true", help="time a generated 1 MB page with a long breadcrumb")
    parser.add_argument("--against", metavar="REV", help="with --cpu: also fanwen's extractor at this git revision")
    args = parser.parse_args()
    datasets = args.dataset or [BENCH / name for name in SETS if (BENCH / name).is_dir()]
    if args.robust:
        robust_timings()
        return
    if args.cpu:
        cpu_speeds(datasets, max(args.runs, 1), args.against)
        return
    baselines = args.baseline or list(BASELINES)
    cmd = [sys.executable, str(BENCH / "score.py"), *map(str, datasets), "--module", "crawler.extract:main_text",
           "--name", "fanwen"]
    for name in baselines:
        cmd += ["-e", name]
    results: dict[str, dict[str, dict]] = {}
    speeds: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        for run in range(max(args.runs, 1)):
            print(f"run {run + 1}/{args.runs}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
            subprocess.run(cmd + ["--json", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            results = json.loads(out.read_text(encoding="utf-8"))
            for dataset, by_name in results.items():
                for name, result in by_name.items():
                    speeds.setdefault((dataset, name), []).append(result["pages"] / result["seconds"])
                # every page of every set, per extractor: the "all" row
                for name, result in by_name.items():
                    speeds.setdefault(("all", name), [])
            for name in ["fanwen", *baselines]:
                pages = sum(by_name[name]["pages"] for by_name in results.values())
                seconds = sum(by_name[name]["seconds"] for by_name in results.values())
                speeds[("all", name)].append(pages / seconds)
    print_table(results, speeds, ["fanwen", *baselines], args.show_worst)


def print_table(results: dict, speeds: dict, names: list[str], show_worst: int) -> None:
    base = "readability" if "readability" in names else None
    print(f"{'set':<22} {'extractor':<12} {'pages':>5} {'meanF1':>7} {'medF1':>6} {'fails':>5} {'pg/s':>7} {'ratio':>6}")
    rows_all: dict[str, list[dict]] = {name: [] for name in names}
    for dataset, by_name in list(results.items()) + [("all", None)]:
        for name in names:
            if by_name is None:
                rows = rows_all[name]
                baseline_rows = rows_all.get(base, [])
            else:
                rows = by_name[name]["rows"]
                rows_all[name] += rows
                baseline_rows = by_name[base]["rows"] if base else []
            f1 = [row["f1"] for row in rows]
            baseline_f1 = {row["id"]: row["f1"] for row in baseline_rows}
            fails = [row["id"] for row in rows if row["f1"] < FAIL_F1 and baseline_f1.get(row["id"], 0) > BASELINE_GOOD_F1]
            speed = statistics.median(speeds[(dataset, name)])
            ratio = speed / statistics.median(speeds[(dataset, base)]) if base else 1.0
            print(f"{dataset:<22} {name:<12} {len(rows):>5} {statistics.fmean(f1):>7.3f} {statistics.median(f1):>6.3f} "
                  f"{len(fails) if name != base else '-':>5} {speed:>7.1f} {ratio:>6.2f}"
                  + (f"  fails: {' '.join(fails)}" if fails and name != base else ""))
            if show_worst and by_name is not None:
                worst = sorted(rows, key=lambda row: row["f1"])[:show_worst]
                print("      worst: " + ", ".join(f"{row['id'][:24]} {row['f1']:.2f}" for row in worst))


def cpu_speeds(datasets: list[Path], runs: int, against: str | None = None) -> None:
    """Warm passes over the pages timed in CPU seconds of this process: what the extractor costs
    per page once imported, less disturbed by other processes than score.py's wall clock. Each page
    is given to every extractor in turn (fanwen, readability-lxml, and with `against` fanwen's
    extractor at that git revision), so load that comes and goes weighs on all of them alike."""
    import time

    sys.path.insert(0, str(BENCH))
    import score  # the benchmark's own loader and decoder

    from crawler.extract import main_text

    pages = [page for dataset in datasets for page in score.load_dataset(dataset)]
    extractors = {"fanwen": lambda page: main_text(page.text), "readability": score.ext_readability()}
    if against:
        old_main_text = extractor_at(against)
        extractors[f"fanwen@{against[:10]}"] = lambda page: old_main_text(page.text)
    clock = time.process_time
    speeds: dict[str, list[float]] = {name: [] for name in extractors}
    for _ in range(runs + 1):  # the first pass warms up and is not counted
        seconds = dict.fromkeys(extractors, 0.0)
        for page in pages:
            for name, extract in extractors.items():
                start = clock()
                extract(page)
                seconds[name] += clock() - start
        for name in extractors:
            speeds[name].append(len(pages) / seconds[name])
    base = statistics.median(speeds["readability"][1:])
    print(f"{len(pages)} pages of {', '.join(dataset.name for dataset in datasets)}")
    for name, runs_ in speeds.items():
        median = statistics.median(runs_[1:])
        print(f"{name:<22} {median:7.1f} pages per CPU second  ratio {median / base:5.2f}  "
              f"runs {' '.join(f'{s:.0f}' for s in runs_[1:])}")


def extractor_at(revision: str):
    """`main_text` of crawler/extract as it was at a git revision, imported beside today's under
    another package name (its modules import each other as crawler.extract.*: renamed)."""
    import importlib
    import io
    import tarfile

    archive = subprocess.run(["git", "archive", revision, "crawler/extract"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    package = "extract_" + "".join(c for c in revision if c.isalnum())
    tmp = Path(tempfile.mkdtemp(prefix="extract_bench_"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".py"):
                source = tar.extractfile(member).read().decode("utf-8").replace("crawler.extract", package)
                target = tmp / package / Path(member.name).name
                target.parent.mkdir(exist_ok=True)
                target.write_text(source, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    return importlib.import_module(package).main_text


def robust_timings() -> None:
    """Extraction time of generated pages of about 1 MB: a long breadcrumb-like structure (flat
    and nested trails, deeply nested boxes), unclosed tags, unparseable hrefs."""
    import time

    sys.path.insert(0, str(ROOT / "tests"))
    from test_extract_robust import one_megabyte_page

    from crawler.extract import Page, extract_article

    pages = {
        "breadcrumb-like 1 MB": one_megabyte_page(),
        "unclosed <div> 1 MB": "<html><body>" + "<div><a href='http://[::1'>首页</a> 文字，" * 40000,
    }
    for name, html in pages.items():
        wall, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            extract_article(Page.from_html(html, "http://example.com/a/1.html"))
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"{name:<24} {len(html.encode()) / 1e6:5.2f} MB  extract_article: median {statistics.median(cpu):.3f} "
              f"CPU s, {statistics.median(wall):.3f} wall s  (wall runs {' '.join(f'{t:.3f}' for t in wall)})")


if __name__ == "__main__":
    main()
