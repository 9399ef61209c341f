"""Importing files into a store, all or nothing (`abort`) or valid records only (`skip`).

A record whose id is stored already with other content (prompt, output or model), or came
earlier in the same import with other content, is a conflict: like an invalid record, it is
never stored, and its decisions are never attached to the other item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain import ComparisonRecord, Form, ImportRecord, utc_now
from reviewdesk.errors import ImportFailedError, ReviewdeskError, UserError
from reviewdesk.ingest.answers import checked_answers, checked_comparison_answers
from reviewdesk.ingest.comparisons import to_comparison_record
from reviewdesk.ingest.hints import COMMAND_LINE, Hints
from reviewdesk.ingest.mapping import Mapping
from reviewdesk.ingest.otlp import OtlpSettings, SpanTally
from reviewdesk.ingest.records import RecordError, is_comparison, prepare, to_import_record
from reviewdesk.ingest.sources import SourceFormat, guess_format, read_records
from reviewdesk.ingest.template_texts import take_template_text
from reviewdesk.store import BulkWriter, Store
from reviewdesk.store.templates import SeenTemplate

logger = logging.getLogger(__name__)

BATCH = 1000
SHOWN_ERRORS = 50


class OnError(StrEnum):
    """What an import does with invalid or conflicting records."""

    ABORT = "abort"
    SKIP = "skip"


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    imported: int = 0
    comparisons: int = 0
    """Of `imported`, how many are comparisons (records with candidates)."""
    duplicates: int = 0
    conflicts: int = 0
    invalid: int = 0
    decisions: int = 0
    duplicate_decisions: int = 0
    undated_decisions: int = 0
    """Decisions that came without `decided_at` and were given the import time."""
    imported_at: str = ""
    errors: list[RecordError] = field(default_factory=list)
    new_reasons: list[str] = field(default_factory=list)
    rejects: Path | None = None
    notes: list[str] = field(default_factory=list)
    """What a person should know that is not an error (a format read from the content)."""
    preview: list[dict[str, Any]] = field(default_factory=list)
    """With `preview=N`: the first N records as they are stored (JSON-ready; conflicts and
    invalid records, which are not stored, left out)."""
    dry_run: bool = False
    templates_added: int = 0
    """Prompt template versions whose text the records brought to the registry."""
    template_mismatches: list[str] = field(default_factory=list)
    """Template versions (`name@version`) some record gave another text than the registry's."""

    def summary(self) -> dict[str, int]:
        """The counts `import --json` prints (`comparisons`, of `imported`, when there are any)."""
        counts = {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "invalid": self.invalid,
            "decisions": self.decisions,
        }
        if self.comparisons:
            counts["comparisons"] = self.comparisons
        return counts

    @property
    def refused(self) -> int:
        """Records not stored for a fault of theirs: invalid ones and conflicts."""
        return self.invalid + self.conflicts


ImportProgress = Callable[[int, int], None]
"""Called with (bytes read so far, total bytes of all files)."""


class _DryRun(ReviewdeskError):
    """Raised inside the write transaction of a dry run, to roll it back."""


