"""Scrapy's RobotsTxtMiddleware, with every request that waited for robots.txt checked against it.

In Scrapy 2.19 the requests that arrive for a host while its robots.txt is being fetched all await
one Deferred through `asFuture`, which hands the parser to the first of them and None (allow
everything) to the others. One process rarely has several requests waiting for a new host; a
distributed worker joining a running crawl has many, and fetched robots-disallowed pages.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Also hands every robots.txt it fetched to the spider (`robots_txt_fetched`): the fetch is logged
    in `fetches` and its `Sitemap:` lines are read."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        told = getattr(self.crawler.spider, "robots_txt_fetched", None)
        if told is not None:
            told(response)

    async def robot_parser(self, request: Request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):  # robots.txt is on its way: wait on a Deferred of one's own
            own: Deferred = Deferred()
            parser.addBoth(_pass_on, own)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)


def _pass_on(result, own: Deferred):
    own.callback(result)
    return result
