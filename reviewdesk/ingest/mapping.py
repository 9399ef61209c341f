"""Column mappings: bringing CSV, JSON and JSONL from other tools into the canonical record.

A mapping names, for canonical fields, the source column they come from (`--map
prompt=question`, a dotted path reaches into nested JSON: `--map model=meta.model_name`),
constants for fields the source lacks (`--default model=gpt-4o`), translations of the source's
own values (`--value verdict:yes=approve`) and fields computed from an expression over the
row's columns (`--compute verdict=...`, a jinja2 expression evaluated in its sandbox). A TOML
file holds them all:

    id_from = ["model", "id"]          # build ids from fields or columns (joined with ":")
    id_prefix = "run7:"                # or put a prefix before every id

    [columns]
    prompt = "question"
    output = "answer"

    [defaults]
    model = "gpt-4o-mini"

    [values.verdict]                   # the source's values, translated
    yes = "approve"
    no = "reject"

    [computed]                         # columns as variables; also row, _file, _stem, _line
    model = "_stem"
    reasons = "'unsafe' if type == 'unsafe' else 'incomplete'"

    [[decisions]]                      # one decision per block and row, when its verdict is set
    columns = {verdict = "label_ann1"}
    defaults = {reviewer = "ann1"}

    [[decisions]]                      # or when an answer is: the verdict may be a default
    answers.behaviour = "label_ann2"
    defaults = {reviewer = "ann2", verdict = "approve"}

Decision fields (`verdict`, `reviewer`, `edited_output`, `reasons`, `comment`, `decided_at`,
`duration_ms`, `decision_id`, and `answers.KEY` for the answer to the queue form's question KEY)
at the top level make one decision per row when `verdict` has a value; each `[[decisions]]`
block makes one more, with its own columns, defaults, value maps (the top-level `[values]`
apply where a block has none for a field) and computed fields. In a block, `answers.KEY =
"column"` is short for `columns = {"answers.KEY" = "column"}`; a value map for an answer is
`[values."answers.KEY"]` (or in the block, `values = {"answers.KEY" = {...}}`).

Comparisons (pairwise review): `candidates[N].FIELD` names a field of the candidate at position
N (`--map candidates[0].output=response1 --map candidates[1].output=response2`, in TOML
`"candidates[0].output" = "response1"`); a record with any of them becomes a comparison, its
candidates in position order. Its decisions carry `preference` (`a`, `b`, `tie`, `both_bad`)
and `shown_order` instead of `verdict`: a decision is made when its `preference` has a value,
e.g. three annotator columns with `1 / 2 / 0` for first / second / tie:

    [columns]
    prompt = "prompt"
    "candidates[0].output" = "response1"
    "candidates[1].output" = "response2"

    [defaults]
    "candidates[0].model" = "model-1"
    "candidates[1].model" = "model-2"

    [values.preference]
    1 = "a"
    2 = "b"
    0 = "tie"

    [[decisions]]
    columns = {preference = "annotator_1"}
    defaults = {reviewer = "annotator_1"}
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain import Candidate, Generation
from reviewdesk.errors import UserError
from reviewdesk.ingest.records import RecordError, json_kind
from reviewdesk.ingest.transforms import (
    ExpressionError,
    check_expression,
    evaluate,
    row_context,
    text_of,
    translate,
)

# `prompt_template_text` fills the prompt-template registry (ingest.template_texts), not the item.
GENERATION_FIELDS = (*Generation.model_fields, "prompt_template_text")
DECISION_FIELDS = (
    "verdict",
    "reviewer",
    "edited_output",
    "reasons",
    "comment",
    "decided_at",
    "duration_ms",
    "decision_id",
    "preference",
    "shown_order",
)
FIELDS = (*GENERATION_FIELDS, *DECISION_FIELDS)
CANDIDATE_FIELDS = tuple(Candidate.model_fields)
_CANDIDATE_FIELD = re.compile(r"candidates\[(\d{1,2})\]\.([a-z_]+)")
ID_SEPARATOR = ":"
_JSON_FIELDS = {"prompt", "flags", "usage", "metadata", "reasons", "decisions"}
ANSWER_PREFIX = "answers."
_ANSWER_FIELD = re.compile(r"answers\.[a-z][a-z0-9_]{0,63}")
_TABLES = ("columns", "defaults", "values", "computed")
_TOP_KEYS = {*_TABLES, "decisions", "id_from", "id_prefix"}


@dataclass(frozen=True)
class DecisionMapping:
    """One `[[decisions]]` block: where one more decision per row comes from."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    """Where each canonical field comes from in a source, and constants for missing ones."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)
    decisions: tuple[DecisionMapping, ...] = ()
    id_from: tuple[str, ...] = ()
    id_prefix: str = ""

    @property
    def is_identity(self) -> bool:
        return not (
            self.columns
            or self.defaults
            or self.values
            or self.computed
            or self.decisions
            or self.id_from
            or self.id_prefix
        )

    @classmethod
    def from_specs(
        cls,
        maps: list[str],
        defaults: list[str],
        values: Iterable[str] = (),
        computed: Iterable[str] = (),
        *,
        id_from: str | None = None,
        id_prefix: str | None = None,
    ) -> Mapping:
        """A mapping from command-line option values: `FIELD=COLUMN` (--map), `FIELD=VALUE`
        (--default), `FIELD:FROM=TO` (--value), `FIELD=EXPRESSION` (--compute), and
        `FIELD,FIELD` (--id-from)."""
        value_maps: dict[str, dict[str, Any]] = {}
        for item in values:
            name, source, target = _value_spec(item)
            value_maps.setdefault(name, {})[source] = target
        expressions = dict(_spec(item, "--compute") for item in computed)
        for name, expression in expressions.items():
            check_expression(expression, f"--compute {name}")
        return cls(
            columns=dict(_spec(item, "--map") for item in maps),
            defaults=dict(_spec(item, "--default") for item in defaults),
            values=value_maps,
            computed=expressions,
            id_from=_id_fields(id_from or "", "--id-from"),
            id_prefix=id_prefix or "",
        )

    @classmethod
    def from_toml(cls, path: Path) -> Mapping:
        """A mapping from a TOML file (the tables and keys in this module's docstring)."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UserError(f"cannot read the mapping file {path}: {error.strerror}") from error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise UserError(f"{path}: not a valid TOML mapping: {error}") from error
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise UserError(
                f"{path}: unknown table [{sorted(unknown)[0]}]; a mapping has [columns], "
                "[defaults], [values.FIELD], [computed], [[decisions]], id_from and id_prefix"
            )
        tables = _tables(data, f"{path}:", FIELDS)
        blocks = data.get("decisions", [])
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise UserError(f"{path}: [[decisions]] must be tables (one per decision)")
        decisions = []
        for number, block in enumerate(blocks, start=1):
            where = f"{path}: [[decisions]] {number}"
            extra = set(block) - {*_TABLES, "answers"}
            if extra:
                raise UserError(
                    f"{where}: unknown key {sorted(extra)[0]!r}; a block has columns, defaults, "
                    "values, computed and answers.KEY"
                )
            block = _with_answer_columns(block, where)
            decisions.append(DecisionMapping(*_tables(block, where, DECISION_FIELDS)))
        id_from = data.get("id_from", [])
        if isinstance(id_from, str):
            id_from = id_from.split(",")
        if not isinstance(id_from, list) or not all(isinstance(part, str) for part in id_from):
            raise UserError(f"{path}: id_from must be a list of field or column names")
        prefix = data.get("id_prefix", "")
        if not isinstance(prefix, str):
            raise UserError(f"{path}: id_prefix must be text")
        return cls(
            *tables,
            decisions=tuple(decisions),
            id_from=_id_fields(",".join(id_from), f"{path}: id_from"),
            id_prefix=prefix,
        )

    def merged(self, other: Mapping) -> Mapping:
        """This mapping with `other`'s entries on top."""
        values = {name: dict(table) for name, table in self.values.items()}
        for name, table in other.values.items():
            values.setdefault(name, {}).update(table)
        return Mapping(
            {**self.columns, **other.columns},
            {**self.defaults, **other.defaults},
            values,
            {**self.computed, **other.computed},
            (*self.decisions, *other.decisions),
            other.id_from or self.id_from,
            other.id_prefix or self.id_prefix,
        )

    def apply(
        self, raw: dict[str, Any], *, text_cells: bool, path: Path, line: int
    ) -> dict[str, Any] | tuple[RecordError, ...]:
        """The canonical record for one source record, or what kept it from being made.

        Args:
            text_cells: the source holds only text (CSV): empty cells are missing values and
                JSON-valued fields (prompt as a message list, flags, usage, metadata) are parsed.
        """
        errors: list[RecordError] = []
        context: dict[str, Any] | None = None
        record: dict[str, Any] = {}
        consumed: set[str] = set()
        for name, column in self.columns.items():
            found, value = _lookup(raw, column)
            consumed.add(column.split(".", 1)[0])
            if found:
                record[name] = value
        for block in self.decisions:
            consumed.update(column.split(".", 1)[0] for column in block.columns.values())
        for key, value in raw.items():
            if key not in consumed and key not in record:
                record[key] = value
        if self.computed:
            context = row_context(raw, path, line)
            for name, expression in self.computed.items():
                try:
                    record[name] = evaluate(expression, context)
                except ExpressionError as error:
                    errors.append(RecordError(path, line, name, f"{error} (in {expression!r})"))
        if text_cells:
            record = _from_text_cells(record)
        translate(record, self.values, path, line, errors)
        for name, value in self.defaults.items():
            if record.get(name) in (None, ""):
                record[name] = value
        extra = []
        for block in self.decisions:
            if block.computed and context is None:
                context = row_context(raw, path, line)
            made = _block_decision(block, self.values, raw, text_cells, context, path, line, errors)
            if made is not None:
                extra.append(made)
        record = _with_candidates(_with_decision(record))
        if extra:
            record["decisions"] = [*record.get("decisions", []), *extra]
        self._set_id(record, raw, path, line, errors)
        return tuple(errors) if errors else record

    def _set_id(
        self,
        record: dict[str, Any],
        raw: dict[str, Any],
        path: Path,
        line: int,
        errors: list[RecordError],
    ) -> None:
        if self.id_from:
            parts = []
            for name in self.id_from:
                value = record.get(name)
                if value in (None, ""):
                    found, value = _lookup(raw, name)
                    if not found:
                        value = None
                if value in (None, "") or isinstance(value, dict | list):
                    errors.append(
                        RecordError(
                            path,
                            line,
                            "id",
                            f"id_from: {name!r} is "
                            + ("missing" if value in (None, "") else json_kind(value)),
                        )
                    )
                    return
                parts.append(text_of(value))
            record["id"] = ID_SEPARATOR.join(parts)
        elif "id" not in record and ("output" in record or "candidates" in record):
            record["id"] = content_id(record)
        if self.id_prefix and record.get("id") not in (None, ""):
            record["id"] = self.id_prefix + text_of(record["id"])


