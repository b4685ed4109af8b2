"""WARC capture of every fetched page (docs/warc.md): the writer, the Scrapy middleware, and readers."""
