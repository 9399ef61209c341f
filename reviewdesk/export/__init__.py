"""Dataset exports for fine-tuning and evaluation (no Qt, no server, no command line).

Formats (`ExportFormat`): `raw`, `sft`, `sft-text`, `dpo`, `kto`, `openai`, `csv`; their shapes
and the rules that make records of labels are in `reviewdesk.export.records`.

    summary = export_dataset(store.engine, Path("out/feedback.jsonl"), ExportOptions(
        format=ExportFormat.SFT, splits=parse_split("test=0.1"), redact=True))

`export_dataset` runs on any thread, reports `(done, total)` to a progress callback and stops
when a cancel check says so, leaving nothing behind; `preview(engine, options, n=3)` gives the
first records; `stream_export(connection, options)` yields the bytes for a streamed response.
The SQL runs on SQLite and PostgreSQL alike.

Errors: `ExportError` (a `UserError`: bad option values, a destination that cannot be written),
with `ExportInTheWayError` (an earlier export in the folder, without `overwrite`) and
`NothingToExportError` (no records, without `allow_empty`); `StoreError` when the store cannot
be read.
"""

from __future__ import annotations

from reviewdesk.export.dataset import (
    Progress,
    export_dataset,
    preview,
    stream_export,
)
from reviewdesk.export.options import (
    AnswerCondition,
    ExportError,
    ExportFormat,
    ExportInTheWayError,
    ExportOptions,
    Filters,
    NothingToExportError,
    Split,
    Style,
    parse_split,
    parse_time_bound,
    parse_where,
)
from reviewdesk.export.records import Tally
from reviewdesk.export.summary import ExportSummary

__all__ = [
    "AnswerCondition",
    "ExportError",
    "ExportFormat",
    "ExportInTheWayError",
    "ExportOptions",
    "ExportSummary",
    "Filters",
    "NothingToExportError",
    "Progress",
    "Split",
    "Style",
    "Tally",
    "export_dataset",
    "parse_split",
    "parse_time_bound",
    "parse_where",
    "preview",
    "stream_export",
]
