"""Distributed crawl: pages/s with 1, 2 and 4 workers (plus one archiver) against one `fanwen crawl`
process, on a generated site; and Redis memory per million queued and seen URLs.

    .venv/bin/python bench/distributed_bench.py [--articles-per-site 300] [--workers 1 2 4] [--urls 200000]

Everything runs on this machine: the site (its own process), redis-server, the workers and the
archiver share its cores, so the figures show the overhead of the distributed path and how far one
machine's cores go, not how a crawl over many machines scales (docs/distributed.md says why).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FANWEN = [PYTHON, "-m", "crawler.cli"]
IDLE = 1.0
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
    summary = run_json([*FANWEN, "crawl", *start_urls, "--db", str(folder / "single.db"), *resolve, *LOCAL, "--json"])
    return {"requests": summary["requests"], "seconds": summary["elapsed_seconds"],
            "pages_per_s": summary["requests"] / summary["elapsed_seconds"], "articles": summary["articles_total"]}


def distributed(workers: int, start_urls: list[str], resolve: list[str], folder: Path, redis_port: int, db: int) -> dict[str, float]:
    url = f"redis://127.0.0.1:{redis_port}/{db}"
    archive = folder / f"workers{workers}.db"
    run_json([*FANWEN, "crawl", *start_urls, "--redis", url, "--json"])
    started = time.monotonic()
    archiver = subprocess.Popen([*FANWEN, "archiver", "--redis", url, "--db", str(archive), *LOCAL, "--json"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs = [subprocess.Popen([*FANWEN, "worker", "--redis", url, *resolve, *LOCAL, "--warc", str(folder / f"workers{workers}.warc"),
                               "--json"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    reports = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(err[-3000:])
        reports.append(json.loads(out))
    out, err = archiver.communicate()
    if archiver.returncode != 0:
        raise RuntimeError(err[-3000:])
    archived = time.monotonic() - started
    summary = json.loads(out)
    requests = sum(r["requests"] for r in reports)
    # Each worker's engine time, less the idle wait before it closed: the crawl's span.
    seconds = max(r["elapsed_seconds"] - IDLE for r in reports)
    return {"requests": requests, "seconds": seconds, "pages_per_s": requests / seconds,
            "per_worker": [r["requests"] for r in reports], "articles": summary["articles_total"],
            "archived_after_s": archived - IDLE}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--urls", type=int, default=200_000, help="URLs queued for the memory figure")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from fanwen.testsite import build_sites

    bundle = build_sites(seed=7, articles_per_site=args.articles_per_site)
    site_port = free_port()
    site = subprocess.Popen([PYTHON, "-m", "fanwen.testsite", "serve", "--port", str(site_port), "--seed", "7",
                             "--articles-per-site", str(args.articles_per_site)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        redis_proc, redis_port = start_redis(folder)
        try:
            wait_for_port(site_port)
            start_urls = [f"http://{host}:{site_port}/" for host in bundle.start_hosts]
            resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
            results: dict[str, object] = {"cpus": os.cpu_count(), "articles_per_site": args.articles_per_site,
                                          "load_before": os.getloadavg()[0]}
            results["single_process"] = single_process(start_urls, resolve, folder)
            print("single process:", results["single_process"], flush=True)
            for n, workers in enumerate(args.workers):
                results[f"workers_{workers}"] = distributed(workers, start_urls, resolve, folder, redis_port, n + 1)
                print(f"{workers} workers:", results[f"workers_{workers}"], flush=True)
            results["redis_memory"] = redis_memory(redis_port, args.urls, 15)
            print("redis memory:", results["redis_memory"], flush=True)
            results["load_after"] = os.getloadavg()[0]
            print(json.dumps(results, indent=2))
        finally:
            redis_proc.terminate()
            site.terminate()
            redis_proc.wait()
            site.wait()


if __name__ == "__main__":
    main()
