"""Reading records from Apache Parquet files (with pyarrow, the `parquet` extra).

Parquet has no lines: a record's place is its row, the first being 1 (`data.parquet:17:
output: ...`). Rows are read in batches, so memory holds one batch at a time, not the file.
Columns arrive as their Parquet types (numbers, lists, structs as objects, timestamps), so
`prompt` may be a list of `{role, content}` structs and `decisions` a list of decision structs.
A null is a missing value, also inside a struct (Parquet gives every row every column and every
struct every field, null where a record has none).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reviewdesk.errors import UserError
from reviewdesk.ingest.mapping import Mapping
from reviewdesk.ingest.records import RecordError

__all__ = ["parquet_records"]

_BATCH_ROWS = 1024
_NEEDS_PYARROW = (
    "reading Parquet needs pyarrow, which is not installed: "
    "pip install 'reviewdesk[parquet]' (or pip install pyarrow)"
)

RawRecord = tuple[int, dict[str, Any] | tuple[RecordError, ...]]


def parquet_records(
    path: Path, mapping: Mapping, progress: Callable[[int], None]
) -> Iterator[RawRecord]:
    """The rows of a Parquet file (gzipped or not) as records, mapped to the canonical shape.

    Raises:
        UserError: pyarrow is not installed.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise UserError(_NEEDS_PYARROW) from error
    size = path.stat().st_size
    try:
        source: Any = (
            pa.BufferReader(gzip.decompress(path.read_bytes()))
            if path.name.lower().endswith(".gz")
            else str(path)
        )
        table = pq.ParquetFile(source)
        total = table.metadata.num_rows
    except (OSError, EOFError, zlib.error, pa.ArrowException) as error:
        yield 0, (RecordError(path, 0, "", f"cannot be read as Parquet: {error}"),)
        return
    if total == 0:
        yield 0, (RecordError(path, 0, "", "the file has no rows: there is no record to import"),)
        return
    row = 0
    try:
        for batch in table.iter_batches(batch_size=_BATCH_ROWS):
            for values in batch.to_pylist():
                row += 1
                raw = _without_nulls(values)
                if not mapping.is_identity:
                    yield row, mapping.apply(raw, text_cells=False, path=path, line=row)
                else:
                    yield row, raw
            progress(size * row // total)
    except (OSError, pa.ArrowException) as error:
        yield row + 1, (RecordError(path, row + 1, "", f"cannot be read as Parquet: {error}"),)


def _without_nulls(value: Any) -> Any:
    """`value` with the null entries of its objects left out, at every depth."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
