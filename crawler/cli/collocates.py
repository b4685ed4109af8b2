"""`fanwen collocates`: the words found near a word, scored by logDice and mutual information."""

from __future__ import annotations

import json

import click

from crawler.cli.exits import BAD_INPUT, FAILED, OK, epilog

from fanwen.archive.cjk import BadQuery
from fanwen.archive.collocation import SAMPLE_CHARS, Collocates, collocates
from crawler.cli.options import db_option, json_option
from crawler.cli.reading import InputError, format_table, open_readonly_archive
from crawler.cli.research_options import analysis_filters, make_analysis_filters


@click.command("collocates", epilog=epilog(OK, FAILED, BAD_INPUT))
@click.argument("word")
@db_option
@click.option("--window", default=5, show_default=True, type=click.IntRange(1, 20), help="Words on each side.")
@click.option("--min-freq", default=3, show_default=True, type=click.IntRange(1, None), help="Least co-occurrences.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, None), help="Collocates to show.")
@click.option("--sample-chars", default=SAMPLE_CHARS, show_default=True, type=click.IntRange(1000, None),
              help="Corpus frequencies from at most this many characters (a fixed random sample of articles).")
@analysis_filters
@json_option
def command(word: str, db: str, window: int, min_freq: int, limit: int, sample_chars: int, as_json: bool,
            **filter_args) -> None:
    """Words within --window words of WORD, best logDice first (with MI), segmented by jieba-rs.

    \b
    freq is how often the collocate occurs near WORD (left + right); corpus_freq its frequency
    in the filtered corpus. logDice = 14 + log2(2 freq / (f(WORD) + corpus_freq)),
    MI = log2(freq N / (f(WORD) corpus_freq)), N the corpus's words.

    \b
    Example:
      fanwen collocates 双减 --db data/archive.db --window 4 --min-freq 5 --genre 讲话
    """
    conn = open_readonly_archive(db)
    filters = make_analysis_filters(conn, **filter_args)
    try:
        result = collocates(conn, word, filters, window, min_freq, limit, sample_chars)
    except BadQuery as exc:
        raise InputError(f"WORD: {exc}") from exc
    if as_json:
        for row in result.rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(format_collocates(result))


def note(result: Collocates) -> str:
    ref = result.reference
    how = (f"from a sample of {ref.articles} of {ref.corpus_articles} articles ({ref.chars} of {ref.corpus_chars}"
           " characters), scaled" if ref.sampled else f"from all {ref.corpus_articles} articles")
    return f"{result.word}: {result.hits} occurrences; corpus frequencies {how}"


def format_collocates(result: Collocates) -> str:
    columns = ["collocate", "freq", "left", "right", "corpus_freq", "logDice", "mi"]
    if not result.rows:
        return f"no collocate reaches --min-freq\n{note(result)}"
    return format_table(columns, [[r[c] for c in columns] for r in result.rows]) + "\n" + note(result)
