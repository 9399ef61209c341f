"""Reading records from files, one at a time: JSONL, CSV and OpenAI-style chat logs.

Each reader yields `(line, raw)` pairs, where `raw` is a dict in the canonical shape or a tuple
of `RecordError`s for a line that could not be read. Files are streamed, so memory does not grow
with their size. `progress(bytes_read)` is called as the file is consumed.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.ingest.mapping import Mapping, content_id
from reviewdesk.ingest.records import RecordError, json_kind

RawRecord = tuple[int, dict[str, Any] | tuple[RecordError, ...]]
"""A line number and its record, or the errors that kept it from being read (a tuple: JSON
values are never tuples, so a record that is a JSON list stays apart from errors)."""
Progress = Callable[[int], None]


class SourceFormat(StrEnum):
    """The kinds of file `reviewdesk import` reads."""

    JSONL = "jsonl"
    CSV = "csv"
    OPENAI = "openai"


def guess_format(path: Path) -> SourceFormat:
    """The format a file's name suggests (`.csv` → csv, anything else → jsonl)."""
    return SourceFormat.CSV if path.suffix.lower() in {".csv", ".tsv"} else SourceFormat.JSONL


def read_records(
    path: Path, source_format: SourceFormat, mapping: Mapping, progress: Progress
) -> Iterator[RawRecord]:
    """The records of one file, mapped to the canonical shape."""
    if source_format is SourceFormat.CSV:
        yield from _csv_records(path, mapping, progress)
        return
    for line, raw in _jsonl_values(path, progress):
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
            raw = mapping.apply(raw, text_cells=False)
        if source_format is SourceFormat.OPENAI or not mapping.is_identity:
            _fill_derived(path, raw)
        yield line, raw


def _jsonl_values(path: Path, progress: Progress) -> Iterator[tuple[int, Any]]:
    done = 0
    seen_any = False
    with path.open("rb") as file:
        for line_number, line in enumerate(file, start=1):
            done += len(line)
            if line_number % 256 == 0:
                progress(done)
            if not line.strip():
                continue
            seen_any = True
            try:
                yield line_number, orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield line_number, (_json_problem(path, line_number, line, error),)
    progress(done)
    if not seen_any:
        yield 0, (RecordError(path, 0, "", "the file is empty: there is no record to import"),)


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


def _csv_records(path: Path, mapping: Mapping, progress: Progress) -> Iterator[RawRecord]:
    csv.field_size_limit(sys.maxsize)  # a 50 MB output is one cell
    with path.open("rb") as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        dialect: type[csv.Dialect] = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
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
                progress(binary.tell())
            extra = row.pop(None, None)  # type: ignore[call-overload,unused-ignore]
            if extra:
                yield (
                    start,
                    (RecordError(path, start, "", f"has {len(extra)} more cells than the header"),),
                )
                continue
            record = mapping.apply(dict(row), text_cells=True)
            _fill_derived(path, record)
            yield start, record
        progress(binary.tell())
        if not rows:
            yield 0, (RecordError(path, 0, "", "the file has a header but no rows"),)


def _fill_derived(path: Path, record: dict[str, Any]) -> None:
    """Ids and decision times for sources that have none: stable across re-imports."""
    if "id" not in record and "output" in record:
        record["id"] = content_id(record)
    decisions = record.get("decisions")
    if isinstance(decisions, list):
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
        for decision in decisions:
            if isinstance(decision, dict) and not decision.get("decided_at"):
                decision["decided_at"] = stamp


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
