"""`fanwen export`: JSON Lines / JSON with provenance, filters, duplicates, and loaders that read it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archive_factory import DOCS, make_archive

from tests.conftest import FANWEN, ROOT
from tests.conftest import run_fanwen as run





@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("export") / "a.db")


def test_jsonl_records_carry_the_article_and_its_provenance(archive, tmp_path):
    out = tmp_path / "a.jsonl"
    result = run("export", "--db", str(archive), "-o", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    conn = sqlite3.connect(archive)
    assert len(records) == conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0]
    first = records[0]
    row = conn.execute("SELECT title, body, site, content_hash, crawl_id, first_seen FROM articles WHERE id = 1").fetchone()
    assert (first["title"], first["body"], first["site"], first["content_hash"], first["crawl_id"], first["first_seen"]) == row
    assert first["categories"] == DOCS[0][3] and first["terms"] == DOCS[0][4]
    assert sorted(first["urls"]) == sorted(r[0] for r in conn.execute("SELECT url FROM article_urls WHERE article_id = 1"))
    assert len(first["urls"]) == 2
    assert first["cluster_id"] == 1 and first["duplicates"] == [len(DOCS) + 1] and first["partial"] is False


def test_duplicates_are_left_out_unless_asked_for(archive):
    default = [json.loads(line) for line in run("export", "--db", str(archive), "-o", "-").stdout.splitlines()]
    everything = [json.loads(line) for line in run("export", "--db", str(archive), "-o", "-", "--include-duplicates").stdout.splitlines()]
    assert len(everything) == len(default) + 1
    duplicate = [r for r in everything if r["duplicate_of"] is not None]
    assert [(r["duplicate_of"], r["cluster_id"]) for r in duplicate] == [(1, 1)]


def test_gzip_json_array_filters_and_search(archive, tmp_path):
    out = tmp_path / "a.jsonl.gz"
    assert run("export", "--db", str(archive), "-o", str(out), "--site", "dede.test").returncode == 0
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert {json.loads(line)["site"] for line in f} == {"dede.test"}
    array = tmp_path / "a.json"
    assert run("export", "--db", str(archive), "-o", str(array), "--search", "课后服务", "--category", "学校").returncode == 0
    assert [r["title"] for r in json.loads(array.read_text(encoding="utf-8"))] == ["关于落实双减政策的工作总结", "课后服务实施方案"]
    empty = tmp_path / "empty.json"
    assert run("export", "--db", str(archive), "-o", str(empty), "--search", "不存在的词语").returncode == 0
    assert json.loads(empty.read_text()) == []


def test_sql_exports_any_read_only_query(archive):
    result = run("export", "--db", str(archive), "-o", "-", "--sql", "SELECT site, count(*) AS n FROM articles GROUP BY site")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["site"]: r["n"] for r in rows} == dict(sqlite3.connect(archive).execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())


def test_pandas_and_datasets_load_the_jsonl_as_it_is(archive, tmp_path, monkeypatch):
    import pandas

    out = tmp_path / "a.jsonl"
    run("export", "--db", str(archive), "-o", str(out), "--include-duplicates")
    frame = pandas.read_json(out, lines=True)
    assert len(frame) == len(DOCS) + 1 and "双减" in frame.loc[0, "body"]
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    dataset = datasets.load_dataset("json", data_files=str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert dataset.num_rows == len(DOCS) + 1 and dataset[0]["urls"] == frame.loc[0, "urls"]


@pytest.mark.parametrize("args, message", [
    (["-o", "/nonexistent-dir/a.jsonl"], "give a writable path"),
    (["-o", "{tmp}/a.xlsx"], "name the file .jsonl"),
    (["-o", "{tmp}/a.jsonl", "--sql", "DELETE FROM articles"], "read-only"),
    (["-o", "{tmp}/a.jsonl", "--sql", "SELECT nope FROM articles"], "no such column"),
    (["-o", "{tmp}/a.jsonl", "--search", "OR 双减"], "put a term before OR"),
    (["-o", "{tmp}/a.jsonl", "--site", "nope.test"], "known sites"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(archive, tmp_path, args, message):
    before = archive.read_bytes()
    result = run("export", "--db", str(archive), *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [] and archive.read_bytes() == before


@pytest.mark.parametrize("name, output", [("a.json", "a.json"), ("a.jsonl", "./a.jsonl"), ("a.json.gz", "{tmp}/a.json.gz")])
def test_an_output_that_is_the_archive_itself_is_refused(archive, tmp_path, name, output):
    """`fanwen export --db a.json -o a.json` would replace the archive by its own export."""
    db = tmp_path / name
    shutil.copy(archive, db)
    before = db.read_bytes()
    result = subprocess.run([*FANWEN, "export", "--db", name, "-o", output.replace("{tmp}", str(tmp_path))],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 2, result.stderr
    assert "is the archive itself" in result.stderr and result.stderr.count("\n") == 1
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".csv.gz"])
def test_parquet_and_csv_hold_the_same_rows_and_columns_as_jsonl(archive, tmp_path, suffix):
    import csv

    import pyarrow.parquet as pq

    jsonl = tmp_path / "a.jsonl"
    assert run("export", "--db", str(archive), "-o", str(jsonl), "--include-duplicates").returncode == 0
    expected = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    out = tmp_path / f"a{suffix}"
    result = run("export", "--db", str(archive), "-o", str(out), "--include-duplicates")
    assert result.returncode == 0, result.stderr
    if suffix == ".parquet":
        rows = pq.read_table(out).to_pylist()
    else:
        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(out, "rt", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:  # CSV cells are text: lists as JSON, NULL as empty, true/false
            for key, value in row.items():
                want = expected[0][key]
                row[key] = (json.loads(value) if value.startswith("[") else None if value == "" else
                            value == "true" if value in ("true", "false") else int(value) if value.isdigit()
                            and key in ("id", "chars", "pages", "crawl_id", "duplicate_of", "cluster_id", "masks") else value)
    assert list(rows[0]) == list(expected[0]) and "genre" in rows[0] and "url" in rows[0]
    assert rows == expected


def test_export_filters_by_genre(archive):
    records = [json.loads(line) for line in run("export", "--db", str(archive), "-o", "-", "--genre", "方案").stdout.splitlines()]
    assert {r["title"] for r in records} == {"安全生产月活动方案", "课后服务实施方案"} and {r["genre"] for r in records} == {"方案"}
