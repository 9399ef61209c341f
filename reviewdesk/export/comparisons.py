"""Comparisons (pairwise review) in the exports: `dpo`, `raw` and `csv`.

- `dpo`: one row per comparison, from its resolved human preference only (the `resolved` policy
  of items: the preference most of its reviewers gave, each reviewer's latest decision; a tie
  between preferences goes to an adjudicator's latest decision). chosen = the preferred
  candidate's output, or the edited output when a reviewer with that preference corrected it
  (the latest such edit); rejected = the other candidate. Comparisons resolved as `tie` or
  `both_bad`, unresolved ones and ones nobody decided are left out and counted in the tally (the
  dataset card lists them). No row is ever made from a pair no reviewer compared, nor against
  the resolved preference.
- `raw`: one record per comparison with its candidates and every decision (superseded ones too,
  `current` marking each reviewer's latest).
- `csv`: one row per decision, in the item columns that apply (decision, prompt, reviewer,
  ...), with the comparison's own columns (`COMPARISON_CSV_COLUMNS`) beside them.

Filters: `queue` keeps the comparisons of those queues, `model` those with a candidate of those
models; `reviewer`, `since` and `until` keep the decisions they name (in `dpo`, the decisions the
preference is resolved from). Filters on item fields (verdict, template, version, route,
answers, minimum agreement) do not apply to comparisons: with any of them set, comparisons are
left out, and the tally says so. With `--redact`, flagged spans of the redacted validators are
replaced in each candidate's output and, wherever the same text appears, in the prompt and the
edit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from reviewdesk.domain import (
    Candidate,
    Comparison,
    ComparisonDecision,
    Preference,
    resolve_preference,
)
from reviewdesk.export.options import ExportFormat, ExportOptions
from reviewdesk.export.records import EMPTY, Record, RecordBuilder
from reviewdesk.export.redact import Redaction
from reviewdesk.store.comparisons import count_comparisons, iter_comparisons
from reviewdesk.store.rows import time_text

__all__ = [
    "COMPARISON_CSV_COLUMNS",
    "FORMATS",
    "comparison_records",
    "has_comparisons",
]

FORMATS = (ExportFormat.DPO, ExportFormat.RAW, ExportFormat.CSV)
"""The formats comparisons appear in."""

COMPARISON_CSV_COLUMNS = (
    "comparison_id",
    "preference",
    "shown_order",
    "model_a",
    "output_a",
    "model_b",
    "output_b",
)

TIE = "comparisons resolved as a tie"
BOTH_BAD = "comparisons resolved as both bad"
UNRESOLVED = "comparisons whose reviewers split with no adjudicator to settle it"
UNDECIDED = "comparisons no reviewer decided"
SAME = "comparisons whose two outputs are the same text"
ITEM_FILTERS = "comparisons (the filters name item fields: verdict, template, route, ...)"


def has_comparisons(connection: Connection, options: ExportOptions) -> bool:
    """Whether this export may carry comparisons (for the csv header)."""
    return options.format in FORMATS and count_comparisons(connection) > 0


def _item_filters(options: ExportOptions) -> bool:
    filters = options.filters
    return bool(
        filters.templates
        or filters.versions
        or filters.routes
        or filters.verdicts
        or filters.answers
        or filters.min_agreement is not None
    )


def _prompt_json(comparison: Comparison) -> str:
    prompt: Any = comparison.prompt
    if not isinstance(prompt, str):
        prompt = [{"role": str(message.role), "content": message.content} for message in prompt]
    return orjson.dumps(prompt).decode()


def _kept(decision: ComparisonDecision, options: ExportOptions) -> bool:
    filters = options.filters
    if filters.reviewers and decision.reviewer not in filters.reviewers:
        return False
    if filters.since is not None and decision.decided_at < filters.since:
        return False
    return filters.until is None or decision.decided_at < filters.until


def _selected(comparison: Comparison, options: ExportOptions) -> bool:
    filters = options.filters
    if filters.queues and comparison.queue not in filters.queues:
        return False
    return not filters.models or any(c.model in filters.models for c in comparison.candidates)


def comparison_records(
    connection: Connection, options: ExportOptions, builder: RecordBuilder
) -> Iterator[tuple[str, Record]]:
    """The records of the store's comparisons for this export (none for other formats)."""
    if options.format not in FORMATS:
        return
    exporter = _Exporter(options, builder)
    for comparison, decisions in iter_comparisons(connection):
        if _item_filters(options):
            builder.tally.skipped[ITEM_FILTERS] += 1
            continue
        if not _selected(comparison, options):
            continue
        kept = [decision for decision in decisions if _kept(decision, options)]
        yield from exporter.records(comparison, kept)


