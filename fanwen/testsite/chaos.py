"""Chaos mode: a small 范文 site whose server misbehaves the way real ones do, over real HTTP.

`ChaosSite` serves, on 127.0.0.1, a home page linking to a few good articles and to every kind of
hostile answer: chunked bodies (small and endless), connection resets, truncated bodies, drips,
429 with Retry-After, a gzip bomb, redirect and meta-refresh loops, a UTF-8 page with stray bytes,
off-site redirects and refreshes, a link with a user-info trick, a link to another port, a 1 MiB
header, a binary body labelled text/html, broken canonical and breadcrumb hrefs, and sitemaps
(an index, a gzipped one, a .txt one, and hostile ones: a looping index, foreign hosts, invalid
XML, a gzip bomb, a huge one). Two `Listener`s stand for what a crawl must never reach: another
host (127.0.0.2) and another port of the crawled host. Every server keeps a request log.

    with ChaosSite() as chaos:
        chaos.start_url        # http://127.0.0.1:PORT/
        chaos.request_log      # [LoggedRequest, ...]
"""
from __future__ import annotations

import gzip
import random
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from .server import LoggedRequest

TITLES = {
    1001: "在全市安全生产工作会议上的讲话",
    1002: "关于开展作风建设专项整治的实施方案",
    1003: "乡村振兴工作总结及下一步工作计划",
    1010: "学校课后服务工作情况汇报",
    1020: "食品安全监管工作自查报告",
    1030: "全民阅读活动方案",
    1040: "防汛抗旱工作应急预案",
    1041: "档案管理工作制度",
    1050: "统计工作年度报告",
    1060: "消防安全检查整改报告",
    1070: "医保基金监管工作要点",  # linked from nowhere: only the sitemaps name it
    1071: "养老服务体系建设调研报告",  # only in the gzipped sitemap
    1072: "数字政府建设三年行动计划",  # only in the .txt sitemap
}
SENTENCES = (
    "各级各部门要切实提高政治站位，把思想和行动统一到上级决策部署上来。",
    "要坚持问题导向，聚焦群众反映强烈的突出问题，逐项建立台账，明确责任单位和完成时限。",
    "全年共开展专项检查十二次，排查整改各类隐患一百三十余处，整改率达到百分之九十八。",
    "要加强统筹协调，形成上下联动、部门协同、齐抓共管的工作格局。",
    "对工作不力、推诿扯皮的单位和个人，依规依纪严肃追责问责。",
    "下一步，我们将继续巩固工作成果，建立健全长效机制，推动各项工作再上新台阶。",
    "各单位要于每月五日前报送上月工作进展情况，遇有重大情况随时报告。",
    "要充分利用报刊、广播、电视和新媒体平台，广泛宣传政策措施和典型经验。",
    "坚持以人民为中心的发展思想，把群众满意作为检验工作成效的根本标准。",
    "要进一步完善制度体系，细化工作流程，切实做到有章可循、有据可依。",
    "同时也要清醒地看到，工作中还存在一些短板和弱项，需要在今后的工作中认真加以解决。",
    "会后，各地要迅速传达会议精神，结合实际抓好贯彻落实。",
)
CHUNK = 64 * 1024
BIG_BYTES = 6 * 1024 * 1024


def article_html(aid: int, *, canonical: str | None = None, crumb_href: str = "/list/", description: str | None = None) -> str:
    """A plain article page of the chaos site."""
    title = TITLES[aid]
    rng = random.Random(aid)
    paragraphs = "".join(f"<p>{''.join(rng.sample(SENTENCES, 4))}</p>\n" for _ in range(5))
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    desc = description if description is not None else title
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_混沌范文网</title>'
        f'<meta name="description" content="{desc}">{head}</head><body>\n'
        f'<div class="nav"><a href="/">首页</a> <a href="/list/">范文列表</a></div>\n'
        f'<div class="crumb"><a href="/">首页</a> &gt; <a href="{crumb_href}">范文</a> &gt; {title}</div>\n'
        f'<div class="article"><h1>{title}</h1><div class="info">2024-05-0{aid % 9 + 1} 来源：混沌范文网</div>\n'
        f'<div class="content">\n{paragraphs}</div></div>\n'
        f'<div class="footer">混沌范文网 版权所有</div></body></html>'
    )


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body><h1>{title}</h1>{body}</body></html>')


