"""`fanwen serve`: the archive in a real Datasette, searched for 双减 from a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from archive_factory import make_archive
from tests.conftest import serving

ROOT = Path(__file__).resolve().parent.parent
FANWEN = [sys.executable, "-m", "crawler.cli"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The server's base URL and the file its output goes to."""
    folder = tmp_path_factory.mktemp("serve")
    with serving(make_archive(folder / "archive.db"), folder / "serve.log") as base:
        yield base, folder / "serve.log"


@pytest.fixture(scope="module")
def server(served):
    return served[0]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_metadata_describes_every_table_and_column(server):
    tables = get_json(server + "/-/metadata.json")["databases"]["archive"]["tables"]
    assert "duplicate_of" in tables["articles"]["columns"] and tables["article_urls"]["description"]
    assert {"search", "articles_per_site", "articles_per_month"} <= set(get_json(server + "/-/metadata.json")["databases"]["archive"]["queries"])


def test_canned_query_lists_near_duplicate_clusters(server):
    rows = get_json(f"{server}/archive/near_duplicate_clusters.json?_shape=array")
    assert [(r["id"], r["near_duplicates"]) for r in rows] == [(1, 1)]


def test_search_box_translates_chinese_and_facets_read_json_arrays(server):
    q = urllib.parse.quote("安全生产")
    data = get_json(f"{server}/archive/articles.json?_search={q}&_facet_array=terms&_shape=objects")
    assert [r["title"] for r in data["rows"]] == ["安全生产月活动方案"]
    assert [f["value"] for f in data["facet_results"]["terms"]["results"]] == ["安全生产"]
    rows = get_json(f"{server}/archive/search.json?q={urllib.parse.quote('双减')}&_shape=array")
    assert {r["title"] for r in rows} == {"关于落实双减政策的工作总结", "课后服务实施方案"}
    assert all("<mark>双减</mark>" in r["snippet"] for r in rows)


@pytest.mark.parametrize("char", ["双", "工", "作"])
def test_one_character_is_answered_by_the_character_index_newest_first(server, char):
    """The canned query asks articles_chars for a lone ideograph (the bigram index's prefix query gathers
    every bigram that starts with it first: 12 s at 1M) and lists the newest articles that hold it, in
    title or text, near-duplicates left out; other queries still take the bigram branch."""
    sql = get_json(server + "/-/metadata.json")["databases"]["archive"]["queries"]["search"]["sql"]
    assert "articles_chars" in sql
    rows = get_json(f"{server}/archive/search.json?q={urllib.parse.quote(char)}&_shape=array")
    holding = urllib.parse.quote(f"SELECT id FROM articles WHERE duplicate_of IS NULL AND (instr(body, '{char}')"
                                 f" OR instr(title, '{char}')) ORDER BY id DESC LIMIT 50")
    expected = [r["id"] for r in get_json(f"{server}/archive.json?sql={holding}&_shape=array")]
    assert expected and [r["id"] for r in rows] == expected
    assert all(char in r["snippet"] or char in r["title"] for r in rows)  # the snippet shows the body's first match
    two = get_json(f"{server}/archive/search.json?q={urllib.parse.quote(char + '作' if char != '作' else '工作')}&_shape=array")
    assert all(r["id"] in expected for r in two)  # a word: the bigram branch, its articles hold the character


def chromium_driver():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not chromium or not Path(driver).exists():  # a failure, not a skip: the browser test must run
        pytest.fail("Debian's chromium and chromium-driver are not installed: apt-get install chromium chromium-driver"
                    " (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tempfile.mkdtemp(prefix='fanwen-chromium-')}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_a_browser_searches_for_shuangjian_and_sees_the_article(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser = chromium_driver()
    try:
        browser.get(server + "/archive/articles")
        assert "个人工作总结范文" in browser.page_source  # every article before searching
        box = browser.find_element(By.NAME, "_search")
        box.send_keys("双减")
        box.submit()
        WebDriverWait(browser, 10).until(expected_conditions.url_contains("_search="))
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "关于落实双减政策的工作总结" in text and "课后服务实施方案" in text
        assert "个人工作总结范文" not in text  # the search narrowed the table
        assert "categories" in text and "terms" in text  # the array facets
        box = browser.find_element(By.NAME, "_search")  # 4 characters: only the bigram translation finds them
        box.clear()
        box.send_keys("双减政策")
        box.submit()
        WebDriverWait(browser, 10).until(expected_conditions.url_contains("%E6%94%BF%E7%AD%96"))
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "关于落实双减政策的工作总结" in text and "课后服务实施方案" not in text
    finally:
        browser.quit()


def test_a_bad_search_expression_is_said_in_words_not_an_error_page(served):
    server, log = served
    bad = urllib.parse.quote("OR 双减")
    with urllib.request.urlopen(f"{server}/archive/search?q={bad}", timeout=10) as response:
        page = response.read().decode("utf-8")
    assert response.status == 200
    assert "Search: unexpected OR: put a term before OR" in page and "user-defined function" not in page
    deep = urllib.parse.quote("(" * 300 + "双减" + ")" * 300)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server}/archive/articles?_search={deep}", timeout=10)
    assert refused.value.code == 400
    assert "parentheses nest deeper than 20 levels" in refused.value.read().decode("utf-8")
    assert get_json(f"{server}/archive/search.json?q={bad}&_shape=array") == []  # the API: no rows, no 500
    # the server's log: one line for the bad request, no traceback
    said = log.read_text()
    assert "400 /archive/articles: Search: parentheses nest deeper than 20 levels" in said
    assert "Traceback" not in said and "BadQuery" not in said, said[-3000:]


def test_a_busy_port_is_said_before_anything_claims_to_serve(tmp_path):
    db = make_archive(tmp_path / "archive.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*FANWEN, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "serving" not in result.stderr and "Traceback" not in result.stderr
