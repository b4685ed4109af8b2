"""`scrapy crawl`, as Scrapy's, with the exit statuses of `fanwen crawl` (docs/cli.md): 75 when another
crawl holds the archive (after the one error line the archive session logged), 74 when the archive
could not be written, 1 when the crawl did not finish or a page failed on an internal error, 3 when it
fetched nothing, 4 on a quality alarm."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.cli.exits import BUSY, FAILED, NOTHING_FETCHED, OK, QUALITY_ALARM, UNWRITABLE

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's usage errors
        from crawler.run import refusal

        crawler = self._create_crawler(args[0])
        refused = refusal(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if refused:
            self.exitcode = BUSY
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = FAILED
        else:
            self.exitcode = crawl_status(dict(crawler.stats.get_stats()) if crawler.stats else {})


def crawl_status(stats: dict) -> int:
    """The exit status of a crawl that ran, from its stats; the reason is logged as one error line."""
    crawl = stats.get("fanwen/crawl_id")
    if stats.get("fanwen/archive_error"):
        logger.error("crawl %s stopped: cannot write the archive (%s)", crawl, stats["fanwen/archive_error"])
        return UNWRITABLE
    if stats.get("finish_reason") != "finished":
        logger.error("crawl %s did not finish (%s); run the same command again to resume it", crawl, stats.get("finish_reason"))
        return FAILED
    if stats.get("fanwen/errors/internal_error"):
        logger.error("crawl %s: %d page(s) failed on an internal error (a bug: see the tracebacks above); run the"
                     " same command again to fetch them again", crawl, stats["fanwen/errors/internal_error"])
        return FAILED
    if not stats.get("response_received_count"):
        logger.error("crawl %s fetched no page; check the start URLs and the network", crawl)
        return NOTHING_FETCHED
    alarms = stats.get("fanwen/alarms") or []
    if alarms:
        logger.error("crawl %s raised %d quality alarm(s): %s", crawl, len(alarms), "; ".join(alarms))
        return QUALITY_ALARM
    return OK
