"""`fanwen kwic`, `trend`, `collocates`, `keywords` as scripts use them: JSON contract, exit codes, plots."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

import fanwen
from fanwen.archive.collocation import collocates, keywords, log_likelihood, parse_subcorpus, segment
from fanwen.archive.filters import Filters
from fanwen.archive.readonly import open_readonly
from research_archive import corpus, make_research_archive
from tests.conftest import run_fanwen as run


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_research_archive(tmp_path_factory.mktemp("research-cli") / "r.db")


def test_kwic_json_lines_carry_the_contract_fields_and_an_exact_summary(db):
    out = run("kwic", "双减", "--db", str(db), "--json", "--limit", "100000", "--width", "10")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    lines, summary = records[:-1], records[-1]
    rows = {r["id"]: r for r in corpus(db)}
    for line in lines:
        assert {"article_id", "url", "title", "published_at", "left", "match", "right"} <= set(line)
        body = rows[line["article_id"]]["body"]
        assert body[line["position"] - len(line["left"]):line["position"] + 2 + len(line["right"])] \
            == line["left"] + "双减" + line["right"]
        assert line["url"] == rows[line["article_id"]]["url"]
    assert summary["summary"] is True
    assert summary["hits"] == len(lines) == sum(r["body"].count("双减") for r in rows.values())
    assert summary["articles"] == len({l["article_id"] for l in lines})


def test_kwic_limit_keeps_the_exact_totals(db):
    out = run("kwic", "发展", "--db", str(db), "--json", "--limit", "3")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 4 and records[-1]["hits"] == sum(r["body"].count("发展") for r in corpus(db)) > 3


@pytest.mark.parametrize("command", [["kwic"], ["trend"], ["collocates"]])
@pytest.mark.parametrize("query", ['"双减', "(双减", "，，"])
def test_malformed_query_gives_one_line_and_exit_2(db, command, query):
    out = run(*command, query, "--db", str(db))
    assert out.returncode == 2, out.stderr
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("Error:")


def test_unknown_genre_and_missing_archive_are_one_line_exit_2(db, tmp_path):
    for args in (["kwic", "双减", "--db", str(db), "--genre", "讲话稿"], ["trend", "双减", "--db", str(tmp_path / "none.db")],
                 ["keywords", "--db", str(db), "--focus", "planet=mars"]):
        out = run(*args)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, (args, out.stderr)


def test_trend_json_rows_cover_every_period_and_the_plot_is_written(db, tmp_path):
    plot = tmp_path / "trend.svg"
    out = run("trend", "双减", "课后服务", "--db", str(db), "--by", "year", "--json", "--plot", str(plot))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {"period", "query", "articles", "hits", "chars", "per_10k_chars"} <= set(rows[0])
    years = sorted({int(r["period"]) for r in rows})
    assert years == list(range(years[0], years[-1] + 1)) and len(rows) == 2 * len(years)
    svg = plot.read_text(encoding="utf-8")
    assert "<svg" in svg and "no CJK font" not in out.stderr  # fonts-noto-cjk is installed by .ci/run


def test_plot_says_so_when_there_is_no_cjk_font(monkeypatch, capsys):
    from crawler.cli import plotting

    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    plotting.pyplot()
    assert "no CJK font found" in capsys.readouterr().err
    assert plotting.CJK_FAMILIES  # and the real lookup finds the installed one
    monkeypatch.undo()
    assert plotting.cjk_font() is not None


def test_collocates_corpus_frequencies_and_scores_are_those_of_a_full_segmentation(db):
    conn = open_readonly(db)
    result = collocates(conn, "发展", window=3, min_freq=2, limit=None)
    rows = corpus(db)
    words = Counter(w for r in rows for w in segment(r["body"]))
    assert result.hits == sum(r["body"].count("发展") for r in rows)
    assert not result.reference.sampled and result.reference.tokens == sum(words.values())
    for row in result.rows:
        assert row["freq"] == row["left"] + row["right"] >= 2
        assert row["corpus_freq"] == max(words[row["collocate"]], row["freq"])
        assert row["logDice"] == round(14 + math.log2(2 * row["freq"] / (result.hits + row["corpus_freq"])), 3)
    assert result.rows and result.rows == sorted(result.rows, key=lambda r: (-r["logDice"], -r["freq"], r["collocate"]))
    sampled = collocates(conn, "发展", window=3, min_freq=2, sample_chars=20000)
    assert sampled.reference.sampled and sampled.reference.chars < sampled.reference.corpus_chars
    conn.close()


def test_collocates_json_rows(db):
    out = run("collocates", "发展", "--db", str(db), "--json", "--min-freq", "2")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and {"collocate", "freq", "logDice", "mi"} <= set(rows[0])


def test_keywords_are_the_words_more_frequent_in_the_focus_by_log_likelihood(db):
    conn = open_readonly(db)
    rows = corpus(db)
    focus = [r for r in rows if r["genre_by_title"] == "讲话"]
    rest = [r for r in rows if r["genre_by_title"] != "讲话"]
    mine = Counter(w for r in focus for w in segment(r["body"]))
    others = Counter(w for r in rest for w in segment(r["body"]))
    c, d = sum(mine.values()), sum(others.values())
    result = keywords(conn, parse_subcorpus("genre=讲话"), min_freq=3, limit=None)
    assert result.rows
    for row in result.rows[:40]:
        a, b = mine[row["word"]], others[row["word"]]
        assert (row["focus_freq"], row["reference_freq"]) == (a, b)
        assert row["ll"] == round(log_likelihood(a, b, c, d), 3) and a / c > b / d
    assert parse_subcorpus("site=a.test,year=2023") == Filters(sites=("a.test",), since="2023-01-01", until="2023-12-31")
    conn.close()


def test_api_mirrors_the_cli(db):
    with fanwen.open(db) as a:
        frame = a.collocates("发展", window=3, min_freq=2)
        assert {"collocate", "freq", "logDice", "mi"} <= set(frame.columns)
        assert not a.keywords(focus="genre=讲话").empty


def test_kwic_all_keeps_near_duplicates_and_old_archives_are_told_to_upgrade(db, tmp_path):
    def summary(*extra: str) -> dict:
        out = run("kwic", "工作", "--db", str(db), "--json", "--limit", "1", *extra)
        return json.loads(out.stdout.splitlines()[-1])

    every = corpus(db, include_duplicates=True)
    assert summary()["hits"] == sum(r["body"].count("工作") for r in every if r["duplicate_of"] is None)
    assert summary("--all")["hits"] == sum(r["body"].count("工作") for r in every) > summary()["hits"]
    import shutil
    import sqlite3

    old = tmp_path / "old.db"
    shutil.copy(db, old)
    conn = sqlite3.connect(old)
    conn.execute("DROP INDEX articles_period")
    for trigger in ("insert", "delete", "update"):  # an archive from before genre had no period_stats
        conn.execute(f"DROP TRIGGER period_stats_{trigger}")
    conn.execute("DROP TABLE period_stats")
    conn.execute("ALTER TABLE articles DROP COLUMN genre")
    conn.commit()
    conn.close()
    out = run("kwic", "工作", "--db", str(old))
    assert out.returncode == 2 and "fanwen index" in out.stderr and len(out.stderr.splitlines()) == 1


def test_kwic_sort_random_shuffles_every_line_the_same_way_for_a_seed(db):
    def lines(*args: str) -> list[tuple[int, int]]:
        out = run("kwic", "双减", "--db", str(db), "--json", "--limit", "100000", *args)
        assert out.returncode == 0, out.stderr
        records = [json.loads(line) for line in out.stdout.splitlines()]
        assert records[-1]["sort"] == (args[1] if args else "date")
        return [(r["article_id"], r["position"]) for r in records[:-1]]

    dated = lines()
    shuffled = lines("--sort", "random", "--seed", "3")
    assert sorted(shuffled) == sorted(dated) and len(dated) > 10  # every line, once
    assert shuffled != dated and shuffled != lines("--sort", "random", "--seed", "4")
    assert shuffled == lines("--sort", "random", "--seed", "3")
    assert lines("--sort", "random", "--seed", "3", "--limit", "5") == shuffled[:5]


@pytest.mark.parametrize("command", ["stats", "trend"])
def test_plot_commands_say_so_when_the_machine_has_no_cjk_font(db, tmp_path, command):
    """`fanwen stats --plot` and `fanwen trend --plot` run as a user runs them, on a machine whose
    matplotlib sees no CJK font (a sitecustomize drops them from its font list): a warning naming
    the package to install, and the chart is still written."""
    import os
    import subprocess

    from tests.conftest import FANWEN, ROOT

    hide = tmp_path / "nofont"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import matplotlib.font_manager as fm\n"
        "fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if not any(k in f.name for k in"
        " ('CJK', 'Han ', 'WenQuanYi', 'Droid Sans Fallback', 'SimHei', 'YaHei', 'PingFang'))]\n", encoding="utf-8")
    plot = tmp_path / f"{command}.png"
    args = ["stats", "--db", str(db)] if command == "stats" else ["trend", "双减", "--db", str(db), "--by", "year"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([*FANWEN, *args, "--plot", str(plot)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "no CJK font found" in out.stderr and "fonts-noto-cjk" in out.stderr
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    normal = run(*args, "--plot", str(tmp_path / "with-font.png"))  # the same command sees the installed font
    assert normal.returncode == 0 and "no CJK font" not in normal.stderr