@dataclass
class _Pending:
    """A validated record waiting in a batch, with where it came from."""

    path: Path
    line: int
    original: dict[str, Any] | None
    template: SeenTemplate | None = None
    source: str = "import"


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
    dry_run: bool = False,
    preview: int = 0,
    hints: Hints = COMMAND_LINE,
    form: Form | None = None,
    otlp: OtlpSettings | None = None,
) -> ImportReport:
    """Import generations (and the decisions they carry) from files into `store`.

    Decisions with answers are checked against their queue's review form (see
    `reviewdesk.ingest.answers`).

    Args:
        source_format: the files' format; guessed from each name (and first byte) when None.
        queue: put every imported item in this queue.
        on_error: `abort` stores nothing when any record is invalid or a conflict; `skip`
            stores the others and writes those, with their errors, to `rejects`.
        rejects: where `skip` writes refused records (default: beside the first file).
        dry_run: do everything but keep nothing: the report counts what the import would do
            (the write transaction is rolled back), no rejects file is written, and an import
            that would abort does not raise.
        preview: keep the first this many records, as stored, in `report.preview`.
        hints: how messages name what to change (the desk names its controls, not options).
        form: make this the form of `queue` first, in the import's transaction (an import
            that stores nothing stores no form either).
        otlp: how OTLP files (`SourceFormat.OTLP`) become records (default: `OtlpSettings()`).

    An exception raised by `progress` (the desk's Cancel) ends the import like any other: the
    store is left unchanged and no rejects file is written (it is written beside its place and
    moved there once the import is stored).

    Raises:
        ImportFailedError: with `abort`, when any record is invalid or a conflict; the store
            is unchanged.
        UserError: a file cannot be opened.
    """
    if source_format is SourceFormat.OTLP and not mapping.is_identity:
        raise UserError(
            "a column mapping does not apply to OTLP traces: their attributes are mapped by "
            "--otlp-config"
        )
    tally = SpanTally()
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if form is not None and queue is None:
        raise UserError("a form is set for one queue: name it with --queue")
    total = sum(path.stat().st_size for path in paths)
    imported_at = utc_now().isoformat().replace("+00:00", "Z")
    report = ImportReport(imported_at=imported_at, dry_run=dry_run)
    keep_original = on_error is OnError.SKIP and not dry_run
    sink = _Rejects(rejects or paths[0].with_name(paths[0].name + ".rejects.jsonl"))
    before = 0

    def _progress(done: int) -> None:
        if progress is not None:
            progress(before + done, total)

    try:
        with store.bulk_writer() as writer:
            if form is not None and queue is not None:
                form = writer.set_form(queue, form)
            forms: dict[str | None, Form | None] = {}

            def form_of(name: str | None) -> Form | None:
                if name not in forms:
                    forms[name] = None if name is None else writer.form(name)
                return forms[name]

            batch: list[ImportRecord] = []
            pending: list[_Pending] = []
            pairs: list[ComparisonRecord] = []
            pairs_pending: list[_Pending] = []
            for path in paths:
                fmt = source_format or guess_format(path)
                text_cells = fmt in (SourceFormat.CSV, SourceFormat.TSV)
                if source_format is None and fmt is SourceFormat.JSON:
                    report.notes.append(f"{path.name}: read as a JSON array{hints.json_note}")
                spans = (otlp or OtlpSettings(), tally)
                for line, raw in read_records(path, fmt, mapping, _progress, hints, spans):
                    if isinstance(raw, tuple):
                        _refuse(report, list(raw), None, on_error, sink, dry_run)
                        continue
                    if queue is not None:
                        raw["queue"] = queue
                    original = _as_read(raw) if keep_original else None
                    undated = prepare(path, line, raw, imported_at)
                    if isinstance(undated, RecordError):
                        _refuse(report, [undated], original, on_error, sink, dry_run)
                        continue
                    if is_comparison(raw):
                        pair = to_comparison_record(path, line, raw)
                        if not isinstance(pair, list):
                            pair = checked_comparison_answers(
                                pair, path, line, form_of, text_cells=text_cells
                            )
                        if isinstance(pair, list):
                            _refuse(report, pair, original, on_error, sink, dry_run)
                            continue
                        report.undated_decisions += undated
                        pairs.append(pair)
                        pairs_pending.append(_Pending(path, line, original))
                        if len(pairs) >= BATCH:
                            _flush_pairs(
                                writer,
                                pairs,
                                pairs_pending,
                                report,
                                on_error,
                                sink,
                                dry_run,
                                preview,
                                hints,
                            )
                        continue
                    seen = take_template_text(path, line, raw)
                    if isinstance(seen, RecordError):
                        _refuse(report, [seen], original, on_error, sink, dry_run)
                        continue
                    record = to_import_record(path, line, raw)
                    if isinstance(record, list) and fmt is SourceFormat.OTLP:
                        span = f"span {raw.get('id')}"
                        record = [
                            replace(e, field=f"{span}: {e.field}" if e.field else span)
                            for e in record
                        ]
                    if not isinstance(record, list):
                        record = checked_answers(record, path, line, form_of, text_cells=text_cells)
                    if isinstance(record, list):
                        _refuse(report, record, original, on_error, sink, dry_run)
                        continue
                    report.undated_decisions += undated
                    # After a refusal an `abort` import keeps writing (all is rolled back at
                    # the end), so that every conflict, not just the first, is reported.
                    batch.append(record)
                    pending.append(
                        _Pending(
                            path,
                            line,
                            original,
                            seen,
                            "otlp" if fmt is SourceFormat.OTLP else "import",
                        )
                    )
                    if len(batch) >= BATCH:
                        _flush(
                            writer, batch, pending, report, on_error, sink, dry_run, preview, hints
                        )
                before += path.stat().st_size
            _flush(writer, batch, pending, report, on_error, sink, dry_run, preview, hints)
            _flush_pairs(
                writer, pairs, pairs_pending, report, on_error, sink, dry_run, preview, hints
            )
            _template_notes(report)
            if tally.ignored:
                report.notes.append(
                    f"{tally.ignored} of {tally.spans} spans are not model calls: left out"
                )
            if report.refused and on_error is OnError.ABORT and not dry_run:
                raise ImportFailedError(_abort_message(report))
            report.new_reasons = writer.new_reasons
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except BaseException:
        sink.discard()
        raise
    sink.keep()
    if sink.written:
        report.rejects = sink.path
    logger.info("import: %s", report.summary())
    return report


