"""From labels to dataset records, one format at a time.

The shapes are those Hugging Face TRL 1.x trainers and OpenAI chat fine-tuning read:

- `sft`: `{"messages": [...prompt turns, {"role": "assistant", "content": ...}]}`
- `sft-text`: `{"prompt": str, "completion": str}`
- `dpo`: `{"prompt", "chosen", "rejected"}`; chat style: the prompt is a list of messages and
  chosen / rejected are one assistant message each; text style: three strings.
- `kto`: `{"prompt", "completion", "label": bool}`, chat or text style as for dpo.
- `openai`: `{"messages": [...]}` with roles system / user / assistant; `weight` (0 or 1) on
  assistant turns only: 1 on the reviewed answer, 0 on the assistant turns of the prompt.
- `raw`: every field of the decision and its generation, with its `answers` to the queue's
  form and `form_version`; `csv`: the same, flat, for spreadsheets, with one `answer.KEY`
  column per question (multi answers joined with `;`, spans as JSON with `start`, `end`,
  `label` and the `text` they cover).

The rules: SFT takes approved outputs and the edited text of edits, never an edit's original.
DPO pairs an edit's text (chosen) with its original (rejected), and an approved with a rejected
output of the same prompt (same template, version and stored prompt). KTO: approve → true,
reject → false, edit → the edited text true and the original false (only true when the edit
left the text as it was). A KTO completion labelled both true and false for the same prompt
(two items, or two reviewers with `--per-reviewer`) is left out: KTO rows come grouped by
prompt, so a prompt's completions are checked together. An empty or whitespace-only answer
never becomes a training row. Every row left out is counted in the tally, with the reason.

A plain-text prompt becomes one user turn in chat shapes; a chat prompt becomes text in text
shapes as `[role]\\ncontent` turns separated by blank lines, ending in `[assistant]\\n`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from reviewdesk.domain import Answer, Severity, SpanAnswer
from reviewdesk.export.options import ExportFormat, ExportOptions, Style
from reviewdesk.export.query import FlagSpan, LabelRow
from reviewdesk.export.redact import Redaction
from reviewdesk.export.split import SplitAssigner
from reviewdesk.store.keys import NO_RISK

__all__ = ["ANSWER_COLUMN", "CSV_COLUMNS", "RecordBuilder", "Tally"]

Messages = list[dict[str, Any]]
Record = dict[str, Any] | list[Any]

APPROVE, EDIT, REJECT = "approve", "edit", "reject"
_OPENAI_ROLES = frozenset(("system", "user", "assistant"))
EMPTY = "empty or whitespace-only answers"
CONTRADICTED = "completions labelled both desirable and undesirable for one prompt"

CSV_COLUMNS = (
    "decision_id",
    "generation_id",
    "decided_at",
    "reviewer",
    "verdict",
    "reasons",
    "comment",
    "duration_ms",
    "current",
    "model",
    "prompt_template",
    "prompt_version",
    "route",
    "queue",
    "risk",
    "top_severity",
    "flags",
    "created_at",
    "prompt",
    "output",
    "edited_output",
)
ANSWER_COLUMN = "answer."
"""The csv column of a question's answers is this and its key (`answer.helpfulness`)."""
_SEVERITY_NAMES = {severity.rank: str(severity) for severity in Severity}
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Tally:
    """What an export read and wrote; the dataset card and the summary show it."""

    labels: int = 0
    records: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def count(self, rows: Sequence[LabelRow]) -> None:
        self.labels += len(rows)
        self.verdicts.update(row.verdict for row in rows)
        self.models.update(row.model for row in rows)
        self.versions.update(_template_version(row) for row in rows)


def _template_version(row: LabelRow) -> str:
    if row.prompt_template is None:
        return row.prompt_version or "(none)"
    return f"{row.prompt_template}@{row.prompt_version or '?'}"


