"""Distributed crawl against a real redis-server: workers and an archiver as child processes, over real
HTTP, compared with a single-process `fanwen crawl` of the same site; workers and archiver killed
with SIGKILL mid-crawl."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.conftest import FANWEN, LOCAL, ROOT, count_rows, fanwen_crawl
from crawler.distributed.shared_frontier import Keys
from crawler.distributed.stream import GROUP
from tests.redis_server import redis_server  # noqa: F401  (fixture)
from tests.warc_records import record_at

# Short lease and idle time so a test does not wait for the 30 s defaults.
FAST = ["-s", "FANWEN_WORKER_IDLE=2", "-s", "FANWEN_WORKER_LEASE=2"]


class Crawl:
    """One distributed crawl: the seed, an archiver and workers, each a `fanwen` child process."""

    def __init__(self, site, bundle, redis_url: str, db: Path, warc: Path | None = None):
        self.site, self.bundle, self.redis_url, self.db = site, bundle, redis_url, db
        self.warc = warc or db.parent / "workers.warc"  # the workers' WARC files (not the archive's own folder)
        self.resolve = [arg for host in bundle.hosts for arg in ("--resolve", f"{host}=127.0.0.1")]
        self.env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.logs: list[Path] = []
        self.agent = f"fanwen-test/{uuid.uuid4().hex[:8]}"

    def seed(self, *extra: str) -> dict:
        result = subprocess.run([*FANWEN, "crawl", *self.site.start_urls, "--redis", self.redis_url, "--json", *extra],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    def _spawn(self, *args: str) -> subprocess.Popen:
        # Logs go to a file: a pipe nobody reads until the end would block a chatty process.
        self.logs.append(self.db.parent / f"{args[0]}-{len(self.logs)}.log")
        proc = subprocess.Popen([*FANWEN, *args], cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=self.logs[-1].open("w"), text=True)
        proc.log = self.logs[-1]
        return proc

    def log_lines(self, *words: str) -> list[str]:
        return [line for log in self.logs for line in log.read_text().splitlines() if any(w in line for w in words)]

    def worker(self) -> subprocess.Popen:
        return self._spawn("worker", "--redis", self.redis_url, *self.resolve, *LOCAL, *FAST, "-s", f"USER_AGENT={self.agent}",
                           "--warc", str(self.warc), "--json")

    def requests(self) -> list:
        """What this crawl's workers asked the site for (other tests' crawls may share the machine)."""
        return [r for r in self.site.request_log if r.user_agent == self.agent]

    def archiver(self) -> subprocess.Popen:
        return self._spawn("archiver", "--redis", self.redis_url, "--db", str(self.db), *FAST, "--json")


def finish(proc: subprocess.Popen, timeout: float = 240) -> dict:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, proc.log.read_text()[-3000:]
    return json.loads(out)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)




def kill_holding_unacknowledged(archiver: subprocess.Popen, redis_url: str, timeout: float = 60) -> None:
    """SIGKILL the archiver at a moment when it holds entries it has read and not acknowledged: it is
    stopped (SIGSTOP) before the look, so that the moment cannot pass between the look and the kill."""
    server = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while True:
        archiver.send_signal(signal.SIGSTOP)
        if server.xpending(Keys().items, GROUP)["pending"] > 0:
            kill(archiver)
            return
        archiver.send_signal(signal.SIGCONT)
        assert time.monotonic() < deadline, "the archiver never held an unacknowledged entry"
        time.sleep(0.01)


def wait_until(condition, procs, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        for proc in procs:
            assert proc.poll() is None, proc.log.read_text()[-2000:]
        time.sleep(0.05)


def read_captures(db: Path, folder: Path) -> list[tuple[tuple, object, bytes]]:
    """Every `captures` row, its record read back with warcio in one seek, and the record's payload."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, record_id, file, offset, length, status, record_type, refers_to, crawl_id"
                        " FROM captures ORDER BY id").fetchall()
    out = []
    for row in rows:
        url, record_id, file, offset, length, status, *_ = row
        record = record_at(folder / file, offset, length)
        assert record.rec_headers.get_header("WARC-Record-ID") == record_id
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert int(record.http_headers.get_statuscode()) == status
        out.append((row, record, record.raw_stream.read()))
    return out


