"""Reading records from files, one at a time: JSONL, JSON arrays, CSV, TSV, OpenAI-style
chat logs and Parquet (`reviewdesk.ingest.parquet`), each also gzip-compressed (`.gz`).

Each reader yields `(line, raw)` pairs, where `raw` is a dict in the canonical shape or a tuple
of `RecordError`s for a line that could not be read. JSONL and CSV are streamed, so memory does
not grow with their size; a JSON array is read whole. `progress(bytes_read)` is called as the
file on disk is consumed.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from reviewdesk.ingest.hints import COMMAND_LINE, Hints
from reviewdesk.ingest.mapping import Mapping, content_id
from reviewdesk.ingest.otlp import OtlpError, OtlpSettings, SpanProblem, SpanTally, span_record
from reviewdesk.ingest.otlp_json import spans_from_json as otlp_spans
from reviewdesk.ingest.parquet import parquet_records
from reviewdesk.ingest.records import RecordError, json_kind

RawRecord = tuple[int, dict[str, Any] | tuple[RecordError, ...]]
"""A line number and its record, or the errors that kept it from being read (a tuple: JSON
values are never tuples, so a record that is a JSON list stays apart from errors)."""
Progress = Callable[[int], None]


class SourceFormat(StrEnum):
    """The kinds of file `reviewdesk import` reads (each also gzip-compressed, `.gz`)."""

    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    OPENAI = "openai"
    PARQUET = "parquet"
    OTLP = "otlp"


_BY_SUFFIX = {
    ".csv": SourceFormat.CSV,
    ".tsv": SourceFormat.TSV,
    ".parquet": SourceFormat.PARQUET,
    ".pq": SourceFormat.PARQUET,
}


def guess_format(path: Path) -> SourceFormat:
    """The format a file's name suggests (`.csv`, `.tsv`, `.parquet`, with or without `.gz`),
    else its content: a file starting with `[` is a JSON array, anything else JSON Lines."""
    name = path.name.lower().removesuffix(".gz")
    by_suffix = _BY_SUFFIX.get(Path(name).suffix)
    if by_suffix is not None:
        return by_suffix
    return SourceFormat.JSON if _first_byte(path) == b"[" else SourceFormat.JSONL


def _first_byte(path: Path) -> bytes:
    try:
        with _open(path) as file:
            head: bytes = file.read(4096)
    except (OSError, EOFError, zlib.error):
        return b""  # reading it for real says what is wrong
    return head.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]


class _Counted(io.RawIOBase):
    """A file's bytes, counting how many were read (for progress through gzip)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = self._file.readinto(buffer)  # type: ignore[attr-defined]
        self.count += size or 0
        return int(size or 0)

    def close(self) -> None:
        self._file.close()
        super().close()


@contextmanager
def _open(path: Path) -> Iterator[Any]:
    """The file's bytes, decompressed when its name ends in `.gz`; `.position()` is how far
    into the file on disk reading has come."""
    raw = path.open("rb")
    counted = _Counted(raw)
    if path.name.lower().endswith(".gz"):
        file: Any = gzip.GzipFile(fileobj=io.BufferedReader(counted), mode="rb")
    else:
        file = io.BufferedReader(counted, buffer_size=1 << 16)
    file.position = lambda: counted.count
    try:
        yield file
    finally:
        file.close()
        counted.close()


def read_records(
    path: Path,
    source_format: SourceFormat,
    mapping: Mapping,
    progress: Progress,
    hints: Hints = COMMAND_LINE,
    otlp: tuple[OtlpSettings, SpanTally] | None = None,
) -> Iterator[RawRecord]:
    """The records of one file, mapped to the canonical shape (for OTLP files, with `otlp`'s
    settings, counting the spans in its tally)."""
    if source_format is SourceFormat.OTLP:
        settings, tally = otlp or (OtlpSettings(), SpanTally())
        yield from _otlp_records(path, settings, tally, progress, hints)
        return
    if source_format in (SourceFormat.CSV, SourceFormat.TSV):
        yield from _csv_records(path, source_format, mapping, progress)
        return
    if source_format is SourceFormat.PARQUET:
        yield from parquet_records(path, mapping, progress)
        return
    values = (
        _json_array_values(path, progress)
        if source_format is SourceFormat.JSON
        else _jsonl_values(path, progress, hints)
    )
    for line, raw in values:
        if isinstance(raw, tuple):
            yield line, raw
            continue
        if not isinstance(raw, dict):
            yield (
                line,
                (RecordError(path, line, "", f"expected a JSON object, got {json_kind(raw)}"),),
            )
            continue
        if source_format is SourceFormat.OPENAI:
            converted = _from_chat_log(path, line, raw)
            if isinstance(converted, tuple):
                yield line, converted
                continue
            raw = converted
        if not mapping.is_identity:
            yield line, mapping.apply(raw, text_cells=False, path=path, line=line)
            continue
        if source_format is SourceFormat.OPENAI and "id" not in raw and "output" in raw:
            raw["id"] = content_id(raw)
        yield line, raw


