"""Near-duplicates: MinHash LSH over character shingles, kept by a hook of the archive's single writer
(it needs one global index); see docs/dedupe.md."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from fanwen.archive.hooks import WriterHook
from fanwen.archive.neardup.lsh import BandIndex, band_keys, earlier_sharing
from fanwen.archive.neardup.paragraphs import ParagraphStats
from fanwen.archive.neardup.shingles import (NUM_PERM, SIGNATURE_VERSION, Folder, Sketch, estimate, jaccard,
                                      shingle_hashes, shingle_sets, signatures_flat)
from fanwen.archive.neardup.tables import NearDupTables

if TYPE_CHECKING:
    from fanwen.archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)
DEFAULT_THRESHOLD = 0.6
# Signature estimates below threshold - this margin skip the exact check (their error is ~0.04).
_ESTIMATE_MARGIN = 0.15


def url_key(url: str) -> tuple[int, str]:
    """The representative of a cluster is its member with the smallest key (as for kept copies)."""
    return (len(url), url)


def union(parent: dict[int, int], a: int, b: int) -> None:
    """Union-find over article ids: join the sets of `a` and `b` (the smaller root wins)."""
    ra, rb = find(parent, a), find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def find(parent: dict[int, int], x: int) -> int:
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


class NearDupDetector(WriterHook):
    """Links each new article to the cluster of its near-duplicates (exact Jaccard >= threshold).

    Clusters are the connected components of the near-duplicate graph; the representative is the
    member with the smallest (len(url), url), and every other member's duplicate_of points at it.
    A writer hook: new and changed texts wait for their batch, handled together just before it commits."""

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
        self._pending: dict[int, str] = {}  # article id -> body, waiting for the batch's flush
        self._folded: dict[int, list[str]] = {}  # article id -> its pending body's folded lines, when given
        self._retired: dict[int, str] = {}  # article id -> the processed text it no longer has

    # -- the writer's hook (archive.hooks.WriterHook) -------------------------------------------

    def article_added(self, article_id: int, article: Mapping[str, Any]) -> None:
        self.added(article_id, article["body"], folded=article.get("folded_lines"))

    def text_changing(self, article_id: int, article: Mapping[str, Any], previous_body: str) -> None:
        self.added(article_id, article["body"], previous_body, article.get("folded_lines"))

    def kept_url_changed(self, article_id: int) -> None:
        self.url_changed(article_id)

    def article_removing(self, article_id: int, body: str) -> None:
        """The row goes: it leaves its cluster, its signature and paragraphs go (the LSH index keeps its
        keys until the next load; `verify` skips ids without a signature)."""
        pending = self._pending.pop(article_id, None)
        self._folded.pop(article_id, None)
        processed = self._retired.pop(article_id, None)
        if processed is None and pending is None:
            processed = body  # its current text was handled at an earlier flush
        if processed is None or self.tables is None:
            return  # added in this batch: nothing of it is stored yet
        self._detach(article_id)
        self.rep_of.pop(article_id, None)
        if self.paragraphs is not None:
            self.paragraphs.retired(article_id, processed)
        self.tables.delete_signature(article_id)

    def before_commit(self) -> None:
        self.flush()

    def opened(self, writer: ArchiveWriter) -> None:
        """Rebuild the index from the stored signatures; sketch articles archived without one."""
        self.tables = NearDupTables(writer)
        self.paragraphs = ParagraphStats(self.tables, self.folder) if self.paragraph_stats else None
        if self.paragraphs is not None:
            self.paragraphs.load()
        if self.tables.meta("neardup_signature_version") not in (None, SIGNATURE_VERSION):
            logger.warning("signatures were made with other parameters: recomputing them (fanwen dedupe does this too)")
            self.tables.clear_signatures()
        self.tables.set_meta("neardup_signature_version", SIGNATURE_VERSION)
        self.index.bulk_load_chunks(self.tables.iter_signatures(NUM_PERM), self.tables.signature_count())
        for member, rep in self.tables.links().items():
            self.rep_of[member] = rep
            self.members.setdefault(rep, [rep]).append(member)
        for rep in self.members:
            self.rep_of[rep] = rep
        for n, (article_id, _url, body) in enumerate(self.tables.without_signature(), 1):
            self.added(article_id, body)
            if n % 2000 == 0:
                self.flush()
        self.flush()
        if self.paragraphs is not None:
            for article_id in self.tables.without_dup_chars():
                self.paragraphs.refresh(article_id)
        writer.flush()

    def sketch_many(self, bodies: list[str], lines: list[list[str]] | None = None) -> list[Sketch]:
        """Sketches of many bodies (`lines`: their folded lines, when already computed)."""
        return self._sketch_batch(lines if lines is not None else self.folder.fold_lines_many(bodies))[0]

    def _sketch_batch(self, lines: list[list[str]]) -> tuple[list[Sketch], np.ndarray]:
        """Sketches of texts given as their folded lines, and their signatures as one uint32[n, NUM_PERM]."""
        flat, offsets = shingle_sets(["".join(folded) for folded in lines])
        sigs = signatures_flat(flat, offsets)
        bounds = offsets.tolist()
        return [Sketch(flat[a:b], sig) for a, b, sig in zip(bounds, bounds[1:], sigs)], sigs

    def added(self, article_id: int, body: str, previous: str | None = None, folded: list[str] | None = None) -> None:
        """A new article row, or a row given a new text (`previous`: the text it had): handled with its
        batch, at `flush`. `folded`: `Folder.fold_lines(body)`, when worked out already (a distributed
        worker's, pipelines.prepare)."""
        if previous is not None and article_id not in self._pending:  # its earlier text was processed
            self._retired.setdefault(article_id, previous)
        self._pending[article_id] = body
        if folded is not None:
            self._folded[article_id] = folded
        else:
            self._folded.pop(article_id, None)

    def flush(self) -> None:
        """Sketch the batch's new articles, persist and index their signatures, join the clusters they
        match (each is compared with the archive and with the batch's earlier articles)."""
        if not self._pending or self.tables is None:
            return
        ids, bodies = list(self._pending), list(self._pending.values())
        folded, self._pending, self._folded = self._folded, {}, {}
        for article_id, previous in sorted(self._retired.items()):
            self._detach(article_id)
            if self.paragraphs is not None:
                self.paragraphs.retired(article_id, previous)
        self._retired = {}
        lines = self._fold(ids, bodies, folded)
        sketches, sigs = self._sketch_batch(lines)
        keys = band_keys(sigs)
        archived = self.index.query_many(keys)
        earlier = earlier_sharing(keys)
        self.tables.save_signatures(ids, sigs, [len(s.shingles) for s in sketches])
        self.index.add_many(np.asarray(ids), keys)
        candidates = [(found | {ids[e] for e in before}) - {article_id} if found or before else found
                      for article_id, found, before in zip(ids, archived, earlier)]
        linked = [(ids[row], matches) for row, matches in self._verify_many(sketches, candidates, dict(zip(ids, sketches)))]
        self.counts["linked"] += len(linked)
        self._join_many(linked)
        if self.paragraphs is not None:
            self.paragraphs.added_many(ids, bodies, lines)

    def _fold(self, ids: list[int], bodies: list[str], folded: dict[int, list[str]]) -> list[list[str]]:
        """Each body's folded lines: those given with it, the others folded here (at once)."""
        missing = [row for row, article_id in enumerate(ids) if article_id not in folded]
        if len(missing) == len(ids):
            return self.folder.fold_lines_many(bodies)
        made = iter(self.folder.fold_lines_many([bodies[row] for row in missing]))
        return [folded[article_id] if article_id in folded else next(made) for article_id in ids]

    def url_changed(self, article_id: int) -> None:
        """An article's kept URL got shorter: its cluster may have a new representative."""
        if article_id in self.rep_of:
            self._settle(set(self.members[self.rep_of[article_id]]))

    def verify(self, sketch: Sketch, candidates: set[int], known: dict[int, Sketch] | None = None) -> list[int]:
        """Candidates whose exact Jaccard with `sketch` reaches the threshold (LSH false positives out).

        `known`: sketches at hand (the batch's, the archive's prefetched by `_known`), used instead of
        reading and folding the archive's again."""
        if not candidates:
            return []
        known = known or {}
        sigs = {c: known[c].signature for c in candidates if c in known}
        sigs.update(self.tables.signatures(candidates - sigs.keys()))
        close = self._close(sketch, candidates, sigs)
        shingles = {c: known[c].shingles for c in close if c in known}
        for cid, body in self.tables.bodies([c for c in close if c not in shingles]).items():
            shingles[cid] = shingle_hashes(self.folder.fold(body))
        out = []
        for cid in close:
            self.counts["verified"] += 1
            if jaccard(sketch.shingles, shingles[cid]) >= self.threshold:
                out.append(cid)
            else:
                self.counts["rejected"] += 1
        return out

    def _close(self, sketch: Sketch, candidates: set[int], sigs: dict[int, np.ndarray]) -> list[int]:
        """The candidates whose signature estimate is close enough to the threshold to check exactly."""
        # an id without a signature was removed since the LSH index was loaded (article_removing)
        return [c for c in sorted(candidates) if c in sigs and estimate(sketch.signature, sigs[c]) >= self.threshold - _ESTIMATE_MARGIN]

    def _verify_many(self, sketches: list[Sketch], candidates: list[set[int]],
                     in_batch: dict[int, Sketch]) -> list[tuple[int, list[int]]]:
        """(row, matches) of each of the batch's `sketches` that has matches among its `candidates`: `verify`
        for a whole batch, with the archived candidates' signatures read at once and the bodies of those
        close enough to check exactly read, folded and shingled at once."""
        rows = [row for row, found in enumerate(candidates) if found]
        if not rows:
            return []
        archived = set().union(*(candidates[row] for row in rows)) - in_batch.keys()
        sigs = {c: s.signature for c, s in in_batch.items()}
        if archived:
            sigs |= self.tables.signatures(archived)
        close = {row: self._close(sketches[row], candidates[row], sigs) for row in rows}
        wanted = set().union(*close.values()) - in_batch.keys()
        ids, bodies = zip(*self.tables.bodies(wanted).items()) if wanted else ((), ())
        flat, offsets = shingle_sets(["".join(lines) for lines in self.folder.fold_lines_many(list(bodies))])
        shingles = {c: s.shingles for c, s in in_batch.items()}
        shingles.update(zip(ids, np.split(flat, offsets[1:-1].tolist())))
        out = []
        for row in rows:
            matches = []
            for cid in close[row]:
                self.counts["verified"] += 1
                if jaccard(sketches[row].shingles, shingles[cid]) >= self.threshold:
                    matches.append(cid)
                else:
                    self.counts["rejected"] += 1
            if matches:
                out.append((row, matches))
        return out

    def _detach(self, article_id: int) -> None:
        """A member's text changed: it leaves its cluster, and the rest splits into what still holds
        together (the same edges as ever: a shared band and exact Jaccard >= threshold)."""
        rep = self.rep_of.get(article_id)
        if rep is None:
            return
        rest = [m for m in self.members.pop(rep) if m != article_id]
        for group in [[article_id], *self._components(rest)]:
            if len(group) > 1:
                self._settle(set(group))
            elif self.rep_of.pop(group[0]) != group[0]:
                self.tables.set_duplicate_of(group[0], None)

    def _components(self, members: list[int]) -> list[list[int]]:
        """Connected components of the near-duplicate graph among `members` (pairs verified again)."""
        sigs = self.tables.signatures(members)
        keys = dict(zip(members, band_keys(np.stack([sigs[m] for m in members]))))
        shingles = {m: shingle_hashes(self.folder.fold(body)) for m, body in self.tables.bodies(members).items()}
        parent = {m: m for m in members}
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if np.intersect1d(keys[a], keys[b]).size and jaccard(shingles[a], shingles[b]) >= self.threshold:
                    union(parent, a, b)
        out: dict[int, list[int]] = {}
        for m in members:
            out.setdefault(find(parent, m), []).append(m)
        return list(out.values())

    def _join_many(self, linked: list[tuple[int, list[int]]]) -> None:
        """Join each article's cluster with its matches' clusters, and settle each resulting cluster once
        (the same clusters and links as joining one article after the other)."""
        parent: dict[int, int] = {}
        for article_id, matches in linked:
            for m in [article_id, *matches]:
                union(parent, m, self.rep_of.get(m, m))  # a member brings its whole cluster
                union(parent, article_id, m)
        groups: dict[int, set[int]] = {}
        for m in list(parent):
            groups.setdefault(find(parent, m), set()).update(self.members.get(self.rep_of.get(m, m), [m]))
        urls = self.tables.urls(set().union(*groups.values())) if groups else {}
        changed: list[tuple[int, int | None]] = []
        for members in groups.values():
            changed += self._settle(members, urls)
        self.tables.set_duplicate_of_many(changed)

    def _settle(self, members: set[int], urls: dict[int, str] | None = None) -> list[tuple[int, int | None]]:
        """Point every member at the representative; write only the links that change. With `urls` (of
        the members, read by the caller for many clusters at once) the links are returned, to be written
        by the caller, not written."""
        write = urls is None
        urls = urls if urls is not None else self.tables.urls(members)
        rep = min(members, key=lambda m: url_key(urls[m]))
        changed: list[tuple[int, int | None]] = []
        for m in sorted(members):
            before = self.rep_of.get(m, m)
            old_link = None if before == m else before
            new_link = None if m == rep else rep
            if old_link != new_link:
                changed.append((m, new_link))
            old_rep = self.rep_of.get(m)
            if old_rep is not None and old_rep != rep:
                self.members.pop(old_rep, None)
            self.rep_of[m] = rep
        self.members[rep] = sorted(members)
        if write:
            self.tables.set_duplicate_of_many(changed)
            return []
        return changed
