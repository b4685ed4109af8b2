"""A generated archive for the research tests, and brute-force scans of its bodies to check them against."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fanwen.archive import ArchiveWriter
from fanwen.archive.genre import classify
from pipelines.dedupe import content_hash
from fanwen.testsite import build_sites

# Bodies that exercise what generated text rarely has: Latin words, punctuation inside a phrase, repeats.
EXTRA = [
    ("x.test", "在全县“双减”工作推进会上的讲话", "2021-02-03",
     "同志们：双减双减，课后 服务要抓好。ABC 与 abc 不同于 ABCD；哈哈哈，双减工作。"),
    ("x.test", "课后服务工作总结", "2021-05-20", "课后服务、课后，服务和课后服务。XX学校***老师落实双减。"),
    ("x.test", "无日期的发言", None, "双减落实到位，课后服务有序。"),
]


def make_research_archive(path: Path, seed: int = 3, per_site: int = 40) -> Path:
    """Generated 公文 texts (four sites, eight years, some undated) written by the real ArchiveWriter;
    every 9th article is then marked a near-duplicate of the one before it."""
    truth = build_sites(seed=seed, articles_per_site=per_site).truth
    rows = [(t.site, t.title, t.published_at, t.body) for t in truth] + EXTRA
    writer = ArchiveWriter(path)
    writer.open()
    seen: set[str] = set()
    for i, (site, title, published, body) in enumerate(rows):
        if content_hash(body) in seen:
            continue
        seen.add(content_hash(body))
        writer.store_article({"url": f"http://{site}/r/{i}.html", "site": site, "title": title, "body": body,
                              "published_at": published, "content_hash": content_hash(body)}, None)
    writer.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE articles SET duplicate_of = id - 1 WHERE id % 9 = 0")
    conn.commit()
    conn.close()
    return path


def corpus(path: Path, include_duplicates: bool = False) -> list[dict]:
    """Every article as a dict, read with plain sqlite3 (the brute-force side of the tests)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT id, url, title, site, published_at, body, duplicate_of FROM articles")]
    conn.close()
    for r in rows:
        r["genre_by_title"] = classify(r["title"])[0]
    return [r for r in rows if include_duplicates or r["duplicate_of"] is None]


def occurrences(body: str, word: str) -> list[int]:
    """Start offsets of `word` in `body`, left to right without overlap."""
    out, start = [], body.find(word)
    while start != -1:
        out.append(start)
        start = body.find(word, start + len(word))
    return out
