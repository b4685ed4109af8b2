"""-v / -q, accepted before and after the command name: `fanwen -v crawl URL` or `fanwen crawl URL -q`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

_KEY = "fanwen.verbosity"


def _more(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    ctx.meta[_KEY] = ctx.meta.get(_KEY, 0) + (value or 0)


def _quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_KEY] = -1


def verbosity_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """-v (repeat for debug) and -q; read them with current_verbosity()."""
    f = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_quiet,
                     help="Print errors and the result only.")(f)
    return click.option("-v", "--verbose", count=True, expose_value=False, callback=_more,
                        help="Show Scrapy's log and tracebacks (-vv: debug).")(f)


def current_verbosity() -> int:
    """-1 with -q, 0 by default, 1 with -v, 2 with -vv."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_KEY, 0) if ctx is not None else 0
