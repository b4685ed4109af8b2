"""`fanwen stats`: summarise the archive, optionally drawing the monthly histogram."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from fanwen.archive.monitors import quality_history
from fanwen.archive.stats import SHORT_CHARS, archive_stats
from crawler.cli.exits import BAD_INPUT, OK, epilog
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive


@click.command("stats", epilog=epilog(OK, BAD_INPUT))
@db_option
@click.option("--short", "short_chars", default=SHORT_CHARS, show_default=True, help="Bodies shorter than this count as short.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Draw articles per month into this PNG file.")
@json_option
def command(db: str, short_chars: int, plot: str | None, as_json: bool) -> None:
    """Articles per site, top-level category and month; duplicates, empty or short bodies; crawl history
    and the crawl-quality figures and alarms of every crawl, per site.

    \b
    Examples:
      fanwen stats --db data/archive.db
      fanwen stats --db data/archive.db --plot months.png
    """
    if plot and not plot.lower().endswith(".png"):
        raise InputError(f"--plot {plot}: name the plot file .png")
    if plot and not Path(plot).resolve().parent.is_dir():
        raise InputError(f"--plot: cannot write {plot}: its folder does not exist; give an existing folder")
    conn = open_readonly_archive(db)
    stats = archive_stats(conn, short_chars)
    stats["quality"] = quality_history(conn)
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2) if as_json else format_stats(stats))
    if plot:
        draw_months(stats["months"], plot)
        click.echo(f"wrote {plot}", err=True)


def format_stats(s: dict[str, Any]) -> str:
    lines = [
        f"{s['articles']} articles ({s['characters']} characters) at {s['urls']} URLs",
        f"near-duplicates: {s['duplicates']} ({s['duplicate_ratio']:.1%})",
        f"empty bodies: {s['empty_bodies']}; short (< {s['short_chars']} characters): {s['short_bodies']};"
        f" partial: {s['partial']}",
    ]
    for title, key in (("per site", "sites"), ("per category", "categories"), ("per month", "months")):
        lines += ["", title, format_table(["name", "articles"], [(r["name"], r["articles"]) for r in s[key]])]
    columns = ["id", "started_at", "finished_at", "finish_reason", "articles_new", "fetches", "errors"]
    lines += ["", "crawls", format_table(columns, [[c[k] for k in columns] for c in s["crawls"]])]
    lines += ["", "quality per site (article pages of each crawl; alarms as the crawl raised them)", format_quality(s["quality"])]
    return "\n".join(lines)


def format_quality(history: list[dict[str, Any]]) -> str:
    columns = ["crawl", "site", "articles", "unchanged", "failed", "short", "duplicates", "median chars"]
    rows, alarms = [], []
    for crawl in history:
        quality = crawl["quality"] or {}
        for site, f in sorted(quality.get("sites", {}).items()):
            recrawl = " (recrawl)" if quality.get("incremental") else ""
            rows.append([f"{crawl['crawl_id']}{recrawl}", site, f["articles"], f.get("unchanged", 0), f["failed"], f["short"], f["duplicates"],
                         f"{f['median_chars']:.0f}"])
        alarms += [f"crawl {crawl['crawl_id']}: ALARM {alarm}" for alarm in crawl["alarms"]]
    if not rows:
        return "no crawl checked yet"
    return "\n".join([format_table(columns, rows), *alarms])


def draw_months(months: list[dict[str, Any]], path: str) -> None:
    """A bar chart of articles per month of publication."""
    from crawler.cli.plotting import pyplot

    plt = pyplot()  # says so on stderr when no CJK font is installed

    fig, ax = plt.subplots(figsize=(max(6, len(months) * 0.35), 4))
    ax.bar([m["name"] for m in months], [m["articles"] for m in months], color="#4477aa")
    ax.set_xlabel("month published")
    ax.set_ylabel("articles")
    ax.tick_params(axis="x", labelrotation=90)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
