"""Distributed crawl: pages/s with 1, 2 and 4 workers (plus one archiver) against one `fanwen crawl`
process, on a generated site; and Redis memory per million queued and seen URLs.

    .venv/bin/python bench/distributed_bench.py [--articles-per-site 300] [--workers 1 2 4] [--urls 200000] [--runs 1]
        [--baseline DIR]

Besides pages/s it gives each process's CPU time (from `getrusage` of the reaped child): the archiver's
CPU per page and per article is the ceiling of one archiver with a core of its own (1000 / ms per page
pages/s), whatever the number of workers. With --runs N every figure is the median of N runs. With
--baseline DIR (another checkout, as made by `git worktree add /work/base COMMIT`) every distributed
configuration also runs with that checkout's code (workers and archiver), right after this one's in
each run: a before/after in the same session.

Everything runs on this machine: the site (its own process), redis-server, the workers and the
archiver share its cores, so the figures show the overhead of the distributed path and how far one
machine's cores go, not how a crawl over many machines scales (docs/distributed.md says why).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FANWEN = [PYTHON, "-m", "crawler.cli"]
IDLE = 1.0
NOTHING_FETCHED = 3  # exit status of an archiver that got no item (crawler.cli.exits)
LOCAL = [
    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=16",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=WARNING", "-s", "FANWEN_RETRY_BACKOFF_BASE=0.2",
    "-s", "FANWEN_PROGRESS_INTERVAL=0", "-s", f"FANWEN_WORKER_IDLE={IDLE}", "-s", "FANWEN_WORKER_LEASE=5",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port)
    return proc, port


def run_json(cmd: list[str]) -> dict:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout)


def single_process(start_urls: list[str], resolve: list[str], folder: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = run_json([*FANWEN, "crawl", *start_urls, "--db", str(folder / "single.db"), *resolve, *LOCAL, "--json"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"requests": summary["requests"], "seconds": summary["elapsed_seconds"],
            "pages_per_s": summary["requests"] / summary["elapsed_seconds"], "articles": summary["articles_total"],
            "cpu_s": cpu, "pages_per_cpu_s": summary["requests"] / cpu}


def code_env(code: Path) -> dict[str, str]:
    """The environment of a command run from checkout `code` (its packages first on the path)."""
    return dict(os.environ, PYTHONPATH=str(code))


def distributed(workers: int, start_urls: list[str], resolve: list[str], folder: Path, redis_port: int, db: int,
                code: Path = ROOT) -> dict[str, float]:
    url = f"redis://127.0.0.1:{redis_port}/{db}"
    tag = "" if code == ROOT else "-baseline"
    archive = folder / f"workers{workers}{tag}.db"
    env = code_env(code)
    subprocess.run([*FANWEN, "crawl", *start_urls, "--redis", url, "--json"], cwd=code, env=env, check=True, capture_output=True)
    started = time.monotonic()
    archiver = subprocess.Popen([*FANWEN, "archiver", "--redis", url, "--db", str(archive), *LOCAL, "--json"],
                                cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs = [subprocess.Popen([*FANWEN, "worker", "--redis", url, *resolve, *LOCAL, "--warc", str(folder / f"workers{workers}{tag}.warc"),
                               "--json"],
                              cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    reports, worker_cpu = [], 0.0
    for proc in procs:
        out, err, cpu = communicate_with_cpu(proc)
        reports.append(json.loads(out))
        worker_cpu += cpu
    out, err, archiver_cpu = communicate_with_cpu(archiver)
    archived = time.monotonic() - started
    summary = json.loads(out)
    requests = sum(r["requests"] for r in reports)
    # Each worker's engine time, less the idle wait before it closed: the crawl's span.
    seconds = max(r["elapsed_seconds"] - IDLE for r in reports)
    stats = archiver_stats(archive)
    return {"prepared_used": stats.get("fanwen/clean/prepared_used", 0), "prepared_stale": stats.get("fanwen/clean/prepared_stale", 0),
            "requests": requests, "seconds": seconds, "pages_per_s": requests / seconds,
            "per_worker": [r["requests"] for r in reports], "articles": summary["articles_total"],
            "archived_after_s": archived - IDLE, "workers_cpu_s": worker_cpu, "worker_pages_per_cpu_s": requests / worker_cpu,
            "archiver_cpu_s": archiver_cpu, "archiver_ms_per_page": 1000 * archiver_cpu / requests,
            "archiver_ms_per_article": 1000 * archiver_cpu / max(1, summary["articles_total"])}


def archiver_stats(archive: Path) -> dict[str, Any]:
    """The archiver's crawl stats, as recorded in the archive."""
    import sqlite3

    conn = sqlite3.connect(archive)
    try:
        return json.loads(conn.execute("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()[0] or "{}")
    finally:
        conn.close()


def archiver_fixed_cpu(folder: Path, redis_port: int, db: int, code: Path = ROOT) -> float:
    """CPU seconds of an archiver with nothing to archive (start-up, idle wait, close): subtracted from a
    working archiver's CPU, what is left is the cost of the pages themselves."""
    url = f"redis://127.0.0.1:{redis_port}/{db}"
    flush_redis(redis_port, db)
    archiver = subprocess.Popen([*FANWEN, "archiver", "--redis", url, "--db", str(folder / f"idle-{code.name}.db"), *LOCAL, "--json"],
                                cwd=code, env=code_env(code), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return communicate_with_cpu(archiver, ok=(0, NOTHING_FETCHED))[2]


def communicate_with_cpu(proc: subprocess.Popen, ok: tuple[int, ...] = (0,)) -> tuple[str, str, float]:
    """Wait for `proc`: its output and its CPU seconds (user + system, start-up included).

    The children's rusage grows by exactly this child's when it is reaped, as long as no other child is
    reaped meanwhile (the callers wait for one process at a time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out, err = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(err[-3000:])
    return out, err, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def redis_memory(redis_port: int, urls: int, db: int) -> dict[str, float]:
    """Bytes per million URLs: queued (request in the sorted set + fingerprint) and seen only."""
    import redis

    sys.path.insert(0, str(ROOT))
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.queue import PriorityQueue

    from crawler.distributed.shared_frontier import Frontier, Keys
    from crawler.spiders.fanwen import FanwenSpider

    server = redis.Redis(port=redis_port, db=db)
    server.flushdb()
    keys = Keys()
    frontier = Frontier(server, keys)
    spider = FanwenSpider(start_urls=["http://www.example-fanwen.com/"])
    queue = PriorityQueue(server, spider, keys.queue)
    dupefilter = RFPDupeFilter(server, keys.dupefilter)
    before = int(server.info("memory")["used_memory"])
    batch = 2000
    for start in range(0, urls, batch):
        pipe = server.pipeline(transaction=False)
        for n in range(start, min(urls, start + batch)):
            request = spider._request(f"http://www.example-fanwen.com/gongzuozongjie/nianzhong/{1000000 + n}.html",
                                      spider.parse, 10)
            frontier._enqueue(keys=[keys.dupefilter, keys.queue, keys.inflight("")],
                              args=[dupefilter.request_fingerprint(request), -10, queue._encode_request(request), ""],
                              client=pipe)
        pipe.execute()
    queued = int(server.info("memory")["used_memory"]) - before
    queue_bytes = int(server.memory_usage(keys.queue, samples=0) or 0)
    seen_bytes = int(server.memory_usage(keys.dupefilter, samples=0) or 0)
    sample = server.zrange(keys.queue, 0, 0)[0]
    server.flushdb()
    scale = 1_000_000 / urls
    return {"urls": urls, "request_bytes": len(sample), "queued_and_seen_mb_per_million": queued * scale / 2**20,
            "queue_mb_per_million": queue_bytes * scale / 2**20, "seen_mb_per_million": seen_bytes * scale / 2**20}


def measure(articles_per_site: int, workers: list[int], urls: int = 200_000, runs: int = 1,
            baseline: Path | None = None) -> dict[str, Any]:
    """Serve the generated sites, start redis-server, and crawl them with one process and with each number
    of `workers` plus one archiver, `runs` times (alternating); medians of each figure, and Redis memory
    per million URLs when `urls` is not 0."""
    sys.path.insert(0, str(ROOT))
    from fanwen.testsite import build_sites

    bundle = build_sites(seed=7, articles_per_site=articles_per_site)
    site_port = free_port()
    site = subprocess.Popen([PYTHON, "-m", "fanwen.testsite", "serve", "--port", str(site_port), "--seed", "7",
                             "--articles-per-site", str(articles_per_site)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        redis_proc, redis_port = start_redis(folder)
        try:
            wait_for_port(site_port)
            start_urls = [f"http://{host}:{site_port}/" for host in bundle.start_hosts]
            resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
            results: dict[str, Any] = {"cpus": os.cpu_count(), "articles_per_site": articles_per_site, "runs": runs,
                                       "load_before": os.getloadavg()[0]}
            measured: dict[str, list[dict[str, Any]]] = {}
            for run in range(runs):
                run_folder = folder / f"run{run}"
                run_folder.mkdir()
                measured.setdefault("single_process", []).append(single_process(start_urls, resolve, run_folder))
                print(f"run {run + 1}, single process:", measured["single_process"][-1], file=sys.stderr, flush=True)
                codes = [(ROOT, "")] + ([(baseline.resolve(), "_baseline")] if baseline else [])
                fixed = {code: archiver_fixed_cpu(run_folder, redis_port, 1, code) for code, _ in codes}
                for count in workers:
                    for code, tag in codes:
                        flush_redis(redis_port, 1)
                        figures = distributed(count, start_urls, resolve, run_folder, redis_port, 1, code)
                        working = figures["archiver_cpu_s"] - fixed[code]
                        figures |= {"archiver_fixed_cpu_s": fixed[code],
                                    "archiver_ms_per_page_working": 1000 * working / figures["requests"],
                                    "archiver_pages_per_cpu_s_working": figures["requests"] / working}
                        name = f"workers_{count}{tag}"
                        measured.setdefault(name, []).append(figures)
                        print(f"run {run + 1}, {count} workers{tag.replace('_', ', ')}:", figures, file=sys.stderr, flush=True)
            for name, figures in measured.items():
                results[name] = median_figures(figures)
            if urls:
                results["redis_memory"] = redis_memory(redis_port, urls, 15)
                print("redis memory:", results["redis_memory"], file=sys.stderr, flush=True)
            results["load_after"] = os.getloadavg()[0]
            return results
        finally:
            redis_proc.terminate()
            site.terminate()
            redis_proc.wait()
            site.wait()


def flush_redis(port: int, db: int) -> None:
    """Empty one Redis database: each run seeds its crawl afresh."""
    import redis

    redis.Redis(port=port, db=db).flushdb()


def median_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each numeric figure over the runs; other values from the first run, per-run values listed."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)):
            out[key] = statistics.median(run[key] for run in runs)
    if len(runs) > 1:
        out["per_run_pages_per_s"] = [run["pages_per_s"] for run in runs]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--urls", type=int, default=200_000, help="URLs queued for the memory figure (0: skip it)")
    parser.add_argument("--runs", type=int, default=1, help="runs of every configuration, alternating (medians)")
    parser.add_argument("--baseline", type=Path, help="another checkout whose workers and archiver also run, alternating")
    args = parser.parse_args()
    print(json.dumps(measure(args.articles_per_site, args.workers, args.urls, args.runs, args.baseline), indent=2))


if __name__ == "__main__":
    main()
