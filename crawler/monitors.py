"""Crawl-quality monitors (spidermon's idea, built in): at a crawl's end, per site, the share of article
pages with a short body, of pages whose extraction failed, of duplicates, a site that yields no
article, and a drop of body length or article count against the same site's earlier crawls.

The checks are plain functions of figures (`SiteFigures`); `check_and_record` reads the figures from the
archive (fanwen/archive/monitors.py), records them with the alarms in `crawls`, and returns the alarms.
Thresholds are the FANWEN_MONITOR_* settings (docs/settings.md).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.urls import site_of


@dataclass(frozen=True)
class Thresholds:
    min_pages: int = 10  # ratio and drop checks judge a site from this many article pages on
    short_chars: int = 80
    max_short: float = 0.3
    max_failed: float = 0.2
    max_duplicates: float = 0.8
    max_decode: float = 0.05
    max_drop: float = 0.5
    history: int = 5

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        return cls(
            min_pages=settings.getint("FANWEN_MONITOR_MIN_PAGES"),
            short_chars=settings.getint("FANWEN_MONITOR_SHORT_CHARS"),
            max_short=settings.getfloat("FANWEN_MONITOR_MAX_SHORT"),
            max_failed=settings.getfloat("FANWEN_MONITOR_MAX_FAILED"),
            max_duplicates=settings.getfloat("FANWEN_MONITOR_MAX_DUPLICATES"),
            max_decode=settings.getfloat("FANWEN_MONITOR_MAX_DECODE"),
            max_drop=settings.getfloat("FANWEN_MONITOR_MAX_DROP"),
            history=settings.getint("FANWEN_MONITOR_HISTORY"),
        )


@dataclass
class SiteFigures:
    """One site in one crawl."""

    articles: int = 0  # article pages fetched (their text archived or confirmed)
    unchanged: int = 0  # article pages revisited that answered 304 Not Modified (seen, not parsed)
    failed: int = 0  # pages whose extraction failed (no article text, extract errors)
    short: int = 0  # article pages whose body is shorter than Thresholds.short_chars (empty included)
    duplicates: int = 0  # article pages whose document is a near-duplicate or was archived under another URL
    median_chars: float = 0.0
    lengths: list[int] = field(default_factory=list, repr=False)

    @property
    def judged(self) -> int:
        return self.articles + self.failed

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "lengths"}


def site_figures(pages: Any, short_chars: int) -> dict[str, SiteFigures]:
    """Per-site figures from (url, kind, error, chars, duplicate) rows (archive.monitors.judged_pages)."""
    sites: dict[str, SiteFigures] = {}
    for url, kind, error, chars, duplicate in pages:
        figures = sites.setdefault(site_of(urlsplit(url).hostname or ""), SiteFigures())
        if kind == "skipped":
            figures.unchanged += 1
            continue
        if kind != "article" or error:
            figures.failed += 1
            continue
        figures.articles += 1
        figures.lengths.append(chars or 0)
        figures.short += (chars or 0) < short_chars
        figures.duplicates += duplicate
    for figures in sites.values():
        figures.median_chars = float(statistics.median(figures.lengths)) if figures.lengths else 0.0
    return sites


def evaluate(sites: dict[str, SiteFigures], start_sites: list[str], history: list[dict[str, Any]],
             limits: Thresholds, incremental: bool = False, decode_share: float = 0.0,
             archived: dict[str, int] | None = None) -> list[str]:
    """The alarms of one crawl, one sentence each (empty: every check passed).

    `history`: earlier crawls' recorded quality, newest first; `incremental`: articles not yet due were
    not requested (a recrawl), so article counts are not compared (revisits that answered 304 count as
    article pages seen); `archived`: articles per site in the
    archive, so that a recrawl that fetched no article of a known site is not a site without articles."""
    alarms: list[str] = []
    for site in sorted(set(start_sites) | set(sites)):
        f = sites.get(site, SiteFigures())
        if f.articles + f.unchanged == 0 and (not incremental or not (archived or {}).get(site)):
            failed = f" ({f.failed} pages failed extraction)" if f.failed else ""
            alarms.append(f"{site}: no article page{failed}")
            continue
        if f.judged >= limits.min_pages:
            for count, limit, what in ((f.failed, limits.max_failed, "failed extraction"),):
                if count / f.judged > limit:
                    alarms.append(f"{site}: {count} of {f.judged} article pages {what} ({count / f.judged:.0%} > {limit:.0%})")
        if f.articles >= limits.min_pages:
            for count, limit, what in ((f.short, limits.max_short, f"have a body under {limits.short_chars} characters"),
                                       (f.duplicates, limits.max_duplicates, "are duplicates")):
                if count / f.articles > limit:
                    alarms.append(f"{site}: {count} of {f.articles} article pages {what} ({count / f.articles:.0%} > {limit:.0%})")
        alarms += _drops(site, f, history, limits, incremental)
    if decode_share > limits.max_decode:
        alarms.append(f"{decode_share:.0%} of pages decoded with replacement characters (> {limits.max_decode:.0%})")
    return alarms


def _drops(site: str, f: SiteFigures, history: list[dict[str, Any]], limits: Thresholds, incremental: bool) -> list[str]:
    """Body length and article count against the median of the site's earlier crawls."""
    earlier = [(q.get("incremental", False), q["sites"][site]) for q in history if site in q.get("sites", {})]
    alarms = []
    lengths = [e["median_chars"] for _, e in earlier if e["articles"] >= limits.min_pages]
    if lengths and f.articles >= limits.min_pages:
        before = statistics.median(lengths)
        if f.median_chars < (1 - limits.max_drop) * before:
            alarms.append(f"{site}: median body length fell to {f.median_chars:.0f} characters from {before:.0f}"
                          f" in earlier crawls (more than {limits.max_drop:.0%} less)")
    counts = [e["articles"] + e.get("unchanged", 0) for was_incremental, e in earlier if not was_incremental]
    seen = f.articles + f.unchanged  # a 304 is an article page the site still shows
    if counts and not incremental:
        before = statistics.median(counts)
        if before >= limits.min_pages and seen < (1 - limits.max_drop) * before:
            alarms.append(f"{site}: {seen} article pages, down from {before:.0f} in earlier crawls"
                          f" (more than {limits.max_drop:.0%} less)")
    return alarms