def _gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped (about 1/1000 of `size`)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


def _sitemap(urls: list[tuple[str, str | None]], index: bool = False) -> str:
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    rows = "".join(f"<{item}><loc>{u}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + f"</{item}>" for u, m in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</{tag}>'


@dataclass
class Answer:
    """What to send: a status, headers and a body, or a `write` function that talks to the socket itself."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    write: Callable[[Any], None] | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        answer = owner.answer(self.path)
        entry = LoggedRequest(self.headers.get("Host", ""), self.path, self.command, answer.status,
                              len(answer.body), self.headers.get("User-Agent", ""), answer.write is not None, time.time())
        owner.log(entry)
        try:
            if answer.write is not None:
                answer.write(self)
                return
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "_Served"

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up before or during its request (a crawl killed with SIGKILL) is not an
        error of the site: no traceback for it on stderr."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class _Served:
    """A server on a daemon thread with a request log; subclasses answer paths."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.request_log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def answer(self, path: str) -> Answer:
        return Answer(404, b"<h1>404 Not Found</h1>")

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.request_log.append(entry)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class Listener(_Served):
    """Answers everything with a page that says where it is: a crawl that reaches it has escaped."""

    def answer(self, path: str) -> Answer:
        return Answer(200, _page("另一个网站", f"<p>{self.host}:{self.port}{path}</p>" + "<p>越界内容。</p>" * 60).encode())


class ChaosSite(_Served):
    """The hostile site; `offsite` (127.0.0.2) and `other_port` (127.0.0.1, another port) must stay untouched."""

    def __init__(self, drip_seconds: float = 20.0, hostile: bool = True) -> None:
        super().__init__("127.0.0.1")
        self.offsite = Listener("127.0.0.2")
        self.other_port = Listener("127.0.0.1")
        self.drip_seconds = drip_seconds
        self.hostile = hostile  # False: the home page links only the list (the sitemaps stay as they are)
        self._busy_once: set[str] = set()
        self.lastmod_1070 = "2024-06-01T08:00:00+08:00"  # what the sitemap says of /a/1070.html (a test moves it)
        self._bomb = _gzip_bomb(16 * 1024 * 1024)  # 16 MiB of zeros in ~16 KiB (over DOWNLOAD_MAXSIZE): made once
        self._routes = self._make_routes()

    @property
    def start_url(self) -> str:
        return self.url("/")

    def start(self):
        self.offsite.start()
        self.other_port.start()
        return super().start()

    def close(self) -> None:
        super().close()
        self.offsite.close()
        self.other_port.close()

    # -- what each path answers ---------------------------------------------------------------

    def answer(self, path: str) -> Answer:
        route = self._routes.get(path.split("#")[0])
        return route() if route is not None else Answer(404, _page("404", "<p>页面不存在</p>").encode())

    def _make_routes(self) -> dict[str, Callable[[], Answer]]:
        routes: dict[str, Callable[[], Answer]] = {
            "/": self._home,
            "/list/": self._list,
            "/robots.txt": self._robots,
            "/chunked/1010.html": lambda: Answer(write=lambda h: _chunked(h, article_html(1010).encode())),
            "/chunked/endless.html": lambda: Answer(write=_chunked_endless),
            "/reset.html": lambda: Answer(write=_reset),
            "/truncated.html": lambda: Answer(write=_truncated),
            "/drip.html": lambda: Answer(write=lambda h: _drip(h, self.drip_seconds)),
            "/busy/1020.html": self._busy,
            "/gzip-bomb.html": lambda: Answer(200, self._bomb, headers=(("Content-Encoding", "gzip"),)),
            "/loop/a.html": lambda: _redirect(302, "/loop/b.html"),
            "/loop/b.html": lambda: _redirect(302, "/loop/a.html"),
            "/refresh/a.html": lambda: _refresh("/refresh/b.html"),
            "/refresh/b.html": lambda: _refresh("/refresh/a.html"),
            "/stray/1030.html": lambda: Answer(200, _stray_bytes(article_html(1030, description="全民阅读活动方案全民阅读"))),
            "/offsite-302.html": lambda: _redirect(302, self.offsite.url("/evil-302.html")),
            "/offsite-refresh.html": lambda: _refresh(self.offsite.url("/evil-refresh.html")),
            "/port-302.html": lambda: _redirect(302, self.other_port.url("/evil-port.html")),
            "/big-header.html": lambda: Answer(write=_big_header),
            "/binary.html": lambda: Answer(200, random.Random(5).randbytes(20000)),
            "/bad-canonical/1040.html": lambda: Answer(200, article_html(1040, canonical="http://[::1").encode()),
            "/bad-crumb/1041.html": lambda: Answer(200, article_html(1041, crumb_href="http://[::1").encode()),
            "/moved/1050.html": lambda: _redirect(301, "/a/1001.html"),
            "/moved/1060.html": lambda: _redirect(301, "/a/1060.html"),
            **self._sitemaps(),
        }
        for aid in (1001, 1002, 1003, 1060, 1070, 1071, 1072):
            routes[f"/a/{aid}.html"] = lambda aid=aid: Answer(200, article_html(aid).encode())
        return routes

    def hostile_links(self) -> list[str]:
        """The hrefs of the home page (in the order they appear)."""
        return [
            "/list/", "/a/1001.html", "/a/1002.html", "/a/1003.html", "/chunked/1010.html", "/chunked/endless.html",
            "/reset.html", "/truncated.html", "/drip.html", "/busy/1020.html", "/gzip-bomb.html", "/loop/a.html",
            "/refresh/a.html", "/stray/1030.html", "/offsite-302.html", "/offsite-refresh.html", "/port-302.html",
            "/big-header.html", "/binary.html", "/bad-canonical/1040.html", "/bad-crumb/1041.html",
            "/moved/1050.html", "/moved/1060.html",
            self.offsite.url("/evil-link.html"),
            self.other_port.url("/evil-port-link.html"),
            f"http://127.0.0.2:{self.offsite.port}\\@127.0.0.1:{self.port}/",
            f"http://user:pw@127.0.0.1:{self.port}/a/1002.html",
            "http://[::1",
        ]

    def _home(self) -> Answer:
        hrefs = self.hostile_links() if self.hostile else ["/list/"]
        links = "".join(f'<li><a href="{href}">链接{i}</a></li>' for i, href in enumerate(hrefs))
        return Answer(200, _page("混沌范文网", f"<ul>{links}</ul>").encode())

    def _list(self) -> Answer:
        links = "".join(f'<li><a href="/a/{aid}.html">{TITLES[aid]}</a></li>' for aid in (1001, 1002, 1003))
        return Answer(200, _page("范文列表", f"<ul>{links}</ul>").encode())

    def _busy(self) -> Answer:
        with self._lock:
            first = "busy" not in self._busy_once
            self._busy_once.add("busy")
        if first:
            return Answer(429, b"<h1>429 Too Many Requests</h1>", headers=(("Retry-After", "1"),))
        return Answer(200, article_html(1020).encode())

    def _robots(self) -> Answer:
        lines = ["User-agent: *", "Disallow: /private/",
                 f"Sitemap: {self.url('/sitemap_index.xml')}",
                 f"Sitemap: {self.url('/sitemap-baidu.txt')}",
                 f"Sitemap: {self.offsite.url('/sitemap.xml')}",  # another host: never fetched
                 f"Sitemap: {self.url('/sitemap-invalid.xml')}",
                 f"Sitemap: {self.url('/sitemap-bomb.xml.gz')}",
                 f"Sitemap: {self.url('/sitemap-huge.xml')}"]
        return Answer(200, ("\n".join(lines) + "\n").encode(), "text/plain")

    def _sitemaps(self) -> dict[str, Callable[[], Answer]]:
        xml = "application/xml"
        index = _sitemap([(self.url("/sitemap-articles.xml"), "2024-05-01"), (self.url("/sitemap-more.xml.gz"), None),
                          (self.url("/sitemap-loop.xml"), None), (self.offsite.url("/sitemap-foreign.xml"), None)], index=True)

        def articles() -> str:
            return _sitemap([(self.url("/a/1001.html"), "2024-05-01"), (self.url("/a/1070.html"), self.lastmod_1070),
                             (self.offsite.url("/evil-sitemap.html"), None), (self.other_port.url("/evil-sitemap-port.html"), None)])
        more = gzip.compress(_sitemap([(self.url("/a/1071.html"), "2024-06-02")]).encode())
        loop = _sitemap([(self.url("/sitemap_index.xml"), None), (self.url("/sitemap-loop.xml"), None)], index=True)
        txt = f"{self.url('/a/1072.html')}\n{self.offsite.url('/evil-txt.html')}\nnot a url\n"
        huge = _sitemap([(self.url(f"/huge/{n}.html"), None) for n in range(60000)])
        return {
            "/sitemap_index.xml": lambda: Answer(200, index.encode(), xml),
            "/sitemap-articles.xml": lambda: Answer(200, articles().encode(), xml),
            "/sitemap-more.xml.gz": lambda: Answer(200, more, "application/x-gzip"),
            "/sitemap-loop.xml": lambda: Answer(200, loop.encode(), xml),
            "/sitemap-baidu.txt": lambda: Answer(200, txt.encode(), "text/plain; charset=utf-8"),
            "/sitemap-invalid.xml": lambda: Answer(200, b"<?xml version='1.0'?><urlset><url><loc>http://", xml),
            "/sitemap-bomb.xml.gz": lambda: Answer(200, self._bomb, "application/x-gzip"),
            "/sitemap-huge.xml": lambda: Answer(200, huge.encode(), xml),
        }


def _redirect(status: int, location: str) -> Answer:
    return Answer(status, f'<a href="{location}">跳转中…</a>'.encode(), headers=(("Location", location),))


def _refresh(target: str) -> Answer:
    return Answer(200, _page("跳转中", f'<a href="{target}">跳转中…</a>', f'<meta http-equiv="refresh" content="0;url={target}">').encode())


def _stray_bytes(html: str) -> bytes:
    """UTF-8 with one stray byte in the text and the <meta description> cut in the middle of a character."""
    body = html.encode("utf-8")
    cut = "全民阅读活动方案全民阅读".encode("utf-8")
    body = body.replace(cut, cut[:-1], 1)  # the last character loses its final byte
    marker = "统筹协调".encode("utf-8")
    return body.replace(marker, marker + b"\xff", 1)


def _head(handler: BaseHTTPRequestHandler, *extra: str, length: int | None = None) -> None:
    lines = ["HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8", *extra]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    handler.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def _chunked(handler: BaseHTTPRequestHandler, body: bytes, size: int = 1000) -> None:
    """The body in chunks of `size` bytes, with no Content-Length (as most dynamic sites answer)."""
    _head(handler, "Transfer-Encoding: chunked")
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    handler.wfile.write(b"0\r\n\r\n")


def _chunked_endless(handler: BaseHTTPRequestHandler) -> None:
    """A chunked HTML body that goes on for BIG_BYTES (a crawler must stop it at its size limit)."""
    _head(handler, "Transfer-Encoding: chunked")
    block = ("<p>" + "无尽的内容。" * 2000 + "</p>\n").encode()[:CHUNK]
    sent = 0
    handler.wfile.write(b"%x\r\n<html><body>\r\n" % len(b"<html><body>"))
    while sent < BIG_BYTES:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
        sent += len(block)
    handler.wfile.write(b"0\r\n\r\n")


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with a TCP reset before answering."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def _truncated(handler: BaseHTTPRequestHandler) -> None:
    """Announce 20,000 bytes, send 600, close."""
    _head(handler, length=20000)
    handler.wfile.write(article_html(1002).encode()[:600])
    handler.wfile.flush()
    handler.close_connection = True


def _drip(handler: BaseHTTPRequestHandler, seconds: float) -> None:
    """A byte every 0.1 s for `seconds`: slower than any download timeout of the tests."""
    body = article_html(1003).encode()
    _head(handler, length=len(body))
    deadline = time.monotonic() + seconds
    for byte in body:
        if time.monotonic() > deadline:
            break
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.1)
    handler.close_connection = True


def _big_header(handler: BaseHTTPRequestHandler) -> None:
    """A 1 MiB Set-Cookie header."""
    _head(handler, "Set-Cookie: a=" + "x" * (1024 * 1024), length=5)
    handler.wfile.write(b"hello")
