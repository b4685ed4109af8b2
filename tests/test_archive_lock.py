"""One crawl per archive, whichever way it is started: while another crawl holds the archive's lock, a
crawl started with `fanwen crawl`, `fanwen demo`, `scrapy crawl` or through the crawl's Python entry
point (`fanwen crawl` once its own check has passed), and the distributed crawl's `fanwen archiver`, exits non-zero and leaves every file as it was.
(scrapyd's jobs: tests/test_scrapyd.py; a real second crawl beside a running one: tests/test_resume.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fanwen.archive.lock import ArchiveLock
from tests.archive_factory import make_archive
from tests.conftest import ROOT, run_fanwen
from tests.redis_server import redis_server  # noqa: F401  (fixture)

START = "http://127.0.0.1:9/"  # never fetched: the crawl must stop before its first request


def files(folder: Path) -> dict[str, bytes]:
    """Every file beside the archive (database, WAL, shared memory) but the lock, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.endswith(".lock")}


def refused(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 75, (result.returncode, result.stderr[-3000:])
    assert "in use by another crawl" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def test_fanwen_crawl_on_a_locked_archive_exits_75_and_creates_nothing(tmp_path):
    db = tmp_path / "archive.db"
    with ArchiveLock(db):
        refused(run_fanwen("crawl", START, "--db", str(db)))
    assert files(tmp_path) == {}


def test_fanwen_demo_on_a_locked_archive_exits_75_and_creates_nothing(tmp_path):
    """The demo created (migrated) the archive before its crawl asked for the lock."""
    db = tmp_path / "archive.db"
    with ArchiveLock(db):
        refused(run_fanwen("demo", "--db", str(db), "--port", "0", "--articles-per-site", "5"))
    assert files(tmp_path) == {}


def test_fanwen_archiver_on_a_locked_archive_exits_75_and_creates_nothing(redis_server, tmp_path):
    """The distributed crawl's one writer: it created the archive before its crawl asked for the lock."""
    db = tmp_path / "archive.db"
    with ArchiveLock(db):
        refused(run_fanwen("archiver", "--redis", redis_server(0), "--db", str(db)))
    assert files(tmp_path) == {}


def test_scrapy_crawl_on_a_locked_archive_exits_75_and_writes_nothing(tmp_path):
    """What scrapyd runs: the pipelines wrote the archive's meta before the store pipeline was refused,
    and the crawl then exited 0."""
    db = make_archive(tmp_path / "archive.db")
    before = files(tmp_path)
    with ArchiveLock(db):
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "fanwen", "-a", f"start_urls={START}", "-s", f"ARCHIVE_DB={db}"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    refused(result)
    assert files(tmp_path) == before


def test_a_crawl_refused_after_the_commands_check_raises_archive_busy_and_writes_nothing(tmp_path):
    """`fanwen crawl` checks the lock, then runs the crawl: another crawl may take the archive between
    the two. The crawl's entry point then raises ArchiveBusy (the command exits 75) before any write."""
    db = make_archive(tmp_path / "archive.db")
    before = files(tmp_path)
    program = (
        "import sys\nfrom fanwen.archive.lock import ArchiveBusy\nfrom crawler.run import run_crawl\n"
        f"try:\n    run_crawl([{START!r}], {str(db)!r})\nexcept ArchiveBusy as exc:\n    print('refused:', exc)\n"
        "    sys.exit(75)\n"
    )
    with ArchiveLock(db):
        result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 75, result.stderr[-3000:]
    assert "refused:" in result.stdout and "in use by another crawl" in result.stdout
    assert files(tmp_path) == before
