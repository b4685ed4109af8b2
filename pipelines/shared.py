"""The crawl's one archive writer, shared by the pipelines that read or write the archive."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from archive import ArchiveWriter


def shared_writer(crawler) -> ArchiveWriter:
    """Created on first use and kept on the crawler: one connection, one transaction at a time.

    The store pipeline closes it when the spider closes.
    """
    writer = getattr(crawler, "fanwen_writer", None)
    if writer is None:
        path = crawler.settings.get("ARCHIVE_DB")
        if not path:
            raise NotConfigured("ARCHIVE_DB is not set")
        writer = ArchiveWriter(path, crawler.settings.getint("FANWEN_BATCH_SIZE", 200))
        crawler.fanwen_writer = writer
    return writer
