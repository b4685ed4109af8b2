"""Bad responses never crash a crawl: each is logged with its URL and reason, and counted."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (Path(__file__).parent / "pages" / "seed_layout.html").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        path = self.path
        if path == "/robots.txt":
            return self._send(b"User-agent: *\nDisallow:\n", "text/plain")
        if path == "/":
            links = "".join(f'<a href="{p}">{p}</a>' for p in
                            ["/slow.html", "/reset.html", "/png.html", "/empty.html", "/huge.html", "/a/1203.html", "/gone.html"])
            return self._send(f"<html><body>{links}</body></html>".encode(), "text/html; charset=utf-8")
        if path == "/slow.html":
            time.sleep(4)
            return self._send(b"<html>late</html>", "text/html")
        if path == "/reset.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html><body>" + "半截".encode() * 100)
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/png.html":
            return self._send(PNG, "text/html")
        if path == "/empty.html":
            return self._send(b"", "text/html")
        if path == "/huge.html":  # no Content-Length: only the size limit can stop it
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + "很长".encode() * 5000 + b"</p>"
            try:
                for _ in range(400):  # ~12 MB
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return None
        if path == "/a/1203.html":
            return self._send(ARTICLE, "text/html; charset=utf-8")
        return self._send(b"<html>not found</html>", "text/html", 404)

    def _send(self, body: bytes, content_type: str, status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = tmp_path_factory.mktemp("bad") / "archive.db"
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", f"http://127.0.0.1:{server.server_port}/", "--db", str(db),
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=1",
           "-s", "RETRY_TIMES=1", "-s", "FANWEN_RETRY_BACKOFF_BASE=0.1", "-s", "FANWEN_MAX_PAGE_BYTES=1000000",
           "-s", "DOWNLOAD_WARNSIZE=0"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    server.shutdown()
    conn = sqlite3.connect(db)
    yield result, conn
    conn.close()


def errors_by_url(conn) -> dict[str, str]:
    rows = conn.execute("SELECT url, error FROM fetches WHERE error IS NOT NULL").fetchall()
    return {url.rsplit("/", 1)[-1]: error.split(":")[0] for url, error in rows}


def test_crawl_finishes_and_archives_the_good_page(crawled):
    result, conn = crawled
    assert result.returncode == 0, result.stderr[-2000:]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_timeout_is_logged(crawled):
    assert errors_by_url(crawled[1])["slow.html"] == "timeout"


def test_connection_dropped_mid_body_is_logged(crawled):
    assert errors_by_url(crawled[1])["reset.html"] == "connection_lost"


def test_body_without_size_is_cut_at_the_size_limit(crawled):
    assert errors_by_url(crawled[1])["huge.html"] == "too_large"


def test_404_is_logged(crawled):
    assert errors_by_url(crawled[1])["gone.html"] == "http_404"


def test_binary_and_empty_pages_are_not_articles(crawled):
    conn = crawled[1]
    kinds = dict(conn.execute("SELECT url, kind FROM fetches").fetchall())
    by_name = {url.rsplit("/", 1)[-1]: kind for url, kind in kinds.items()}
    assert by_name["png.html"] != "article" and by_name["empty.html"] != "article"


def test_every_failure_is_counted_in_the_stats(crawled):
    stats = json.loads(crawled[1].execute("SELECT stats FROM crawls").fetchone()[0])
    for key in ("timeout", "connection_lost", "too_large", "http_404"):
        assert stats.get(f"fanwen/errors/{key}", 0) >= 1, key
