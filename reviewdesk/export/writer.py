"""Writing records to files that appear whole or not at all.

Each file is written to a temporary file beside its destination and renamed into place only
when the whole export has succeeded; a cancelled or failed export removes its temporary files,
so nothing half-written is ever at the destination. A name ending in `.gz` is gzip-compressed
(with no time stamp in the header, so the same data gives the same bytes).
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from reviewdesk.export.options import ExportError

logger = logging.getLogger(__name__)

__all__ = ["AtomicFile", "RecordFile", "encode_jsonl", "split_path"]

_BUFFER = 1 << 16


def split_path(destination: Path, split: str) -> Path:
    """`feedback.jsonl.gz` for split `test` → `feedback-test.jsonl.gz`; no split → unchanged."""
    if not split:
        return destination
    name = destination.name
    gz = ".gz" if name.endswith(".gz") else ""
    core = name.removesuffix(gz)
    stem, dot, extension = core.rpartition(".")
    if not dot or not stem:
        stem, extension = core, ""
    suffix = f".{extension}" if extension else ""
    return destination.with_name(f"{stem}-{split}{suffix}{gz}")


def encode_jsonl(record: Any) -> bytes:
    """One JSON line."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


class AtomicFile:
    """A temporary file beside `final` that `commit()` renames to it and `discard()` removes."""

    def __init__(self, final: Path) -> None:
        self.final = final
        try:
            handle, name = tempfile.mkstemp(
                prefix=f".{final.name}.", suffix=".part", dir=final.parent
            )
        except OSError as error:
            raise ExportError(
                f"cannot write to {final.parent}: {error.strerror or error}"
            ) from error
        self.temporary = Path(name)
        self.file: IO[bytes] = os.fdopen(handle, "wb", buffering=_BUFFER)

    def commit(self) -> None:
        self.file.close()
        os.chmod(self.temporary, 0o644)  # mkstemp makes 0600; a dataset is meant to be shared
        os.replace(self.temporary, self.final)

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            logger.debug("closing %s failed while discarding it", self.temporary, exc_info=True)
        self.temporary.unlink(missing_ok=True)


class RecordFile:
    """One split's data file: JSON lines or CSV rows, gzip when the name ends in `.gz`."""

    def __init__(self, final: Path, csv_columns: Sequence[str] | None = None) -> None:
        self._atomic = AtomicFile(final)
        self.path = final
        self._gzip: gzip.GzipFile | None = None
        stream: IO[bytes] = self._atomic.file
        if final.name.endswith(".gz"):
            self._gzip = gzip.GzipFile(
                filename=final.name.removesuffix(".gz"), mode="wb", fileobj=stream, mtime=0
            )
            stream = io.BufferedWriter(self._gzip, buffer_size=_BUFFER)
        self._stream = stream
        self._pending: list[bytes] = []
        self._text: io.TextIOWrapper | None = None
        self._csv: Any = None
        if csv_columns is not None:
            self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
            self._csv = csv.writer(self._text)
            self._csv.writerow(csv_columns)

    def write(self, record: Any) -> None:
        if self._csv is not None:
            self._csv.writerow(record)
            return
        # Lines are gathered and written a batch at a time: one write call a record costs more
        # than encoding it.
        self._pending.append(encode_jsonl(record))
        if len(self._pending) >= 512:
            self._stream.write(b"".join(self._pending))
            self._pending.clear()

    def commit(self) -> None:
        """Finish the file and rename it into place."""
        try:
            if self._pending:
                self._stream.write(b"".join(self._pending))
                self._pending.clear()
            # Closing the outermost layer flushes the CSV text, the buffer and the gzip trailer;
            # a gzip layer leaves the temporary file open for commit() to close.
            (self._text if self._text is not None else self._stream).close()
        except OSError as error:
            self.discard()
            raise ExportError(f"cannot write {self.path}: {error.strerror or error}") from error
        self._atomic.commit()

    def discard(self) -> None:
        self._atomic.discard()
