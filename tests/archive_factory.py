"""Small real archives for the search, query, export, stats and serve tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fanwen.archive import ArchiveWriter
from pipelines.dedupe import content_hash

DOCS = [
    ("baihua.test", "关于落实双减政策的工作总结", "2023-03-15", ["工作总结", "学校"], ["双减", "课后服务"],
     "为切实减轻义务教育阶段学生过重作业负担和校外培训负担，我校认真落实“双减”政策，开展课后服务，取得了阶段性成效。"),
    ("baihua.test", "党支部2023年度学习计划", "2023-01-08", ["计划", "党建"], ["党建"],
     "党支部组织全体党员学习党的二十大精神，提高政治站位，增强四个意识，坚定四个自信，做到两个维护。"),
    ("dede.test", "安全生产月活动方案", "2022-06-01", ["方案"], ["安全生产"],
     "为加强安全生产管理，预防事故发生，保障职工生命财产安全，特制定本方案。2023年度安全工作要点如下。"),
    ("dede.test", "课后服务实施方案", "2022-09-01", ["方案", "学校"], ["双减", "课后服务"],
     "根据上级文件要求和双减工作部署，结合学校实际，制定课后服务实施方案，不收取任何费用，家长自愿参加。"),
    ("phpcms.test", "个人工作总结范文", None, ["工作总结"], [],
     "回顾一年来的工作，在领导和同事的帮助下，我较好地完成了各项任务，现将工作情况总结如下。"),
]
# A near-duplicate of the first article (a re-post with small edits); duplicate_of is set by the test helper.
NEAR_DUPLICATE = ("phpcms.test", "落实双减政策工作总结", "2023-04-01", ["工作总结"], ["双减"],
                  "为切实减轻义务教育阶段学生过重作业负担和校外培训负担，本校认真落实“双减”政策，开展课后服务，取得了阶段性成效。")


def make_archive(path: Path, docs: list[tuple] = DOCS, near_duplicate: bool = True, extra_url: bool = True) -> Path:
    """Write `docs` with the real ArchiveWriter (which keeps the search index up to date)."""
    writer = ArchiveWriter(path)
    writer.open()
    crawl = writer.start_crawl(["http://baihua.test/"], {})
    rows = list(docs) + ([NEAR_DUPLICATE] if near_duplicate else [])
    for i, (site, title, published, categories, terms, body) in enumerate(rows, 1):
        writer.store_article({"url": f"http://{site}/a/{i}.html", "site": site, "title": title, "body": body,
                              "published_at": published, "categories": categories, "terms": terms,
                              "content_hash": content_hash(body)}, crawl)
    if extra_url:  # the first document found again at a second URL
        site, title, published, categories, terms, body = rows[0]
        writer.store_article({"url": f"http://m.{site}/a/1001.html", "site": site, "title": title, "body": body,
                              "published_at": published, "content_hash": content_hash(body)}, crawl)
    writer.finish_crawl(crawl, {"elapsed_time_seconds": 1.0}, "finished")
    writer.close()
    if near_duplicate:
        conn = sqlite3.connect(path)  # no dedupe stage in the writer yet: mark the cluster as it would
        conn.execute("UPDATE articles SET duplicate_of = 1 WHERE id = ?", [len(rows)])
        conn.commit()
        conn.close()
    return path


def titles(conn_or_rows) -> set[str]:
    return {row["title"] for row in conn_or_rows}