def _otlp_records(
    path: Path, settings: OtlpSettings, tally: SpanTally, progress: Progress, hints: Hints
) -> Iterator[RawRecord]:
    """The model-call spans of an OTel Collector file export (JSON lines of
    `ExportTraceServiceRequest`), each as a record; other spans are counted and left out."""
    for line, document in _jsonl_values(path, progress, hints):
        if isinstance(document, tuple):
            yield line, document
            continue
        try:
            spans = list(otlp_spans(document))
        except OtlpError as error:
            yield line, (RecordError(path, line, "", f"not an OTLP trace export: {error}"),)
            continue
        for span in spans:
            tally.spans += 1
            mapped = span_record(span, settings)
            if mapped is None:
                tally.ignored += 1
            elif isinstance(mapped, SpanProblem):
                yield (
                    line,
                    (
                        RecordError(
                            path, line, f"span {mapped.span}: {mapped.field}", mapped.message
                        ),
                    ),
                )
            else:
                yield line, mapped


def _jsonl_values(path: Path, progress: Progress, hints: Hints) -> Iterator[tuple[int, Any]]:
    seen_any = False
    try:
        with _open(path) as file:
            for line_number, line in enumerate(file, start=1):
                if line_number % 256 == 0:
                    progress(file.position())
                if not line.strip():
                    continue
                if not seen_any and line.lstrip(b" \t\xef\xbb\xbf").startswith(b"["):
                    not_jsonl = (
                        "this is a JSON array, not JSON Lines (one object a line): "
                        f"import it with {hints.json_format}"
                    )
                    yield line_number, (RecordError(path, line_number, "", not_jsonl),)
                    return
                seen_any = True
                try:
                    yield line_number, orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    yield line_number, (_json_problem(path, line_number, line, error),)
            progress(file.position())
    except (OSError, EOFError, zlib.error) as error:
        yield 0, (RecordError(path, 0, "", f"cannot be read: {error}"),)
        return
    if not seen_any:
        yield 0, (RecordError(path, 0, "", "the file is empty: there is no record to import"),)


# A JSON string, or one of the characters that give a JSON text its structure.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


