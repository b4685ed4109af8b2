"""Names of the capture: where the folder is, the revisit profiles (no warcio: replay and import need only these)."""

from __future__ import annotations

from pathlib import Path

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PROFILES = {PROFILE_IDENTICAL: "identical-payload-digest", PROFILE_NOT_MODIFIED: "server-not-modified"}
WARC_SUFFIX = ".warc.gz"


def capture_dir(db: str | Path, configured: str = "") -> Path:
    """The capture folder: FANWEN_WARC_DIR, or beside the archive (data/archive.db -> data/archive.warc)."""
    if configured:
        return Path(configured)
    db = Path(db)
    return db.with_name(db.stem + ".warc")
