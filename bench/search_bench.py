"""Search latency, index size and export throughput on a generated archive (a script, not a test).

    .venv/bin/python bench/search_bench.py --articles 100000 [--db /tmp/bench.db] [--runs 3]

Generates synthetic 公文-like articles (~2,000 characters from a Zipf-weighted vocabulary) with bulk
inserts, builds the index with `archive.search.rebuild_index`, then prints (medians of --runs runs):
p50/p95 of `archive.search.search` (top 20, count capped at 2,000, snippets) for 1-, 2- and
4-character queries cut from the text, index size relative to the text, and `fanwen export` JSONL
throughput and peak memory (in a child process).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanwen.archive.readonly import open_readonly  # noqa: E402
from fanwen.archive.schema import connect  # noqa: E402
from fanwen.archive.search import rebuild_index, search  # noqa: E402

CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
         "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
         "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
         "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头"
         "基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保"
         "治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场"
         "身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林"
         "律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历"
         "市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火"
         "住调满县局照参红细引听该铁价严减双课服务")
WEEKS = [f"20{y:02d}-{m:02d}-{d:02d}" for y in range(15, 25) for m in range(1, 13) for d in (3, 17)]


def vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    """Real 公文 phrases of the test-site generator plus random words, Zipf-weighted, as cumulative weights."""
    from fanwen.testsite import phrases

    real = sorted({w for v in vars(phrases).values() if isinstance(v, tuple) for w in v if isinstance(w, str)})
    words = real + ["".join(rng.choices(CHARS, k=rng.choice((1, 2, 2, 2, 3, 4)))) for _ in range(size - len(real))]
    rng.shuffle(words)
    return words, list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(words))))


def is_cjk(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in text)


def generate(db_path: Path, n: int, seed: int = 1) -> None:
    """Bulk-insert n articles, then build the index; prints how long each step took."""
    if db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    db = connect(db_path)
    db.execute("DROP TABLE articles_fts")  # built once at the end, as `fanwen index` does
    started = time.monotonic()
    db.execute("BEGIN")
    db.execute("INSERT INTO crawls(started_at, start_urls) VALUES ('2024-01-01T00:00:00Z', '[]')")
    batch = []
    for i in range(1, n + 1):
        sentences = ["".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 16))) for _ in range(rng.randint(60, 90))]
        body = "\n".join("，".join(sentences[j:j + 3]) + "。" for j in range(0, len(sentences), 3))
        title = "".join(rng.choices(words, cum_weights=weights, k=5))
        site = f"site{i % 7}.test"
        batch.append((f"http://{site}/a/{i}.html", site, title, body, rng.choice(WEEKS), json.dumps([words[i % 50]], ensure_ascii=False),
                      "[]", f"{i:040x}", len(body), "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 1))
        if len(batch) == 5000 or i == n:
            db.conn.executemany(
                "INSERT INTO articles(url, site, title, body, published_at, categories, terms, content_hash, chars,"
                " first_seen, last_seen, crawl_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
            db.conn.executemany("INSERT INTO article_urls(url, article_id, first_seen, crawl_id) VALUES (?, ?, ?, 1)",
                                [(b[0], i - len(batch) + k + 1, b[9]) for k, b in enumerate(batch)])
            batch = []
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"generated {n} articles in {time.monotonic() - started:.0f}s", flush=True)
    started = time.monotonic()
    rebuild_index(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"indexed in {time.monotonic() - started:.0f}s", flush=True)
    db.conn.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency(conn, queries: list[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        search(conn, q, limit=20)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def sizes(conn) -> dict[str, float]:
    """Bytes of text and of the index (FTS5 shadow tables), from page counts."""
    text = conn.execute("SELECT sum(length(CAST(title AS BLOB)) + length(CAST(body AS BLOB))) FROM articles").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        index = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'").fetchone()[0]
    except Exception:  # no dbstat: estimate from the data table's blobs
        index = conn.execute("SELECT sum(length(block)) FROM articles_fts_data").fetchone()[0]
        index += page * 2
    return {"text_mb": text / 1e6, "index_mb": index / 1e6, "ratio": index / text}


def export_run(db: Path, out: Path) -> tuple[float, float, float]:
    """MB/s and peak RSS (MB) of `fanwen export` in a child process."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        f"subprocess.run([sys.executable, '-m', 'crawler.cli', 'export', '--db', {str(db)!r}, '-o', {str(out)!r}], check=True);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    seconds, rss_kb = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                     check=True).stdout.split()
    size = out.stat().st_size / 1e6
    return size / float(seconds), int(rss_kb) / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/fanwen-search-bench.db"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="Use an archive generated before.")
    args = parser.parse_args()
    if not args.reuse:
        generate(args.db, args.articles)
    conn = open_readonly(args.db)
    rng = random.Random(2)
    bodies = [r[0] for r in conn.execute("SELECT body FROM articles WHERE id % 997 = 0")]
    for length in (1, 2, 4):
        queries = []
        while len(queries) < 100:  # cut from the text: frequency-weighted, like real queries
            body = rng.choice(bodies)
            start = rng.randrange(len(body) - length)
            if is_cjk(body[start:start + length]):
                queries.append(body[start:start + length])
        runs = [latency(conn, queries) for _ in range(args.runs)]
        print(f"{length}-char queries (top 20): p50 {statistics.median(r[0] for r in runs):.1f} ms,"
              f" p95 {statistics.median(r[1] for r in runs):.1f} ms", flush=True)
    s = sizes(conn)
    print(f"text {s['text_mb']:.0f} MB, index {s['index_mb']:.0f} MB: {s['ratio']:.2f}x the text")
    out = args.db.with_suffix(".jsonl")
    results = [export_run(args.db, out) for _ in range(args.runs)]
    print(f"export JSONL: {statistics.median(r[0] for r in results):.0f} MB/s ({results[0][2]:.0f} MB),"
          f" peak RSS {statistics.median(r[1] for r in results):.0f} MB")
    out.unlink()


if __name__ == "__main__":
    main()