def _with_answer_columns(block: dict[str, Any], where: str) -> dict[str, Any]:
    """A `[[decisions]]` block with its `answers.KEY = "column"` keys moved into `columns`."""
    answers = block.get("answers")
    if answers is None:
        return block
    if not isinstance(answers, dict):
        raise UserError(f'{where}: answers must be a table of KEY = "column"')
    columns = block.get("columns", {})
    if not isinstance(columns, dict):
        return block  # `_tables` says what is wrong with it
    moved = {f"{ANSWER_PREFIX}{key}": column for key, column in answers.items()}
    rest = {name: value for name, value in block.items() if name != "answers"}
    return {**rest, "columns": {**columns, **moved}}


def _flat_answers(table: dict[str, Any], nested_values: bool = False) -> dict[str, Any]:
    """A table with a nested `answers` table (TOML's `answers.KEY = ...`) as `answers.KEY`
    entries. For `[values]`, only a table of tables is nested (`[values.answers.KEY]`)."""
    inner = table.get("answers")
    if not isinstance(inner, dict):
        return table
    if nested_values and not all(isinstance(value, dict) for value in inner.values()):
        return table
    flat = {name: value for name, value in table.items() if name != "answers"}
    flat.update({f"{ANSWER_PREFIX}{key}": value for key, value in inner.items()})
    return flat


