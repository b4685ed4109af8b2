"""Search index and archive writer at scale: every figure in one table (a script, not a test).

    .venv/bin/python bench/search_bench.py --articles 100000 [--db /work/benchdata/search.db] [--runs 3] [--reuse]

Generates synthetic 公文-like articles (~2,300 characters from a Zipf-weighted vocabulary) with bulk
inserts, then measures, each in a child process where it writes (peak RSS = its VmHWM):
- index rebuild (`archive.search.rebuild_index`, one transaction): seconds, CPU seconds, peak RSS;
- search (`archive.search.search`, top 20, count capped at RANK_CAP, snippets): p50/p95 for 1- to
  4-character queries cut from the text (frequency-weighted), medians of --runs runs;
- ranked queries (bm25 over every match) by match-count band: p50/p95; one-character queries by how
  many articles hold the character;
- index size relative to the UTF-8 text, per FTS5 shadow table (dbstat; `chars*` are articles_chars's,
  `unigrams*` the unigram table's, which only archives of at most 20,000 articles have);
- `fanwen export` JSONL MB/s and peak RSS;
- the archive writer (`ArchiveWriter`, batches of 200 writes, search index and near-duplicates):
  articles/s per wall second and per CPU second, over windows of new articles appended to the archive
  (so each run leaves it a little bigger); the near-duplicate stage's catch-up when it opens a
  bulk-built archive is reported apart.
Keep benchmark archives out of the repository (default under /work/benchdata/).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanwen.archive import cjk  # noqa: E402
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


def article_text(rng: random.Random, words: list[str], weights: list[float]) -> tuple[str, str]:
    """(title, body) of one generated article."""
    sentences = ["".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 16))) for _ in range(rng.randint(60, 90))]
    body = "\n".join("，".join(sentences[j:j + 3]) + "。" for j in range(0, len(sentences), 3))
    return "".join(rng.choices(words, cum_weights=weights, k=5)), body


def generate(db_path: Path, n: int, seed: int = 1) -> float:
    """Bulk-insert n articles without a search index (built next, as `fanwen index` does); seconds."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    db = connect(db_path, search_index=False)
    started = time.monotonic()
    db.execute("BEGIN")
    db.execute("INSERT INTO crawls(started_at, start_urls) VALUES ('2024-01-01T00:00:00Z', '[]')")
    batch = []
    for i in range(1, n + 1):
        title, body = article_text(rng, words, weights)
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
    db.conn.close()
    return time.monotonic() - started


def child(function: str, *args: Any) -> dict[str, Any]:
    """Run `function(*args)` of this script in a fresh Python (its own peak RSS); returns its dict."""
    from child import call

    return call("search_bench", function, *args)


def rebuild(db_path: str) -> dict[str, Any]:
    """`rebuild_index` on the archive (in a child): seconds, CPU seconds, peak RSS."""
    from rss import peak_rss_mib

    db = connect(db_path, search_index=False)
    wall, cpu = time.perf_counter(), time.process_time()
    count = rebuild_index(db)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {"articles": count, "seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": peak_rss_mib()}


def write_articles(db_path: str, windows: int, window: int, seed: int) -> dict[str, Any]:
    """Append `windows` x `window` new articles through ArchiveWriter with the search index and the
    near-duplicate stage (in a child): median articles/s per wall and per CPU second, peak RSS."""
    from rss import peak_rss_mib

    from fanwen.archive.neardup import NearDupDetector
    from fanwen.archive.writer import ArchiveWriter
    from pipelines.dedupe import content_hash

    words, weights = vocabulary(random.Random(1))
    writer = ArchiveWriter(db_path, batch_size=200)
    writer.add_hook(NearDupDetector())
    opened = time.perf_counter()
    writer.open()
    opened = time.perf_counter() - opened
    # URLs and texts no earlier run wrote (a rerun with --reuse used to store the same ones again: changed
    # texts at known URLs, another path of the writer, not new articles).
    first = writer.db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    rng = random.Random(seed * 1_000_003 + first)
    wall_rates, cpu_rates = [], []
    for w in range(windows):
        records = []
        for k in range(window):
            title, body = article_text(rng, words, weights)
            records.append({"url": f"http://writer.test/{first}/{seed}/{w}/{k}.html", "site": "writer.test", "title": title,
                            "body": body, "content_hash": content_hash(body)})
        wall, cpu = time.perf_counter(), time.process_time()
        for record in records:
            writer.store_article(record, None)
        writer.flush()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall_rates.append(window / wall)
        cpu_rates.append(window / cpu)
    writer.close()
    return {"open_seconds": opened, "per_s": statistics.median(wall_rates), "per_cpu_s": statistics.median(cpu_rates),
            "peak_rss_mib": peak_rss_mib()}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency(conn, queries: list[str]) -> tuple[float, float, float, float]:
    """p50, p95 of wall ms, then of CPU ms (this process): on a shared machine CPU time is the cost."""
    wall, cpu = [], []
    for q in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        search(conn, q, limit=20)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return percentile(wall, 50), percentile(wall, 95), percentile(cpu, 50), percentile(cpu, 95)


