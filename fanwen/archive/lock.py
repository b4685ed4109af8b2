"""One writer per archive: an advisory lock on `ARCHIVE.lock`, released by the kernel even on kill -9."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone
from pathlib import Path


class ArchiveBusy(Exception):
    """Another crawl (or scheduler) holds the archive."""


class ArchiveLock:
    """`flock` on a file next to the archive; `role` names the lock (crawl, scheduler) and its file."""

    def __init__(self, db_path: str | Path, role: str = "crawl"):
        self.db_path = Path(db_path)
        suffix = ".lock" if role == "crawl" else f".{role}.lock"
        self.path = self.db_path.with_name(self.db_path.name + suffix)
        self.role = role
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ArchiveBusy with who holds it."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise ArchiveBusy(
                f"{self.db_path} is in use by another {self.role} ({holder}); "
                f"wait for it to end or stop it, then run this again"
            ) from None
        os.ftruncate(fd, 0)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.write(fd, f"pid {os.getpid()}, since {now}".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def check(self) -> None:
        """Raise ArchiveBusy if someone else holds the lock; do not keep it."""
        self.acquire()
        self.release()

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
