"""Running tallies of the labels, kept by SQLite triggers (see reviewdesk/store/tally_tables.py).

Also two indexes SQLite can answer from alone: `ix_decision_edit` (the current edits, for the
edit-severity sample) and `ix_decision_current` with `current` among its columns (a partial
index covers a query only when it holds every column the query names, its filter's included).

The triggers keep the tallies in the transaction that writes a decision, an item or a flag:
inserting, superseding (`current` turning false), undoing (deleting) a decision; adding or
removing an item or a flag; an item's grouping columns changing. Each statement adds a row's
contribution with a sign (+1 for NEW, -1 for OLD) through an upsert, so an UPDATE is "take the
old row out, put the new one in". Counts that fall to zero stay as rows; readers skip them.

Deleting an item first deletes its decisions (BEFORE DELETE), so their triggers still find the
item and its flags; the foreign keys' cascade would remove them anyway.

On PostgreSQL the tables are created empty and no triggers are made (see tally_tables.py).
Upgrading an existing SQLite store counts what it holds once (a few passes over the decisions:
seconds for a million).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TRIGGERS = (
    "tally_decision_insert",
    "tally_decision_update",
    "tally_decision_delete",
    "tally_generation_insert",
    "tally_generation_update",
    "tally_generation_decided",
    "tally_generation_delete",
    "tally_generation_deleted",
    "tally_flag_insert",
    "tally_flag_delete",
)
_TABLES = (
    "tally_reject_reasons",
    "tally_agreement",
    "tally_item_labels",
    "tally_usage",
    "tally_pace_day",
    "tally_pace_reviewer",
    "tally_pace",
    "tally_flagged",
    "tally_flag_label",
    "tally_label",
)


def _reasons(d: str) -> str:
    return f"CASE WHEN {d}.verdict = 'reject' THEN {d}.reasons ELSE '' END"


def _seconds(d: str) -> str:
    return (
        f"CASE WHEN {d}.duration_ms IS NULL THEN -1 "
        f"WHEN {d}.duration_ms / 1000 > 3600 THEN 3600 ELSE {d}.duration_ms / 1000 END"
    )


# Each tally's key columns and its counters (added up on conflict; `seconds` is a histogram,
# merged by `_histogram_add`).
_KEYS = {
    "tally_label": "prompt_template, prompt_version, model, route, queue, flagged, verdict, reasons",
    "tally_flag_label": "validator, code, severity, verdict, reasons",
    "tally_flagged": "validator, code, severity",
    "tally_pace": "reviewer, day",
    "tally_pace_reviewer": "reviewer, seconds",
    "tally_pace_day": "day, seconds",
    "tally_agreement": "labels",
    "tally_reject_reasons": "reviewer, day, reason",
    "tally_usage": "route, model, tens",
}
_COUNTERS = {
    "tally_label": "n",
    "tally_flag_label": "n",
    "tally_flagged": "items",
    "tally_pace": "decisions, timed, total_ms, approve, edit, reject, seconds",
    "tally_pace_reviewer": "decisions",
    "tally_pace_day": "decisions",
    "tally_agreement": "items",
    "tally_reject_reasons": "n",
    "tally_usage": "items, with_tokens, input_tokens, output_tokens, with_cost, cost_usd, decided",
}


def _into(table: str, select: str, also: str = "") -> str:
    """`select` (with a WHERE, as SQLite's upsert grammar wants) added into `table`: counters
    of a row already there are summed; `also`: more assignments for that case."""
    counters = [name.strip() for name in _COUNTERS[table].split(",")]
    summed = ", ".join(
        f"{name} = {name} + excluded.{name}" for name in counters if name != "seconds"
    )
    return (
        f"INSERT INTO {table} ({_KEYS[table]}, {_COUNTERS[table]}) {select} "
        f"ON CONFLICT ({_KEYS[table]}) DO UPDATE SET {summed}{also}"
    )


def _histogram_add(d: str, sign: int) -> str:
    """The `seconds` histogram (a JSON object {"whole seconds": decisions}) with decision `d`
    added (sign 1) or taken out (sign -1); unchanged for an untimed decision."""
    path = f"'$.\"' || ({_seconds(d)}) || '\"'"
    return (
        f", seconds = CASE WHEN {d}.duration_ms IS NULL THEN seconds "
        f"ELSE json_set(seconds, {path}, coalesce(json_extract(seconds, {path}), 0) + {sign}) END"
    )


def _generation_keys(g: str) -> str:
    return (
        f"coalesce({g}.prompt_template, ''), coalesce({g}.prompt_version, ''), {g}.model, "
        f"coalesce({g}.route, ''), coalesce({g}.queue, ''), "
        f"CASE WHEN {g}.flag_count > 0 THEN 1 ELSE 0 END"
    )


def _decision(d: str, sign: int) -> list[str]:
    """The statements that add decision row `d` (NEW or OLD) with `sign` to the tallies."""
    label = f"CASE WHEN {d}.current THEN {sign} ELSE 0 END"
    return [
        _into(
            "tally_pace",
            f"SELECT {d}.reviewer, substr({d}.decided_at, 1, 10), {sign}, "
            f"CASE WHEN {d}.duration_ms IS NULL THEN 0 ELSE {sign} END, "
            f"{sign} * coalesce({d}.duration_ms, 0), "
            f"CASE WHEN {d}.verdict = 'approve' THEN {label} ELSE 0 END, "
            f"CASE WHEN {d}.verdict = 'edit' THEN {label} ELSE 0 END, "
            f"CASE WHEN {d}.verdict = 'reject' THEN {label} ELSE 0 END, "
            f"CASE WHEN {d}.duration_ms IS NULL THEN '{{}}' "
            f"ELSE json_object(CAST({_seconds(d)} AS TEXT), {sign}) END WHERE true",
            _histogram_add(d, sign),
        ),
        _into(
            "tally_pace_reviewer",
            f"SELECT {d}.reviewer, {_seconds(d)}, {sign} WHERE {d}.duration_ms IS NOT NULL",
        ),
        _into(
            "tally_pace_day",
            f"SELECT substr({d}.decided_at, 1, 10), {_seconds(d)}, {sign} "
            f"WHERE {d}.duration_ms IS NOT NULL",
        ),
        _into(
            "tally_reject_reasons",
            f"SELECT {d}.reviewer, substr({d}.decided_at, 1, 10), r.value, {sign} "
            f"FROM json_each({d}.reasons) r WHERE {d}.current AND {d}.verdict = 'reject'",
        ),
        _into(
            "tally_label",
            f"SELECT {_generation_keys('g')}, {d}.verdict, {_reasons(d)}, {sign} "
            f"FROM generation g WHERE g.pk = {d}.generation_pk AND {d}.current",
        ),
        _into(
            "tally_flag_label",
            f"SELECT f.validator, f.code, max(f.severity), {d}.verdict, {_reasons(d)}, {sign} "
            f"FROM flag f WHERE f.generation_pk = {d}.generation_pk AND {d}.current "
            "GROUP BY f.validator, f.code",
        ),
        _into(
            "tally_flag_label",
            f"SELECT '', '', -1, {d}.verdict, {_reasons(d)}, {sign} WHERE {d}.current "
            f"AND NOT EXISTS (SELECT 1 FROM flag f WHERE f.generation_pk = {d}.generation_pk)",
        ),
    ]


# One item's labels as a text: "reviewer<US>verdict" joined by <RS>, by reviewer.
_ITEM_LABELS = (
    "SELECT {item}, group_concat(reviewer || char(31) || verdict, char(30)), max(pk), "
    "CASE WHEN count(DISTINCT verdict) > 1 THEN 1 ELSE 0 END FROM ("
    "SELECT reviewer, verdict, pk FROM decision WHERE generation_pk = {item} AND current "
    "ORDER BY reviewer) HAVING count(*) >= 2"
)


def _item_labels(item: str) -> list[str]:
    """The statements that count item `item`'s labels again for agreement: its old pattern
    out, its new one (when two or more reviewers label it) in."""
    return [
        _into(
            "tally_agreement",
            f"SELECT labels, -1 FROM tally_item_labels WHERE generation_pk = {item}",
        ),
        f"DELETE FROM tally_item_labels WHERE generation_pk = {item}",
        "INSERT INTO tally_item_labels (generation_pk, labels, latest_pk, disputed) "
        + _ITEM_LABELS.format(item=item),
        _into(
            "tally_agreement",
            f"SELECT labels, 1 FROM tally_item_labels WHERE generation_pk = {item}",
        ),
    ]


def _generation(g: str, sign: int) -> list[str]:
    """The statements that add item row `g` (NEW or OLD) with `sign`: its usage and the labels
    its current decisions give under its grouping columns."""
    tokens = f"{g}.input_tokens IS NOT NULL AND {g}.output_tokens IS NOT NULL"
    return [
        _into(
            "tally_usage",
            f"SELECT coalesce({g}.route, ''), {g}.model, "
            f"CASE WHEN {g}.latency_ms IS NULL THEN -1 ELSE {g}.latency_ms / 10 END, {sign}, "
            f"CASE WHEN {tokens} THEN {sign} ELSE 0 END, "
            f"CASE WHEN {tokens} THEN {sign} * {g}.input_tokens ELSE 0 END, "
            f"CASE WHEN {tokens} THEN {sign} * {g}.output_tokens ELSE 0 END, "
            f"CASE WHEN {g}.cost_usd IS NOT NULL THEN {sign} ELSE 0 END, "
            f"{sign} * coalesce({g}.cost_usd, 0), "
            f"CASE WHEN {g}.review_count > 0 THEN {sign} ELSE 0 END WHERE true",
        ),
        _into(
            "tally_label",
            f"SELECT {_generation_keys(g)}, d.verdict, {_reasons('d')}, {sign} * count(*) "
            f"FROM decision d WHERE d.generation_pk = {g}.pk AND d.current "
            f"GROUP BY d.verdict, {_reasons('d')}",
        ),
    ]


def _flag_labels(key: str, generation: str, sign: int, condition: str) -> str:
    """Add the current decisions of `generation` under the flag `key` (validator, code,
    severity) with `sign`, when `condition` holds."""
    return _into(
        "tally_flag_label",
        f"SELECT {key}, d.verdict, {_reasons('d')}, {sign} * count(*) "
        f"FROM decision d WHERE d.generation_pk = {generation} AND d.current AND ({condition}) "
        f"GROUP BY d.verdict, {_reasons('d')}",
    )


def _flag(f: str, sign: int) -> list[str]:
    """A flag row `f` added (sign 1, after insert) or removed (sign -1, after delete).

    `others` is the code's highest severity on the item among its other flags (NULL: none); the
    labels move from the old highest severity to the new one only when `f` changes it. An item
    that gains its first flag (or loses its last) moves out of (into) the '' group.
    """
    same_code = (
        f"o.generation_pk = {f}.generation_pk AND o.validator = {f}.validator "
        f"AND o.code = {f}.code AND o.pk <> {f}.pk"
    )
    others = f"(SELECT max(o.severity) FROM flag o WHERE {same_code})"
    any_other = f"EXISTS (SELECT 1 FROM flag o WHERE o.generation_pk = {f}.generation_pk AND o.pk <> {f}.pk)"
    moves = f"({others} IS NULL OR {others} < {f}.severity)"
    return [
        _into(
            "tally_flagged",
            f"SELECT {f}.validator, {f}.code, {f}.severity, {sign} WHERE NOT EXISTS "
            f"(SELECT 1 FROM flag o WHERE {same_code} AND o.severity = {f}.severity)",
        ),
        _into(
            "tally_flagged",
            f"SELECT {f}.validator, {f}.code, -1, {sign} WHERE NOT EXISTS "
            f"(SELECT 1 FROM flag o WHERE {same_code})",
        ),
        # the labels under f's own severity: in (insert) or out (delete) when f is the highest
        _flag_labels(f"{f}.validator, {f}.code, {f}.severity", f"{f}.generation_pk", sign, moves),
        # ... and the other way under the severity the other flags give, if any
        _flag_labels(
            f"{f}.validator, {f}.code, {others}",
            f"{f}.generation_pk",
            -sign,
            f"{moves} AND {others} IS NOT NULL",
        ),
        # the item's first flag (or its last): the labels leave (or rejoin) the '' group
        _flag_labels("'', '', -1", f"{f}.generation_pk", -sign, f"NOT {any_other}"),
    ]


def _trigger(name: str, when: str, body: list[str]) -> str:
    statements = ";\n    ".join(body)
    return f"CREATE TRIGGER {name} {when}\nBEGIN\n    {statements};\nEND"


_GENERATION_COLUMNS = (
    "prompt_template, prompt_version, model, route, queue, flag_count, latency_ms, "
    "input_tokens, output_tokens, cost_usd"
)
_DECISION_COLUMNS = "generation_pk, reviewer, verdict, reasons, duration_ms, decided_at, current"


def _changed(columns: str) -> str:
    return " OR ".join(f"OLD.{c.strip()} IS NOT NEW.{c.strip()}" for c in columns.split(","))


def triggers() -> list[str]:
    """The CREATE TRIGGER statements (SQLite)."""
    return [
        _trigger(
            "tally_decision_insert",
            "AFTER INSERT ON decision",
            _decision("NEW", 1) + _item_labels("NEW.generation_pk"),
        ),
        _trigger(
            "tally_decision_update",
            f"AFTER UPDATE OF {_DECISION_COLUMNS} ON decision WHEN {_changed(_DECISION_COLUMNS)}",
            _decision("OLD", -1)
            + _decision("NEW", 1)
            + _item_labels("OLD.generation_pk")
            + _item_labels("NEW.generation_pk"),
        ),
        _trigger(
            "tally_decision_delete",
            "AFTER DELETE ON decision",
            _decision("OLD", -1) + _item_labels("OLD.generation_pk"),
        ),
        _trigger("tally_generation_insert", "AFTER INSERT ON generation", _generation("NEW", 1)),
        _trigger(
            "tally_generation_update",
            f"AFTER UPDATE OF {_GENERATION_COLUMNS} ON generation "
            f"WHEN {_changed(_GENERATION_COLUMNS)}",
            _generation("OLD", -1) + _generation("NEW", 1),
        ),
        _trigger(
            "tally_generation_decided",
            "AFTER UPDATE OF review_count ON generation "
            "WHEN (OLD.review_count > 0) IS NOT (NEW.review_count > 0) "
            f"AND NOT ({_changed(_GENERATION_COLUMNS)})",
            [
                _into(
                    "tally_usage",
                    "SELECT coalesce(NEW.route, ''), NEW.model, "
                    "CASE WHEN NEW.latency_ms IS NULL THEN -1 ELSE NEW.latency_ms / 10 END, "
                    "0, 0, 0, 0, 0, 0, CASE WHEN NEW.review_count > 0 THEN 1 ELSE -1 END "
                    "WHERE true",
                )
            ],
        ),
        _trigger(
            "tally_generation_delete",
            "BEFORE DELETE ON generation",
            ["DELETE FROM decision WHERE generation_pk = OLD.pk"],
        ),
        _trigger(
            "tally_generation_deleted", "AFTER DELETE ON generation", _generation("OLD", -1)[:1]
        ),
        _trigger("tally_flag_insert", "AFTER INSERT ON flag", _flag("NEW", 1)),
        _trigger("tally_flag_delete", "AFTER DELETE ON flag", _flag("OLD", -1)),
    ]


_BACKFILL = [
    _into(
        "tally_reject_reasons",
        "SELECT d.reviewer, substr(d.decided_at, 1, 10), r.value, count(*) FROM decision d, "
        "json_each(d.reasons) r WHERE d.current AND d.verdict = 'reject' GROUP BY 1, 2, 3",
    ),
    "INSERT INTO tally_item_labels (generation_pk, labels, latest_pk, disputed) "
    "SELECT generation_pk, group_concat(reviewer || char(31) || verdict, char(30)), max(pk), "
    "CASE WHEN count(DISTINCT verdict) > 1 THEN 1 ELSE 0 END FROM ("
    "SELECT generation_pk, reviewer, verdict, pk FROM decision WHERE current "
    "ORDER BY generation_pk, reviewer) GROUP BY generation_pk HAVING count(*) >= 2",
    _into(
        "tally_agreement", "SELECT labels, count(*) FROM tally_item_labels WHERE true GROUP BY 1"
    ),
    _into(
        "tally_label",
        f"SELECT {_generation_keys('g')}, d.verdict, {_reasons('d')}, count(*) "
        "FROM decision d JOIN generation g ON g.pk = d.generation_pk WHERE d.current "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
    ),
    _into(
        "tally_flag_label",
        f"SELECT coalesce(f.validator, ''), coalesce(f.code, ''), coalesce(f.severity, -1), "
        f"d.verdict, {_reasons('d')}, count(*) FROM decision d "
        "LEFT JOIN (SELECT generation_pk, validator, code, max(severity) AS severity FROM flag "
        "GROUP BY generation_pk, validator, code) f ON f.generation_pk = d.generation_pk "
        "WHERE d.current GROUP BY 1, 2, 3, 4, 5",
    ),
    _into(
        "tally_flagged",
        "SELECT validator, code, severity, count(DISTINCT generation_pk) FROM flag "
        "WHERE true GROUP BY 1, 2, 3",
    ),
    _into(
        "tally_flagged",
        "SELECT validator, code, -1, count(DISTINCT generation_pk) FROM flag "
        "WHERE true GROUP BY 1, 2",
    ),
    _into(
        "tally_pace",
        "SELECT reviewer, day, sum(n), sum(CASE WHEN s >= 0 THEN n ELSE 0 END), sum(ms), "
        "sum(a), sum(e), sum(r), json_group_object(CAST(s AS TEXT), n) FILTER (WHERE s >= 0) "
        f"FROM (SELECT reviewer, substr(decided_at, 1, 10) AS day, {_seconds('d')} AS s, "
        "count(*) AS n, coalesce(sum(duration_ms), 0) AS ms, "
        "sum(CASE WHEN current AND verdict = 'approve' THEN 1 ELSE 0 END) AS a, "
        "sum(CASE WHEN current AND verdict = 'edit' THEN 1 ELSE 0 END) AS e, "
        "sum(CASE WHEN current AND verdict = 'reject' THEN 1 ELSE 0 END) AS r "
        "FROM decision d GROUP BY 1, 2, 3) WHERE true GROUP BY 1, 2",
    ),
    _into(
        "tally_pace_reviewer",
        f"SELECT reviewer, {_seconds('d')}, count(*) FROM decision d "
        "WHERE duration_ms IS NOT NULL GROUP BY 1, 2",
    ),
    _into(
        "tally_pace_day",
        f"SELECT substr(decided_at, 1, 10), {_seconds('d')}, count(*) FROM decision d "
        "WHERE duration_ms IS NOT NULL GROUP BY 1, 2",
    ),
    _into(
        "tally_usage",
        "SELECT coalesce(route, ''), model, "
        "CASE WHEN latency_ms IS NULL THEN -1 ELSE latency_ms / 10 END, count(*), "
        "sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL THEN 1 ELSE 0 END), "
        "coalesce(sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL "
        "THEN input_tokens END), 0), "
        "coalesce(sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL "
        "THEN output_tokens END), 0), "
        "count(cost_usd), coalesce(sum(cost_usd), 0), "
        "sum(CASE WHEN review_count > 0 THEN 1 ELSE 0 END) FROM generation WHERE true "
        "GROUP BY 1, 2, 3",
    ),
]


def _create_tables() -> None:
    def count(name: str) -> sa.Column[int]:
        return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")

    rowid = {"sqlite_with_rowid": False}
    op.create_table(
        "tally_label",
        *(
            sa.Column(name, sa.String(), nullable=False)
            for name in ("prompt_template", "prompt_version", "model", "route", "queue")
        ),
        sa.Column("flagged", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("reasons", sa.String(), nullable=False),
        count("n"),
        sa.PrimaryKeyConstraint(
            "prompt_template",
            "prompt_version",
            "model",
            "route",
            "queue",
            "flagged",
            "verdict",
            "reasons",
        ),
        **rowid,
    )
    op.create_table(
        "tally_flag_label",
        sa.Column("validator", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("reasons", sa.String(), nullable=False),
        count("n"),
        sa.PrimaryKeyConstraint("validator", "code", "severity", "verdict", "reasons"),
        **rowid,
    )
    op.create_table(
        "tally_flagged",
        sa.Column("validator", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False, autoincrement=False),
        count("items"),
        sa.PrimaryKeyConstraint("validator", "code", "severity"),
        **rowid,
    )
    op.create_table(
        "tally_pace",
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("day", sa.String(), nullable=False),
        *(count(name) for name in ("decisions", "timed", "total_ms", "approve", "edit", "reject")),
        sa.Column("seconds", sa.String(), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("reviewer", "day"),
        **rowid,
    )
    for name, key in (("tally_pace_reviewer", "reviewer"), ("tally_pace_day", "day")):
        op.create_table(
            name,
            sa.Column(key, sa.String(), nullable=False),
            sa.Column("seconds", sa.Integer(), nullable=False, autoincrement=False),
            count("decisions"),
            sa.PrimaryKeyConstraint(key, "seconds"),
            **rowid,
        )
    op.create_table(
        "tally_item_labels",
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("labels", sa.String(), nullable=False),
        sa.Column("latest_pk", sa.Integer(), nullable=False),
        sa.Column("disputed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("generation_pk"),
    )
    op.create_index(
        "ix_tally_item_labels_disputed",
        "tally_item_labels",
        ["latest_pk", "labels"],
        sqlite_where=sa.text("disputed = 1"),
        postgresql_where=sa.text("disputed = 1"),
    )
    op.create_table(
        "tally_reject_reasons",
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("day", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        count("n"),
        sa.PrimaryKeyConstraint("reviewer", "day", "reason"),
        **rowid,
    )
    op.create_table(
        "tally_agreement",
        sa.Column("labels", sa.String(), nullable=False),
        count("items"),
        sa.PrimaryKeyConstraint("labels"),
        **rowid,
    )
    op.create_table(
        "tally_usage",
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("tens", sa.Integer(), nullable=False, autoincrement=False),
        *(
            count(name)
            for name in ("items", "with_tokens", "input_tokens", "output_tokens", "with_cost")
        ),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        count("decided"),
        sa.PrimaryKeyConstraint("route", "model", "tens"),
        **rowid,
    )


def upgrade() -> None:
    _create_tables()
    op.create_index(
        "ix_decision_edit",
        "decision",
        ["generation_pk", "current", "verdict"],
        sqlite_where=sa.text("current AND verdict = 'edit'"),
        postgresql_where=sa.text("current AND verdict = 'edit'"),
    )
    _current_index(["generation_pk", "verdict", "reviewer", "pk", "current"])
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _BACKFILL:
        op.execute(statement)
    for statement in triggers():
        op.execute(statement)


def _current_index(columns: list[str]) -> None:
    op.drop_index("ix_decision_current", "decision")
    op.create_index(
        "ix_decision_current",
        "decision",
        columns,
        sqlite_where=sa.text("current"),
        postgresql_where=sa.text("current"),
    )


def downgrade() -> None:
    _current_index(["generation_pk", "verdict", "reviewer", "pk"])
    op.drop_index("ix_decision_edit", "decision")
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in _TABLES:
        op.drop_table(table)
