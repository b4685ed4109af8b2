"""What a crawl keeps while it runs stays bounded as the site grows (issue 19), and answers as before:
the seen sets, the link cache, the queue of pending requests, the capture's payload digests and CDXJ lines,
the boilerplate learner's counts."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.capture.middleware import ArchiveCaptures, CaptureMiddleware
from crawler.capture.warc import Exchange, WarcFolder, write_cdxj
from crawler.discover import LinkResolver
from crawler.scheduler import DurableScheduler
from crawler.seen import KeySet, UrlSet
from crawler.spiders.fanwen import FanwenSpider
from crawler.urls import Scope
from fanwen.archive.captures import cdxj_line
from fanwen.archive.writer import ArchiveWriter
from pipelines.boilerplate import TITLE, BoilerplateLearner, line_template


def test_seen_urls_are_8_byte_keys_past_the_recent_ones_and_answer_exactly():
    urls = [f"http://www.baihua.test/a/{n}.html" for n in range(5_000)]
    seen = UrlSet(recent_max=256)
    seen.update(urls[:3_000])
    seen.update(urls[:100])  # again: not counted twice
    assert len(seen) == 3_000
    assert len(seen.keys._recent) < 256  # the rest merged into one int64 array: 8 bytes a URL
    assert seen.keys._merged.dtype.itemsize == 8 and len(seen.keys._merged) + len(seen.keys._recent) == 3_000
    assert all(url in seen for url in urls[:3_000]) and not any(url in seen for url in urls[3_000:])
    sample = random.Random(5).sample(urls, 400)
    assert seen.unseen(sample) == [url not in set(urls[:3_000]) for url in sample]
    assert seen.unseen([]) == []
    assert isinstance(FanwenSpider(start_urls="http://www.baihua.test/").seen, UrlSet)  # what the crawl uses


def test_key_set_merges_without_losing_or_doubling_keys():
    keys = KeySet(recent_max=10)
    rng = random.Random(3)
    values = list({rng.randrange(-(1 << 63), 1 << 63) for _ in range(1_000)})
    values += [-(1 << 63), (1 << 63) - 1]  # the ends of int64
    for value in values + values[:50]:
        keys.add(value)
    assert len(keys) == len(values) and all(value in keys for value in values)
    assert keys.missing([values[0], 12345, values[-1]]) == [False, 12345 not in values, False]


def test_link_cache_is_bounded_and_keeps_the_links_every_page_repeats():
    resolved: list[str] = []

    class Counting(LinkResolver):
        def _resolve(self, base, href, encoding):
            resolved.append(href)
            return super()._resolve(base, href, encoding)

    resolver = Counting(Scope(["http://www.baihua.test/"]), max_entries=100)
    for page in range(2_000):  # each page: its one-off links and the nav link every page repeats
        base = f"http://www.baihua.test/a/{page}.html"
        resolver.resolve(base, f"/a/{page + 1}.html", "utf-8")
        resolver.resolve(base, "/list_1.html", "utf-8")
        assert len(resolver) <= 100
    assert resolved.count("/list_1.html") == 1  # a full cache never dropped it


def _scheduler(tmp_path: Path, disk_queue: bool) -> DurableScheduler:
    crawler = get_crawler(FanwenSpider, {"ARCHIVE_DB": "", "FANWEN_FRONTIER_ENABLED": False,
                                         "FANWEN_SCHEDULER_DISK_QUEUE": disk_queue})
    crawler.spider = crawler._create_spider(start_urls="http://www.baihua.test/")
    crawler.engine = crawler._create_engine()  # the crawl's priority queue asks the downloader which slot is free
    scheduler = DurableScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def test_pending_requests_wait_on_disk_and_come_back_in_the_same_order(tmp_path):
    rng = random.Random(11)
    plan = [(f"http://www.baihua.test/{kind}/{n}.html", priority)
            for n, (kind, priority) in enumerate(rng.choice([("a", 10), ("list", 0), ("map", 5)]) for _ in range(3_000))]
    orders = {}
    for disk_queue in (True, False):
        scheduler = _scheduler(tmp_path, disk_queue)
        spider = scheduler.spider
        for url, priority in plan:
            assert scheduler.enqueue_request(spider._request(url, spider.parse, priority))
        item_request = spider._request("http://www.baihua.test/a/1_2.html", spider.parse_part, 20, article=object(), parts=[])
        assert scheduler.enqueue_request(item_request)  # carries its article object: kept in memory
        assert not scheduler.enqueue_request(spider._request(plan[0][0], spider.parse, plan[0][1]))  # a duplicate
        if disk_queue:
            assert len(scheduler.mqs) == 1 and len(scheduler.dqs) == len(plan)
            assert scheduler.queue_dir.is_dir()
        popped = [scheduler.next_request() for _ in range(len(plan) + 1)]
        assert scheduler.next_request() is None
        assert popped[0].meta["article"] is item_request.meta["article"]  # the same object, not a copy
        assert all(request.callback == spider.parse and request.errback == spider.on_error for request in popped[1:])
        orders[disk_queue] = [(request.url, request.priority) for request in popped]
        scheduler.close("finished")
        if disk_queue:
            assert not scheduler.queue_dir.exists()
    assert orders[True] == orders[False]


def _exchange(n: int, body: bytes) -> tuple[Request, HtmlResponse]:
    url = f"http://www.baihua.test/a/{n}.html"
    request = Request(url)
    return request, HtmlResponse(url, status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                                 request=request)


def test_capture_forgets_payload_digests_the_archive_answers_and_revisits_still_refer_to_the_first(tmp_path):
    writer = ArchiveWriter(tmp_path / "a.db", batch_size=10)
    writer.open()
    session = SimpleNamespace(writer=writer, crawl_id=writer.start_crawl(["http://www.baihua.test/"], {}))
    folder = WarcFolder(tmp_path / "warc")
    middleware = CaptureMiddleware(folder, ArchiveCaptures(session), MemoryStatsCollector(get_crawler()))
    for n in range(300):
        middleware.process_response(*_exchange(n, f"<p>article {n}</p>".encode()))
        assert len(middleware._digests) <= 1  # handed to the archive's batch at once: nothing left to remember
    middleware.process_response(*_exchange(1_000, b"<p>article 7</p>"))  # page 7's payload again
    middleware.spider_closed(None, "finished")
    writer.flush()
    first = writer.db.execute("SELECT record_id FROM captures WHERE url LIKE '%/7.html'").fetchone()[0]
    again = writer.db.execute("SELECT record_type, refers_to FROM captures WHERE url LIKE '%/1000.html'").fetchone()
    assert again == ("revisit", first)
    writer.close()


def test_cdxj_lines_go_to_sorted_runs_and_the_index_is_the_same(tmp_path):
    folder = WarcFolder(tmp_path / "warc", cdxj_run_lines=7)
    rows = []
    for n in random.Random(2).sample(range(10_000), 60):
        exchange = Exchange(f"http://www.baihua.test/{n}.html", "GET", [("Host", "www.baihua.test")], "HTTP/1.1", 200,
                            "OK", [("Content-Type", "text/html")], f"<p>{n}</p>".encode())
        rows.append(folder.write(exchange, 1))
        assert len(folder._cdxj) < 7
    assert len(folder._cdxj_runs) == 60 // 7
    folder.close()
    index = next((tmp_path / "warc").glob("*.cdxj"))
    expected = write_cdxj(tmp_path / "expected.warc.gz", [cdxj_line(row) for row in rows])
    assert index.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "warc").iterdir()) == sorted([index.name, index.name[:-5] + ".warc.gz"])


class _TextKeyedLearner(BoilerplateLearner):
    """The learner as it was, counting the templates' texts: the reference for the hash-keyed counts."""

    def observe(self, site, titles, lines):
        state = self.site(site)
        state.pages += 1
        edges = lines[: self.edge] + lines[max(self.edge, len(lines) - self.edge):]
        templates = {line_template(line, titles) for line in edges if len(line) <= 200}
        self.texts.setdefault(site, Counter()).update(templates)
        if state.pages < self.min_pages:
            return set()
        pool = self.texts[site] if state.pages == self.min_pages else templates
        new = {t for t in pool if t not in state.learned and self._passes(self.texts[site][t], t, state.pages)}
        state.learned |= new
        return new

    def _passes(self, count, template, pages):
        if TITLE in template:
            return len(template.replace(TITLE, "").strip()) >= 2 and count >= self.title_pages and count >= self.title_share * pages
        return count >= 3 and count >= self.line_share * pages


def test_boilerplate_counts_keep_no_text_of_a_line_met_once_and_learn_what_text_counts_learn():
    rng = random.Random(4)
    learner, reference = BoilerplateLearner(), _TextKeyedLearner()
    reference.texts = {}
    for n in range(600):
        title = f"第{n}篇工作总结范文"
        lines = [rng.choice(["下面是小编为大家整理的《{}》，供大家参考。", "《{}》由本站整理。", "开头{}第{}句"]).format(title, n),
                 *(f"正文第{n}篇第{k}段，内容各不相同{rng.random()}" for k in range(rng.randrange(1, 8))),
                 rng.choice(["温馨提示：本文由墨韵文库整理发布，禁止转载。", f"结尾{rng.random()}", "相关推荐：更多范文"])]
        assert learner.observe("x.test", (title,), lines) == reference.observe("x.test", (title,), lines)
    state = learner.site("x.test")
    assert state.learned == reference.site("x.test").learned and len(state.learned) >= 2
    assert all(isinstance(key, int) for key in state.counts)
    recurring = {t for t, count in reference.texts["x.test"].items() if count >= 2}
    assert set(state.names.values()) == recurring  # the text of a template met once is not kept
    assert len(recurring) < len(state.counts) / 10
