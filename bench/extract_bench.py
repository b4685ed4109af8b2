"""The extractor against the baselines on the shared Chinese extraction benchmark, in one table.

    .venv/bin/pip install -e '.[bench]'      # readability-lxml, trafilatura, justext
    .venv/bin/python bench/extract_bench.py [--dataset ../shared/benchmarks/extraction/zh-cwced]
    .venv/bin/python bench/extract_bench.py --runs 5 --baseline readability   # speed: medians
    .venv/bin/python bench/extract_bench.py --cpu --runs 5    # warm pages per CPU second

Runs ../shared/benchmarks/extraction/score.py with `crawler.extract:main_text` (named fanwen)
and every baseline it knows (or only --baseline), in one process per run, so the pages/s
figures of a run are comparable. With --runs N the table gives each extractor's median pages/s
over N runs and its ratio to readability-lxml's (else the first baseline's): on a shared machine
the ratio is steadier than the absolute figure.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=BENCH / "zh-cwced")
    parser.add_argument("--show-worst", type=int, default=0)
    parser.add_argument("--runs", type=int, default=1, help="runs; the table gives median pages/s")
    parser.add_argument("--baseline", action="append", help="only these baselines (default: all)")
    parser.add_argument("--cpu", action="store_true",
                        help="pages per CPU second of fanwen and readability-lxml, warm, median of --runs passes")
    args = parser.parse_args()
    if args.cpu:
        cpu_speeds(args.dataset, max(args.runs, 1))
        return
    cmd = [sys.executable, str(BENCH / "score.py"), str(args.dataset), "--module", "crawler.extract:main_text",
           "--name", "fanwen", "--show-worst", str(args.show_worst)]
    for name in args.baseline or ["all"]:
        cmd += ["-e", name]
    if args.runs <= 1:
        sys.exit(subprocess.call(cmd, cwd=ROOT))
    speeds: dict[str, list[float]] = {}
    scores: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        for _ in range(args.runs):
            subprocess.run(cmd + ["--json", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            for name, result in json.loads(out.read_text(encoding="utf-8"))[args.dataset.name].items():
                speeds.setdefault(name, []).append(result["pages_per_s"])
                scores[name] = result
    base = "readability" if "readability" in speeds else next((name for name in speeds if name != "fanwen"), None)
    print(f"{'extractor':<14} {'F1':>6} {'P':>6} {'R':>6} {'medF1':>6} {'empty':>5} {'pg/s':>7} {'ratio':>6}  runs (pg/s)")
    for name, runs in speeds.items():
        result, median = scores[name], statistics.median(runs)
        ratio = median / statistics.median(speeds[base]) if base else 1.0
        print(f"{name:<14} {result['mean_f1']:>6.3f} {result['mean_precision']:>6.3f} {result['mean_recall']:>6.3f} "
              f"{result['median_f1']:>6.3f} {result['empty']:>5} {median:>7.1f} {ratio:>6.2f}  "
              f"{' '.join(f'{s:.0f}' for s in runs)}")


def cpu_speeds(dataset: Path, runs: int) -> None:
    """Warm passes over the pages timed in CPU seconds of this process: what the extractor costs
    per page once imported, less disturbed by other processes than score.py's wall clock."""
    import time

    sys.path.insert(0, str(BENCH))
    import score  # the benchmark's own loader and decoder

    from crawler.extract import main_text

    pages = score.load_dataset(dataset)
    extractors = {"fanwen": lambda page: main_text(page.text), "readability": score.ext_readability()}
    speeds: dict[str, list[float]] = {name: [] for name in extractors}
    for _ in range(runs + 1):  # the first pass warms up and is not counted
        for name, extract in extractors.items():
            start = time.process_time()
            for page in pages:
                extract(page)
            speeds[name].append(len(pages) / (time.process_time() - start))
    base = statistics.median(speeds["readability"][1:])
    for name, runs_ in speeds.items():
        median = statistics.median(runs_[1:])
        print(f"{name:<12} {median:7.1f} pages per CPU second  ratio {median / base:5.2f}  "
              f"runs {' '.join(f'{s:.0f}' for s in runs_[1:])}")


if __name__ == "__main__":
    main()