def _tables(
    data: dict[str, Any], where: str, fields: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]:
    for table in _TABLES:
        if not isinstance(data.get(table, {}), dict):
            raise UserError(f"{where} [{table}] must be a table")
    data = {
        **data,
        **{
            table: _flat_answers(data[table], nested_values=table == "values")
            for table in _TABLES
            if table in data
        },
    }
    columns = data.get("columns", {})
    for name, column in columns.items():
        _check_field(name, f"{where} [columns]", fields)
        if not isinstance(column, str):
            raise UserError(f"{where} [columns] {name}: the column name must be text")
    defaults = data.get("defaults", {})
    for name in defaults:
        _check_field(name, f"{where} [defaults]", fields)
    values = data.get("values", {})
    for name, table in values.items():
        _check_field(name, f"{where} [values]", fields)
        if not isinstance(table, dict):
            raise UserError(
                f'{where} [values.{name}] must be a table of "source value" = target value'
            )
    computed = data.get("computed", {})
    for name, expression in computed.items():
        _check_field(name, f"{where} [computed]", fields)
        if not isinstance(expression, str):
            raise UserError(f"{where} [computed] {name}: the expression must be text")
        check_expression(expression, f"{where} [computed] {name}")
    return (
        dict(columns),
        dict(defaults),
        {name: dict(table) for name, table in values.items()},
        dict(computed),
    )