class _Exporter:
    def __init__(self, options: ExportOptions, builder: RecordBuilder) -> None:
        self._options = options
        self._builder = builder
        self._tally = builder.tally
        self._redact = frozenset(options.redact_validators) if options.redact else frozenset()

    def records(
        self, comparison: Comparison, decisions: Sequence[ComparisonDecision]
    ) -> Iterator[tuple[str, Record]]:
        fmt = self._options.format
        if fmt is ExportFormat.DPO:
            row = self._dpo(comparison, decisions)
            if row is not None:
                yield row
        elif fmt is ExportFormat.RAW:
            if decisions:
                yield self._raw(comparison, decisions)
        else:
            yield from self._csv(comparison, decisions)

    # -- texts

    def _redaction(self, candidate: Candidate) -> Redaction | None:
        if not self._redact:
            return None
        spans = [
            (flag.span[0], flag.span[1], flag.code)
            for flag in candidate.flags
            if flag.span is not None and flag.validator in self._redact
        ]
        return Redaction(candidate.output, spans) if spans else None

    def _texts(self, comparison: Comparison) -> tuple[Any, list[str], list[Redaction]]:
        """The prompt (JSON-ready), the candidates' outputs, after redaction, and the
        redactions that apply to other texts."""
        prompt: Any = orjson.loads(_prompt_json(comparison))
        outputs: list[str] = []
        redactions: list[Redaction] = []
        for candidate in comparison.candidates:
            redaction = self._redaction(candidate)
            outputs.append(candidate.output if redaction is None else redaction.output)
            if redaction is not None:
                redactions.append(redaction)
        for redaction in redactions:
            prompt = _redacted(prompt, redaction)
        return prompt, outputs, redactions

    @staticmethod
    def _other(text: str | None, redactions: Sequence[Redaction]) -> str | None:
        if text is None:
            return None
        for redaction in redactions:
            text = redaction.text(text)
        return text

    # -- formats

    def _dpo(
        self, comparison: Comparison, decisions: Sequence[ComparisonDecision]
    ) -> tuple[str, Record] | None:
        latest: dict[str, ComparisonDecision] = {}
        for decision in decisions:  # in the order they were stored: the last one is latest
            latest.pop(decision.reviewer, None)
            latest[decision.reviewer] = decision
        if not latest:
            self._tally.skipped[UNDECIDED] += 1
            return None
        current = sorted(latest.values(), key=lambda d: d.decided_at)
        self._tally.labels += 1
        preference = resolve_preference(
            [(decision.reviewer, decision.preference) for decision in current],
            self._options.adjudicators,
        )
        if preference is None:
            self._tally.skipped[UNRESOLVED] += 1
            return None
        self._tally.verdicts[f"preference {preference}"] += 1
        if preference is Preference.TIE:
            self._tally.skipped[TIE] += 1
            return None
        if preference is Preference.BOTH_BAD:
            self._tally.skipped[BOTH_BAD] += 1
            return None
        winner = preference.position
        assert winner is not None
        prompt, outputs, redactions = self._texts(comparison)
        edits = [
            decision.edited_output
            for decision in current
            if decision.preference is preference and decision.edited_output is not None
        ]
        chosen = self._other(edits[-1], redactions) if edits else outputs[winner]
        rejected = outputs[1 - winner]
        assert chosen is not None
        if not chosen.strip() or not rejected.strip():
            self._tally.skipped[EMPTY] += 1
            return None
        if chosen == rejected:
            self._tally.skipped[SAME] += 1
            return None
        self._tally.models[comparison.candidates[winner].model] += 1
        return self._builder.preference_pair(_prompt_json(comparison), prompt, chosen, rejected)

    def _decision_json(
        self, decision: ComparisonDecision, current: bool, redactions: Sequence[Redaction]
    ) -> dict[str, Any]:
        return {
            "decision_id": decision.id,
            "reviewer": decision.reviewer,
            "preference": str(decision.preference),
            "shown_order": None if decision.shown_order is None else str(decision.shown_order),
            "reasons": list(decision.reasons),
            "comment": self._other(decision.comment, redactions),
            "edited_output": self._other(decision.edited_output, redactions),
            "duration_ms": decision.duration_ms,
            "decided_at": time_text(decision.decided_at),
            "supersedes": decision.supersedes,
            "session_id": decision.session_id,
            "lease_id": decision.lease_id,
            "lease_epoch": decision.lease_epoch,
            "device_id": decision.device_id,
            "current": current,
            "form_version": decision.form_version,
            "answers": orjson.loads(orjson.dumps(decision.model_dump(mode="json")["answers"])),
        }

    @staticmethod
    def _currents(decisions: Sequence[ComparisonDecision]) -> set[str]:
        latest: dict[str, str] = {}
        for decision in decisions:
            latest[decision.reviewer] = decision.id
        return set(latest.values())

    def _raw(
        self, comparison: Comparison, decisions: Sequence[ComparisonDecision]
    ) -> tuple[str, Record]:
        prompt, outputs, redactions = self._texts(comparison)
        currents = self._currents(decisions)
        self._tally.labels += len(decisions)
        for decision in decisions:
            self._tally.verdicts[f"preference {decision.preference}"] += 1
        record = {
            "comparison_id": comparison.id,
            "queue": comparison.queue,
            "risk": comparison.risk,
            "created_at": None
            if comparison.created_at is None
            else time_text(comparison.created_at),
            "prompt": prompt,
            "candidates": [
                {
                    "id": candidate.id,
                    "position": "ab"[position],
                    "output": outputs[position],
                    "model": candidate.model,
                    "prompt_template": candidate.prompt_template,
                    "prompt_version": candidate.prompt_version,
                    "route": candidate.route,
                    "latency_ms": candidate.latency_ms,
                    "usage": None
                    if candidate.usage is None
                    else candidate.usage.model_dump(exclude_none=True),
                    "flags": [
                        flag.model_dump(mode="json", exclude_none=True) for flag in candidate.flags
                    ],
                    "metadata": candidate.metadata,
                }
                for position, candidate in enumerate(comparison.candidates)
            ],
            "decisions": [
                self._decision_json(decision, decision.id in currents, redactions)
                for decision in decisions
            ],
            "metadata": comparison.metadata,
        }
        return self._builder.split_of(_prompt_json(comparison)), record

    def _csv(
        self, comparison: Comparison, decisions: Sequence[ComparisonDecision]
    ) -> Iterator[tuple[str, Record]]:
        prompt, outputs, redactions = self._texts(comparison)
        currents = self._currents(decisions)
        split = self._builder.split_of(_prompt_json(comparison))
        prompt_cell = prompt if isinstance(prompt, str) else orjson.dumps(prompt).decode()
        a, b = comparison.candidates
        for decision in decisions:
            self._tally.labels += 1
            self._tally.verdicts[f"preference {decision.preference}"] += 1
            values: dict[str, Any] = {
                "decision_id": decision.id,
                "decided_at": time_text(decision.decided_at),
                "reviewer": decision.reviewer,
                "reasons": ";".join(decision.reasons),
                "comment": self._other(decision.comment, redactions),
                "duration_ms": decision.duration_ms,
                "current": "true" if decision.id in currents else "false",
                "queue": comparison.queue,
                "risk": comparison.risk,
                "created_at": None
                if comparison.created_at is None
                else time_text(comparison.created_at),
                "prompt": prompt_cell,
                "edited_output": self._other(decision.edited_output, redactions),
                "comparison_id": comparison.id,
                "preference": str(decision.preference),
                "shown_order": None if decision.shown_order is None else str(decision.shown_order),
                "model_a": a.model,
                "output_a": outputs[0],
                "model_b": b.model,
                "output_b": outputs[1],
            }
            answers = decision.model_dump(mode="json")["answers"]
            yield split, self._builder.csv_row(values, answers)


def _redacted(prompt: Any, redaction: Redaction) -> Any:
    if isinstance(prompt, str):
        return redaction.text(prompt)
    return [{**turn, "content": redaction.text(turn["content"])} for turn in prompt]
