"""The baseline of bench/crawl_bench.py: a bare Scrapy spider that only follows links.

It fetches the same site with the same concurrency and robots.txt, follows every in-scope link
except the site's known trap folders (it has no trap containment of its own), and does nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor

TRAPS = re.compile(r"/archive/|/search/|[?&;](sid|utm_\w+|PHPSESSID|jsessionid)=|/go/|(/[^/]+)\2/")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_urls: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = start_urls.split(",")
        # allow_domains would compare against host:port, so scope is checked by hand.
        self.sites = tuple("." + urlsplit(u).hostname.split(".", 1)[1] for u in self.start_urls)
        self.links = LinkExtractor(deny=[TRAPS.pattern])

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url)

    def parse(self, response):
        if not hasattr(response, "text"):
            return
        for link in self.links.extract_links(response):
            if ("." + (urlsplit(link.url).hostname or "")).endswith(self.sites):
                yield scrapy.Request(link.url)