def _flush(
    writer: BulkWriter,
    batch: list[ImportRecord],
    pending: list[_Pending],
    report: ImportReport,
    on_error: OnError,
    sink: _Rejects,
    dry_run: bool,
    preview: int,
    hints: Hints,
) -> None:
    if not batch:
        return
    result = writer.add(batch)
    report.imported += result.imported
    report.duplicates += result.duplicates
    report.decisions += result.decisions
    report.duplicate_decisions += result.duplicate_decisions
    refused = {conflict.index for conflict in result.conflicts}
    by_source: dict[str, list[SeenTemplate]] = {}
    for index, waiting in enumerate(pending):
        if waiting.template is not None and index not in refused:
            by_source.setdefault(waiting.source, []).append(waiting.template)
    for source, seen in by_source.items():
        added, differing = writer.note_templates(seen, source=source)
        report.templates_added += added
        report.template_mismatches.extend(
            label for label in differing if label not in report.template_mismatches
        )
    for index, record in enumerate(batch):
        if len(report.preview) >= preview:
            break
        if index not in refused:
            report.preview.append(_shown(record))
    for conflict in result.conflicts:
        where = pending[conflict.index]
        fields = ", ".join(conflict.fields)
        if conflict.same_import:
            message = f"{conflict.id!r} came earlier in this import with a different {fields}"
        else:
            message = f"{conflict.id!r} is stored already with a different {fields}"
        error = RecordError(
            where.path,
            where.line,
            "id",
            f"{message}: a conflict, not imported ({hints.unique_ids})",
        )
        _refuse(report, [error], where.original, on_error, sink, dry_run, conflict=True)
    batch.clear()
    pending.clear()


