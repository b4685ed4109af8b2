"""Run as a child process (it installs the asyncio reactor): several requests wait for one host's
robots.txt; prints the parser each of them got, for Scrapy's middleware and fanwen's."""

import asyncio
import json
import sys

from scrapy.utils.reactor import install_reactor

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyMiddleware  # noqa: E402
from scrapy.http import Request  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402
from twisted.internet.defer import Deferred  # noqa: E402

from crawler.middlewares.robots import RobotsTxtMiddleware  # noqa: E402


async def waiters(cls) -> list:
    middleware = cls.from_crawler(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    fetching: Deferred = Deferred()
    middleware._parsers["www.a.test"] = fetching  # as while robots.txt is being fetched
    tasks = [asyncio.ensure_future(middleware.robot_parser(Request(f"http://www.a.test/{n}.html"))) for n in range(3)]
    await asyncio.sleep(0)
    middleware._parsers["www.a.test"] = "parser"  # what _parse_robots does when it arrives
    fetching.callback("parser")
    return list(await asyncio.gather(*tasks))


loop = asyncio.get_event_loop()
print(json.dumps({cls.__module__: loop.run_until_complete(waiters(cls)) for cls in (ScrapyMiddleware, RobotsTxtMiddleware)}))
sys.exit(0)
