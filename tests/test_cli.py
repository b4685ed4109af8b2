"""The command line as a user meets it: `fanwen demo`, `scrapy crawl fanwen`, and clear errors."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import foreign_database
from tests.conftest import run_fanwen as run

ROOT = Path(__file__).resolve().parent.parent




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_and_crawls_the_bundled_sites(tmp_path):
    db = tmp_path / "demo.db"
    result = run("demo", "--db", str(db), "--port", str(free_port()), "--articles-per-site", "20", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    # Quiet by default: no Scrapy start-up dump, only the demo's URLs, progress and one line per failed page.
    assert "Enabled extensions" not in result.stderr and "[scrapy" not in result.stderr and "Traceback" not in result.stderr
    assert all(line.startswith(("demo sites:", "progress:", "WARNING:")) for line in result.stderr.splitlines()), result.stderr
    summary = json.loads(result.stdout)
    assert summary["articles_new"] == 80
    assert {s["site"] for s in summary["sites"]} == {"baihua.test", "dede.test", "phpcms.test", "moyun.test"}
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 80


def test_scrapy_crawl_runs_the_same_spider(site, bundle, tmp_path):
    db = tmp_path / "scrapy.db"
    resolve = json.dumps({host: "127.0.0.1" for host in bundle.hosts})
    cmd = [sys.executable, "-m", "scrapy", "crawl", "fanwen", "-a", f"start_urls={site.start_urls[0]}",
           "-s", f"ARCHIVE_DB={db}", "-s", f"FANWEN_RESOLVE={resolve}", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "DOWNLOAD_DELAY=0", "-s", "CLOSESPIDER_ITEMCOUNT=40"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    # a CLOSESPIDER_* limit ends a crawl before it is done: status 1, as `fanwen crawl` (docs/cli.md)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "did not finish (closespider_itemcount)" in result.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    assert conn.execute("SELECT finish_reason FROM crawls").fetchone()[0] == "closespider_itemcount"


def test_start_url_that_is_not_http_is_refused(tmp_path):
    result = run("crawl", "www.example.com", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "is not an http(s) URL" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_bad_setting_syntax_is_refused(tmp_path):
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "a.db"), "-s", "DOWNLOAD_DELAY")
    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr


def test_foreign_database_is_refused_and_left_alone(tmp_path):
    path = foreign_database(tmp_path / "other.db")
    before = path.read_bytes()
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(path))
    assert result.returncode == 2
    assert "not a fanwen archive" in result.stderr
    assert path.read_bytes() == before


def test_unwritable_archive_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("crawl", "http://127.0.0.1:9/", "--db", str(blocker / "a.db"))
    assert result.returncode == 74
    assert "cannot open the archive" in result.stderr
    assert_one_line(result)


def assert_one_line(result) -> None:
    """An error as the house rules want it: one line on stderr, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]


def test_index_and_dedupe_refuse_an_archive_that_a_crawl_holds(tmp_path):
    """`fanwen index` and `fanwen dedupe` rewrite the archive: while a crawl holds it they stop (75)."""
    from fanwen.archive.lock import ArchiveLock
    from tests.archive_factory import make_archive

    db = make_archive(tmp_path / "a.db")
    before = list(sqlite3.connect(db).iterdump())
    with ArchiveLock(db):
        for args in (["index", "--db", str(db)], ["dedupe", "--db", str(db)]):
            result = run(*args)
            assert result.returncode == 75, result.stderr
            assert "in use by another crawl" in result.stderr
    assert list(sqlite3.connect(db).iterdump()) == before
    assert run("index", "--db", str(db)).returncode == 0
    assert run("dedupe", "--db", str(db)).returncode == 0


def _help_of(path: list[str]) -> str:
    from click.testing import CliRunner

    from crawler.cli import main

    result = CliRunner().invoke(main, [*path, "-h"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def _commands() -> list[list[str]]:
    from crawler.cli import COMMANDS

    return [[name] for name in COMMANDS if name != "schedule"] + [["schedule", sub] for sub in ("add", "list", "remove")]


def test_every_help_keeps_its_examples_copyable_and_lists_its_exit_statuses():
    from click.testing import CliRunner  # noqa: F401 - _help_of uses it

    from crawler.cli import main

    for path in _commands():
        text = _help_of(path)
        command = main.get_command(None, path[0])
        command = command.commands[path[1]] if len(path) > 1 else command
        written = [line.strip() for line in command.help.splitlines() if line.strip().startswith("fanwen ")]
        shown = {line.strip() for line in text.splitlines()}
        assert written, path
        for example in written:  # on a line of its own, as written: not re-wrapped into or across other lines
            assert example in shown, (path, example)
        assert "Exit status:" in text and "\n    0   done" in text and "\n    2   bad input" in text, path


def test_the_command_list_names_every_command_module_and_dedupe_default_matches():
    from crawler.cli import COMMANDS, MODULES
    from crawler.cli.dedupe import DEFAULT_THRESHOLD
    from fanwen.archive.neardup import DEFAULT_THRESHOLD as PIPELINE_THRESHOLD

    modules = {p.stem for p in (ROOT / "crawler" / "cli").glob("*.py")
               if "\ncommand = " in p.read_text() or '@click.command("' in p.read_text() or '@click.group("' in p.read_text()}
    assert set(MODULES.values()) == modules
    assert DEFAULT_THRESHOLD == PIPELINE_THRESHOLD
    assert all(name in _help_of([]) for name in COMMANDS)


def test_fanwen_help_does_not_import_scrapy_sqlite_utils_or_pandas():
    code = ("import sys, runpy; sys.argv = ['fanwen', '--help']\n"
            "try:\n    runpy.run_module('crawler.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('scrapy', 'sqlite_utils', 'pandas', 'numpy', 'twisted') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_quiet_prints_errors_only_and_verbose_shows_scrapys_log(tmp_path):
    quiet = run("crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "q.db"), "-q", "-s", "RETRY_TIMES=0")
    verbose = run("-v", "crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "v.db"), "-s", "RETRY_TIMES=0")
    assert quiet.returncode == verbose.returncode == 3
    assert all(line.startswith(("ERROR:", "Error:")) for line in quiet.stderr.splitlines()), quiet.stderr
    assert "[scrapy.core.engine] INFO: Spider opened" in verbose.stderr


def test_make_demo_takes_a_port_and_says_how_to_get_fanwen_on_path():
    result = subprocess.run(["make", "-n", "demo", "PORT=9123", "DB=/tmp/x.db"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "fanwen demo --db /tmp/x.db --port 9123" in result.stdout
    assert ". .venv/bin/activate" in result.stdout