def _messages(prompt: Any) -> Messages:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return [{"role": turn["role"], "content": turn["content"]} for turn in prompt]


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    turns = "\n\n".join(f"[{turn['role']}]\n{turn['content']}" for turn in prompt)
    return f"{turns}\n\n[assistant]\n"


def _redacted_prompt(prompt: Any, redactions: Sequence[Redaction]) -> Any:
    if not any(redactions):
        return prompt
    if isinstance(prompt, str):
        for redaction in redactions:
            prompt = redaction.text(prompt)
        return prompt
    turns = []
    for turn in prompt:
        content = turn["content"]
        for redaction in redactions:
            content = redaction.text(content)
        turns.append({"role": turn["role"], "content": content})
    return turns


def _answer_json(answer: Answer, output: str | None) -> Any:
    """An answer as JSON: spans with the text they cover (None when `output` was redacted:
    the offsets point into the original, which the export does not hold)."""
    if not isinstance(answer, tuple):
        return answer
    return [
        {
            "start": None if output is None else item.start,
            "end": None if output is None else item.end,
            "label": item.label,
            "text": None if output is None else output[item.start : item.end],
        }
        if isinstance(item, SpanAnswer)
        else item
        for item in answer
    ]


def _answer_cell(answer: Answer | None, output: str | None) -> Any:
    if answer is None or isinstance(answer, int):
        return answer
    if isinstance(answer, str):
        return _cell(answer)
    if answer and isinstance(answer[0], SpanAnswer):
        return orjson.dumps(_answer_json(answer, output)).decode()
    return _cell(";".join(str(item) for item in answer))


def _cell(value: str | None) -> str | None:
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(slots=True)
class _Texts:
    """A label's texts after redaction."""

    prompt: Any
    output: str
    edited: str | None
    comment: str | None
    redaction: Redaction | None