def _json_array_values(path: Path, progress: Progress) -> Iterator[tuple[int, Any]]:
    """The elements of a JSON array file, each with the line it starts on.

    The file is read whole (a JSON array has no record boundaries to stream by), then split at
    its top-level commas, so each element is parsed (and its errors reported) on its own.
    """
    try:
        with _open(path) as file:
            data = file.read()
            size = file.position()
    except (OSError, EOFError, zlib.error) as error:
        yield 0, (RecordError(path, 0, "", f"cannot be read: {error}"),)
        return
    start = len(data) - len(data.lstrip(b" \t\r\n\xef\xbb\xbf"))
    if start == len(data):
        yield 0, (RecordError(path, 0, "", "the file is empty: there is no record to import"),)
        return
    if data[start : start + 1] != b"[":
        yield 1, (RecordError(path, 1, "", "expected a JSON array of records ([{...}, ...])"),)
        return
    depth = 0
    item = start + 1
    line, counted_to = 1, 0
    records = 0
    closed = None
    for token in _TOKENS.finditer(data, start):
        char = data[token.start()]
        if char == 0x22:  # a string
            continue
        if char in b"[{":
            depth += 1
            continue
        if char in b"]}":
            depth -= 1
        if depth > 1 or (depth == 1 and char != 0x2C):
            continue
        # a comma between top-level elements, or the array's closing bracket
        element = data[item : token.start()]
        stripped = element.lstrip()
        at = item + len(element) - len(stripped)
        line += data.count(b"\n", counted_to, at)
        counted_to = at
        item = token.end()
        if not stripped.strip():
            if char == 0x2C or records:
                yield line, (RecordError(path, line, "", "not valid JSON: an empty element"),)
        else:
            records += 1
            try:
                yield line, orjson.loads(stripped)
            except orjson.JSONDecodeError as error:
                yield line, (RecordError(path, line, "", f"not valid JSON: {error}"),)
            if records % 256 == 0:
                progress(size * at // len(data))
        if depth == 0:
            closed = token.end()
            break
    progress(size)
    if closed is None:
        line += data.count(b"\n", counted_to)
        yield (
            line,
            (
                RecordError(
                    path, line, "", "the JSON array is not closed (the file looks truncated)"
                ),
            ),
        )
    elif data[closed:].strip():
        line += data.count(b"\n", counted_to, closed)
        yield line, (RecordError(path, line, "", "there is more text after the JSON array"),)
    elif not records:
        yield (
            0,
            (RecordError(path, 0, "", "the JSON array is empty: there is no record to import"),),
        )


def _json_problem(path: Path, line_number: int, line: bytes, error: Exception) -> RecordError:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return RecordError(
            path,
            line_number,
            "",
            f"not valid UTF-8 (byte 0x{line[bad.start]:02x} at column {bad.start + 1}); "
            "save the file as UTF-8",
        )
    if not line.endswith(b"\n"):
        return RecordError(
            path, line_number, "", f"the last line is cut off (the file looks truncated): {error}"
        )
    return RecordError(path, line_number, "", f"not valid JSON: {error}")


def _csv_records(
    path: Path, source_format: SourceFormat, mapping: Mapping, progress: Progress
) -> Iterator[RawRecord]:
    csv.field_size_limit(sys.maxsize)  # a 50 MB output is one cell
    with _open(path) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        dialect: type[csv.Dialect] = (
            csv.excel_tab if source_format is SourceFormat.TSV else csv.excel
        )
        reader = csv.DictReader(text, dialect=dialect)
        try:
            header = reader.fieldnames
        except UnicodeDecodeError as error:
            yield (
                1,
                (
                    RecordError(
                        path, 1, "", f"not valid UTF-8 ({error.reason}); save the file as UTF-8"
                    ),
                ),
            )
            return
        if not header:
            yield 0, (RecordError(path, 0, "", "the file is empty: there is no header row"),)
            return
        rows = 0
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as error:
                yield (
                    start,
                    (
                        RecordError(
                            path,
                            start,
                            "",
                            f"not valid UTF-8 ({error.reason}); save the file as UTF-8",
                        ),
                    ),
                )
                return
            except csv.Error as error:
                yield start, (RecordError(path, start, "", f"not valid CSV: {error}"),)
                return
            rows += 1
            if rows % 256 == 0:
                progress(binary.position())
            extra = row.pop(None, None)  # type: ignore[call-overload,unused-ignore]
            if extra:
                yield (
                    start,
                    (RecordError(path, start, "", f"has {len(extra)} more cells than the header"),),
                )
                continue
            yield start, mapping.apply(dict(row), text_cells=True, path=path, line=start)
        progress(binary.position())
        if not rows:
            yield 0, (RecordError(path, 0, "", "the file has a header but no rows"),)


_ROLE_ALIASES = {"developer": "system", "function": "tool"}


def _from_chat_log(
    path: Path, line: int, raw: dict[str, Any]
) -> dict[str, Any] | tuple[RecordError, ...]:
    """An OpenAI-style chat log line (`messages`, the last assistant turn being the output)."""
    messages = raw.pop("messages", None)
    if not isinstance(messages, list) or not messages:
        return (RecordError(path, line, "messages", "expected a non-empty list of chat messages"),)
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            return (
                RecordError(
                    path, line, f"messages[{index}]", "expected an object with role and content"
                ),
            )
        role = message.get("role")
        if isinstance(role, str):
            role = _ROLE_ALIASES.get(role, role)
        turns.append({"role": role, "content": _text_of(message.get("content"))})
    last_assistant = max(
        (index for index, turn in enumerate(turns) if turn["role"] == "assistant"), default=None
    )
    if last_assistant is None:
        return (RecordError(path, line, "messages", "has no assistant message to review"),)
    record = dict(raw)
    record["prompt"] = turns[:last_assistant] or ""
    record["output"] = turns[last_assistant]["content"]
    return record


def _text_of(content: Any) -> Any:
    if content is None:
        return ""
    if isinstance(content, list):  # content parts: keep the text ones
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return content
