"""Importing files into a store, all or nothing (`abort`) or valid records only (`skip`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain import ImportRecord
from reviewdesk.errors import ImportFailedError, UserError
from reviewdesk.ingest.mapping import Mapping
from reviewdesk.ingest.records import RecordError, to_import_record
from reviewdesk.ingest.sources import SourceFormat, guess_format, read_records
from reviewdesk.store import BulkWriter, Store

logger = logging.getLogger(__name__)

BATCH = 1000
SHOWN_ERRORS = 50


class OnError(StrEnum):
    """What an import does with invalid records."""

    ABORT = "abort"
    SKIP = "skip"


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    decisions: int = 0
    duplicate_decisions: int = 0
    errors: list[RecordError] = field(default_factory=list)
    new_reasons: list[str] = field(default_factory=list)
    rejects: Path | None = None

    def summary(self) -> dict[str, int]:
        """The counts `import --json` prints."""
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "decisions": self.decisions,
        }


ImportProgress = Callable[[int, int], None]
"""Called with (bytes read so far, total bytes of all files)."""


def import_files(
    store: Store,
    paths: Sequence[Path],
    *,
    source_format: SourceFormat | None = None,
    mapping: Mapping = Mapping(),  # noqa: B008 (frozen)
    queue: str | None = None,
    on_error: OnError = OnError.ABORT,
    rejects: Path | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import generations (and the decisions they carry) from files into `store`.

    Args:
        source_format: the files' format; guessed from each name when None.
        queue: put every imported item in this queue.
        on_error: `abort` stores nothing when any record is invalid; `skip` stores the valid
            ones and writes the invalid ones, with their errors, to `rejects`.
        rejects: where `skip` writes invalid records (default: beside the first file).

    Raises:
        ImportFailedError: with `abort`, when any record is invalid; the store is unchanged.
        UserError: a file cannot be opened.
    """
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    total = sum(path.stat().st_size for path in paths)
    report = ImportReport()
    sink = _Rejects(rejects or paths[0].with_name(paths[0].name + ".rejects.jsonl"))
    before = 0

    def _progress(done: int) -> None:
        if progress is not None:
            progress(before + done, total)

    try:
        with store.bulk_writer() as writer:
            batch: list[ImportRecord] = []
            for path in paths:
                fmt = source_format or guess_format(path)
                for line, raw in read_records(path, fmt, mapping, _progress):
                    if isinstance(raw, tuple):
                        _invalid(report, list(raw), None, on_error, sink)
                        continue
                    if queue is not None:
                        raw["queue"] = queue
                    original = raw.copy() if on_error is OnError.SKIP else None
                    record = to_import_record(path, line, raw)
                    if isinstance(record, list):
                        _invalid(report, record, original, on_error, sink)
                        continue
                    if report.invalid and on_error is OnError.ABORT:
                        continue  # nothing will be stored: keep reading only to report errors
                    batch.append(record)
                    if len(batch) >= BATCH:
                        _flush(writer, batch, report)
                before += path.stat().st_size
            if report.invalid and on_error is OnError.ABORT:
                raise ImportFailedError(_abort_message(report))
            _flush(writer, batch, report)
            report.new_reasons = writer.new_reasons
    finally:
        sink.close()
    if sink.written:
        report.rejects = sink.path
    logger.info("import: %s", report.summary())
    return report


def _flush(writer: BulkWriter, batch: list[ImportRecord], report: ImportReport) -> None:
    if not batch:
        return
    result = writer.add(batch)
    report.imported += result.imported
    report.duplicates += result.duplicates
    report.decisions += result.decisions
    report.duplicate_decisions += result.duplicate_decisions
    batch.clear()


def _invalid(
    report: ImportReport,
    errors: list[RecordError],
    original: dict[str, Any] | None,
    on_error: OnError,
    sink: _Rejects,
) -> None:
    report.invalid += 1
    room = SHOWN_ERRORS - len(report.errors)
    if room > 0:
        report.errors.extend(errors[:room])
    if on_error is OnError.SKIP:
        sink.write(errors, original)


def _abort_message(report: ImportReport) -> str:
    lines = [str(error) for error in report.errors]
    more = report.invalid - len({(e.path, e.line) for e in report.errors})
    if more > 0:
        lines.append(f"... and {more} more invalid records")
    lines.append(
        f"{report.invalid} invalid record{'s' if report.invalid != 1 else ''}: nothing was "
        "imported (use --on-error skip to import the valid ones)"
    )
    return "\n".join(lines)


class _Rejects:
    """The invalid records of a `skip` import, as JSONL with their errors, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._file: Any = None

    def write(self, errors: list[RecordError], record: dict[str, Any] | None) -> None:
        if self._file is None:
            try:
                self._file = self.path.open("wb")
            except OSError as error:
                raise UserError(
                    f"cannot write the rejects file {self.path}: {error.strerror}"
                ) from error
        first = errors[0]
        entry = {
            "file": str(first.path),
            "line": first.line,
            "errors": [str(error) for error in errors],
            "record": record,
        }
        self._file.write(orjson.dumps(entry, default=str) + b"\n")
        self.written += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