def _flush_pairs(
    writer: BulkWriter,
    pairs: list[ComparisonRecord],
    pending: list[_Pending],
    report: ImportReport,
    on_error: OnError,
    sink: _Rejects,
    dry_run: bool,
    preview: int,
    hints: Hints,
) -> None:
    if not pairs:
        return
    result = writer.add_comparisons(pairs)
    refused = {conflict.index for conflict in result.conflicts}
    for index, pair in enumerate(pairs):
        if len(report.preview) >= preview:
            break
        if index not in refused:
            report.preview.append(_shown(pair))
    report.imported += result.imported
    report.comparisons += result.imported
    report.duplicates += result.duplicates
    report.decisions += result.decisions
    report.duplicate_decisions += result.duplicate_decisions
    for conflict in result.conflicts:
        where = pending[conflict.index]
        fields = ", ".join(conflict.fields)
        if conflict.same_import:
            message = f"{conflict.id!r} came earlier in this import with a different {fields}"
        else:
            message = f"{conflict.id!r} is stored already with a different {fields}"
        error = RecordError(
            where.path,
            where.line,
            "id",
            f"{message}: a conflict, not imported ({hints.unique_ids})",
        )
        _refuse(report, [error], where.original, on_error, sink, dry_run, conflict=True)
    pairs.clear()
    pending.clear()


def _template_notes(report: ImportReport) -> None:
    if report.templates_added:
        count = report.templates_added
        report.notes.append(
            f"{count} prompt template version{'s' if count != 1 else ''} added to the registry "
            "from prompt_template_text"
        )
    if report.template_mismatches:
        shown = ", ".join(report.template_mismatches[:5])
        more = len(report.template_mismatches) - 5
        report.notes.append(
            f"records gave another prompt_template_text for {shown}"
            f"{f' and {more} more' if more > 0 else ''}: the registry keeps the text it has "
            "(reviewdesk template list counts them)"
        )


def _refuse(
    report: ImportReport,
    errors: list[RecordError],
    original: dict[str, Any] | None,
    on_error: OnError,
    sink: _Rejects,
    dry_run: bool,
    *,
    conflict: bool = False,
) -> None:
    if conflict:
        report.conflicts += 1
    else:
        report.invalid += 1
    room = SHOWN_ERRORS - len(report.errors)
    if room > 0:
        report.errors.extend(errors[:room])
    if on_error is OnError.SKIP and not dry_run:
        sink.write(errors, original)


def _as_read(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record as the file had it, for the rejects file: `prepare` then fills in
    the decisions of `raw`, not of this copy."""
    copy = raw.copy()
    decisions = raw.get("decisions")
    if isinstance(decisions, list):
        copy["decisions"] = [d.copy() if isinstance(d, dict) else d for d in decisions]
    return copy


def _shown(record: ImportRecord | ComparisonRecord) -> dict[str, Any]:
    generation, drafts = record
    shown = generation.model_dump(mode="json", exclude_defaults=True)
    if drafts:
        shown["decisions"] = [
            draft.model_dump(mode="json", exclude_defaults=True) for draft in drafts
        ]
    return shown


def _abort_message(report: ImportReport) -> str:
    lines = [str(error) for error in report.errors]
    more = report.refused - len({(e.path, e.line) for e in report.errors})
    if more > 0:
        lines.append(f"... and {more} more")
    counts = []
    if report.invalid:
        counts.append(f"{report.invalid} invalid record{'s' if report.invalid != 1 else ''}")
    if report.conflicts:
        counts.append(f"{report.conflicts} conflict{'s' if report.conflicts != 1 else ''}")
    lines.append(
        f"{' and '.join(counts)}: nothing was imported (use --on-error skip to import the others)"
    )
    return "\n".join(lines)


class _Rejects:
    """The refused records of a `skip` import, as JSONL with their errors.

    Written to a file beside `path`, opened on first use, and moved to `path` by `keep` once
    the import is stored; `discard` removes it (an import that failed or was cancelled stored
    nothing, so it refused nothing either).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._file: Any = None
        self._partial = path.with_name(path.name + ".part")

    def write(self, errors: list[RecordError], record: dict[str, Any] | None) -> None:
        if self._file is None:
            try:
                self._file = self._partial.open("wb")
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

    def keep(self) -> None:
        if self._file is None:
            return
        self._file.close()
        try:
            self._partial.replace(self.path)
        except OSError as error:
            raise UserError(
                f"the import is stored, but its rejects file {self.path} cannot be written: "
                f"{error.strerror} (the refused records are in {self._partial})"
            ) from error

    def discard(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._partial.unlink(missing_ok=True)
