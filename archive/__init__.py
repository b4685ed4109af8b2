"""The only package that knows the archive's tables and SQL."""

from archive.schema import SCHEMA_VERSION, NotAnArchive, connect
from archive.writer import ArchiveWriter, StoreResult

__all__ = ["SCHEMA_VERSION", "ArchiveWriter", "NotAnArchive", "StoreResult", "connect"]
