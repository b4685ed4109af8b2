"""`fanwen trend`: how often words are used per year or month, relative to that period's text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from crawler.cli.exits import BAD_INPUT, FAILED, OK, epilog

from fanwen.archive.cjk import BadQuery
from fanwen.archive.trends import Trend, trend
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive
from crawler.cli.research_options import analysis_filters, make_analysis_filters


@click.command("trend", epilog=epilog(OK, FAILED, BAD_INPUT))
@click.argument("queries", nargs=-1, required=True, metavar="QUERY [QUERY ...]")
@db_option
@click.option("--by", type=click.Choice(["year", "month"]), default="month", show_default=True, help="Period.")
@analysis_filters
@click.option("--plot", type=click.Path(dir_okay=False), help="Draw occurrences per 10,000 characters into FILE.png or .svg.")
@click.option("--exact", is_flag=True,
              help="Count every occurrence even of a query in more than 50,000 articles that pass the filters"
                   " (otherwise estimated from a stated sample of 10,000 of them).")
@json_option
def command(queries: tuple[str, ...], db: str, by: str, plot: str | None, exact: bool, as_json: bool,
            **filter_args) -> None:
    """Per period: articles containing each QUERY, its occurrences, and occurrences per 10,000 characters.

    \b
    The rate is relative to all the text of that period (so a period with more articles does not
    look like a rise). Every period between the first and last dated article is listed, empty ones
    included; undated articles are in no period (their count is printed below the table).
    A query in more than 50,000 articles that pass the filters is estimated from a sample of
    10,000 of them, uniform within each period (a period with up to 40 of them is counted whole;
    said below the table; JSON rows then carry "estimated", articles_ci95, hits_ci95) unless --exact.

    \b
    Example:
      fanwen trend 双减 课后服务 --db data/archive.db --by month --plot trend.svg
    """
    if plot and not plot.lower().endswith((".png", ".svg")):
        raise InputError(f"--plot {plot}: name the plot file .png or .svg")
    if plot and not Path(plot).resolve().parent.is_dir():
        raise InputError(f"--plot: cannot write {plot}: its folder does not exist; give an existing folder")
    conn = open_readonly_archive(db)
    filters = make_analysis_filters(conn, **filter_args)
    try:
        result = trend(conn, list(queries), by, filters, exact=exact)
    except BadQuery as exc:
        raise InputError(f"QUERY: {exc}") from exc
    if as_json:
        for row in result.rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(format_trend(result))
    if plot:
        draw_trend(result, plot)
        click.echo(f"wrote {plot}", err=True)


def format_trend(result: Trend) -> str:
    if not result.rows:
        return "no dated article in the archive (or none passes the filters)"
    columns = ["period", "query", "articles", "hits", "chars", "per_10k_chars"]
    table = format_table(columns, [[("" if r[c] is None else r[c]) for c in columns] for r in result.rows])
    undated = "; ".join(f"{q}: {u['hits']} hits in {u['articles']} articles" for q, u in result.undated.items() if u["articles"])
    estimated = f"\nestimated, not counted: {result.describe_estimates()}" if result.estimated else ""
    return table + (f"\nundated (in no period): {undated}" if undated else "") + estimated


def draw_trend(result: Trend, path: str) -> None:
    """One line per query: occurrences per 10,000 characters, period by period."""
    from crawler.cli.plotting import pyplot

    plt = pyplot()
    periods = list(dict.fromkeys(r["period"] for r in result.rows))
    fig, ax = plt.subplots(figsize=(max(6, len(periods) * 0.3), 4))
    for query in dict.fromkeys(r["query"] for r in result.rows):
        values: list[Any] = [r["per_10k_chars"] for r in result.rows if r["query"] == query]
        ax.plot(periods, [float("nan") if v is None else v for v in values], marker="o", label=query)
    ax.set_xlabel(result.by)
    ax.set_ylabel("每万字出现次数 (per 10,000 characters)")
    ax.tick_params(axis="x", labelrotation=90)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
