"""Where a search phrase's time goes at scale: CPU ms of each statement a ranked query runs, and of the
doclists its bigrams stand for (docs/search.md, "Why the 1M tails stay").

    .venv/bin/python bench/phrase_costs.py ARCHIVE.db 们各们题 料场闭环 [--runs 2]

Read only. For each query: the count that decides the ranking cap, the best 20 by bm25, the AND of its
bigrams (what a positionless candidate table would read) and each bigram counted alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fanwen.archive import cjk  # noqa: E402
from fanwen.archive.readonly import open_readonly  # noqa: E402


def timed(conn, sql: str, *params: object) -> tuple[float, object]:
    started = time.process_time()
    row = conn.execute(sql, params).fetchone()
    return (time.process_time() - started) * 1000, row[0] if row else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive")
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--runs", type=int, default=2, help="runs of each statement (the first warms the cache)")
    args = parser.parse_args()
    conn = open_readonly(args.archive)
    for query in args.queries:
        match = cjk.parse(query).match
        bigrams = [query[i:i + 2] for i in range(len(query) - 1)]
        statements = [
            ("count (cap 20,001)", "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 20001)", match),
            ("best 20 by bm25", "SELECT min(s) FROM (SELECT bm25(articles_fts) s FROM articles_fts WHERE articles_fts MATCH ?"
                                " ORDER BY s LIMIT 20)", match),
            ("AND of its bigrams", "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
             " AND ".join(f'"{b}"' for b in bigrams)),
            *((f"bigram {b} alone", "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", f'"{b}"') for b in bigrams),
        ]
        print(f"{query} ({match})")
        for name, sql, param in statements:
            figures = [timed(conn, sql, param) for _ in range(args.runs)]
            shown = " / ".join(f"{ms:.1f}" for ms, _ in figures)
            print(f"  {name:22s} {shown} CPU ms  -> {figures[-1][1]}")


if __name__ == "__main__":
    main()
