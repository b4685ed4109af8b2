"""The only package that knows the archive's tables and SQL."""

from fanwen.archive.schema import SCHEMA_VERSION, NotAnArchive, connect
from fanwen.archive.writer import ArchiveWriter, StoreResult

__all__ = ["SCHEMA_VERSION", "ArchiveWriter", "NotAnArchive", "StoreResult", "connect"]
