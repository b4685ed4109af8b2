"""Re-extraction speed of two (or more) checkouts on the same captured archive, alternating, same run:
pages per CPU second of the whole `fanwen reextract --from` process, medians and the ratio of the last to
the first. A baseline measured in the same run is what makes a figure on a loaded machine mean something.

    git archive main | tar -x -C /tmp/main-export
    .venv/bin/python bench/reextract_compare.py CAPTURED.db --runs 3 /tmp/main-export .
    .venv/bin/python bench/reextract_compare.py CAPTURED.db . ".::-s FANWEN_BATCH_SIZE=1000"   # a setting

CAPTURED.db is an archive crawled with capture on (bench/warc_bench.py makes them); each checkout runs with
this virtualenv's Python from its own folder (its `crawler` and `fanwen` packages come first on the path).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile


def pages_per_cpu_second(source: str, checkout: str, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "-m", "crawler.cli", "reextract", "--db", f"{tmp}/re.db", "--from", source,
                               "--json", "-s", "LOG_LEVEL=WARNING", "-s", "FANWEN_PROGRESS_INTERVAL=0", *extra],
                              cwd=checkout, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return json.loads(proc.stdout)["pages"] / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="a captured archive")
    parser.add_argument("checkouts", nargs="+", help="folders, each optionally followed by ::SETTINGS")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {c: [] for c in args.checkouts}
    for run in range(args.runs):
        for name in args.checkouts:
            folder, _, extra = name.partition("::")
            results[name].append(pages_per_cpu_second(args.source, folder, extra.split()))
            print(f"run {run + 1} {name}: {results[name][-1]:.1f} pages/CPU s", flush=True)
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, values in results.items():
        print(f"{name}: median {medians[name]:.1f} ({', '.join(f'{v:.1f}' for v in values)})")
    first, last = args.checkouts[0], args.checkouts[-1]
    print(f"{last} / {first}: {medians[last] / medians[first]:.2f}")


if __name__ == "__main__":
    main()