class RecordBuilder:
    """Turns chunks of labels into `(split, record)` pairs for one export.

    Feed chunks in the query's order, then call `finish()` for what a last group holds back.
    """

    def __init__(self, options: ExportOptions, answer_keys: Sequence[str] = ()) -> None:
        self._options = options
        self._answer_keys = tuple(answer_keys)
        self._answers: dict[int, dict[str, Answer]] = {}
        self._format = options.format
        self._chat = options.style is Style.CHAT
        self._assign = SplitAssigner(options.splits)
        self._redact = frozenset(options.redact_validators) if options.redact else frozenset()
        self.tally = Tally()
        # DPO: the group (template, version, prompt) being collected, and its outputs.
        self._group: tuple[str | None, str | None, str] | None = None
        self._approved: dict[str, _Texts] = {}
        self._rejected: dict[str, _Texts] = {}
        # KTO: the prompt being collected, and its rows by completion: (split, record, label).
        self._kto_prompt: str | None = None
        self._kto_rows: dict[str, list[tuple[str, Record, bool]]] = {}
        self.extra_columns: tuple[str, ...] = ()
        """Columns after the item ones (a csv export with comparisons: theirs)."""

    @property
    def csv_columns(self) -> tuple[str, ...]:
        """The csv header: `CSV_COLUMNS`, a column per question, and `extra_columns`."""
        return (
            *CSV_COLUMNS,
            *(ANSWER_COLUMN + key for key in self._answer_keys),
            *self.extra_columns,
        )

    def split_of(self, prompt_json: str) -> str:
        """The split a prompt (as the store keeps it: JSON text) goes to."""
        return self._assign(prompt_json)

    def preference_pair(
        self, prompt_json: str, prompt: Any, chosen: str, rejected: str
    ) -> tuple[str, Record]:
        """A `dpo` row in this export's style, with its split."""
        return self._pair(prompt_json, prompt, chosen, rejected)

    def csv_row(self, values: dict[str, Any], answers: dict[str, Any]) -> list[Any]:
        """A csv row from column values by name (text guarded against formulas) and answers
        (JSON-ready) by question key; columns not named are empty."""
        row: list[Any] = []
        for column in self.csv_columns:
            if column.startswith(ANSWER_COLUMN) and column not in values:
                answer = answers.get(column.removeprefix(ANSWER_COLUMN))
                if isinstance(answer, list):
                    answer = (
                        orjson.dumps(answer).decode()
                        if answer and isinstance(answer[0], dict)
                        else ";".join(str(item) for item in answer)
                    )
                row.append(_cell(answer) if isinstance(answer, str) else answer)
                continue
            value = values.get(column)
            row.append(_cell(value) if isinstance(value, str) else value)
        return row

    def feed(
        self,
        rows: Sequence[LabelRow],
        flags: dict[int, list[FlagSpan]],
        answers: dict[int, dict[str, Answer]] | None = None,
    ) -> Iterator[tuple[str, Record]]:
        """The records of a chunk of labels; `answers` by decision pk (raw and csv show them)."""
        self.tally.count(rows)
        self._answers = answers or {}
        if self._format in (ExportFormat.RAW, ExportFormat.CSV):
            # One record a label: no generator a row (at a million rows, that shows).
            one = self._raw if self._format is ExportFormat.RAW else self._csv
            for row in rows:
                row_flags = flags.get(row.generation_pk, ())
                yield one(row, self._texts(row, row_flags), row_flags)
            return
        build = getattr(self, f"_{self._format.value.replace('-', '_')}")
        for row in rows:
            row_flags = flags.get(row.generation_pk, ())
            yield from build(row, self._texts(row, row_flags), row_flags)

    def finish(self) -> Iterator[tuple[str, Record]]:
        if self._format is ExportFormat.DPO:
            yield from self._close_group()
        elif self._format is ExportFormat.KTO:
            yield from self._close_kto_prompt()

    # -- the texts of a label

    def _texts(self, row: LabelRow, flags: Sequence[FlagSpan]) -> _Texts:
        prompt = orjson.loads(row.prompt)
        if not self._redact:
            return _Texts(prompt, row.output, row.edited_output, row.comment, None)
        redaction = Redaction(
            row.output,
            [
                (flag.span_start, flag.span_end, flag.code)
                for flag in flags
                if flag.validator in self._redact
                and flag.span_start is not None
                and flag.span_end is not None
            ],
        )
        if not redaction:
            return _Texts(prompt, row.output, row.edited_output, row.comment, None)
        return _Texts(
            _redacted_prompt(prompt, [redaction]),
            redaction.output,
            None if row.edited_output is None else redaction.text(row.edited_output),
            None if row.comment is None else redaction.text(row.comment),
            redaction,
        )

    def _completion(self, value: str) -> Any:
        return [{"role": "assistant", "content": value}] if self._chat else value

    def _prompt(self, prompt: Any) -> Any:
        return _messages(prompt) if self._chat else _prompt_text(prompt)

    # -- one method a format: (row, texts, flags) -> (split, record) pairs

    def _sft_completion(self, row: LabelRow, texts: _Texts) -> str | None:
        if row.verdict == APPROVE:
            completion = texts.output
        elif row.verdict == EDIT and texts.edited is not None:
            completion = texts.edited
        else:
            self.tally.skipped[f"{row.verdict} labels (not used by {self._format})"] += 1
            return None
        if not completion.strip():
            self.tally.skipped[EMPTY] += 1
            return None
        return completion

    def _sft(
        self, row: LabelRow, texts: _Texts, _flags: Sequence[FlagSpan]
    ) -> Iterator[tuple[str, Record]]:
        completion = self._sft_completion(row, texts)
        if completion is not None:
            messages = _messages(texts.prompt)
            messages.append({"role": "assistant", "content": completion})
            yield self._assign(row.prompt), {"messages": messages}

    def _sft_text(
        self, row: LabelRow, texts: _Texts, _flags: Sequence[FlagSpan]
    ) -> Iterator[tuple[str, Record]]:
        completion = self._sft_completion(row, texts)
        if completion is not None:
            record = {"prompt": _prompt_text(texts.prompt), "completion": completion}
            yield self._assign(row.prompt), record

    def _openai(
        self, row: LabelRow, texts: _Texts, _flags: Sequence[FlagSpan]
    ) -> Iterator[tuple[str, Record]]:
        messages = _messages(texts.prompt)
        if any(turn["role"] not in _OPENAI_ROLES for turn in messages):
            self.tally.skipped["prompts with tool turns (not in openai chat fine-tuning)"] += 1
            return
        completion = self._sft_completion(row, texts)
        if completion is None:
            return
        for turn in messages:
            if turn["role"] == "assistant":
                turn["weight"] = 0  # the conversation so far: context, not what to learn
        messages.append({"role": "assistant", "content": completion, "weight": 1})
        yield self._assign(row.prompt), {"messages": messages}

    def _kto(
        self, row: LabelRow, texts: _Texts, _flags: Sequence[FlagSpan]
    ) -> Iterator[tuple[str, Record]]:
        if row.prompt != self._kto_prompt:
            yield from self._close_kto_prompt()
            self._kto_prompt = row.prompt
        if row.verdict == EDIT and texts.edited is not None:
            labelled = [(texts.edited, True)]
            if texts.edited != texts.output:
                labelled.append((texts.output, False))
            else:
                self.tally.skipped["edits that left the output as it was (kept as desirable)"] += 1
        else:
            labelled = [(texts.output, row.verdict == APPROVE)]
        split = self._assign(row.prompt)
        prompt = self._prompt(texts.prompt)
        for completion, label in labelled:
            if not completion.strip():
                self.tally.skipped[EMPTY] += 1
                continue
            record = {"prompt": prompt, "completion": self._completion(completion), "label": label}
            self._kto_rows.setdefault(completion, []).append((split, record, label))

    def _close_kto_prompt(self) -> Iterator[tuple[str, Record]]:
        for rows in self._kto_rows.values():
            if len({label for _, _, label in rows}) > 1:
                self.tally.skipped[CONTRADICTED] += 1
                continue
            for split, record, _ in rows:
                yield split, record
        self._kto_rows = {}
        self._kto_prompt = None

    def _dpo(
        self, row: LabelRow, texts: _Texts, _flags: Sequence[FlagSpan]
    ) -> Iterator[tuple[str, Record]]:
        if row.verdict == EDIT and texts.edited is not None:
            if not texts.edited.strip() or not texts.output.strip():
                self.tally.skipped[EMPTY] += 1
            elif texts.edited != texts.output:
                yield self._pair(row.prompt, texts.prompt, texts.edited, texts.output)
            else:
                self.tally.skipped["edits that left the output as it was"] += 1
            return
        key = (row.prompt_template, row.prompt_version, row.prompt)
        if key != self._group:
            yield from self._close_group()
            self._group = key
        if not texts.output.strip():
            self.tally.skipped[EMPTY] += 1
            return
        bucket = self._approved if row.verdict == APPROVE else self._rejected
        bucket.setdefault(texts.output, texts)

    def _close_group(self) -> Iterator[tuple[str, Record]]:
        if self._group is not None:
            prompt_json = self._group[2]
            for chosen, good in self._approved.items():
                for rejected, bad in self._rejected.items():
                    if chosen != rejected:
                        redactions = [r for r in (good.redaction, bad.redaction) if r is not None]
                        prompt = _redacted_prompt(orjson.loads(prompt_json), redactions)
                        yield self._pair(prompt_json, prompt, chosen, rejected)
            if not (self._approved and self._rejected):
                unpaired = len(self._approved) + len(self._rejected)
                self.tally.skipped["approved or rejected outputs with no counterpart"] += unpaired
        self._group = None
        self._approved = {}
        self._rejected = {}

    def _pair(
        self, prompt_json: str, prompt: Any, chosen: str, rejected: str
    ) -> tuple[str, Record]:
        record = {
            "prompt": self._prompt(prompt),
            "chosen": self._completion(chosen),
            "rejected": self._completion(rejected),
        }
        return self._assign(prompt_json), record

    def _raw(self, row: LabelRow, texts: _Texts, flags: Sequence[FlagSpan]) -> tuple[str, Record]:
        prompt = texts.prompt
        return (
            self._assign(row.prompt),
            {
                "decision_id": row.decision_id,
                "generation_id": row.generation_id,
                "reviewer": row.reviewer,
                "verdict": row.verdict,
                "reasons": orjson.loads(row.reasons),
                "comment": texts.comment,
                "edited_output": texts.edited,
                "duration_ms": row.duration_ms,
                "decided_at": row.decided_at,
                "supersedes": row.supersedes,
                "session_id": row.session_id,
                "lease_id": row.lease_id,
                "lease_epoch": row.lease_epoch,
                "device_id": row.device_id,
                "current": bool(row.current),
                "form_version": row.form_version,
                "answers": {
                    key: _answer_json(answer, None if texts.redaction else row.output)
                    for key, answer in self._answers.get(row.decision_pk, {}).items()
                },
                # Stored chat prompts already hold exactly {role, content}.
                "prompt": [{"role": "user", "content": prompt}]
                if isinstance(prompt, str)
                else prompt,
                "prompt_kind": "text" if isinstance(prompt, str) else "chat",
                "output": texts.output,
                "model": row.model,
                "prompt_template": row.prompt_template,
                "prompt_version": row.prompt_version,
                "route": row.route,
                "queue": row.queue,
                "risk": None if row.risk == NO_RISK else row.risk,
                "top_severity": _SEVERITY_NAMES.get(row.top_severity),
                "flags": [
                    {
                        "validator": flag.validator,
                        "code": flag.code,
                        "severity": _SEVERITY_NAMES.get(flag.severity),
                        "message": flag.message,
                        "score": flag.score,
                        # Spans point into the original output, which redaction changed.
                        "span_start": None if texts.redaction else flag.span_start,
                        "span_end": None if texts.redaction else flag.span_end,
                    }
                    for flag in flags
                ],
                "input_tokens": row.input_tokens,
                "output_tokens": row.output_tokens,
                "cost_usd": row.cost_usd,
                "usage": row.usage,
                "latency_ms": row.latency_ms,
                "trace_id": row.trace_id,
                "created_at": row.created_at,
                "metadata": row.extra,
            },
        )

    def _csv(self, row: LabelRow, texts: _Texts, flags: Sequence[FlagSpan]) -> tuple[str, Record]:
        severity = Severity.from_rank(row.top_severity)
        prompt = texts.prompt
        return (
            self._assign(row.prompt),
            [
                row.decision_id,
                _cell(row.generation_id),
                row.decided_at,
                _cell(row.reviewer),
                row.verdict,
                ";".join(orjson.loads(row.reasons)),
                _cell(texts.comment),
                row.duration_ms,
                "true" if row.current else "false",
                _cell(row.model),
                _cell(row.prompt_template),
                _cell(row.prompt_version),
                _cell(row.route),
                _cell(row.queue),
                None if row.risk == NO_RISK else row.risk,
                None if severity is None else str(severity),
                ";".join(f"{flag.validator}:{flag.code}" for flag in flags),
                row.created_at,
                _cell(prompt if isinstance(prompt, str) else orjson.dumps(prompt).decode()),
                _cell(texts.output),
                _cell(texts.edited),
                *(
                    _answer_cell(
                        self._answers.get(row.decision_pk, {}).get(key),
                        None if texts.redaction else row.output,
                    )
                    for key in self._answer_keys
                ),
                *(None for _ in self.extra_columns),
            ],
        )
