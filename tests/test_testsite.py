"""Pins the generated 范文 test sites: determinism, truth quality, encodings and every trap, over real HTTP."""
from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest

from fanwen.testsite import SiteApp, SiteBundle, build_sites, serve

ROOT = Path(__file__).resolve().parents[1]
N = 120
EXCLUDED = ("下面是小编", "下面由", "以上是小编", "以上就是", "小编精心推荐", "当前隐藏内容免费查看", "展开阅读全文", "收起↑",
            "版权说明", "本文档来源自", "点击下载文档", "免费下载这篇文档", "全文阅读已结束", "相关热词", "推荐访问",
            "延伸阅读", "相关文章", "上一篇", "下一篇", "Copyright", ".test", "\u3000", "\xa0", "\t", "document.write")
DECORATION_RE = re.compile(r"(【[^】]*】|[（(][^（()）]*\d+篇[)）])$")
DISALLOWED = ("/plus/", "/member/", "/dldoc/", "/private/", "/api/")


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def bundle() -> SiteBundle:
    return build_sites(seed=7, articles_per_site=N)


@pytest.fixture(scope="module")
def app(bundle: SiteBundle) -> SiteApp:
    return SiteApp(bundle, port=8000)


@pytest.fixture(scope="module")
def server(bundle: SiteBundle):
    with serve(bundle) as s:
        yield s


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002 - urllib signature
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(server, host: str, path: str, ua: str = "testsite-tests/1.0") -> tuple[int, dict, bytes]:
    """GET over real HTTP with a virtual Host header; never follows redirects."""
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}",
                                 headers={"Host": f"{host}:{server.port}", "User-Agent": ua})
    try:
        with OPENER.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def served(app: SiteApp, host: str, path: str) -> bytes:
    """Body of a page through the app, retrying once for the once-failing articles."""
    r = app.handle("GET", host, path)
    if r.status != 200:
        r = app.handle("GET", host, path)
    assert r.status == 200, (host, path, r.status)
    return r.body


