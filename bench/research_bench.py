"""Concordance and trend speed on a generated archive (a script, not a test).

    .venv/bin/python bench/research_bench.py --articles 100000 [--db /tmp/research-bench.db] [--reuse] [--runs 3]

Generates the search benchmark's synthetic 公文-like articles (bench/search_bench.py: ~2,000 characters
from a Zipf-weighted vocabulary, dated over 2015-2024), then for 2-character words cut from the text,
grouped by how many articles contain them, prints medians of --runs runs of:
  first KWIC page (50 lines, newest first, no totals), the exact totals (hits, articles),
  `fanwen kwic` as it runs by default (page + totals; estimated from a stated sample beyond 50,000
  articles), trend by month as it runs by default and exact, and, as the baseline measured in the
  same run, `fanwen search` (top 20) of the same word; then the peak RSS.
An archive made before period_stats gets it when opened for writing (--reuse opens it read-only:
run `fanwen index --db PATH` once, or the trend's period sizes come from the index).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fanwen.archive.concordance import compile_query, kwic, totals  # noqa: E402
from fanwen.archive.filters import Filters  # noqa: E402
from fanwen.archive.period_stats import has_period_stats  # noqa: E402
from fanwen.archive.readonly import open_readonly  # noqa: E402
from fanwen.archive.search import search  # noqa: E402
from fanwen.archive.trends import trend  # noqa: E402
from search_bench import generate, is_cjk  # noqa: E402

BANDS = [(0.001, 0.01), (0.01, 0.05), (0.05, 0.2), (0.3, 0.6), (0.8, 1.0)]  # share of articles containing the word


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def document_frequency(conn, word: str) -> int:
    return conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                        [compile_query(word).match]).fetchone()[0]


def pick_words(conn, total: int, per_band: int = 3, seed: int = 4) -> dict[tuple[float, float], list[tuple[str, int]]]:
    rng = random.Random(seed)
    bodies = [r[0] for r in conn.execute("SELECT body FROM articles WHERE id % 499 = 0")]
    found: dict[tuple[float, float], list[tuple[str, int]]] = {band: [] for band in BANDS}
    tried: set[str] = set()
    for _ in range(4000):
        if all(len(v) >= per_band for v in found.values()):
            break
        body = rng.choice(bodies)
        start = rng.randrange(len(body) - 2)
        word = body[start:start + 2]
        if not is_cjk(word) or word in tried:
            continue
        tried.add(word)
        df = document_frequency(conn, word)
        for band in BANDS:
            if band[0] <= df / total < band[1] and len(found[band]) < per_band:
                found[band].append((word, df))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/fanwen-research-bench.db"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="Use an archive generated before (read-only).")
    args = parser.parse_args()
    if not args.reuse:
        generate(args.db, args.articles)
    conn = open_readonly(args.db)
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"{total} articles", flush=True)
    filters = Filters()
    print("| word | articles containing it | first KWIC page | exact totals | kwic (default) | trend by month"
          " (default) | trend exact | search top 20 (baseline) |\n|---|---|---|---|---|---|---|---|", flush=True)
    for band, words in pick_words(conn, total).items():
        for word, df in words:
            compiled = compile_query(word)
            runs: dict[str, list[float]] = {k: [] for k in ("search", "page", "totals", "kwic", "trend", "trend_exact")}
            how = {}
            for _ in range(args.runs):
                runs["search"].append(timed(lambda: search(conn, word, limit=20)))
                runs["page"].append(timed(lambda: kwic(conn, word, filters, 30, 50, "date", count=False)))
                runs["totals"].append(timed(lambda: totals(conn, compiled, filters)))
                runs["kwic"].append(timed(lambda: how.update(kwic=kwic(conn, word, filters, 30, 50, "date"))))
                runs["trend"].append(timed(lambda: how.update(trend=trend(conn, [word], "month", filters))))
                runs["trend_exact"].append(timed(lambda: trend(conn, [word], "month", filters, exact=True)))
            m = {k: statistics.median(v) for k, v in runs.items()}
            sampled = " (sample)" if how["kwic"].estimate else ""
            trend_sampled = " (sample)" if how["trend"].estimated else ""
            print(f"| {word} | {df:,} ({df / total:.1%}) | {m['page']:,.0f} ms | {m['totals']:,.0f} ms"
                  f" | {m['kwic']:,.0f} ms{sampled} | {m['trend']:,.0f} ms{trend_sampled} | {m['trend_exact']:,.0f} ms"
                  f" | {m['search']:,.0f} ms |", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB; period_stats {'present' if has_period_stats(conn) else 'absent (sizes from the index)'}")


if __name__ == "__main__":
    main()
