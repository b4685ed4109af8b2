"""Near-duplicate detection, kept by a hook of the archive writer (docs/dedupe.md).

The package's interface (nothing else is imported from outside it):
- `NearDupDetector(threshold, paragraph_stats)`: an `archive.hooks.WriterHook`; add it to the writer
  (`writer.add_hook(detector)`) before the writer opens; `counts` holds its linked/verified/rejected tallies.
- `recompute_clusters(db, threshold)`: `fanwen dedupe`, over a whole archive.
- `DEFAULT_THRESHOLD`: the exact Jaccard at or above which two articles are near-duplicates.

Inside: `shingles` (fold, shingle, MinHash), `lsh` (band index), `paragraphs` and `paragraph_index`
(shared paragraphs), `detector` (clusters), `recluster` (`fanwen dedupe`), `tables` (its SQL).
"""

from fanwen.archive.neardup.detector import DEFAULT_THRESHOLD, NearDupDetector
from fanwen.archive.neardup.recluster import recompute_clusters

__all__ = ["DEFAULT_THRESHOLD", "NearDupDetector", "recompute_clusters"]