def medians(runs: list[tuple[float, ...]]) -> list[float]:
    """Wall p50, p95, CPU p50, p95 (ms): the medians of several runs of `latency`."""
    return [statistics.median(r[k] for r in runs) for k in range(4)]


def shown(m: list[float]) -> str:
    """'p50 / p95 ms wall (p50 / p95 CPU ms)' of `medians`."""
    return f"{m[0]:.1f} / {m[1]:.1f} ms ({m[2]:.1f} / {m[3]:.1f} CPU ms)"


def sizes(conn) -> dict[str, float]:
    """Bytes of text and of the index (FTS5 shadow tables, from dbstat), and each table's share."""
    text = conn.execute("SELECT sum(length(CAST(title AS BLOB)) + length(CAST(body AS BLOB))) FROM articles").fetchone()[0]
    tables = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'"
                               " OR name LIKE 'articles_chars%' OR name LIKE 'articles_unigrams%' GROUP BY name"))
    index = sum(tables.values())
    return {"text_mb": text / 1e6, "index_mb": index / 1e6, "ratio": index / text,
            **{f"ratio_{name.removeprefix('articles_fts_').removeprefix('articles_')}": size / text for name, size in tables.items()}}


BANDS = ((1, 100), (101, 1_000), (1_001, 5_000), (5_001, 20_000))


def ranked_by_band(conn, bodies: list[str], rng: random.Random, per_band: int,
                   runs: int) -> dict[tuple[int, int], tuple[list[float], int]]:
    """p50/p95 of ranked searches (bm25 over every match) for queries of each match-count band."""
    found: dict[tuple[int, int], list[str]] = {band: [] for band in BANDS}
    for _ in range(20_000):
        if all(len(q) >= per_band for q in found.values()):
            break
        body = rng.choice(bodies)
        length = rng.choice((2, 3, 3, 4, 4, 5, 6, 8))
        start = rng.randrange(len(body) - length)
        query = body[start:start + length]
        if not is_cjk(query):
            continue
        count = conn.execute("SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)",
                             [cjk.parse(query).match, BANDS[-1][1] + 1]).fetchone()[0]
        for band in BANDS:
            if band[0] <= count <= band[1] and len(found[band]) < per_band:
                found[band].append(query)
    out = {}
    for band, queries in found.items():
        if queries:
            out[band] = (medians([latency(conn, queries) for _ in range(runs)]), len(queries))
    return out


