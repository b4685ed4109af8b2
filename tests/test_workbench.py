"""The research workbench of `fanwen serve`, driven in headless Chromium: search with filters, KWIC,
the trend chart (checked in a screenshot) and the reading view with provenance."""

from __future__ import annotations

import urllib.parse
import urllib.request
from io import BytesIO

import pytest

import fanwen
from research_archive import make_research_archive
from tests.conftest import serving
from tests.test_serve import chromium_driver


CHANGED_URL = "http://x.test/r/changed.html"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbench")
    db = make_research_archive(folder / "archive.db")
    from fanwen.archive import ArchiveWriter
    from pipelines.dedupe import content_hash

    writer = ArchiveWriter(db)  # one URL whose text changed: the reading view lists the earlier version
    writer.open()
    for title, body in (("第一版通知", "第一版的文字，后来改过。"), ("第二版通知", "第二版的文字。")):
        writer.store_article({"url": CHANGED_URL, "site": "x.test", "title": title, "body": body,
                              "content_hash": content_hash(body)}, None)
    writer.close()
    with serving(db, folder / "serve.log") as base:
        yield base, db


@pytest.fixture(scope="module")
def browser():
    driver = chromium_driver()
    driver.set_window_size(1200, 1600)
    yield driver
    driver.quit()


def colour_pixels(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(colour)).max(axis=2) <= tolerance).sum())


def navigating(browser, act) -> None:
    """Do `act` (a click or Enter that loads a page) and wait until the new page replaced the old one:
    a click returns once the event is sent, and a busy machine then let finds run on the old page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    act()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))


def test_search_filters_kwic_trend_and_reading_view(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    base, db = served
    api = fanwen.open(db)
    browser.get(base + "/")
    assert browser.find_element(By.ID, "raw-tables").get_attribute("href").endswith("/archive")
    box = browser.find_element(By.NAME, "q")
    navigating(browser, lambda: box.send_keys("双减", Keys.ENTER))
    hits = browser.find_elements(By.CSS_SELECTOR, "#results .fw-hit")
    assert len(hits) == api.search("双减", limit=50).attrs["total"] > 0
    assert all(h.find_elements(By.TAG_NAME, "mark") for h in hits)  # highlighted snippets

    Select(browser.find_element(By.NAME, "genre")).select_by_visible_text("讲话")
    navigating(browser, browser.find_element(By.ID, "go").click)
    filtered = browser.find_elements(By.CSS_SELECTOR, "#results .fw-hit")
    assert 0 < len(filtered) == api.search("双减", limit=50, genre="讲话").attrs["total"] < len(hits)

    Select(browser.find_element(By.NAME, "genre")).select_by_visible_text("all genres")
    navigating(browser, browser.find_element(By.ID, "tab-kwic").click)
    matches = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#kwic td.match")]
    expected = api.kwic("双减", limit=200)
    assert matches == ["双减"] * len(expected) and len(matches) > 5
    assert f"{expected.attrs['hits']} occurrences in {expected.attrs['articles']} articles" in \
        browser.find_element(By.ID, "summary").text
    png = browser.get_screenshot_as_png()
    (tmp_path / "kwic.png").write_bytes(png)
    assert colour_pixels(png, (0xBB, 0x00, 0x00)) > 100  # the aligned matches, drawn in the match column's red

    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys("双减 | 发展")
    navigating(browser, browser.find_element(By.ID, "tab-trend").click)
    chart = browser.find_element(By.CSS_SELECTOR, "#chart svg")
    assert len(chart.find_elements(By.CSS_SELECTOR, "polyline.series")) == 2
    legend = [t.text for t in chart.find_elements(By.TAG_NAME, "text")]
    assert "双减" in legend and "发展" in legend
    png = chart.screenshot_as_png
    (tmp_path / "trend.png").write_bytes(png)
    assert colour_pixels(png, (0x1F, 0x6F, 0xB4)) > 200 and colour_pixels(png, (0xD1, 0x49, 0x5B)) > 200  # both lines drawn
    rows = browser.find_elements(By.CSS_SELECTOR, "#trend tbody tr")
    assert len(rows) == len(api.trend(["双减", "发展"], by="year"))

    navigating(browser, browser.find_element(By.ID, "tab-kwic").click)  # the query "双减 | 发展" is not valid search syntax for KWIC
    assert "Query:" in browser.find_element(By.ID, "error").text

    browser.get(base + "/?tab=kwic&q=" + urllib.parse.quote("双减"))
    link = browser.find_element(By.CSS_SELECTOR, "#kwic td a")
    title = link.text
    navigating(browser, link.click)
    assert browser.find_element(By.ID, "article-title").text == title
    assert browser.find_elements(By.CSS_SELECTOR, ".fw-body mark")
    assert browser.find_elements(By.CSS_SELECTOR, "#urls li a") and browser.find_element(By.ID, "cluster")
    assert browser.find_element(By.ID, "versions")
    navigating(browser, browser.find_element(By.ID, "raw-row").click)
    assert "content_hash" in browser.page_source  # Datasette's own row page, one click away
    api.close()


def test_reading_view_lists_near_duplicates(served):
    base, db = served
    with fanwen.open(db) as api:
        dup = api.articles(all=True, columns=["id", "duplicate_of"]).dropna().iloc[0]
        page = urllib.request.urlopen(f"{base}/-/article/{int(dup.duplicate_of)}").read().decode()
    assert f'/-/article/{int(dup.id)}"' in page and "re-post" in page


def test_reading_view_lists_earlier_versions(served):
    base, db = served
    with fanwen.open(db) as api:
        current = api.articles(columns=["id", "url", "title"]).query("url == @CHANGED_URL").iloc[0]
    page = urllib.request.urlopen(f"{base}/-/article/{int(current.id)}").read().decode()
    versions = page.split('id="versions"')[1].split("</ul>")[0]
    assert current.title == "第二版通知"
    assert f"{CHANGED_URL} version 1: “第一版通知”" in versions and "none" not in versions


def test_the_workbench_says_when_totals_and_trends_are_estimated(tmp_path, monkeypatch):
    """The pages as `fanwen serve` makes them (in-process Datasette), with the thresholds lowered so
    this small archive takes the sampled path."""
    import asyncio

    from crawler.cli.serve import make_datasette
    from fanwen.archive import concordance, sampling, trends

    db = make_research_archive(tmp_path / "archive.db")
    monkeypatch.setattr(sampling, "SCAN_BUDGET", 0)  # no period counted whole
    for module in (concordance, trends):
        monkeypatch.setattr(module, "EXACT_LIMIT", 20)
        monkeypatch.setattr(module, "FILTERED_EXACT_LIMIT", 20)
        monkeypatch.setattr(module, "SAMPLE_SIZE", 30)
    datasette = make_datasette(str(db))

    async def page(path: str) -> str:
        response = await datasette.client.get(path)
        assert response.status_code == 200
        return response.text

    kwic_page = asyncio.run(page("/?tab=kwic&q=" + urllib.parse.quote("工作")))
    assert "estimated from a uniform sample of 30 of the" in kwic_page and "that pass the filters" in kwic_page
    trend_page = asyncio.run(page("/?tab=trend&by=year&q=" + urllib.parse.quote("工作")))
    assert "estimated, not counted" in trend_page and "articles containing it that pass the filters" in trend_page
    exact_page = asyncio.run(page("/?tab=kwic&q=" + urllib.parse.quote("双减")))  # in fewer articles: exact
    assert "estimated" not in exact_page
