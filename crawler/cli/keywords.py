"""`fanwen keywords`: the words that set one sub-corpus apart from another (log-likelihood keyness)."""

from __future__ import annotations

import json

import click

from crawler.cli.exits import BAD_INPUT, FAILED, OK, epilog

from fanwen.archive.collocation import SAMPLE_CHARS, Keywords, keywords, parse_subcorpus
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive


@click.command("keywords", epilog=epilog(OK, FAILED, BAD_INPUT))
@db_option
@click.option("--focus", required=True, metavar="FILTER", help="The sub-corpus studied, e.g. site=baihua.test,year=2023.")
@click.option("--reference", metavar="FILTER", help="What it is compared with (default: every other article).")
@click.option("--min-freq", default=5, show_default=True, type=click.IntRange(1, None), help="Least uses in the focus.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, None), help="Keywords to show.")
@click.option("--sample-chars", default=SAMPLE_CHARS, show_default=True, type=click.IntRange(1000, None),
              help="Segment at most this many characters of each side (a fixed random sample of articles).")
@click.option("--all", "all_articles", is_flag=True, help="Keep near-duplicates.")
@json_option
def command(db: str, focus: str, reference: str | None, min_freq: int, limit: int, sample_chars: int,
            all_articles: bool, as_json: bool) -> None:
    """Words used more in the --focus sub-corpus than in the --reference one, by log-likelihood (G2).

    \b
    FILTER is NAME=VALUE pairs joined by commas: site=, category=, term=, genre=, year=YYYY,
    since=YYYY-MM-DD, until=YYYY-MM-DD. G2 above 3.84 is significant at p < 0.05, 10.83 at p < 0.001.

    \b
    Example:
      fanwen keywords --db data/archive.db --focus genre=讲话 --reference genre=总结
    """
    conn = open_readonly_archive(db)
    try:
        mine = parse_subcorpus(focus, all_articles)
        others = parse_subcorpus(reference, all_articles) if reference else None
    except ValueError as exc:
        raise InputError(f"--focus/--reference: {exc}") from exc
    result = keywords(conn, mine, others, min_freq, limit, sample_chars)
    if as_json:
        for row in result.rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(format_keywords(result))


def format_keywords(result: Keywords) -> str:
    columns = ["word", "focus_freq", "reference_freq", "focus_per_10k", "reference_per_10k", "ll"]
    sides = "; ".join(f"{name}: {f.corpus_articles} articles" + (f" (sampled {f.articles})" if f.sampled else "")
                      for name, f in (("focus", result.focus), ("reference", result.reference)))
    if not result.rows:
        return f"no keyword reaches --min-freq ({sides})"
    return format_table(columns, [[r[c] for c in columns] for r in result.rows]) + f"\n{sides}"