def one_character_by_band(conn, per_band: int, runs: int) -> dict[tuple[int, int], tuple[list[float], int]]:
    """p50/p95 of lone-character searches by how many articles hold the character (from articles_chars):
    counted and listed from it above RANK_CAP, ranked by the bigram index's prefix query below."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_chars'").fetchone():
        return {}
    bands = (*BANDS, (BANDS[-1][1] + 1, 10**12))
    found: dict[tuple[int, int], list[str]] = {band: [] for band in bands}
    for code in range(0x4E00, 0x9FA6):
        count = conn.execute("SELECT count(*) FROM (SELECT 1 FROM articles_chars WHERE articles_chars MATCH ? LIMIT ?)",
                             [f'"{chr(code)}"', bands[-1][0] + 1]).fetchone()[0]
        for band in bands:
            if count and band[0] <= count <= band[1] and len(found[band]) < per_band:
                found[band].append(chr(code))
    return {band: (medians([latency(conn, queries) for _ in range(runs)]), len(queries)) for band, queries in found.items() if queries}


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


def query_figures(db_path: str, runs: int, one_character: bool = True) -> dict[str, Any]:
    """Every search figure of an indexed archive, read only: latency by query length (100 queries each,
    cut from the text), ranked latency by band of matches, lone characters by band (unless not
    `one_character`), index size; medians of `runs` runs, numbers only (JSON-ready)."""
    from rss import peak_rss_mib

    conn = open_readonly(db_path)
    rng = random.Random(2)
    bodies = [r[0] for r in conn.execute("SELECT body FROM articles WHERE id % 997 = 0")]
    lengths = {}
    for length in (1, 2, 3, 4):
        queries = []
        while len(queries) < 100:  # cut from the text: frequency-weighted, like real queries
            body = rng.choice(bodies)
            start = rng.randrange(len(body) - length)
            if is_cjk(body[start:start + length]):
                queries.append(body[start:start + length])
        lengths[length] = medians([latency(conn, queries) for _ in range(runs)])
    ranked = [{"low": low, "high": high, "queries": n, "latency": figures}
              for (low, high), (figures, n) in ranked_by_band(conn, bodies, rng, 30, runs).items()]
    lone = [{"low": low, "high": high, "queries": n, "latency": figures}
            for (low, high), (figures, n) in (one_character_by_band(conn, 30, runs) if one_character else {}).items()]
    figures = {"articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0], "lengths": lengths,
               "ranked": ranked, "one_character": lone, "sizes": sizes(conn)}
    conn.close()
    return figures | {"peak_rss_mib": peak_rss_mib()}


class Rows(list):
    """The table's rows; each is also printed (stderr) as soon as it is measured."""

    def append(self, row: tuple[str, str]) -> None:
        print(f"{row[0]}: {row[1]}", file=sys.stderr, flush=True)
        super().append(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/work/benchdata/fanwen-search-bench.db"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="Use an archive generated before (its index too).")
    parser.add_argument("--rebuild", action="store_true", help="With --reuse: rebuild the index again.")
    parser.add_argument("--no-export", action="store_true", help="Skip the export figures.")
    parser.add_argument("--no-writer", action="store_true", help="Skip the writer figures (they add articles).")
    parser.add_argument("--writer-articles", type=int, default=4000, help="Articles per writer window (3 windows).")
    args = parser.parse_args()
    rows = Rows()
    if not args.reuse:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        rows.append((f"generate {args.articles:,} articles (bulk inserts)", f"{generate(args.db, args.articles):.0f} s"))
    if not args.reuse or args.rebuild:
        r = child("rebuild", str(args.db))
        rows.append(("index rebuild (rebuild_index, one transaction)",
                     f"{r['seconds']:.0f} s ({r['cpu_seconds']:.0f} CPU s, {1000 * r['cpu_seconds'] / r['articles']:.2f} CPU ms"
                     f" an article), peak RSS {r['peak_rss_mib']:.0f} MiB"))
    q = query_figures(str(args.db), args.runs)
    for length, figures in q["lengths"].items():
        rows.append((f"search, {length}-character queries, top 20: p50 / p95", shown(figures)))
    for band in q["ranked"]:
        rows.append((f"ranked (exact bm25), {band['low']:,}-{band['high']:,} matches ({band['queries']} queries): p50 / p95",
                     shown(band["latency"])))
    for band in q["one_character"]:
        label = f"more than {band['low'] - 1:,}" if band["high"] > BANDS[-1][1] else f"{band['low']:,}-{band['high']:,}"
        rows.append((f"1-character queries held by {label} articles ({band['queries']} characters): p50 / p95",
                     shown(band["latency"])))
    s = q["sizes"]
    parts = ", ".join(f"{k.removeprefix('ratio_')} {v:.3f}" for k, v in s.items() if k.startswith("ratio_"))
    rows.append(("index size / text size", f"{s['ratio']:.2f}x ({s['index_mb']:,.0f} MB / {s['text_mb']:,.0f} MB; {parts})"))
    articles = q["articles"]
    if not args.no_export:
        out = args.db.with_suffix(".jsonl")
        results = [export_run(args.db, out) for _ in range(args.runs)]
        rows.append(("export JSONL", f"{statistics.median(r[0] for r in results):.0f} MB/s ({results[0][2]:,.0f} MB),"
                                     f" peak RSS {statistics.median(r[1] for r in results):.0f} MiB"))
        out.unlink()
    if not args.no_writer:
        results = [child("write_articles", str(args.db), 3, args.writer_articles, 100 + run) for run in range(args.runs)]
        rows.append(("writer with search index + near-duplicates (batches of 200 writes): articles/s",
                     f"{statistics.median(r['per_s'] for r in results):,.0f} wall, "
                     f"{statistics.median(r['per_cpu_s'] for r in results):,.0f} per CPU s; peak RSS "
                     f"{statistics.median(r['peak_rss_mib'] for r in results):.0f} MiB; opening (near-duplicate"
                     f" catch-up) {results[0]['open_seconds']:.0f} s then {statistics.median(r['open_seconds'] for r in results[1:]) if len(results) > 1 else 0:.1f} s"))
    print(f"\n{articles:,} articles, {args.runs} runs (medians), SQLite {sqlite3.sqlite_version}\n")
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
