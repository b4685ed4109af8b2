"""`fanwen stats`: summarise the archive, optionally drawing the monthly histogram."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from archive.stats import SHORT_CHARS, archive_stats
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive


@click.command("stats")
@db_option
@click.option("--short", "short_chars", default=SHORT_CHARS, show_default=True, help="Bodies shorter than this count as short.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Draw articles per month into this PNG file.")
@json_option
def command(db: str, short_chars: int, plot: str | None, as_json: bool) -> None:
    """Articles per site, top-level category and month; duplicates, empty or short bodies; crawl history.

    Example: fanwen stats --db data/archive.db --plot months.png
    """
    if plot and not plot.lower().endswith(".png"):
        raise InputError(f"--plot {plot}: name the plot file .png")
    if plot and not Path(plot).resolve().parent.is_dir():
        raise InputError(f"--plot: cannot write {plot}: its folder does not exist; give an existing folder")
    stats = archive_stats(open_readonly_archive(db), short_chars)
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
    return "\n".join(lines)


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
