"""Duplicates. Exact: a hash of the normalised body. Near: MinHash LSH over character shingles, kept
with the archive's single writer (it needs one global index); see docs/dedupe.md."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import TYPE_CHECKING

from archive.neardup import NearDupTables
from crawler.items import ArticleItem
from pipelines.lsh import BandIndex, band_keys
from pipelines.paragraphs import ParagraphStats
from pipelines.shingles import NUM_PERM, SIGNATURE_VERSION, Folder, Sketch, estimate, jaccard, shingle_hashes, signature

if TYPE_CHECKING:
    from archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)
_INVISIBLE = re.compile(r"\s+")
DEFAULT_THRESHOLD = 0.6
# Signature estimates below threshold - this margin skip the exact check (their error is ~0.04).
_ESTIMATE_MARGIN = 0.15


def content_hash(body: str) -> str:
    """sha1 of the body without any white space: the same text laid out differently is one document."""
    return hashlib.sha1(_INVISIBLE.sub("", body).encode("utf-8")).hexdigest()


class ExactDedupePipeline:
    """Sets `content_hash`; the archive keeps one article per hash and every URL it was found at."""

    def process_item(self, item):
        if isinstance(item, ArticleItem) and item.body:
            item.content_hash = content_hash(item.body)
        return item


def url_key(url: str) -> tuple[int, str]:
    """The representative of a cluster is its member with the smallest key (as for kept copies)."""
    return (len(url), url)


class NearDupDetector:
    """Links each new article to the cluster of its near-duplicates (exact Jaccard >= threshold).

    Clusters are the connected components of the near-duplicate graph; the representative is the
    member with the smallest (len(url), url), and every other member's duplicate_of points at it."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, paragraph_stats: bool = True):
        self.threshold = threshold
        self.paragraph_stats = paragraph_stats
        self.folder = Folder()
        self.index = BandIndex()
        self.rep_of: dict[int, int] = {}         # member -> representative, clusters of two or more only
        self.members: dict[int, list[int]] = {}  # representative -> members (itself included)
        self.tables: NearDupTables | None = None
        self.paragraphs: ParagraphStats | None = None
        self.counts = {"linked": 0, "verified": 0, "rejected": 0}

    def open(self, writer: ArchiveWriter) -> None:
        """Rebuild the index from the stored signatures; sketch articles archived without one."""
        self.tables = NearDupTables(writer)
        self.paragraphs = ParagraphStats(self.tables, self.folder) if self.paragraph_stats else None
        if self.tables.meta("neardup_signature_version") not in (None, SIGNATURE_VERSION):
            logger.warning("signatures were made with other parameters: recomputing them (fanwen dedupe does this too)")
            self.tables.clear_signatures()
        self.tables.set_meta("neardup_signature_version", SIGNATURE_VERSION)
        for ids, sigs in self.tables.iter_signatures(NUM_PERM):
            self.index.bulk_load(ids, sigs)
        for member, rep in self.tables.links().items():
            self.rep_of[member] = rep
            self.members.setdefault(rep, [rep]).append(member)
        for rep in self.members:
            self.rep_of[rep] = rep
        for article_id, url, body in self.tables.without_signature():
            self.added(article_id, url, body)
        if self.paragraphs is not None:
            for article_id in self.tables.without_dup_chars():
                self.paragraphs.refresh(article_id)

    def sketch(self, body: str, lines: list[str] | None = None) -> Sketch:
        shingles = shingle_hashes("".join(lines if lines is not None else self.folder.fold_lines(body)))
        return Sketch(shingles, signature(shingles))

    def added(self, article_id: int, url: str, body: str) -> None:
        """A new article row: persist its signature, index it and join the clusters it matches."""
        lines = self.folder.fold_lines(body)
        sketch = self.sketch(body, lines)
        keys = band_keys(sketch.signature[None, :])[0]
        matches = self.verify(sketch, self.index.query_keys(keys))
        self.tables.save_signature(article_id, sketch.signature, len(sketch.shingles))
        self.index.add_keys(article_id, keys)
        if matches:
            self.counts["linked"] += 1
            self._join(article_id, matches)
        if self.paragraphs is not None:
            self.paragraphs.added(article_id, body, lines)

    def url_changed(self, article_id: int) -> None:
        """An article's kept URL got shorter: its cluster may have a new representative."""
        if article_id in self.rep_of:
            self._settle(set(self.members[self.rep_of[article_id]]))

    def verify(self, sketch: Sketch, candidates: set[int]) -> list[int]:
        """Candidates whose exact Jaccard with `sketch` reaches the threshold (LSH false positives out)."""
        if not candidates:
            return []
        sigs = self.tables.signatures(candidates)
        close = [c for c in sorted(candidates) if estimate(sketch.signature, sigs[c]) >= self.threshold - _ESTIMATE_MARGIN]
        out = []
        for cid, body in sorted(self.tables.bodies(close).items()):
            self.counts["verified"] += 1
            if jaccard(sketch.shingles, shingle_hashes(self.folder.fold(body))) >= self.threshold:
                out.append(cid)
            else:
                self.counts["rejected"] += 1
        return out

    def _join(self, article_id: int, matches: list[int]) -> None:
        members = {article_id}
        for m in matches:
            members.update(self.members.get(self.rep_of.get(m, m), [m]))
        self._settle(members)

    def _settle(self, members: set[int]) -> None:
        """Point every member at the representative; write only the links that change."""
        urls = self.tables.urls(members)
        rep = min(members, key=lambda m: url_key(urls[m]))
        for m in sorted(members):
            before = self.rep_of.get(m, m)
            old_link = None if before == m else before
            new_link = None if m == rep else rep
            if old_link != new_link:
                self.tables.set_duplicate_of(m, new_link)
            old_rep = self.rep_of.get(m)
            if old_rep is not None and old_rep != rep:
                self.members.pop(old_rep, None)
            self.rep_of[m] = rep
        self.members[rep] = sorted(members)
