"""WACZ (Web Archive Collection Zipped 1.1.1): the captures, their CDXJ index and a page list in one file.

ReplayWeb.page and pywb open it as it is: `archive/*.warc.gz` stored uncompressed in the zip (so the
replayer can seek), `indexes/index.cdx` (CDXJ, sorted), `pages/pages.jsonl` (the archived articles),
`datapackage.json` with a sha256 of each file, and `datapackage-digest.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

WACZ_VERSION = "1.1.1"


def _cdxj_lines(conn: sqlite3.Connection, names: dict[str, str]) -> Iterator[str]:
    from fanwen.archive.captures import _COLUMNS, CaptureRow, cdxj_line

    for values in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM captures"):
        row = CaptureRow(*values)
        yield cdxj_line(CaptureRow(**{**row.__dict__, "file": names[row.file]}))


def _pages(conn: sqlite3.Connection, sites: list[str]) -> Iterator[dict[str, str]]:
    """One page per archived article URL that has a capture: URL, capture time, title."""
    where = f" AND a.site IN ({', '.join('?' * len(sites))})" if sites else ""
    rows = conn.execute(
        "SELECT u.url, max(c.captured_at), coalesce(u.title, a.title) FROM article_urls u"
        " JOIN articles a ON a.id = u.article_id JOIN captures c ON c.url = u.url"
        f" WHERE 1 = 1{where} GROUP BY u.url ORDER BY u.url", sites)
    for url, captured_at, title in rows:
        yield {"url": url, "ts": captured_at, "title": title or url}


def write_wacz(db: str | Path, capture_folder: str | Path, output: str | Path, sites: list[str] | None = None) -> dict[str, int]:
    """Package the archive's captures as WACZ at `output` (written beside it, then renamed)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    folder = Path(capture_folder)
    files = [r[0] for r in conn.execute("SELECT DISTINCT file FROM captures ORDER BY file")]
    names = {f: Path(f).name for f in files}  # imported files keep their absolute path in captures
    present = [f for f in files if (folder / f).is_file()]
    target = Path(output)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    os.close(handle)
    pages = 0
    try:
        with zipfile.ZipFile(temp, "w", allowZip64=True) as zf:
            for file in present:
                zf.write(folder / file, f"archive/{names[file]}", compress_type=zipfile.ZIP_STORED)
            cdxj = sorted(line for line in _cdxj_lines(conn, names)
                          if line.rsplit('"filename": ', 1)[-1].strip('"}') in {names[f] for f in present})
            zf.writestr("indexes/index.cdx", "".join(line + "\n" for line in cdxj), compress_type=zipfile.ZIP_DEFLATED)
            lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "fanwen articles"})]
            for page in _pages(conn, list(sites or [])):
                lines.append(json.dumps({"id": hashlib.sha1(page["url"].encode()).hexdigest()[:16], **page},
                                        ensure_ascii=False))
                pages += 1
            zf.writestr("pages/pages.jsonl", "\n".join(lines) + "\n", compress_type=zipfile.ZIP_DEFLATED)
            resources = []
            for info in zf.infolist():
                digest = hashlib.sha256()
                with zf.open(info) as stream:
                    for chunk in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(chunk)
                resources.append({"name": Path(info.filename).name.lower(), "path": info.filename,
                                  "hash": "sha256:" + digest.hexdigest(), "bytes": info.file_size})
            first = conn.execute("SELECT url FROM captures WHERE status = 200 ORDER BY id LIMIT 1").fetchone()
            package = {"profile": "data-package", "resources": resources, "title": f"fanwen archive {Path(db).name}",
                       "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "wacz_version": WACZ_VERSION, "software": "fanwen 0.1"}
            if first:
                package["mainPageURL"] = first[0]
            package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
            zf.writestr("datapackage.json", package_bytes)
            zf.writestr("datapackage-digest.json", json.dumps(
                {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}, indent=2))
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    return {"warc_files": len(present), "missing_files": len(files) - len(present), "captures": len(cdxj), "pages": pages}
