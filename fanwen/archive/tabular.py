"""Export records as the tables analysts load: Parquet (pyarrow, typed columns) and CSV (lists as JSON text)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

BATCH = 2000


def _article_schema(fields: list[str]):
    import pyarrow as pa

    lists = {"categories": pa.list_(pa.string()), "terms": pa.list_(pa.string()), "urls": pa.list_(pa.string()),
             "duplicates": pa.list_(pa.int64())}
    ints = {"id", "chars", "pages", "crawl_id", "duplicate_of", "cluster_id", "masks"}
    return pa.schema([(f, lists.get(f) or (pa.int64() if f in ints else pa.bool_() if f == "partial" else pa.string()))
                      for f in fields])


def _batches(records: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(records)
    while batch := list(islice(it, BATCH)):
        yield batch


def write_parquet(records: Iterable[dict[str, Any]], path: str, fields: list[str] | None = None,
                  progress=None) -> int:
    """Write records to a Parquet file (zstd); article fields get fixed types, other rows inferred ones."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    count = 0
    schema = _article_schema(fields) if fields else None
    try:
        for batch in _batches(records):
            if schema is None:  # rows of --sql: the first batch's types, nulls as strings
                inferred = pa.Table.from_pylist(batch).schema
                schema = pa.schema([(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in inferred])
            table = pa.Table.from_pylist(batch, schema=schema)
            if writer is None:
                writer = pq.ParquetWriter(path, schema, compression="zstd")
            writer.write_table(table)
            count += len(batch)
            if progress:
                progress(len(batch))
        if writer is None:  # no record: an empty file with the columns
            pq.write_table((schema or pa.schema([])).empty_table(), path, compression="zstd")
    finally:
        if writer is not None:
            writer.close()
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(records: Iterable[dict[str, Any]], out: IO[str], fields: list[str] | None = None, progress=None) -> int:
    """Write records as CSV with a header (RFC 4180 quoting; lists as JSON text; NULL as an empty cell)."""
    it = iter(records)
    first = next(it, None)
    columns = fields or (list(first) if first else [])
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in ([first] if first is not None else []), it:
        for row in record:
            writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
            if progress and count % 1000 == 0:
                progress(1000)
    return count
