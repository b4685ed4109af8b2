"""Recompute near-duplicate clusters over an existing archive (`fanwen dedupe`), without refetching."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from fanwen.archive.neardup.tables import NearDupTables
from fanwen.archive.writer import ArchiveWriter
from fanwen.archive.neardup.detector import NearDupDetector, find, union, url_key
from fanwen.archive.neardup.lsh import BandIndex, band_keys
from fanwen.archive.neardup.paragraphs import ParagraphStats, essay_count, paragraph_hashes
from fanwen.archive.neardup.shingles import NUM_PERM, SIGNATURE_VERSION, Sketch, shingle_hashes


def recompute_clusters(db: str | Path, threshold: float, paragraph_stats: bool = True) -> dict[str, Any]:
    """Re-link every article of the archive at `db` with `threshold`; returns how the clusters changed."""
    writer = ArchiveWriter(db, batch_size=5000, search_index=False)  # links only: the search index is untouched
    writer.open()
    try:
        detector = NearDupDetector(threshold, paragraph_stats)
        tables = detector.tables = NearDupTables(writer)
        detector.paragraphs = ParagraphStats(tables, detector.folder) if paragraph_stats else None
        before = tables.links()
        sketched = _ensure_signatures(detector, tables)
        index = BandIndex()
        index.bulk_load_chunks(tables.iter_signatures(NUM_PERM), tables.signature_count())
        parent: dict[int, int] = {}
        for ids, sigs in tables.iter_signatures(NUM_PERM, chunk=5000):
            for row, (aid, found) in enumerate(zip(ids.tolist(), index.query_many(band_keys(sigs)))):
                earlier = {c for c in found if c < aid}  # each pair once, from its later member
                if not earlier:
                    continue
                body = tables.bodies([aid])[aid]
                shingles = shingle_hashes(detector.folder.fold(body))
                for match in detector.verify(Sketch(shingles, sigs[row]), earlier):
                    union(parent, aid, match)
        after = _links(parent, tables)
        changed = sorted(set(before) | set(after), key=int)
        for aid in changed:
            if before.get(aid) != after.get(aid):
                tables.set_duplicate_of(aid, after.get(aid))
        tables.set_meta("neardup_threshold", str(threshold))
        if paragraph_stats:
            _recompute_paragraphs(detector, tables)
        writer.flush()
        return _report(threshold, index.size, sketched, before, after, detector.counts)
    finally:
        writer.close()


def _ensure_signatures(detector: NearDupDetector, tables: NearDupTables) -> int:
    """Sketch every article that has no signature (all of them after a parameter change)."""
    if tables.meta("neardup_signature_version") not in (None, SIGNATURE_VERSION):
        tables.clear_signatures()
    tables.set_meta("neardup_signature_version", SIGNATURE_VERSION)
    count = 0
    rows = tables.without_signature()
    while chunk := list(islice(rows, 2000)):
        sketches = detector.sketch_many([body for _, _, body in chunk])
        tables.save_signatures([aid for aid, _, _ in chunk], np.stack([s.signature for s in sketches]),
                               [len(s.shingles) for s in sketches])
        count += len(chunk)
    return count


def _links(parent: dict[int, int], tables: NearDupTables) -> dict[int, int]:
    """member -> representative (smallest (len(url), url)) for every member that is not one."""
    clusters: dict[int, list[int]] = {}
    for x in list(parent):
        clusters.setdefault(find(parent, x), []).append(x)
    out: dict[int, int] = {}
    for members in clusters.values():
        urls = tables.urls(members)
        rep = min(members, key=lambda m: url_key(urls[m]))
        out.update({m: rep for m in members if m != rep})
    return out


def _recompute_paragraphs(detector: NearDupDetector, tables: NearDupTables) -> None:
    assert detector.paragraphs is not None
    tables.clear_paragraphs()
    multi = []  # ids only: bodies are read again, so memory stays bounded on big archives
    articles = tables.all_bodies()
    while chunk := list(islice(articles, 2000)):
        rows = [(h, aid) for aid, body in chunk for h in paragraph_hashes(body, detector.folder)]
        tables.add_paragraph_rows(rows)
        detector.paragraphs.index.add([h for h, _ in rows], [aid for _, aid in rows])
        multi.extend(aid for aid, body in chunk if essay_count(body) >= 2)
    for aid in multi:
        detector.paragraphs.refresh(aid)


def _report(threshold: float, articles: int, sketched: int, before: dict[int, int], after: dict[int, int],
            counts: dict[str, int]) -> dict[str, Any]:
    moved = sum(1 for a in set(before) & set(after) if before[a] != after[a])
    return {
        "threshold": threshold,
        "articles": articles,
        "signatures_computed": sketched,
        "clusters_before": len(set(before.values())),
        "clusters_after": len(set(after.values())),
        "linked_before": len(before),
        "linked_after": len(after),
        "newly_linked": len(set(after) - set(before)),
        "unlinked": len(set(before) - set(after)),
        "moved": moved,
        "pairs_verified": counts["verified"],
        "pairs_rejected": counts["rejected"],
    }