# ------------------------------------------------------- reference extractor
class _Content(HTMLParser):
    """Collects text blocks of every div.content / div.m-content (blocks split at p/div/br/li…)."""

    BLOCK = {"p", "div", "br", "h1", "h2", "h3", "li", "ul", "table", "tr", "td"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = self.skip = 0
        self.groups: list[list[str]] = []
        self.cur: list[str] = []

    def flush(self) -> None:
        if self.cur and self.groups:
            self.groups[-1].append("".join(self.cur))
        self.cur = []

    def handle_starttag(self, tag, attrs) -> None:
        if not self.depth:
            if tag == "div" and {"content", "m-content", "sheet-bd"} & set((dict(attrs).get("class") or "").split()):
                self.depth = 1
                self.groups.append([])
            return
        self.depth += tag == "div"
        self.skip += tag in ("script", "ul")
        if tag in self.BLOCK:
            self.flush()

    def handle_endtag(self, tag) -> None:
        if not self.depth:
            return
        self.skip -= tag in ("script", "ul") and self.skip > 0
        if tag in self.BLOCK:
            self.flush()
        self.depth -= tag == "div"

    def handle_data(self, data) -> None:
        if self.depth and not self.skip:
            self.cur.append(data)


DROP_RE = re.compile(r"^(小贴士：本站为您精选了|阅读提示：|温馨提示：|下面是小编|下面由|.{0,80}怎么写？下面是小编|以上是小编|以上就是|小编精心推荐$|版权说明:|"
                     r"【提示】本文档来源自|点击下载文档$|免费下载这篇文档$|下载本文档$|全文阅读已结束|展开阅读全文$|收起↑$)")
DOMAIN_RE = re.compile(r"\s*\b(?:www\.|m\.)?[a-z]+\.test\b\s*")


def _norm(text: str) -> str:
    t = DOMAIN_RE.sub("", text.replace("当前隐藏内容免费查看", "")).strip()
    return re.sub(r"\s+", lambda m: " " if m.start() and m.end() < len(t) and t[m.start() - 1].isascii()
                  and t[m.start() - 1].isalnum() and t[m.end()].isascii() and t[m.end()].isalnum() else "", t)


def extract_body(html: str, titles: set[str]) -> list[str]:
    """Apply the body rules of ArticleTruth to one page (the densest content container)."""
    p = _Content()
    p.feed(html)
    p.close()
    p.flush()
    best = max(p.groups, key=lambda g: sum(map(len, g)))
    return [t for t in map(_norm, best) if t and not DROP_RE.match(t) and t not in titles]


# -------------------------------------------------------------- determinism
def test_build_is_deterministic_pages_and_truth(bundle: SiteBundle, app: SiteApp) -> None:
    again = build_sites(seed=7, articles_per_site=N)
    assert again.truth == bundle.truth
    assert again.useful_paths == bundle.useful_paths
    assert again.disallowed_paths == bundle.disallowed_paths
    assert again.trap_paths == bundle.trap_paths
    app2 = SiteApp(again, port=8000)
    sample = sorted(bundle.useful_paths)[::3] + [("m.baihua.test", p) for _, p in sorted(bundle.useful_paths)[:40]]
    for host, path in sample:
        assert app2.handle("GET", host, path).body == app.handle("GET", host, path).body, (host, path)
    other = build_sites(seed=8, articles_per_site=N)
    assert [t.body for t in other.truth[:5]] != [t.body for t in bundle.truth[:5]]


def test_public_api_shape(bundle: SiteBundle) -> None:
    assert bundle.hosts == ["www.baihua.test", "m.baihua.test", "www.dede.test", "www.phpcms.test", "www.moyun.test"]
    assert bundle.start_hosts == ["www.baihua.test", "www.dede.test", "www.phpcms.test", "www.moyun.test"]
    assert {t.family for t in bundle.truth} == {"baihua", "dede", "phpcms", "moyun"}
    reachable = [t for t in bundle.truth if t.reachable]
    assert len(reachable) == len(bundle.start_hosts) * N
    assert all(h in bundle.hosts for h, _ in bundle.useful_paths | bundle.disallowed_paths)
    assert all(p.startswith(DISALLOWED) for _, p in bundle.disallowed_paths)


# -------------------------------------------------------------------- truth
def test_titles_are_undecorated(bundle: SiteBundle) -> None:
    titles = [t.title for t in bundle.truth]
    assert len(set(titles)) == len(titles)
    assert not [t for t in titles if DECORATION_RE.search(t) or t != t.strip()]
    assert any(re.match(r"^在全.+会上的讲话$", t) for t in titles)
    assert any(re.match(r"^20\d\d年.+工作总结$", t) for t in titles)


def test_bodies_follow_the_body_rules(bundle: SiteBundle) -> None:
    for t in bundle.truth:
        paras = t.body.split("\n")
        assert all(p and p == p.strip() for p in paras), t.path
        assert not re.search(r"\s(?![A-Za-z0-9])|(?<![A-Za-z0-9])\s", t.body.replace("\n", "")), t.path
        assert not [x for x in EXCLUDED if x in t.body], (t.path, [x for x in EXCLUDED if x in t.body])
        assert t.title not in paras and 2 <= len(t.terms) <= 6
        if not t.partial:
            extra = 1 if t.variant else 0  # an "added paragraph" near-duplicate has one more
            assert 6 <= len(paras) <= 25 + extra and 800 <= len(t.body) - len(paras) + 1 <= 4000 + 400 * extra, t.path
    body = "\n".join(t.body for t in bundle.truth)
    for mask in ("***", "************", "**局长", "XX市", "X省", "xx", "╳╳大学"):
        assert mask in body, mask
    assert re.search(r"^一、", body, re.M) and re.search(r"^[(（]一[)）]", body, re.M)
    assert re.search(r"^【?篇一】?$", body, re.M) and "%" in body and "“" in body


def test_dates_and_categories(bundle: SiteBundle) -> None:
    forms = {re.sub(r"\d", "9", t.published_at) for t in bundle.truth}
    assert forms == {"9999-99-99T99:99:99", "9999-99-99"}
    assert any(t.family == "dede" and t.published_at.endswith(":00") for t in bundle.truth)
    for t in bundle.truth:
        assert t.categories and not {"首页", "主页", "正文", "百花范文网"} & set(t.categories)
        assert len(t.categories) == (2 if t.reachable else 1)


def test_articles_are_not_near_duplicates(bundle: SiteBundle) -> None:
    rng = random.Random(1)
    sample = rng.sample([t for t in bundle.truth if t.variant is None], 90)  # designed variants: test_neardup
    grams = [{b[i:i + 5] for i in range(len(b) - 4)} for b in (t.body for t in sample)]
    worst = max(len(a & b) / len(a | b) for a, b in itertools.combinations(grams, 2))
    print(f"max pairwise 5-gram Jaccard over {len(sample)} articles: {worst:.3f}")
    assert worst < 0.3


def test_gbk_only_characters_on_the_gbk_site(bundle: SiteBundle) -> None:
    dede = [t for t in bundle.truth if t.family == "dede"]
    assert all(re.search("[镕堃喆昇龍臺]", t.body) for t in dede)
    with pytest.raises(UnicodeEncodeError):
        dede[0].body.encode("gb2312")
    for t in dede:
        t.body.encode("gbk")


def test_traps_recorded_with_ground_truth(bundle: SiteBundle) -> None:
    tp = bundle.trap_paths
    for name in ("hidden_a", "hidden_b", "partial", "malformed_html", "multi_page", "domain_injected", "reposts",
                 "utf8_bom", "not_found", "session_id_pages", "charset_utf8_header", "charset_meta_gb2312",
                 "charset_none", "charset_malformed_meta"):
        assert tp[name], name
    partial = {p for _, p in tp["partial"]}
    assert {t.path for t in bundle.truth if t.partial} == partial
    dup = [t for t in bundle.truth if len(t.all_paths) > 1]
    assert dup and all(t.path == min(t.all_paths, key=lambda p: int(re.findall(r"\d+", p)[-1])) for t in dup)
    private = [t for t in bundle.truth if not t.reachable]
    assert private and all((t.host, t.path) in bundle.disallowed_paths for t in private)
    assert not {(t.host, t.path) for t in private} & bundle.useful_paths


def test_truth_matches_served_html(bundle: SiteBundle, app: SiteApp) -> None:
    """Every copy of every document, on www and on the m. mirror, yields exactly the truth body."""
    checked = 0
    for t in bundle.truth:
        site = bundle.site_for(t.host)
        for path in t.all_paths:
            route = site.routes[path]
            post = (site.posts if t.reachable else site.private)[route[1]]
            hosts = site.hosts if t.reachable else [t.host]
            for host in hosts:
                enc = "gbk" if site.family.charset == "gbk" else "utf-8"
                paras: list[str] = []
                html = ""
                for part in post.page_paths:
                    html = served(app, host, part).decode(enc)
                    paras += extract_body(html, {t.title, post.title})
                assert "\n".join(paras) == t.body, (host, path, post.layout)
                for term in t.terms:
                    assert f">{term}</a>" in html
                checked += 1
    assert checked > len(bundle.truth)


def test_meta_lines_show_the_truth_date(bundle: SiteBundle, app: SiteApp) -> None:
    for t in bundle.truth[:: 7]:
        html = served(app, t.host, t.path).decode("gbk" if t.family == "dede" else "utf-8")
        shown = t.published_at.replace("T", " ")
        shown = shown[:-3] if t.family == "dede" and len(shown) > 10 else shown
        assert shown in html, (t.path, shown)
        for name in t.categories:
            assert f">{name}</a>" in html


# -------------------------------------------------------------- crawlability
HREF_RE = re.compile(r"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def _canonical(url: str) -> str | None:
    parts = urlsplit(url)
    path = quote(re.sub(r";jsessionid=[^/?#]*", "", parts.path), safe="/%")
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith(("utm_", "sid=", "PHPSESSID=")))
    if path.startswith(DISALLOWED) or path.startswith(("/search", "/archive/", "/go/", "/uploads/", "/soft/", "/a/")):
        return None
    if re.search(r"/([^/]+)/\1/", path):
        return None
    return path + ("?" + query if query else "")


def test_polite_bfs_reaches_every_useful_page(bundle: SiteBundle, app: SiteApp) -> None:
    """A robots-obeying, trap-avoiding crawl of www hosts finds all useful pages and reachable articles."""
    seen: set[tuple[str, str]] = set()
    for site in bundle.sites:
        enc = "gbk" if site.family.charset == "gbk" else "utf-8"
        queue = ["/"]
        while queue:
            path = queue.pop()
            if (site.host, path) in seen:
                continue
            seen.add((site.host, path))
            r = app.handle("GET", site.host, path)
            if r.status != 200:
                r = app.handle("GET", site.host, path)
            if r.status != 200 or not r.content_type.startswith("text/html"):
                continue
            for m in HREF_RE.finditer(r.body.decode(enc, "replace")):
                href = m.group(1) or m.group(2) or m.group(3) or ""
                url = urljoin(f"http://{site.host}{path}", href)
                if urlsplit(url).hostname == site.host and (nxt := _canonical(url)):
                    queue.append(nxt)
    missing = bundle.useful_paths - seen
    assert not missing, sorted(missing)[:5]
    for t in bundle.truth:
        assert all((t.host, p) in seen for p in t.all_paths) == t.reachable
    extra = len(seen) - len(bundle.useful_paths)
    print(f"polite crawl: {len(seen)} pages for {len(bundle.useful_paths)} useful ones")
    assert extra < 0.2 * len(bundle.useful_paths), extra


# --------------------------------------------------------------- over HTTP
def test_virtual_hosts_and_start_urls(bundle: SiteBundle, server) -> None:
    assert server.start_urls == [f"http://{h}:{server.port}/" for h in bundle.start_hosts]
    assert server.url("www.dede.test", "/x") == f"http://www.dede.test:{server.port}/x"
    for host in bundle.hosts:
        status, headers, body = fetch(server, host, "/")
        assert status == 200 and headers["Content-Length"] == str(len(body))
    assert fetch(server, "unknown.test", "/")[0] == 404


def test_robots_txt_on_every_host(bundle: SiteBundle, server) -> None:
    for host in bundle.hosts:
        status, headers, body = fetch(server, host, "/robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        lines = body.decode().splitlines()
        assert lines[0] == "User-agent: *"
        assert [ln.split(": ")[1] for ln in lines[1:] if ln] == ["/plus/", "/member/", "/dldoc/", "/private/", "/api/"]
    status, headers, body = fetch(server, "www.dede.test", "/plus/count.php?view=yes&aid=1&mid=0")
    assert body == b"document.write('123');"


def test_each_family_is_served_with_its_encoding(bundle: SiteBundle, server) -> None:
    tp = bundle.trap_paths
    _, headers, body = fetch(server, "www.baihua.test", bundle.truth[0].path)
    assert headers["Content-Type"] == "text/html; charset=utf-8" and '<meta charset="utf-8">' in body.decode()
    host, path = tp["charset_utf8_header"][0]
    _, headers, body = fetch(server, host, path)
    assert headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="gb2312">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "范文写作网" in body.decode("gbk")
    host, path = tp["charset_meta_gb2312"][0]
    _, headers, body = fetch(server, host, path)
    assert headers["Content-Type"] == "text/html" and b"charset=gb2312" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    assert re.search("[镕堃喆昇龍臺╳]", body.decode("gbk"))
    _, headers, body = fetch(server, *tp["charset_none"][0])
    assert headers["Content-Type"] == "text/html" and b"charset" not in body
    _, headers, body = fetch(server, *tp["charset_malformed_meta"][0])
    assert b'<meta httpequiv="ContentType" content="text/html; charset=gbk">' in body
    _, headers, body = fetch(server, "www.dede.test", "/")
    assert headers["Content-Type"] == "text/html; charset=gbk"
    body.decode("gbk")
    _, headers, body = fetch(server, *tp["utf8_bom"][0])
    assert body.startswith(b"\xef\xbb\xbf") and headers["Content-Type"] == "text/html; charset=utf-8"


def test_gbk_percent_encoded_tag_pages(bundle: SiteBundle, server) -> None:
    dede = bundle.site_for("www.dede.test")
    term = dede.hot_searches[0]
    path = dede.family.tag_href(term)
    assert path == "/tags.php?/" + "".join(f"%{b:02X}" for b in term.encode("gbk")) + "/"
    status, _, body = fetch(server, "www.dede.test", path)
    assert status == 200 and term in body.decode("gbk")
    bh = bundle.site_for("www.baihua.test")
    raw = "/tag/" + urllib.request.quote(bh.hot_searches[0]) + "/"
    assert fetch(server, "www.baihua.test", raw)[0] == 200


def test_error_once_then_ok(bundle: SiteBundle) -> None:
    with serve(bundle) as fresh:      # once-only state is per server run
        host, path = bundle.trap_paths["error_500_once"]
        assert fetch(fresh, host, path)[0] == 500
        assert fetch(fresh, host, path)[0] == 200
        for name, code in (("retry_after_503", 503), ("retry_after_429", 429)):
            host, path = bundle.trap_paths[name]
            status, headers, _ = fetch(fresh, host, path)
            assert status == code and headers["Retry-After"] == "1"
            assert fetch(fresh, host, path)[0] == 200
        assert [e.status for e in fresh.request_log] == [500, 200, 503, 200, 429, 200]


def test_redirect_loop_and_legit_301(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["redirect_loop"]
    status, headers, _ = fetch(server, host, path)
    assert status == 302 and headers["Location"] == "/go/b.html"
    status, headers, _ = fetch(server, host, "/go/b.html")
    assert status == 302 and headers["Location"] == "/go/a.html"
    host, old = bundle.trap_paths["redirect_301"]
    status, headers, _ = fetch(server, host, old)
    assert status == 301 and headers["Location"] == server.url(host, bundle.trap_paths["redirect_301_target"][1])
    for host, path in bundle.trap_paths["not_found"]:
        assert fetch(server, host, path)[0] == 404


def test_30mb_download_is_streamed_and_abort_is_logged(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["binary_30mb"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{server.port}"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/octet-stream"
    assert int(resp.getheader("Content-Length")) == 30 * 1024 * 1024
    assert len(resp.read(4096)) == 4096
    conn.close()
    deadline = time.time() + 5
    while time.time() < deadline:
        entry = next(e for e in server.request_log if e.path == path)
        if entry.aborted or entry.bytes_sent:
            break
        time.sleep(0.05)
    assert entry.aborted and entry.bytes_sent < 30 * 1024 * 1024 and entry.status == 200
    host, path = bundle.trap_paths["binary_doc"]
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", method="HEAD", headers={"Host": host})
    with OPENER.open(req, timeout=10) as r:
        assert r.headers["Content-Type"] == "application/msword" and r.headers["Content-Length"] == str(2 * 1024 * 1024)


def test_calendar_chain_continues(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["calendar"]
    months = []
    for _ in range(6):
        status, _, body = fetch(server, host, path)
        assert status == 200
        html = body.decode()
        assert re.search(r'href="/shiyong/|href="/(gongwen|jianghua|xinde|zongjie)/', html)
        path = re.search(r'<a href="(/archive/\d{4}-\d{2}\.html)">下个月</a>', html).group(1)
        months.append(path)
    assert len(set(months)) == 6
    assert fetch(server, host, "/archive/1950-03.html")[0] == 200
    assert '下个月' in fetch(server, host, "/archive/2099-12.html")[2].decode()
    assert fetch(server, host, "/archive/2101-01.html")[0] == 404


def test_search_space_is_endless(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["search"]
    status, _, body = fetch(server, host, path + "&page=98765")
    html = body.decode()
    assert status == 200 and "page=98766" in html and re.search(r"/search/\?q=[^\"&]+\+[^\"&]+", html)
    assert 'href="/search/?q=' in fetch(server, "www.phpcms.test", "/")[2].decode()


def test_repeated_segment_loop(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["repeated_segments"]
    assert 'href="shiyong/"' in fetch(server, host, "/shiyong/")[2].decode()
    status, _, body = fetch(server, host, path + "shiyong/shiyong/")
    assert status == 200 and 'href="shiyong/"' in body.decode()


def test_tracking_variants_serve_the_same_page(bundle: SiteBundle, server) -> None:
    t = next(t for t in bundle.truth if t.family == "baihua" and (t.host, t.path) not in
             {bundle.trap_paths["error_500_once"]})
    plain = fetch(server, t.host, t.path)[2]
    for suffix in ("?utm_source=wx&utm_medium=share", "?sid=8f3a1c", "?PHPSESSID=abc123", ";jsessionid=ABC123"):
        assert fetch(server, t.host, t.path + suffix)[2] == plain
    host, path = bundle.trap_paths["session_id_pages"][0]
    assert re.search(r'href="/[^"]*[?&]sid=[0-9a-f]{24}"', fetch(server, host, path)[2].decode())


def test_mirror_is_a_copy_with_absolute_canonical(bundle: SiteBundle, server) -> None:
    host, path = bundle.trap_paths["mirror"]
    html = fetch(server, host, path)[2].decode()
    assert f'<link rel="canonical" href="http://www.baihua.test:{server.port}{path}">' in html
    www = fetch(server, "www.baihua.test", "/")[2].decode()
    assert f"http://m.baihua.test:{server.port}/" in www


def test_private_pages_are_linked_but_disallowed(bundle: SiteBundle, server) -> None:
    for host, path in bundle.trap_paths["private_index"]:
        home = fetch(server, host, "/")[2].decode("gbk" if "dede" in host else "utf-8")
        assert 'href="/private/"' in home or "href='/private/'" in home
        assert fetch(server, host, path)[0] == 200
        assert (host, path) in bundle.disallowed_paths


def test_request_log_and_concurrency(bundle: SiteBundle, server) -> None:
    before = len(server.request_log)
    paths = sorted(bundle.useful_paths)[:160]
    errors: list[int] = []

    def worker(chunk: list[tuple[str, str]]) -> None:
        for host, path in chunk:
            status = fetch(server, host, path, ua="concurrency-check")[0]
            if status not in (200, 500, 503, 429):
                errors.append(status)

    threads = [threading.Thread(target=worker, args=(paths[i::8],)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    log = server.request_log[before:]
    assert len(log) == len(paths)
    e = next(e for e in log if e.path == paths[0][1] and e.host == paths[0][0])
    assert e.method == "GET" and e.status == 200 and e.user_agent == "concurrency-check"
    assert e.bytes_sent > 1000 and not e.aborted


def test_cli_truth_dump(tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    subprocess.run([sys.executable, "-m", "fanwen.testsite", "truth", "--seed", "7", "--articles-per-site", "20", "-o", str(out)],
                   cwd=ROOT, check=True, timeout=60)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == [t.to_dict() for t in build_sites(seed=7, articles_per_site=20).truth]


def test_command_line_serves_one_family_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    proc = subprocess.run([sys.executable, "-m", "fanwen.testsite", "truth", "--family", "dede", "--articles-per-site", "20",
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    truth = json.loads(out.read_text(encoding="utf-8"))
    assert truth and {t["family"] for t in truth} == {"dede"}


@pytest.mark.parametrize("kind", ["site", "hostile"])
def test_a_client_that_resets_its_connection_leaves_no_traceback(bundle: SiteBundle, kind: str, capfd) -> None:
    """A crawl killed with SIGKILL resets its connections: the fixture servers say nothing of it on stderr
    (it is the client's doing, not an error of the site) and go on serving."""
    import socket
    import struct
    import time

    from fanwen.testsite.chaos import Listener
    from fanwen.testsite.server import SiteServer

    with (SiteServer(bundle) if kind == "site" else Listener()) as served:
        for partial in (b"", b"GET /index.html HT"):
            client = socket.create_connection(("127.0.0.1", served.port))
            client.sendall(partial)
            time.sleep(0.05)  # the handler is reading the request line
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # linger 0: a reset, not a FIN
        time.sleep(0.2)
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        connection.request("GET", "/robots.txt")
        assert connection.getresponse().status in (200, 404)  # still serving (404: no such virtual host)
        connection.close()
    assert "Traceback" not in capfd.readouterr().err
