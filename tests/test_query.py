"""`fanwen query`: read-only SQL as a table, JSON or CSV; writes are refused and change nothing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fanwen.archive.readonly import ReadOnlyError, open_readonly, run_readonly
from archive_factory import make_archive

from tests.conftest import run_fanwen as run

FANWEN = [sys.executable, "-m", "crawler.cli"]




@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("query") / "a.db")


SQL = "SELECT site, count(*) AS n FROM articles GROUP BY site ORDER BY site"


def test_table_json_and_csv_agree_with_sqlite(archive):
    expected = sqlite3.connect(archive).execute(SQL).fetchall()
    table = run("query", SQL, "--db", str(archive))
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["site", "n"]
    assert [tuple(line.split()) for line in table.stdout.splitlines()[2:]] == [(s, str(n)) for s, n in expected]
    assert [(r["site"], r["n"]) for r in json.loads(run("query", SQL, "--db", str(archive), "--json").stdout)] == expected
    rows = list(csv.reader(io.StringIO(run("query", SQL, "--db", str(archive), "--csv").stdout)))
    assert rows[0] == ["site", "n"] and [(s, int(n)) for s, n in rows[1:]] == expected


def test_fanwen_match_searches_chinese_from_sql(archive):
    sql = ("SELECT a.title FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
           " WHERE articles_fts MATCH fanwen_match('党员') ")
    assert [r["title"] for r in json.loads(run("query", sql, "--db", str(archive), "--json").stdout)] == ["党支部2023年度学习计划"]


@pytest.mark.parametrize("sql", [
    "DELETE FROM articles",
    "UPDATE articles SET title = 'x'",
    "DROP TABLE meta",
    "CREATE TABLE t(x)",
    "PRAGMA query_only = OFF",
    "ATTACH 'other.db' AS other",
    "VACUUM INTO 'copy.db'",
])
def test_write_statements_are_refused_and_change_nothing(archive, tmp_path, sql):
    before = archive.read_bytes()
    result = subprocess.run([*FANWEN, "query", sql, "--db", str(archive)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: SQL:") and result.stderr.count("\n") == 1
    assert archive.read_bytes() == before
    assert list(tmp_path.iterdir()) == []  # neither other.db nor copy.db was created


def test_the_connection_itself_cannot_write(archive):
    conn = open_readonly(archive)
    with pytest.raises(ReadOnlyError):
        run_readonly(conn, "INSERT INTO meta(key, value) VALUES ('x', 'y')")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("PRAGMA query_only = OFF")


def test_unknown_column_and_foreign_or_newer_files_are_clear_errors(archive, tmp_path):
    result = run("query", "SELECT nope FROM articles", "--db", str(archive))
    assert result.returncode == 2 and "no such column: nope" in result.stderr
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE things(x)")
    result = run("query", "SELECT 1", "--db", str(foreign))
    assert result.returncode == 2 and "not a fanwen archive" in result.stderr
    newer = tmp_path / "newer.db"
    newer.write_bytes(archive.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = newer.read_bytes()
    result = run("query", "SELECT 1", "--db", str(newer))
    assert result.returncode == 2 and "newer than this fanwen" in result.stderr and "upgrade" in result.stderr
    assert newer.read_bytes() == before


RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_a_runaway_query_stops_at_its_timeout_with_one_line(archive):
    result = run("query", RUNAWAY, "--db", str(archive), "--timeout", "0.5", timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "ran longer than 0.5s" in result.stderr and "Traceback" not in result.stderr


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def test_ctrl_c_stops_a_runaway_query(archive):
    import signal
    import time

    proc = subprocess.Popen([*FANWEN, "query", RUNAWAY, "--db", str(archive), "--timeout", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _cpu_seconds(proc.pid) < 2.5 and time.monotonic() < deadline:  # past start-up: SQLite is counting
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
