"""Importers: canonical JSONL, CSV / JSONL through a column mapping, OpenAI-style chat logs."""

from __future__ import annotations

from reviewdesk.ingest.importer import ImportProgress, ImportReport, OnError, import_files
from reviewdesk.ingest.mapping import Mapping
from reviewdesk.ingest.records import RecordError
from reviewdesk.ingest.sources import SourceFormat

__all__ = [
    "ImportProgress",
    "ImportReport",
    "Mapping",
    "OnError",
    "RecordError",
    "SourceFormat",
    "import_files",
]