def archive_contents(db: Path) -> dict[str, set]:
    """What a crawl archived, by URL: documents, where each was found, near-duplicate links."""
    conn = sqlite3.connect(db)
    try:
        return {
            "articles": set(conn.execute("SELECT url, content_hash, title, body, partial FROM articles")),
            "urls": set(conn.execute("SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id")),
            "duplicates": set(conn.execute(
                "SELECT a.url, r.url FROM articles a JOIN articles r ON r.id = a.duplicate_of")),
            "boilerplate": set(conn.execute("SELECT site, template FROM site_boilerplate")),
            # What the writer derives (the workers prepare it: pipelines.prepare), by URL.
            "derived": set(conn.execute("SELECT url, genre, occasion, masks FROM articles")),
            "signatures": set(conn.execute(
                "SELECT a.url, s.signature, s.shingles FROM neardup_signatures s JOIN articles a ON a.id = s.article_id")),
            "paragraphs": set(conn.execute(
                "SELECT a.url, p.hash FROM paragraph_hashes p JOIN articles a ON a.id = p.article_id")),
            "searchable": {q: set(conn.execute(
                "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ?", [q]))
                for q in ('"工作"', '"总结"', '"学习"')},
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def single(site, bundle, tmp_path_factory):
    """The reference: the same site crawled by one `fanwen crawl` process."""
    db = tmp_path_factory.mktemp("single") / "archive.db"
    result = fanwen_crawl(site, bundle, db)
    assert result.returncode == 0, result.stderr[-3000:]
    return archive_contents(db)


def test_three_workers_and_an_archiver_archive_what_one_process_does(site, bundle, single, redis_server, tmp_path):
    crawl = Crawl(site, bundle, redis_server(0), tmp_path / "archive.db")
    first_request = len(site.request_log)
    assert crawl.seed() == {"queued": 4, "seen": 0, "cleared_keys": 0}
    archiver = crawl.archiver()
    workers = [crawl.worker() for _ in range(3)]
    reports = [finish(w) for w in workers]
    finish(archiver)

    got = archive_contents(crawl.db)
    assert len(single["articles"]) == len([t for t in bundle.truth if t.reachable])
    for part in ("articles", "urls", "duplicates", "derived", "signatures", "paragraphs", "searchable"):
        assert got[part] == single[part], (part, len(got[part] ^ single[part]))
    assert all(single["searchable"].values()) and single["signatures"] and single["paragraphs"]
    assert single["duplicates"], "the site has near-duplicates to compare"
    assert all(r["requests"] > 0 for r in reports), reports  # all three took part
    # Each item the workers sent is one row of the crawl log: none lost, none twice.
    assert count_rows(crawl.db, "SELECT count(*) FROM fetches") == sum(r["items"] for r in reports)
    # Trap containment and robots.txt hold across workers as in one process.
    pages = [r for r in crawl.requests() if not r.path.endswith("robots.txt")]
    assert len(pages) <= 2 * len(bundle.useful_paths), (len(pages), len(bundle.useful_paths))
    requested = {(r.host, r.path.split("?")[0]) for r in crawl.requests()}
    assert len(requested) > len(bundle.useful_paths) / 2
    bad = requested & {(h, p.split("?")[0]) for h, p in bundle.disallowed_paths}
    conn = sqlite3.connect(crawl.db)
    stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])
    # Most articles were cleaned and prepared by the workers with the boilerplate the archiver published.
    assert stats.get("fanwen/clean/prepared_used", 0) > len(single["articles"]) / 2, stats
    # The archiver's crawl is judged by the quality monitors too, on the workers' merged figures.
    quality, alarms = conn.execute("SELECT quality, alarms FROM crawls").fetchone()
    assert quality is not None and json.loads(quality)["sites"], quality
    assert alarms is None, alarms
    robots = {k: v for k, v in stats.items() if "robots" in k}
    log = [(r.host, r.path, r.at, r.user_agent) for r in site.request_log[first_request:]
           if (r.host, r.path.split("?")[0]) in bad or "robots" in r.path]
    if bad:
        pytest.fail(f"robots-disallowed URLs requested: {sorted(bad)}; robots stats {robots}; log {log[:40]};"
                    f" worker logs: {crawl.log_lines('robots', 'Error', 'private')[:40]}")


