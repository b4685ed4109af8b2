"""The extractor against the baselines on the shared Chinese extraction benchmark, in one table.

    .venv/bin/pip install -e '.[bench]'      # readability-lxml, trafilatura, justext
    .venv/bin/python bench/extract_bench.py [--dataset ../shared/benchmarks/extraction/zh-cwced]

Runs ../shared/benchmarks/extraction/score.py with `crawler.extract:main_text` (named fanwen)
and every baseline it knows, in one process, so the pages/s figures are comparable.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "benchmarks" / "extraction"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=BENCH / "zh-cwced")
    parser.add_argument("--show-worst", type=int, default=0)
    args = parser.parse_args()
    cmd = [sys.executable, str(BENCH / "score.py"), str(args.dataset), "--module", "crawler.extract:main_text",
           "--name", "fanwen", "-e", "all", "--show-worst", str(args.show_worst)]
    sys.exit(subprocess.call(cmd, cwd=ROOT))


if __name__ == "__main__":
    main()
