"""A record's `prompt_template_text`: the text of the prompt template (its `prompt_template`
at `prompt_version`) the generation was made from.

Imports, `POST /v1/items` and OTLP spans may carry it; it fills the prompt-template registry on
first sight (`reviewdesk.store.templates.note_templates`) and is not stored with the item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reviewdesk.domain.templates import MAX_TEMPLATE_CHARS
from reviewdesk.ingest.records import RecordError, json_kind
from reviewdesk.store.templates import SeenTemplate

__all__ = ["TEMPLATE_TEXT", "take_template_text"]

TEMPLATE_TEXT = "prompt_template_text"


def take_template_text(
    path: Path, line: int, raw: dict[str, Any]
) -> SeenTemplate | RecordError | None:
    """Take `prompt_template_text` out of `raw` (so it never reaches the item's metadata): the
    template text it gives, None when it gives none, or why it cannot be taken."""
    if TEMPLATE_TEXT not in raw:
        return None
    text = raw.pop(TEMPLATE_TEXT)
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        return RecordError(path, line, TEMPLATE_TEXT, f"expected text, got {json_kind(text)}")
    if len(text) > MAX_TEMPLATE_CHARS:
        return RecordError(
            path,
            line,
            TEMPLATE_TEXT,
            f"{len(text):,} characters: a template text has at most {MAX_TEMPLATE_CHARS:,}",
        )
    name, version = raw.get("prompt_template"), raw.get("prompt_version")
    if not isinstance(name, str) or not name or not isinstance(version, str) or not version:
        return RecordError(
            path,
            line,
            TEMPLATE_TEXT,
            "a template text needs the record's prompt_template and prompt_version "
            "(the version it is the text of)",
        )
    return SeenTemplate(name, version, text)
