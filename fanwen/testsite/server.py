"""A threaded HTTP server for a SiteBundle, with virtual hosting and a request log."""
from __future__ import annotations

import socket
import sys
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import SiteApp, _strip_port
from .model import SiteBundle
from .response import Response

REASONS = {200: "OK", 304: "Not Modified", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 405: "Method Not Allowed",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass(frozen=True)
class LoggedRequest:
    """One served request, as the server saw it."""

    host: str
    path: str
    method: str
    status: int
    bytes_sent: int
    user_agent: str
    aborted: bool
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server: "_HTTPServer"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        conditional = {name: self.headers[name] for name in ("if-none-match", "if-modified-since") if name in self.headers}
        self._serve(self.server.owner.app.handle(self.command, self.headers.get("Host", ""), self.path, conditional))

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        self._serve(Response(405, "text/plain", b"Method Not Allowed"))

    def _serve(self, resp: Response) -> None:
        head_only = self.command == "HEAD" or resp.status == 304
        lines = [f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, 'Unknown')}",
                 "Server: nginx/1.18.0", f"Date: {self.date_time_string()}",
                 f"Content-Type: {resp.content_type}", f"Content-Length: {resp.content_length}"]
        lines += [f"{k}: {v}" for k, v in resp.headers]
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        owner = self.server.owner
        # Logged before writing (so a client never sees a response whose entry is missing),
        # then corrected if the client goes away or a stream finishes.
        body_len = 0 if head_only else resp.content_length
        entry = LoggedRequest(_strip_port(self.headers.get("Host", "")), self.path, self.command, resp.status,
                              body_len if resp.stream is None else 0, self.headers.get("User-Agent", ""),
                              False, time.time())
        index = owner.log(entry)
        sent = 0
        try:
            if head_only:
                self.wfile.write(head)
            elif resp.stream is None:
                self.wfile.write(head + resp.body)
            else:
                self.wfile.write(head)
                for chunk in resp.stream():
                    self.wfile.write(chunk)
                    sent += len(chunk)
                owner.update(index, replace(entry, bytes_sent=sent))
        except OSError:
            self.close_connection = True
            owner.update(index, replace(entry, bytes_sent=sent, aborted=True))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
    owner: "SiteServer"

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up before or during its request (a crawl killed with SIGKILL) is not an
        error of the site: no traceback for it on stderr."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class SiteServer:
    """Serves a bundle on 127.0.0.1 from a daemon thread; use as a context manager."""

    def __init__(self, bundle: SiteBundle, host: str = "127.0.0.1", port: int = 0) -> None:
        self.bundle = bundle
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self.app = SiteApp(bundle, self.port)
        self.request_log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> SiteServer:
        """Start serving in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="testsite", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close the listening socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def log(self, entry: LoggedRequest) -> int:
        """Append to the request log (thread-safe); returns the entry's index."""
        with self._log_lock:
            self.request_log.append(entry)
            return len(self.request_log) - 1

    def update(self, index: int, entry: LoggedRequest) -> None:
        """Replace a log entry once its outcome (bytes sent, aborted) is known."""
        with self._log_lock:
            self.request_log[index] = entry

    def url(self, host: str, path: str) -> str:
        """Absolute URL of a path on one of the bundle's hosts."""
        return f"http://{host}:{self.port}{path}"

    @property
    def start_urls(self) -> list[str]:
        """Home page URL of each site."""
        return [self.url(h, "/") for h in self.bundle.start_hosts]

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(bundle: SiteBundle, port: int = 0, host: str = "127.0.0.1") -> SiteServer:
    """Start serving a bundle; `with serve(bundle) as server:` closes it on exit."""
    return SiteServer(bundle, host, port).start()
