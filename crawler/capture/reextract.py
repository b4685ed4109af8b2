"""`fanwen reextract`: the crawl's spider and pipelines over the captures, with the current extractor."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from fanwen.archive.captures import crawl_start_urls

# What makes a crawl a replay: captures instead of the network, nothing skipped as already known.
REPLAY_SETTINGS: dict[str, Any] = {
    "FANWEN_REPLAY": True,
    "DOWNLOAD_HANDLERS": {"http": "crawler.capture.replay.ReplayDownloadHandler",
                          "https": "crawler.capture.replay.ReplayDownloadHandler"},
    "FANWEN_WARC_ENABLED": False,  # nothing new is fetched
    "REMOTE_CONTROL_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "COOKIES_ENABLED": False,
    "FANWEN_REVISIT_ENABLED": False,  # every captured page is extracted again, due or not
    "ROBOTSTXT_OBEY": False,  # robots.txt was obeyed when the pages were captured
    "RETRY_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "FANWEN_LEARN_WAIT": 2.0,
    "FANWEN_PROGRESS_INTERVAL": 10.0,
    # Fewer, larger transactions: each commit runs the near-duplicate stage over its batch (its fixed cost
    # per call is most of its cost on small batches). A kill -9 loses at most a batch, redone on resume.
    "FANWEN_BATCH_SIZE": 1000,
}
REPLAY_COMPONENTS = {"SPIDER_MIDDLEWARES": {"crawler.capture.replay.ReplaySeeds": 960}}
# Scrapy components a replay never uses (all three are off), taken out of Scrapy's base lists so they are
# not even imported (aiohttp for the remote control, tldextract and requests for cookies, twisted.conch for
# telnet: about 0.5 CPU s, a tenth of a small re-extraction). Setting them to None would still import them.
REPLAY_LEFT_OUT = {
    "EXTENSIONS_BASE": ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole"),
    # Request headers, timeouts, proxies and byte counts: nothing a capture's answer depends on (about 2% of
    # a direct re-extraction's CPU, mostly DownloaderStats measuring each request and response as raw HTTP).
    "DOWNLOADER_MIDDLEWARES_BASE": ("scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
                                    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware",
                                    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware",
                                    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
                                    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware",
                                    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware",
                                    "scrapy.downloadermiddlewares.stats.DownloaderStats"),
    # Off in a replay (FANWEN_WARC_ENABLED, FANWEN_REVISIT_ENABLED): not imported (warcio), no "Disabled" lines.
    "DOWNLOADER_MIDDLEWARES": ("crawler.capture.middleware.CaptureMiddleware",
                               "crawler.middlewares.revisit.NotModifiedMiddleware"),
}


class NoCaptures(Exception):
    """The source archive has no captures to replay."""


def replay_start_urls(source: str | Path, sites: list[str]) -> list[str]:
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'captures'").fetchone() or \
                not conn.execute("SELECT 1 FROM captures LIMIT 1").fetchone():
            raise NoCaptures(f"{source} has no captures: crawl with WARC capture on first")
        urls = crawl_start_urls(conn)
    finally:
        conn.close()
    from crawler.capture.importer import wanted_host

    wanted = wanted_host(set(sites))
    return [u for u in urls if wanted(u)]


def inherit_site_knowledge(source: str | Path, db: str | Path) -> None:
    """What the source's crawls learned about each site (boilerplate templates) goes into `db` first, so
    its pages are cleaned as the crawl cleaned them, whatever order the replay takes."""
    from fanwen.archive import ArchiveWriter
    from fanwen.archive.lock import ArchiveLock
    from fanwen.archive.sites import SiteBoilerplate

    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        learned = SiteBoilerplate.of_connection(conn)
    finally:
        conn.close()
    with ArchiveLock(db):
        writer = ArchiveWriter(db)
        writer.open()
        try:
            sites = SiteBoilerplate(writer)
            for site, (templates, pages) in learned.items():
                sites.save(site, templates, pages)
        finally:
            writer.close()


def run_reextract(db: str | Path, source: str | Path | None = None, sites: list[str] | None = None,
                  overrides: dict[str, Any] | None = None, start_urls: list[str] | None = None) -> dict[str, Any]:
    """Replay the captures of `source` (default: `db`) into `db`; returns the crawl's stats.

    `start_urls` default to those of the source's crawls (an import gives its own)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.run import project_settings, start_crawl
    from crawler.spiders.fanwen import FanwenSpider

    source = source or db
    start_urls = start_urls or replay_start_urls(source, sites or [])
    if Path(source).resolve() != Path(db).resolve():
        inherit_site_knowledge(source, db)
    if not start_urls:
        raise NoCaptures(f"{source} has no crawl of {', '.join(sites or [])}")
    settings = project_settings(db, {**REPLAY_SETTINGS, "FANWEN_REPLAY_SOURCE": str(source),
                                     "FANWEN_REPLAY_SITES": list(sites or []), **(overrides or {})})
    for name, left_out in REPLAY_LEFT_OUT.items():
        settings.set(name, {k: v for k, v in settings.getdict(name).items() if k not in left_out}, priority="cmdline")
    # direct: the crawl's components in a plain loop (crawler.capture.direct); scrapy: through Scrapy's engine.
    if settings.get("FANWEN_REPLAY_ENGINE") == "direct":
        from crawler.capture.direct import run_direct

        return run_direct(settings, start_urls, list(sites or []))
    for name, components in REPLAY_COMPONENTS.items():
        settings.set(name, {**settings.getdict(name), **components}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FanwenSpider)
    start_crawl(process, crawler, start_urls=start_urls)  # raises ArchiveBusy when another crawl holds the archive
    return dict(crawler.stats.get_stats())