def check_and_record(db_path: str | Path, crawl_id: int, settings: Any) -> list[str]:
    """Compute the crawl's figures, evaluate them against its site's history, record both in `crawls`."""
    from fanwen.archive import connect
    from fanwen.archive.monitors import crawl_row, earlier_quality, judged_pages, record_quality, site_article_count

    if not settings.getbool("FANWEN_MONITOR_ENABLED"):
        return []
    limits = Thresholds.from_settings(settings)
    db = connect(db_path, search_index=False)
    try:
        crawl = crawl_row(db, crawl_id)
        stats = crawl["stats"]
        if crawl["finish_reason"] != "finished" or not stats.get("response_received_count"):
            return []  # a stopped or empty crawl is judged by its exit status; its figures would mislead later crawls
        sites = site_figures(judged_pages(db, crawl_id), limits.short_chars)
        start_sites = sorted({site_of(urlsplit(url).hostname or "") for url in crawl["start_urls"]})
        # a recrawl: articles archived before were skipped as not due, or asked for again (often answered 304)
        incremental = any(stats.get(f"fanwen/revisit/{key}") for key in ("not_due", "due", "not_modified"))
        responses = stats.get("response_received_count") or 0
        decode_share = (stats.get("fanwen/decode_replacements") or 0) / responses if responses else 0.0
        archived = {site: site_article_count(db, site) for site in start_sites}
        alarms = evaluate(sites, start_sites, earlier_quality(db, crawl_id, limits.history), limits, incremental,
                          decode_share, archived)
        quality = {"incremental": incremental, "decode_share": round(decode_share, 4),
                   "sites": {site: figures.summary() for site, figures in sites.items()}}
        record_quality(db, crawl_id, quality, alarms)
        return alarms
    finally:
        db.conn.close()
