"""`scrapy crawl`, as Scrapy's, except that a crawl refused its archive (another crawl holds the lock)
ends with the one error line the archive session logged and exit status 75, as `fanwen crawl` does."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

BUSY_EXIT = 75  # EX_TEMPFAIL: run it again later


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's usage errors
        from crawler.run import refusal

        refused = refusal(self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs))
        self.crawler_process.start()
        if refused:
            self.exitcode = BUSY_EXIT
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1
