"""Validator calibration: do the validators' flags predict what reviewers decide?

Per validator code (and per code and severity): how many items it flagged, and over the labels
of the flagged items how many were rejected or edited (precision) and what share of all rejected
labels it flagged (recall). Validators whose reviewed flags are mostly approved are noisy; reject
reasons given mostly on items no validator flagged are blind spots.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Severity
from reviewdesk.stats import tallies
from reviewdesk.stats.cube import Cube
from reviewdesk.stats.feedback import rollup
from reviewdesk.stats.inference import wilson
from reviewdesk.stats.models import Calibration, GroupStats, ValidatorCalibration

__all__ = ["MIN_LABELS", "calibrate", "flagged_items"]

MIN_LABELS = 10  # fewer labels than this and a validator or reason is not named noisy / blind


def flagged_items(connection: Connection) -> dict[tuple[str, str, int | None], int]:
    """Items flagged per (validator, code, severity) and per (validator, code, None)."""
    if tallies.kept(connection):
        return {
            (validator, code, severity): items
            for validator, code, severity, items in tallies.flagged_rows(connection)
        }
    found: dict[tuple[str, str, int | None], int] = {}
    for validator, code, severity, count in connection.execute(
        text(
            "SELECT validator, code, severity, count(DISTINCT generation_pk) FROM flag "
            "GROUP BY validator, code, severity"
        )
    ):
        found[(validator, code, severity)] = count
    for validator, code, count in connection.execute(
        text(
            "SELECT validator, code, count(DISTINCT generation_pk) FROM flag "
            "GROUP BY validator, code"
        )
    ):
        found[(validator, code, None)] = count
    return found


def _calibration(
    stats: GroupStats, flagged: int, rejects: int, min_labels: int
) -> ValidatorCalibration:
    caught = stats.edit + stats.reject
    low, high = wilson(caught, stats.n)
    precision = caught / stats.n if stats.n else None
    return ValidatorCalibration(
        validator=str(stats.group["validator"]),
        code=str(stats.group["code"]),
        severity=stats.group.get("severity"),
        flagged_items=flagged,
        labels=stats.n,
        approve=stats.approve,
        edit=stats.edit,
        reject=stats.reject,
        precision=precision,
        precision_low=low if stats.n else None,
        precision_high=high if stats.n else None,
        recall=stats.reject / rejects if rejects else None,
        noisy=precision is not None and stats.n >= min_labels and precision < 0.5,
    )


def calibrate(
    flag_cube: Cube,
    flagged: dict[tuple[str, str, int | None], int],
    by_flagged: Sequence[GroupStats],
    *,
    min_labels: int = MIN_LABELS,
) -> Calibration:
    """Calibration from a label cube over (validator, code, severity), the flagged-item counts,
    and the labels rolled up by `flagged` ("yes"/"no": whether any validator flagged the item)."""
    rejects = sum(group.reject for group in by_flagged)
    per_code = [
        _calibration(
            stats,
            flagged.get((str(stats.group["validator"]), str(stats.group["code"]), None), 0),
            rejects,
            min_labels,
        )
        for stats in rollup(flag_cube, ("validator", "code"))
        if stats.group["validator"] is not None
    ]
    per_severity = [
        _calibration(
            stats,
            flagged.get(
                (
                    str(stats.group["validator"]),
                    str(stats.group["code"]),
                    Severity(stats.group["severity"]).rank if stats.group["severity"] else 0,
                ),
                0,
            ),
            rejects,
            min_labels,
        )
        for stats in rollup(flag_cube, ("validator", "code", "severity"))
        if stats.group["validator"] is not None
    ]
    # Codes that flagged items nobody has reviewed yet still belong in the table.
    seen = {(row.validator, row.code) for row in per_code}
    for (validator, code, severity), count in sorted(flagged.items(), key=str):
        if severity is None and (validator, code) not in seen:
            per_code.append(
                ValidatorCalibration(
                    validator=validator, code=code, severity=None, flagged_items=count, labels=0,
                    approve=0, edit=0, reject=0, precision=None, precision_low=None,
                    precision_high=None, recall=0.0 if rejects else None, noisy=False,
                )
            )  # fmt: skip
    per_code.sort(key=lambda row: (row.validator, row.code))
    all_reasons: dict[str, int] = {}
    unflagged: dict[str, int] = {}
    for group in by_flagged:
        for reason, count in group.reasons.items():
            all_reasons[reason] = all_reasons.get(reason, 0) + count
            if group.group.get("flagged") == "no":
                unflagged[reason] = unflagged.get(reason, 0) + count
    blind = sorted(
        reason
        for reason, count in all_reasons.items()
        if count >= min_labels and unflagged.get(reason, 0) / count > 0.5
    )
    return Calibration(
        validators=tuple(per_code),
        by_severity=tuple(per_severity),
        noisy=tuple(f"{row.validator}.{row.code}" for row in per_code if row.noisy),
        blind_spots=tuple(blind),
        unflagged_rejects=dict(sorted(unflagged.items(), key=lambda item: (-item[1], item[0]))),
        rejects=rejects,
        min_labels=min_labels,
    )
