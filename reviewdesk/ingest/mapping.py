"""Column mappings: bringing CSV and JSONL from other tools into the canonical record.

A mapping names, for canonical fields, the source column they come from (`--map
prompt=question`, a dotted path reaches into nested JSON: `--map model=meta.model_name`) and
constants for fields the source lacks (`--default model=gpt-4o`). A TOML file holds both:

    [columns]
    prompt = "question"
    output = "answer"

    [defaults]
    model = "gpt-4o-mini"

Decision fields (`verdict`, `reviewer`, `edited_output`, `reasons`, `comment`, `decided_at`,
`duration_ms`, `decision_id`) make one decision per row when `verdict` has a value, so labels
from a spreadsheet come in with their items.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain import Generation
from reviewdesk.errors import UserError

GENERATION_FIELDS = tuple(Generation.model_fields)
DECISION_FIELDS = (
    "verdict",
    "reviewer",
    "edited_output",
    "reasons",
    "comment",
    "decided_at",
    "duration_ms",
    "decision_id",
)
FIELDS = (*GENERATION_FIELDS, *DECISION_FIELDS)
_JSON_FIELDS = {"prompt", "flags", "usage", "metadata", "reasons", "decisions"}


@dataclass(frozen=True)
class Mapping:
    """Where each canonical field comes from in a source, and constants for missing ones."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def is_identity(self) -> bool:
        return not self.columns and not self.defaults

    @classmethod
    def from_specs(cls, maps: list[str], defaults: list[str]) -> Mapping:
        """A mapping from `FIELD=COLUMN` and `FIELD=VALUE` option values."""
        return cls(
            columns=dict(_spec(item, "--map") for item in maps),
            defaults=dict(_spec(item, "--default") for item in defaults),
        )

    @classmethod
    def from_toml(cls, path: Path) -> Mapping:
        """A mapping from a TOML file with `[columns]` and `[defaults]` tables."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UserError(f"cannot read the mapping file {path}: {error.strerror}") from error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise UserError(f"{path}: not a valid TOML mapping: {error}") from error
        unknown = set(data) - {"columns", "defaults"}
        if unknown:
            raise UserError(
                f"{path}: unknown table [{sorted(unknown)[0]}]; "
                "a mapping has [columns] and [defaults]"
            )
        columns = data.get("columns", {})
        for name, column in columns.items():
            _check_field(name, f"{path}: [columns]")
            if not isinstance(column, str):
                raise UserError(f"{path}: [columns] {name}: the column name must be text")
        defaults = data.get("defaults", {})
        for name in defaults:
            _check_field(name, f"{path}: [defaults]")
        return cls(columns=dict(columns), defaults=dict(defaults))

    def merged(self, other: Mapping) -> Mapping:
        """This mapping with `other`'s entries on top."""
        return Mapping({**self.columns, **other.columns}, {**self.defaults, **other.defaults})

    def apply(self, raw: dict[str, Any], *, text_cells: bool) -> dict[str, Any]:
        """The canonical record for one source record.

        Args:
            text_cells: the source holds only text (CSV): empty cells are missing values and
                JSON-valued fields (prompt as a message list, flags, usage, metadata) are parsed.
        """
        record: dict[str, Any] = {}
        consumed: set[str] = set()
        for name, column in self.columns.items():
            found, value = _lookup(raw, column)
            consumed.add(column.split(".", 1)[0])
            if found:
                record[name] = value
        for key, value in raw.items():
            if key not in consumed and key not in record:
                record[key] = value
        if text_cells:
            record = _from_text_cells(record)
        for name, value in self.defaults.items():
            if record.get(name) in (None, ""):
                record[name] = value
        return _with_decision(record)


def _spec(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    name = name.strip()
    if not sep or not name or not value:
        raise UserError(f"{option} {item!r}: expected FIELD=VALUE, e.g. {option} prompt=question")
    _check_field(name, f"{option} {item}")
    return name, value


def _check_field(name: str, where: str) -> None:
    if name not in FIELDS:
        raise UserError(f"{where}: {name!r} is not a field; the fields are {', '.join(FIELDS)}")


def _lookup(raw: dict[str, Any], path: str) -> tuple[bool, Any]:
    if path in raw:
        return True, raw[path]
    value: Any = raw
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _from_text_cells(record: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in _JSON_FIELDS and isinstance(value, str):
            value = _json_cell(key, value)
        cleaned[key] = value
    return cleaned


def _json_cell(key: str, value: str) -> Any:
    text = value.strip()
    if text[:1] in "[{":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            if key != "prompt":
                return value  # validation then says what is wrong with it
    if key == "reasons":
        return [part.strip() for part in re.split(r"[;,|]", text) if part.strip()]
    return value


def _with_decision(record: dict[str, Any]) -> dict[str, Any]:
    decision = {name: record.pop(name) for name in DECISION_FIELDS if name in record}
    verdict = decision.get("verdict")
    if verdict in (None, ""):
        return record
    if "decision_id" in decision:
        decision["id"] = decision.pop("decision_id")
    if isinstance(decision.get("reasons"), str):
        decision["reasons"] = [
            p.strip() for p in re.split(r"[;,|]", decision["reasons"]) if p.strip()
        ]
    decisions = record.get("decisions")
    record["decisions"] = [*(decisions if isinstance(decisions, list) else []), decision]
    return record


def content_id(record: dict[str, Any]) -> str:
    """A stable id for a record from a source without ids: the same content, the same id."""
    digest = hashlib.sha256(
        orjson.dumps([record.get("prompt"), record.get("output"), record.get("model")])
    ).hexdigest()
    return f"h-{digest[:20]}"