def test_two_workers_capture_into_their_own_files_and_a_recrawl_writes_revisits(site, bundle, single, redis_server, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    db = tmp_path / "archive.db"
    folder = tmp_path / "archive.warc"  # the archive's own capture folder, shared by both workers
    crawl = Crawl(site, bundle, redis_server(6), db, warc=folder)
    crawl.seed()
    archiver = crawl.archiver()
    reports = [finish(w) for w in [crawl.worker() for _ in range(2)]]
    finish(archiver)
    assert all(r["requests"] > 0 for r in reports), reports
    assert archive_contents(db)["articles"] == single["articles"]
    first_files = {p.name for p in folder.glob("*.warc.gz")}

    # Every row reads back in one seek; each page's payload is the bytes the fixture server sent.
    captured = read_captures(db, folder)
    pages = [(row, payload) for row, record, payload in captured if row[5] == 200 and record.rec_type == "response"]
    assert len(pages) > 300 and all("/" not in row[2] for row, _, _ in captured)  # relative: in the archive's folder
    assert count_rows(db, "SELECT count(*) FROM captures WHERE crawl_id IS NULL") == 0
    for row, payload in pages:
        parts = urlsplit(row[0])
        sent = site.app.handle("GET", parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        assert payload == sent.body, row[0]
    # Each file is one worker's: its warcinfo names the worker, and so does the file name.
    writers: dict[str, set[str]] = {}
    for path in folder.glob("*.warc.gz"):
        with open(path, "rb") as handle:
            records = [(r.rec_type, r.content_stream().read()) for r in ArchiveIterator(handle)]
        infos = [block for kind, block in records if kind == "warcinfo"]
        assert len(infos) == 1 and records[0][0] == "warcinfo", path.name
        worker = dict(line.split(": ", 1) for line in infos[0].decode().splitlines() if ": " in line)["worker"]
        assert path.name.startswith(f"fanwen-{worker}-")
        writers.setdefault(worker, set()).add(path.name)
        assert path.with_name(path.name.replace(".warc.gz", ".cdxj")).is_file()  # CDXJ per file, on close
    assert len(writers) == 2

    # A recrawl of the unchanged site: identical payloads, so revisits of the first crawl's records.
    assert crawl.seed("--fresh")["queued"] == 4
    archiver = crawl.archiver()
    for worker in [crawl.worker() for _ in range(2)]:
        finish(worker)
    finish(archiver)
    conn = sqlite3.connect(db)
    second = conn.execute("SELECT max(id) FROM crawls").fetchone()[0]
    kinds = dict(conn.execute("SELECT record_type, count(*) FROM captures WHERE crawl_id = ? AND status = 200 GROUP BY 1",
                              [second]).fetchall())
    assert kinds.get("revisit", 0) > 300 and kinds.get("response", 0) < kinds["revisit"] / 10, kinds
    # Full responses only for payloads no earlier record holds (pages of search traps the first crawl left).
    again = conn.execute("SELECT count(*) FROM captures c WHERE crawl_id = ? AND record_type = 'response' AND EXISTS"
                         " (SELECT 1 FROM captures o WHERE o.payload_digest = c.payload_digest AND o.crawl_id < ?)",
                         [second, second]).fetchone()[0]
    assert again == 0
    dangling = conn.execute("SELECT count(*) FROM captures c WHERE record_type = 'revisit' AND NOT EXISTS"
                            " (SELECT 1 FROM captures o WHERE o.record_id = c.refers_to AND o.crawl_id < ?)", [second]).fetchone()[0]
    assert dangling == 0
    later = [p for p in folder.glob("*.warc.gz") if p.name not in first_files]
    assert later and sum(p.stat().st_size for p in later) < sum((folder / f).stat().st_size for f in first_files) / 3
    read_captures(db, folder)

    # The captures rebuild the articles offline, revisits answered with their originals' payloads.
    fresh = tmp_path / "fresh.db"
    result = subprocess.run([*FANWEN, "reextract", "--db", str(fresh), "--from", str(db), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["missing_captures"] == 0
    assert archive_contents(fresh)["articles"] == single["articles"]


def test_a_worker_killed_with_sigkill_loses_no_url(site, bundle, single, redis_server, tmp_path):
    crawl = Crawl(site, bundle, redis_server(1), tmp_path / "archive.db")
    crawl.seed()
    archiver = crawl.archiver()
    workers = [crawl.worker() for _ in range(3)]
    wait_until(lambda: len(crawl.requests()) >= 300, [archiver, *workers])  # a quarter of the pages
    kill(workers[0])
    reports = [finish(w) for w in workers[1:]]
    finish(archiver)

    got = archive_contents(crawl.db)
    for part in ("articles", "urls", "duplicates"):
        assert got[part] == single[part], (part, len(got[part] ^ single[part]))
    assert sum(r["requeued"] for r in reports) > 0, reports  # the killed worker's requests were recovered
    # The killed worker's records that reached the stream are indexed and read back; files outside the
    # archive's capture folder are indexed by absolute path.
    captured = read_captures(crawl.db, crawl.db.parent / "archive.warc")
    assert len(captured) > 300 and all(row[2].startswith(str(crawl.warc)) for row, _, _ in captured)


def test_an_archiver_killed_and_restarted_loses_and_doubles_nothing(site, bundle, single, redis_server, tmp_path):
    crawl = Crawl(site, bundle, redis_server(2), tmp_path / "archive.db")
    crawl.seed()
    archiver = crawl.archiver()
    workers = [crawl.worker() for _ in range(3)]
    wait_until(lambda: count_rows(crawl.db, "SELECT count(*) FROM articles") >= 60, [archiver, *workers])
    kill_holding_unacknowledged(archiver, crawl.redis_url)  # else the restart may have nothing to replay
    assert count_rows(crawl.db, "SELECT count(*) FROM articles") < len(single["articles"])
    archiver = crawl.archiver()
    reports = [finish(w) for w in workers]
    finish(archiver)

    got = archive_contents(crawl.db)
    for part in ("articles", "urls", "duplicates"):
        assert got[part] == single[part], (part, len(got[part] ^ single[part]))
    assert count_rows(crawl.db, "SELECT count(*) FROM fetches") == sum(r["items"] for r in reports)
    assert count_rows(crawl.db, "SELECT count(*) FROM stream_entries") == 0
    # Captures replayed to the restarted archiver are indexed once, and each reads back in one seek.
    assert len(read_captures(crawl.db, crawl.warc)) == count_rows(crawl.db, "SELECT count(DISTINCT url) FROM captures") \
        + count_rows(crawl.db, "SELECT count(*) - count(DISTINCT url) FROM captures")
    assert count_rows(crawl.db, "SELECT count(*) FROM crawls WHERE finished_at IS NULL") == 1  # the killed run
    conn = sqlite3.connect(crawl.db)
    (stats,) = conn.execute("SELECT stats FROM crawls WHERE finished_at IS NOT NULL").fetchone()
    assert json.loads(stats).get("fanwen/distributed/replayed", 0) > 0  # the restart re-read unacknowledged items


def test_a_replayed_entry_already_committed_is_acknowledged_not_archived_again(redis_server, tmp_path):
    """The crash window between the archive's commit and Redis's acknowledgement."""
    from fanwen.archive import ArchiveWriter
    from fanwen.archive.stream import StreamEntries
    from crawler.distributed.stream import FIELD, GROUP, encode_item
    from crawler.items import PageRecord

    url, keys = redis_server(3), Keys()
    server = redis.Redis.from_url(url)
    server.xgroup_create(keys.items, GROUP, id="0", mkstream=True)
    ids = [server.xadd(keys.items, {FIELD: encode_item(PageRecord(f"http://a.test/{n}.html", "list", 200))}).decode()
           for n in range(3)]
    server.xreadgroup(GROUP, "archiver", {keys.items: ">"})  # read by an archiver that then died
    writer = ArchiveWriter(tmp_path / "archive.db")
    writer.open()
    crawl_id = writer.start_crawl([], {})
    writer.log_fetch(crawl_id, "http://a.test/0.html", "list", 200)  # entry 0: committed, never acknowledged
    StreamEntries(writer).mark(ids[0])
    writer.close()

    result = subprocess.run([*FANWEN, "archiver", "--redis", url, "--db", str(tmp_path / "archive.db"), *FAST, "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    conn = sqlite3.connect(tmp_path / "archive.db")
    urls = sorted(r[0] for r in conn.execute("SELECT url FROM fetches"))
    assert urls == [f"http://a.test/{n}.html" for n in range(3)]
    assert conn.execute("SELECT count(*) FROM stream_entries").fetchone()[0] == 0
    assert server.xlen(keys.items) == 0
    assert server.xpending(keys.items, GROUP)["pending"] == 0


def test_politeness_holds_per_site_across_workers(redis_server):
    """Two workers' middlewares share one site's delay and concurrency through Redis."""
    import asyncio

    from scrapy.http import Request, Response

    from crawler.distributed.context import WorkerContext
    from crawler.distributed.shared_frontier import Frontier
    from crawler.distributed.polite import SharedPoliteness

    server = redis.Redis.from_url(redis_server(4))
    workers = [SharedPoliteness(WorkerContext(server, Frontier(server), name), 0.2, 2, 10) for name in ("w1", "w2")]
    starts: list[float] = []
    active: list[int] = [0, 0]  # now, most at once

    async def fetch(middleware: SharedPoliteness, n: int) -> None:
        request = Request(f"http://www.a.test/{n}.html")
        await middleware.process_request(request)
        starts.append(time.monotonic())
        active[0] += 1
        active[1] = max(active)
        await asyncio.sleep(0.5)
        active[0] -= 1
        middleware.process_response(request, Response(request.url))

    async def crawl() -> None:
        await asyncio.gather(*(fetch(workers[n % 2], n) for n in range(6)))

    asyncio.run(crawl())
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:])]
    assert min(gaps) >= 0.18, gaps  # DOWNLOAD_DELAY between any two starts, whichever worker
    assert active[1] == 2  # CONCURRENT_REQUESTS_PER_DOMAIN at most, over both workers
    assert server.zcard(Keys().polite("a.test")[0]) == 0  # every slot given back


def test_a_taken_request_is_released_only_after_all_its_output_is_handed_on():
    from scrapy.http import Request

    from crawler.distributed.ledger import TOKEN, Ledger
    from crawler.items import PageRecord

    released: list[str] = []
    ledger = Ledger(released.append)
    parent = Request("http://a.test/list_1.html", meta={TOKEN: "7"})
    child, record = Request("http://a.test/123.html"), PageRecord("http://a.test/list_1.html", "list", 200)
    outputs = list(ledger.track(parent, iter([child, record])))
    assert outputs == [child, record] and ledger.is_open("7") and not released
    ledger.handed_on(record)  # in the stream
    assert not released
    ledger.handed_on(child)  # in the shared queue
    assert released == ["7"] and not ledger.is_open("7")
    assert list(ledger.track(Request("http://a.test/"), iter([record]))) == [record]  # not taken from Redis: untracked


def test_seeding_again_queues_nothing_and_fresh_starts_over(redis_server):
    url = redis_server(5)
    seed = [*FANWEN, "crawl", "http://www.a.test/", "--redis", url, "--json"]
    runs = [subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60) for cmd in (seed, seed, [*seed, "--fresh"])]
    assert [r.returncode for r in runs] == [0, 0, 0], runs[-1].stderr
    first, again, fresh = (json.loads(r.stdout) for r in runs)
    assert (first["queued"], again["queued"], again["seen"], fresh["queued"]) == (1, 0, 1, 1)
    assert fresh["cleared_keys"] >= 3  # queue, dupefilter, start URLs
    assert redis.Redis.from_url(url).zcard(Keys().queue) == 1


def test_a_worker_without_redis_says_what_to_do():
    from tests.redis_server import _free_port

    result = subprocess.run([*FANWEN, "worker", "--redis", f"redis://127.0.0.1:{_free_port()}/0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Redis does not answer" in result.stderr and "redis-server" in result.stderr


def test_a_worker_capturing_without_a_warc_folder_says_what_to_do(redis_server):
    result = subprocess.run([*FANWEN, "worker", "--redis", redis_server(7)], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and "--warc DIR" in result.stderr and "--no-warc" in result.stderr


def test_the_distributed_processes_log_no_item_unless_debug():
    """Each item's "Scraped from" record (its repr formatted by the password masking) only at DEBUG."""
    from scrapy.utils.test import get_crawler

    from crawler.logformat import QuietItems
    from crawler.items import PageRecord

    item = PageRecord("http://a.test/1.html", "list", 200)
    quiet = QuietItems.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
    assert quiet.scraped(item, None, None) is None
    debug = QuietItems.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"}))
    assert debug.scraped(item, None, scrapy_spider())["args"]["item"] is item


def scrapy_spider():
    import scrapy

    return scrapy.Spider(name="x")
