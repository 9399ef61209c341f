"""Importers: canonical JSONL, JSON arrays, CSV and TSV through a column mapping (value maps,
computed fields, several decisions a row), OpenAI-style chat logs; gzipped or not."""

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
