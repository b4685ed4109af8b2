"""The distributed archiver's CPU cost per fetched page, split by stage, on a stream filled beforehand.

    .venv/bin/python bench/archiver_bench.py [--articles-per-site 300] [--runs 3] [--baseline DIR] [--json]

One worker crawls the generated sites (4 sites) with no archiver running, so its items stay in the
Redis stream; an archiver drains that stream once (it learns the sites' boilerplate and publishes it,
crawler.distributed.boilerplate); then a second worker crawl fills the stream again, as workers do once
an archiver has learned the sites. Each run copies that stream back and drains it with a fresh
archiver (fresh archive) whose stages are timed with `time.thread_time` (CPU, exclusive of the stages
they call): reading and decoding entries, cleaning, exact dedupe, the writer's SQL, crawl-log and
captures rows, derived columns, near-duplicates, tokenising and inserting the search index, commits,
acknowledgements. What no timer covers is Scrapy's item machinery, the read loop and the event loop.
An archiver run on an empty stream gives the fixed cost (start-up, idle wait, close), taken out of
the per-page figure. With --baseline DIR (another checkout) the same is done with its code, runs
alternating. Figures are medians of the runs; the machine's load is printed with them.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import distributed_bench as dist  # noqa: E402  (the site, Redis and process helpers)

# (module, attribute, stage): the functions timed inside the archiver, first listed first.
STAGES = [
    ("crawler.distributed.archiver", "decode_item", "read: decode entries"),
    ("crawler.distributed.archiver", "StreamAcks.deliver", "read: hand out entries"),
    ("pipelines.clean", "CleanPipeline.clean", "cleaning"),
    ("pipelines.clean", "CleanPipeline._learn", "boilerplate learning"),
    ("pipelines.dedupe", "ExactDedupePipeline.process_item", "exact dedupe"),
    ("pipelines.store", "StorePipeline.process_item", "store pipeline"),
    ("fanwen.archive.writer", "ArchiveWriter.store_article", "writer SQL (articles, URLs)"),
    ("fanwen.archive.writer", "ArchiveWriter.log_fetch", "crawl-log rows"),
    ("fanwen.archive.writer", "ArchiveWriter.log_fetches", "crawl-log rows"),
    ("crawler.distributed.archiver", "add_captures", "captures rows"),
    ("fanwen.archive.stream", "StreamEntries.mark", "stream_entries marks"),
    ("fanwen.archive.stream", "StreamEntries.mark_many", "stream_entries marks"),
    ("fanwen.archive.stream", "StreamEntries.forget", "stream_entries marks"),
    ("fanwen.archive.fields", "DerivedFields._update", "derived columns (genre)"),
    ("fanwen.archive.neardup.detector", "NearDupDetector.flush", "near-duplicates"),
    ("fanwen.archive.search", "index_articles", "search index: FTS5 inserts"),
    ("fanwen.archive.cjk", "tokens", "search index: tokenising"),
    ("fanwen.archive.cjk", "ideographs", "search index: tokenising"),
    ("fanwen.archive.unigrams", "tokens", "search index: unigram table (archives <= 20,000 articles)"),
    ("fanwen.archive.unigrams", "from_bigrams", "search index: unigram table (archives <= 20,000 articles)"),
    ("fanwen.archive.writer", "ArchiveWriter._commit", "COMMIT"),
    ("crawler.distributed.archiver", "StreamAcks.acknowledge", "XACK + XDEL"),
    ("crawler.distributed.archiver", "AckPipeline.process_item", "stream_entries marks"),
    ("crawler.extensions.archive_session", "ArchiveSession.check_quality", "quality check at close (fixed)"),
]
UNTIMED = "Scrapy's item machinery, read loop, event loop (untimed)"


def timed_archiver(out: str, argv: list[str]) -> None:
    """Run `fanwen archiver` (argv) in this process with STAGES timed; their CPU seconds go to `out`."""
    import importlib

    spent: dict[str, float] = {}
    inner: list[float] = []

    def timed(stage: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.thread_time() - started
                nested = inner.pop()
                spent[stage] = spent.get(stage, 0.0) + elapsed - nested
                if inner:
                    inner[-1] += elapsed
        return wrapper

    for module, attribute, stage in STAGES:
        owner: Any = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        if hasattr(owner, name):  # a baseline checkout may not have it
            setattr(owner, name, timed(stage, getattr(owner, name)))

    def dump() -> None:
        Path(out).write_text(json.dumps(spent))

    atexit.register(dump)
    sys.argv = ["fanwen", *argv]
    from crawler.cli import main

    main()


def fill_stream(code: Path, url: str, start_urls: list[str], resolve: list[str], warc: Path) -> int:
    """Seed and run one worker with no archiver: its items stay in the stream. Returns its requests."""
    env = dist.code_env(code)
    subprocess.run([*dist.FANWEN, "crawl", *start_urls, "--redis", url, "--json"], cwd=code, env=env, check=True,
                   capture_output=True)
    result = subprocess.run([*dist.FANWEN, "worker", "--redis", url, *resolve, *dist.LOCAL, "--warc", str(warc), "--json"],
                            cwd=code, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout)["requests"]


def drain(code: Path, url: str, archive: Path, timings: Path | None = None) -> tuple[float, dict[str, Any]]:
    """An archiver over the stream: its CPU seconds and summary (0 articles for an empty stream)."""
    for path in archive.parent.glob(archive.name + "*"):
        path.unlink()
    command = ["archiver", "--redis", url, "--db", str(archive), *dist.LOCAL, "--json"]
    if timings is not None:
        cmd = [dist.PYTHON, __file__, "--timed-child", str(timings), *command]
    else:
        cmd = [*dist.FANWEN, *command]
    proc = subprocess.Popen(cmd, cwd=code, env=dist.code_env(code), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, _, cpu = dist.communicate_with_cpu(proc, ok=(0, dist.NOTHING_FETCHED))
    return cpu, (json.loads(out) if out.strip() else {})


def measure(articles_per_site: int = 300, runs: int = 3, baseline: Path | None = None) -> dict[str, Any]:
    import redis

    from fanwen.testsite import build_sites

    bundle = build_sites(seed=7, articles_per_site=articles_per_site)
    site_port = dist.free_port()
    site = subprocess.Popen([dist.PYTHON, "-m", "fanwen.testsite", "serve", "--port", str(site_port), "--seed", "7",
                             "--articles-per-site", str(articles_per_site)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    codes = [("this", ROOT)] + ([("baseline", baseline.resolve())] if baseline else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        redis_proc, redis_port = dist.start_redis(folder)
        try:
            dist.wait_for_port(site_port)
            start_urls = [f"http://{host}:{site_port}/" for host in bundle.start_hosts]
            resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
            requests: dict[str, int] = {}
            for db, (name, code) in enumerate(codes, 1):
                url = f"redis://127.0.0.1:{redis_port}/{db}"
                server = redis.Redis(port=redis_port, db=db)
                fill_stream(code, url, start_urls, resolve, folder / f"{name}-first.warc")
                drain(code, url, folder / f"{name}-first.db")  # learns and publishes the sites' boilerplate
                learned = server.hgetall("fanwen:boilerplate")
                server.flushdb()
                if learned:
                    server.hset("fanwen:boilerplate", mapping=learned)
                requests[name] = fill_stream(code, url, start_urls, resolve, folder / f"{name}.warc")
                for key in ("items", "start_urls", "stats"):
                    server.copy(f"fanwen:{key}", f"kept:{key}", replace=True)
                print(f"{name}: stream of {server.xlen('fanwen:items')} entries, {requests[name]} requests",
                      file=sys.stderr, flush=True)
            measured: dict[str, list[dict[str, Any]]] = {}
            for run in range(runs):
                for db, (name, code) in enumerate(codes, 1):
                    url = f"redis://127.0.0.1:{redis_port}/{db}"
                    server = redis.Redis(port=redis_port, db=db)
                    if stale := server.keys("fanwen:*"):
                        server.delete(*stale)
                    fixed, _ = drain(code, url, folder / f"{name}-idle.db")
                    for key in ("items", "start_urls", "stats"):
                        server.copy(f"kept:{key}", f"fanwen:{key}", replace=True)
                    timings = folder / f"{name}-{run}.json"
                    load = os.getloadavg()[0]
                    cpu, summary = drain(code, url, folder / f"{name}.db", timings)
                    measured.setdefault(name, []).append({"cpu_s": cpu, "fixed_cpu_s": fixed, "load": load,
                                                          "articles": summary.get("articles_total"),
                                                          "stages": json.loads(timings.read_text())})
                    print(f"run {run + 1}, {name}: archiver {cpu:.2f} CPU s, {fixed:.2f} on an empty stream (load {load:.1f})",
                          file=sys.stderr, flush=True)
            return {"articles_per_site": articles_per_site, "runs": runs, "requests": requests,
                    **{name: per_page(figures, requests[name]) for name, figures in measured.items()}}
        finally:
            redis_proc.terminate()
            site.terminate()
            redis_proc.wait()
            site.wait()


def per_page(runs: list[dict[str, Any]], pages: int) -> dict[str, Any]:
    """Each run's figures per page, less the fixed cost (the median of the runs' empty-stream archivers:
    a start-up's CPU varies by a second on a busy machine); medians over the runs."""
    fixed = statistics.median(run["fixed_cpu_s"] for run in runs)
    out = []
    for run in runs:
        working = run["cpu_s"] - fixed
        stages = {stage: 1000 * s / pages for stage, s in run["stages"].items()}
        stages[UNTIMED] = 1000 * (working - sum(run["stages"].values())) / pages
        out.append({"cpu_s": run["cpu_s"], "fixed_cpu_s": fixed, "ms_per_page": 1000 * working / pages,
                    "pages_per_cpu_s": pages / working, "articles": run["articles"], "load": run["load"],
                    "stages_ms_per_page": stages})
    return medians(out)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {key: statistics.median(run[key] for run in runs)
                           for key, value in runs[0].items() if isinstance(value, (int, float))}
    out["per_run_ms_per_page"] = [round(run["ms_per_page"], 3) for run in runs]
    stages = {stage for run in runs for stage in run["stages_ms_per_page"]}
    out["stages_ms_per_page"] = dict(sorted(
        ((stage, statistics.median(run["stages_ms_per_page"].get(stage, 0.0) for run in runs)) for stage in stages),
        key=lambda kv: -kv[1]))
    return out


def table(results: dict[str, Any]) -> str:
    names = [name for name in ("this", "baseline") if name in results]
    stages = list(results["this"]["stages_ms_per_page"])
    stages += [s for name in names for s in results[name]["stages_ms_per_page"] if s not in stages]
    lines = ["| stage, CPU ms a fetched page | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for stage in stages:
        lines.append(f"| {stage} | " + " | ".join(f"{results[n]['stages_ms_per_page'].get(stage, 0.0):.3f}" for n in names) + " |")
    lines.append("| **all (fixed cost out)** | " + " | ".join(f"**{results[n]['ms_per_page']:.2f}**" for n in names) + " |")
    lines.append("| pages per archiver CPU s | " + " | ".join(f"{results[n]['pages_per_cpu_s']:.0f}" for n in names) + " |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--timed-child":
        timed_archiver(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout, measured the same way, runs alternating")
    parser.add_argument("--json", action="store_true", help="the figures as JSON instead of a table")
    args = parser.parse_args()
    results = measure(args.articles_per_site, args.runs, args.baseline)
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