def _spec(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    name = name.strip()
    if not sep or not name or not value:
        raise UserError(f"{option} {item!r}: expected FIELD=VALUE, e.g. {option} prompt=question")
    _check_field(name, f"{option} {item}")
    return name, value


def _value_spec(item: str) -> tuple[str, str, str]:
    name, sep, rest = item.partition(":")
    source, equals, target = rest.partition("=")
    name = name.strip()
    if not sep or not equals or not name:
        raise UserError(
            f"--value {item!r}: expected FIELD:FROM=TO, e.g. --value verdict:yes=approve"
        )
    _check_field(name, f"--value {item}")
    return name, source.strip(), target


def _id_fields(text: str, where: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in text.split(",") if part.strip())
    if text.strip() and not parts:
        raise UserError(f"{where}: name the fields or columns an id is made of, e.g. model,id")
    return parts


def _check_field(name: str, where: str, fields: tuple[str, ...] = FIELDS) -> None:
    if name in fields or ("verdict" in fields and _ANSWER_FIELD.fullmatch(name)):
        return
    candidate = _CANDIDATE_FIELD.fullmatch(name)
    if candidate is not None and "output" in fields:
        if candidate[2] in CANDIDATE_FIELDS:
            return
        raise UserError(
            f"{where}: {name!r}: {candidate[2]!r} is not a field of a candidate; they are "
            f"{', '.join(CANDIDATE_FIELDS)}"
        )
    if name.startswith(ANSWER_PREFIX):
        raise UserError(
            f"{where}: {name!r}: an answer's key is lower-case letters, digits and _, starting "
            "with a letter (answers.KEY)"
        )
    raise UserError(
        f"{where}: {name!r} is not a field; the fields are {', '.join(fields)}, "
        "answers.KEY (the answer to the queue form's question KEY)"
        + (" and candidates[N].FIELD (a comparison's candidates)" if "output" in fields else "")
    )


def _lookup(raw: dict[str, Any], path: str) -> tuple[bool, Any]:
    if path in raw:
        return True, raw[path]
    value: Any = raw
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


# -- cells and decisions ------------------------------------------------------------------------


def _from_text_cells(record: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        candidate = _CANDIDATE_FIELD.fullmatch(key)
        if candidate is not None and candidate[2] in _JSON_FIELDS and isinstance(value, str):
            value = _json_cell(candidate[2], value)
        elif key in _JSON_FIELDS and isinstance(value, str):
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
        return _split_reasons(text)
    return value


def _split_reasons(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,|]", text) if part.strip()]


def _block_decision(
    block: DecisionMapping,
    top_values: dict[str, dict[str, Any]],
    raw: dict[str, Any],
    text_cells: bool,
    context: dict[str, Any] | None,
    path: Path,
    line: int,
    errors: list[RecordError],
) -> dict[str, Any] | None:
    decision: dict[str, Any] = {}
    for name, column in block.columns.items():
        found, value = _lookup(raw, column)
        if found:
            decision[name] = value
    for name, expression in block.computed.items():
        assert context is not None
        try:
            decision[name] = evaluate(expression, context)
        except ExpressionError as error:
            errors.append(RecordError(path, line, name, f"{error} (in {expression!r})"))
    decision = {
        name: value
        for name, value in decision.items()
        if value is not None and not (isinstance(value, str) and not value.strip())
    }
    answered = any(name.startswith(ANSWER_PREFIX) for name in decision)
    if not _labelled(decision) and not answered:
        return None  # this reviewer left the row unlabelled (a verdict may come from defaults)
    if text_cells and isinstance(decision.get("reasons"), str):
        decision["reasons"] = _json_cell("reasons", decision["reasons"])
    translate(decision, block.values, path, line, errors, top_values)
    for name, value in block.defaults.items():
        if decision.get(name) in (None, ""):
            decision[name] = value
    return _as_decision(decision)


def _as_decision(decision: dict[str, Any]) -> dict[str, Any]:
    if "decision_id" in decision:
        decision["id"] = decision.pop("decision_id")
    answers = {
        name.removeprefix(ANSWER_PREFIX): decision.pop(name)
        for name in [name for name in decision if name.startswith(ANSWER_PREFIX)]
    }
    if answers:
        decision["answers"] = answers
    if isinstance(decision.get("reasons"), str):
        decision["reasons"] = _split_reasons(decision["reasons"])
    return decision


def _with_decision(record: dict[str, Any]) -> dict[str, Any]:
    decision = {name: record.pop(name) for name in DECISION_FIELDS if name in record}
    # Answers mapped at the top level belong to the row's decision, never to the item.
    for name in [name for name in record if name.startswith(ANSWER_PREFIX)]:
        decision[name] = record.pop(name)
    if not _labelled(decision):
        return record
    decisions = record.get("decisions")
    record["decisions"] = [
        *(decisions if isinstance(decisions, list) else []),
        _as_decision(decision),
    ]
    return record


def _labelled(decision: dict[str, Any]) -> bool:
    """A row's decision is made when its verdict (an item) or preference (a comparison) is set."""
    return any(decision.get(name) not in (None, "") for name in ("verdict", "preference"))


def _with_candidates(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its `candidates[N].FIELD` entries gathered into the `candidates` list (in
    position order; a position no field names is an empty candidate, which validation reports)."""
    named = [name for name in record if _CANDIDATE_FIELD.fullmatch(name)]
    if not named:
        return record
    existing = record.get("candidates")
    candidates: dict[int, dict[str, Any]] = {}
    if isinstance(existing, list):
        candidates = {
            position: dict(item) if isinstance(item, dict) else item
            for position, item in enumerate(existing)
        }
    for name in named:
        match = _CANDIDATE_FIELD.fullmatch(name)
        assert match is not None
        position, key = int(match[1]), match[2]
        value = record.pop(name)
        slot = candidates.setdefault(position, {})
        if isinstance(slot, dict) and value is not None:
            slot[key] = value
    record["candidates"] = [candidates.get(position, {}) for position in range(max(candidates) + 1)]
    return record


def content_id(record: dict[str, Any]) -> str:
    """A stable id for a record from a source without ids: the same content, the same id."""
    candidates = record.get("candidates")
    if isinstance(candidates, list):
        content = [
            [item.get("output"), item.get("model")] if isinstance(item, dict) else item
            for item in candidates
        ]
        digest = hashlib.sha256(orjson.dumps([record.get("prompt"), content])).hexdigest()
        return f"c-{digest[:20]}"
    digest = hashlib.sha256(
        orjson.dumps([record.get("prompt"), record.get("output"), record.get("model")])
    ).hexdigest()
    return f"h-{digest[:20]}"
