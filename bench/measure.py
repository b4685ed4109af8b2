"""Run one crawl in this process and write its Scrapy stats plus peak RSS to a JSON file.

    measure.py STATS_FILE (bare|fanwen) START_URLS_COMMA_SEPARATED [-s NAME=VALUE ...]
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    stats_file, name, start_urls, *rest = sys.argv[1:]
    overrides = {}
    for flag, value in zip(rest[::2], rest[1::2]):
        key, _, val = value.partition("=")
        overrides[key] = val
    from crawler.run import project_settings

    settings = project_settings(overrides.pop("ARCHIVE_DB", ":memory:"), overrides)
    if name == "bare":
        from bare_spider import BareSpider as spider_cls

        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        settings.set("EXTENSIONS", {}, priority="cmdline")
        settings.set("DOWNLOADER_MIDDLEWARES", {}, priority="cmdline")
        settings.set("SPIDER_MIDDLEWARES", {}, priority="cmdline")
        settings.set("SCHEDULER", "scrapy.core.scheduler.Scheduler", priority="cmdline")  # no durable frontier
    else:
        from crawler.spiders.fanwen import FanwenSpider as spider_cls
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    from rss import peak_rss_mib

    stats["peak_rss_mib"] = peak_rss_mib()
    stats["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # whole process, start-up included
    Path(stats_file).write_text(json.dumps(stats))


if __name__ == "__main__":
    main()
