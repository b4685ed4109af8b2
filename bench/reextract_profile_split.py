"""Where a re-extraction's CPU goes: a py-spy profile of `fanwen reextract` split into its stages.

    .venv/bin/pip install py-spy
    .venv/bin/py-spy record -r 250 -f raw -o prof.txt -- .venv/bin/python -m crawler.cli reextract \\
        --db /tmp/re.db --from CAPTURED.db --json -s LOG_LEVEL=WARNING -s FANWEN_PROGRESS_INTERVAL=0
    .venv/bin/python bench/reextract_profile_split.py prof.txt [--pages 2144 --cpu-seconds 14.3]

CAPTURED.db: an archive crawled with capture on (`bench/warc_bench.py --keep DIR` keeps one). Each sample goes
to the stage of its innermost frame that names one; the first five stages own everything below them (the
search index's SQL is the search index's, an import is start-up wherever it happens). With the run's pages
and CPU seconds (measured without the profiler) each share is also given in CPU ms a page.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

STAGES = [
    ("imports, start-up", r"_find_and_load|_compile_bytecode"),
    ("search index (at commit)", r"SearchIndexer|index_articles|fanwen/archive/search\.py|unigrams\.py"),
    ("near-duplicate stage", r"fanwen/archive/neardup/"),
    ("derived fields (genre, masks)", r"DerivedFields|fanwen/archive/fields\.py|fanwen/archive/genre\.py"),
    ("exact dedupe (content hash)", r"pipelines/dedupe\.py"),
    ("record read, gzip, digest check", r"ReplayDownloadHandler|crawler/capture/records\.py|fanwen/archive/captures\.py"
                                        r"|fastwarc"),
    ("charset, other downloader middlewares", r"DownloaderMiddlewareManager|crawler/encoding\.py|crawler/middlewares/"),
    ("HTML parse (lxml)", r"Page\.from_html|\bparse \(crawler/extract/dom\.py|document_fromstring"),
    ("site templates (match, learn)", r"crawler/templates\.py|crawler/extract/template\.py|crawler/extract/layouts\.py"),
    ("extraction (crawler/extract)", r"extract_article|crawler/extract/(body|fields|__init__)\.py"),
    ("cleaning, boilerplate (pipelines)", r"pipelines/clean\.py|pipelines/boilerplate\.py|crawler/extract/clean\.py"
                                          r"|pipelines/hold\.py"),
    ("continuation pages", r"crawler/discover\.py"),
    ("writer SQL (articles, fetches, frontier)", r"fanwen/archive/|sqlite_utils|pipelines/store\.py"),
    ("spider, Scrapy objects, asyncio", r"fanwen\.py|scrapy/|crawler/capture/direct\.py|asyncio|twisted"),
]
OWNERS = 5  # the first stages own their whole subtree


def split(path: str) -> tuple[Counter[str], int]:
    rules = [(name, re.compile(pattern)) for name, pattern in STAGES]
    counts: Counter[str] = Counter()
    total = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            samples = int(n)
            total += samples
            frames = stack.split(";")
            stage = next((name for name, rx in rules[:OWNERS] for frame in frames if rx.search(frame)), None)
            for frame in reversed(frames):
                if stage is not None:
                    break
                stage = next((name for name, rx in rules if rx.search(frame)), None)
            counts[stage or "other"] += samples
    return counts, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profiles", nargs="+", help="py-spy raw (collapsed) profiles")
    parser.add_argument("--pages", type=int, help="pages the run re-extracted")
    parser.add_argument("--cpu-seconds", type=float, help="the run's CPU seconds, measured without the profiler")
    args = parser.parse_args()
    for path in args.profiles:
        counts, total = split(path)
        print(f"{path}: {total} samples")
        for name, samples in counts.most_common():
            share = samples / total
            ms = f"  {1000 * share * args.cpu_seconds / args.pages:5.2f} ms a page" if args.pages and args.cpu_seconds else ""
            print(f"  {100 * share:5.1f}%  {name}{ms}")


if __name__ == "__main__":
    main()
