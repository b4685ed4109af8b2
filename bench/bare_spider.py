"""The baseline of bench/crawl_bench.py: a bare Scrapy spider that only follows links.

It fetches the same site with the same concurrency and robots.txt, follows every in-scope href
(Scrapy's dupefilter removes repeats) except the site's known trap folders, since it has no trap
containment of its own, and does nothing else: no extraction, no pipelines, no archive.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy

TRAPS = re.compile(r"/archive/|/search/|[?&;](sid|utm_\w+|PHPSESSID|jsessionid)=|/go/|(/[^/]+)\2/|\.(doc|zip|rar|pdf)$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_urls: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = start_urls.split(",")
        self.sites = tuple("." + urlsplit(u).hostname.split(".", 1)[1] for u in self.start_urls)

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url)

    def parse(self, response):
        if not hasattr(response, "text"):
            return
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            host = urlsplit(url).hostname or ""
            if ("." + host).endswith(self.sites) and not TRAPS.search(url):
                yield scrapy.Request(url)
