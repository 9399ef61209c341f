"""Running an export: labels in, records out, files renamed into place at the end.

`export_dataset` is what the command line and the desk call (it can run on a worker thread:
progress goes through a callback, cancelling through a check); `stream_export` is what a server
endpoint streams; `preview` shows the first records for a dialog.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from reviewdesk.errors import ReviewdeskError, StoreError
from reviewdesk.export.comparisons import (
    COMPARISON_CSV_COLUMNS,
    comparison_records,
    has_comparisons,
)
from reviewdesk.export.options import (
    ExportError,
    ExportFormat,
    ExportInTheWayError,
    ExportOptions,
    NothingToExportError,
)
from reviewdesk.export.query import (
    answer_keys,
    answers_of,
    check_conditions,
    count_labels,
    count_unresolved_filtered,
    flags_of,
    stream_labels,
)
from reviewdesk.export.records import Record, RecordBuilder
from reviewdesk.export.summary import ExportSummary
from reviewdesk.export.writer import AtomicFile, RecordFile, encode_jsonl, split_path

logger = logging.getLogger(__name__)

__all__ = ["Progress", "export_dataset", "preview", "stream_export"]

Progress = Callable[[int, int], None]
"""Called with (labels read, labels in all) as the export runs."""

CARD_NAME = "README.md"
CARD_MARKER = "<!-- reviewdesk dataset card -->"


class _Cancelled(ReviewdeskError):
    pass


def _builder(connection: Connection, options: ExportOptions) -> RecordBuilder:
    """The record builder of an export; a csv export has a column per question."""
    keys = answer_keys(connection, options) if options.format is ExportFormat.CSV else ()
    builder = RecordBuilder(options, keys)
    if options.format is ExportFormat.CSV and has_comparisons(connection, options):
        builder.extra_columns = COMPARISON_CSV_COLUMNS
    return builder


def _records(
    connection: Connection,
    options: ExportOptions,
    builder: RecordBuilder,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[tuple[str, Record]]:
    """Every record of the export, with its split, in order, up to the limit."""
    check_conditions(connection, options.filters)
    total = count_labels(connection, options) if progress is not None else 0
    need_flags = options.format in (ExportFormat.RAW, ExportFormat.CSV)
    only = () if need_flags else options.redact_validators
    written, limit = 0, options.limit
    if limit == 0:
        return
    done = 0
    for rows in stream_labels(connection, options):
        if cancelled is not None and cancelled():
            raise _Cancelled
        flags = (
            flags_of(connection, [row.generation_pk for row in rows], only)
            if need_flags or options.redact
            else {}
        )
        answers = answers_of(connection, rows) if need_flags else None
        for item in builder.feed(rows, flags, answers):
            yield item
            written += 1
            if limit is not None and written >= limit:
                return
        done += len(rows)
        if progress is not None:
            progress(done, max(total, done))
    for item in builder.finish():
        yield item
        written += 1
        if limit is not None and written >= limit:
            return
    # Comparisons (pairwise review) after the items: see reviewdesk.export.comparisons.
    for item in comparison_records(connection, options, builder):
        yield item
        written += 1
        if limit is not None and written >= limit:
            return


def _check_destination(
    destination: Path, options: ExportOptions, card: bool, overwrite: bool
) -> list[Path]:
    """Refuse a destination that would mislead; return the earlier export's files to remove.

    One export a folder: a folder whose card says it holds an earlier export (or a data file
    of the same name) is refused unless `overwrite`; then the earlier export's files that this
    one does not rewrite are removed when this one is in place, so none stays beside the new
    card (files no card listed are left alone).
    """
    if destination.is_dir():
        raise ExportError(
            f"{destination} is a folder: give a file name, e.g. {destination / 'feedback.jsonl'}"
        )
    folder = destination.parent
    if not folder.is_dir():
        raise ExportError(f"the folder {folder} does not exist")
    paths = [split_path(destination, name) for name in options.split_names()]
    for path in paths:
        if path.is_dir():
            raise ExportError(f"{path} is a folder")
    readme = folder / CARD_NAME
    earlier: list[Path] = []
    if readme.exists():
        try:
            head = readme.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise ExportError(f"cannot read {readme}: {error.strerror}") from error
        if CARD_MARKER in head[:4096]:
            earlier = [readme, *_card_files(head, folder)]
        elif card:
            raise ExportError(
                f"{readme} exists and is not a reviewdesk dataset card: export into a folder "
                "of its own, or leave the card out (--no-card)"
            )
    in_the_way = [*earlier, *(path for path in paths if path.exists() and path not in earlier)]
    if in_the_way and not overwrite:
        names = ", ".join(path.name for path in in_the_way)
        what = "another export" if earlier else "files of the same name"
        raise ExportInTheWayError(
            f"{folder} holds {what} ({names}): export into a folder of its own, "
            "or replace it (--overwrite)"
        )
    keep = set(paths) | ({readme} if card else set())
    return [path for path in earlier if path not in keep]


def _card_files(card: str, folder: Path) -> list[Path]:
    """The data files an earlier card lists (its YAML `path:` lines) that are in `folder`."""
    files: list[Path] = []
    header = card.split("\n---", 1)[0]
    for match in re.finditer(r'^\s*path: ("(?:[^"\\]|\\.)*")\s*$', header, re.MULTILINE):
        try:
            name = orjson.loads(match.group(1))
        except orjson.JSONDecodeError:
            continue
        path = folder / str(name)
        # Only a plain file name in this folder: a card never sends a removal elsewhere.
        if path.parent == folder and path.name not in ("", ".", "..") and path.is_file():
            files.append(path)
    return files


def _nothing_written(summary: ExportSummary) -> NothingToExportError:
    """Why an export has no records, from what the filters and the rules left."""
    options, tally = summary.options, summary.tally
    filters = "; ".join(f"{name} {value}" for name, value in options.filters.described().items())
    chosen = f"the filters ({filters})" if filters else "the store (no filters)"
    if options.limit == 0:
        why = "--limit 0 asks for no records"
    elif not tally.labels:
        why = f"{chosen} hold no labels"
        if summary.unresolved:
            why += (
                f" ({summary.unresolved} items left out by the {options.resolution} policy: "
                f"{options.resolution.leaves_out})"
            )
    else:
        rules = "; ".join(f"{reason}: {n}" for reason, n in sorted(tally.skipped.items()))
        why = (
            f"{chosen} hold {tally.labels} labels, and the {options.format} format left out "
            f"every one ({rules or f'a limit of {options.limit}'})"
        )
    return NothingToExportError(
        f"nothing to export: {why}. Nothing was written (--allow-empty writes empty files)", why
    )


def export_dataset(
    engine: Engine,
    destination: Path,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    dry_run: bool = False,
    card: bool = True,
    command: str | None = None,
    source: str | None = None,
    overwrite: bool = False,
    allow_empty: bool = False,
) -> ExportSummary:
    """Export the labels `options` select to `destination` (one file a split) and its card.

    Safe to run on a worker thread. Files appear only when the whole export succeeded.

    Args:
        engine: the store's (or the server's) engine.
        destination: the data file; with splits, `NAME-train.EXT`, `NAME-test.EXT`, ...
            beside it. `.gz` compresses. The dataset card is `README.md` in the same folder.
        options: format, filters, policy, split, redaction, limit.
        progress: called with (labels read, labels in all) after each chunk.
        cancelled: checked between chunks; when it returns True the export stops, removes
            what it wrote, and returns a summary with `cancelled` set.
        dry_run: count only, write nothing.
        card: write the dataset card.
        command: the command line that asked for it, for the card.
        source: where the labels came from (the store's path), for the card.
        overwrite: replace an earlier export in the folder (its card and the files it lists)
            or files of the same name; without it, such a folder is refused.
        allow_empty: write an export of no records; without it, no records is an error that
            says what the filters left.

    Raises:
        ExportError: the destination cannot be written; a README.md that is not a card, an
            earlier export or files of the same name are in the way (without `overwrite`);
            nothing to export (without `allow_empty`).
        StoreError: the store cannot be read.
    """
    destination = Path(destination).expanduser()
    stale: list[Path] = []
    if not dry_run:
        stale = _check_destination(destination, options, card, overwrite)
    builder = RecordBuilder(options)
    files: dict[str, RecordFile] = {}
    try:
        with engine.connect() as connection, ExitStack() as cleanup:
            builder = _builder(connection, options)
            unresolved = count_unresolved_filtered(connection, options)
            if not dry_run:
                for name in options.split_names():
                    files[name] = RecordFile(
                        split_path(destination, name),
                        builder.csv_columns if options.format is ExportFormat.CSV else None,
                    )
                cleanup.callback(_discard_uncommitted, files)
            written = dict.fromkeys(options.split_names(), 0)
            for split, record in _records(connection, options, builder, progress, cancelled):
                written[split] += 1
                if not dry_run:
                    files[split].write(record)
            builder.tally.records.update({name: n for name, n in written.items() if n})
            if not dry_run:
                summary = ExportSummary(
                    options,
                    builder.tally,
                    unresolved,
                    files={name: file.path for name, file in files.items()},
                    card=destination.parent / CARD_NAME if card else None,
                )
                if not summary.records and not allow_empty:
                    raise _nothing_written(summary)
                card_file = _write_card(summary, command, source) if card else None
                for file in files.values():
                    file.commit()
                if card_file is not None:
                    card_file.commit()
                files.clear()
                for path in stale:
                    path.unlink(missing_ok=True)
                    logger.info("removed %s of the export this one replaced", path)
                logger.info("exported %d records to %s", summary.records, destination)
                return summary
    except _Cancelled:
        logger.info("export to %s cancelled", destination)
        return ExportSummary(options, builder.tally, 0, dry_run=dry_run, cancelled=True)
    except OSError as error:
        raise ExportError(
            f"cannot write the export to {destination.parent}: {error.strerror or error}"
        ) from error
    except SQLAlchemyError as error:
        raise StoreError(f"cannot read the store: {getattr(error, 'orig', error)}") from error
    return ExportSummary(options, builder.tally, unresolved, dry_run=True)


def _discard_uncommitted(files: dict[str, RecordFile]) -> None:
    for file in files.values():
        file.discard()


def _write_card(summary: ExportSummary, command: str | None, source: str | None) -> AtomicFile:
    from reviewdesk.export.card import render_card

    assert summary.card is not None
    atomic = AtomicFile(summary.card)
    try:
        text = render_card(
            summary, command=command, source=source, created=datetime.now(UTC), marker=CARD_MARKER
        )
        atomic.file.write(text.encode())
    except BaseException:
        atomic.discard()
        raise
    return atomic


def stream_export(
    connection: Connection, options: ExportOptions, *, split: str | None = None
) -> Iterator[bytes]:
    """The export as bytes (JSON lines, or CSV with its header), for a streamed response.

    With `split`, only the records of that split (`train`, or a held-out one).
    """
    builder = _builder(connection, options)
    if options.format is ExportFormat.CSV:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(builder.csv_columns)
        for name, record in _records(connection, options, builder):
            if split is None or name == split:
                writer.writerow(record)
            if buffer.tell() > 1 << 16:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()
        return
    chunk: list[bytes] = []
    for name, record in _records(connection, options, builder):
        if split is None or name == split:
            chunk.append(encode_jsonl(record))
            if len(chunk) >= 256:
                yield b"".join(chunk)
                chunk.clear()
    if chunk:
        yield b"".join(chunk)


def preview(engine: Engine, options: ExportOptions, n: int = 3) -> list[dict[str, Any]]:
    """The first `n` records as they would be written (csv rows as column → value)."""
    limited = options.model_copy(update={"limit": n})
    shown: list[dict[str, Any]] = []
    with engine.connect() as connection:
        builder = _builder(connection, limited)
        for _split, record in _records(connection, limited, builder):
            if isinstance(record, list):
                shown.append(dict(zip(builder.csv_columns, record, strict=True)))
            else:
                shown.append(record)
    return shown
