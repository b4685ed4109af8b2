"""Scrapy commands of the project (COMMANDS_MODULE): `scrapy crawl`, as scrapyd runs it too."""
