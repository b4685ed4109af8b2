"""`fanwen kwic`: concordance lines (keyword in context) of a word or phrase, with exact totals."""

from __future__ import annotations

import json
import sys
import time

import click

from crawler.cli.exits import BAD_INPUT, FAILED, OK, epilog

from fanwen.archive.cjk import BadQuery
from fanwen.archive.concordance import SORTS, Concordance, kwic
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, clip, open_readonly_archive, width
from crawler.cli.research_options import analysis_filters, make_analysis_filters


@click.command("kwic", epilog=epilog(OK, FAILED, BAD_INPUT))
@click.argument("query")
@db_option
@click.option("--width", "context", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Characters of context on each side.")
@analysis_filters
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, None), help="Lines to show.")
@click.option("--sort", type=click.Choice(SORTS), default="date", show_default=True,
              help="Newest articles first, by the text left or right of the match, or shuffled.")
@click.option("--seed", default=0, show_default=True, help="Seed of --sort random (and of the sample).")
@click.option("--exact", is_flag=True,
              help="Count every occurrence even when the query is in more than 50,000 articles that pass the filters"
                   " (otherwise estimated from a stated sample of 10,000 of them).")
@json_option
def command(query: str, db: str, context: int, limit: int, sort: str, seed: int, exact: bool, as_json: bool,
            **filter_args) -> None:
    """Every occurrence of QUERY in the article bodies, with the text on each side, and exact totals.

    \b
    QUERY is the search syntax of fanwen search: 双减, "课后服务", 双减 OR 减负.
    Near-duplicates are left out unless --all. With --json, one JSON object per line
    (article_id, url, title, published_at, left, match, right, ...), then a summary
    object {"summary": true, "hits": ..., "articles": ...}. For a query in more than 50,000
    articles that pass the filters the totals are estimated from a uniform sample of 10,000 of those
    (hits and articles null, "exact": false, "estimate": {...} with 95% intervals) unless --exact.

    \b
    Example:
      fanwen kwic 双减 --db data/archive.db --genre 讲话 --since 2021-07-01 --sort right
    """
    conn = open_readonly_archive(db)
    filters = make_analysis_filters(conn, **filter_args)
    started = time.monotonic()
    try:
        result = kwic(conn, query, filters, context, limit, sort, seed, exact=exact)
    except BadQuery as exc:
        raise InputError(f"QUERY: {exc}") from exc
    if as_json:
        out = sys.stdout
        for line in result.lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.write(json.dumps(summary(result, time.monotonic() - started), ensure_ascii=False) + "\n")
    else:
        click.echo(format_lines(result, context, sys.stdout.isatty(), time.monotonic() - started))


def summary(result: Concordance, seconds: float) -> dict:
    out = {"summary": True, "query": result.query, "hits": result.hits, "articles": result.articles,
           "shown": len(result.lines), "sort": result.sort, "exact": result.exact, "seconds": round(seconds, 3)}
    if result.estimate is not None:
        out["estimate"] = result.estimate.as_dict()
    return out


def format_lines(result: Concordance, context: int, tty: bool, seconds: float) -> str:
    """Lines aligned on the match: id, date, left context (right-aligned), [match], right context."""
    marks = ("\x1b[1;31m", "\x1b[0m") if tty else ("[", "]")
    out = []
    for line in result.lines:
        left = clip(line["left"].replace("\n", " ")[::-1], context * 2)[::-1]
        left = " " * (context * 2 - width(left)) + left
        out.append(f"{line['article_id']:>7}  {(line['published_at'] or '')[:10]:10}  {left}"
                   f"{marks[0]}{line['match']}{marks[1]}{line['right'].replace(chr(10), ' ')}")
    order = {"date": "newest first", "left": "sorted by left context", "right": "sorted by right context",
             "random": "shuffled"}[result.sort]
    if result.estimate is not None:
        out.append(f"{result.estimate.describe()} (showing {len(result.lines)}, {order}; in {seconds:.2f} s;"
                   " --exact counts every one)")
    else:
        out.append(f"{result.hits} hits in {result.articles} articles (showing {len(result.lines)}, {order};"
                   f" every body containing it read, exact, in {seconds:.2f} s)")
    return "\n".join(out)
