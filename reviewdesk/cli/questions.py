"""`reviewdesk stats --question KEY` and `reviewdesk agreement --question KEY`: a review form
question's answers, counted and compared (see reviewdesk/stats/questions.py and
question_agreement.py). Tables print without markup: they quote options and reviewers verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from reviewdesk.cli.console import err, out
from reviewdesk.formatting import interval, percent

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from reviewdesk.stats import GroupKey, QuestionAgreement, QuestionStats, Unit
    from reviewdesk.stats.question_models import QuestionCalibration, QuestionGroup
    from reviewdesk.store import Resolution

__all__ = ["print_question_agreement", "print_question_stats"]


def _show(table: Table) -> None:
    console = out if out.is_terminal else Console(highlight=False, width=max(out.width, 200))
    console.print(table, markup=False)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(value: Any) -> str:
    return "(none)" if value is None else str(value)


def print_question_stats(
    engine: Engine,
    key: str,
    by: Sequence[GroupKey],
    policy: Resolution,
    adjudicators: Sequence[str],
    unit: Unit,
    *,
    as_json: bool,
) -> None:
    """The distribution of question `key`'s answers (and, for a choice or multi question, its
    calibration against the verdict), as tables or one JSON document."""
    from reviewdesk.stats import question_report

    report = question_report(engine, key, by, policy, adjudicators, unit=unit)
    result, calibration = report.stats, report.calibration
    if as_json:
        document = result.model_dump(mode="json")
        document["policy"] = str(policy)
        document["calibration"] = (
            None if calibration is None else calibration.model_dump(mode="json")
        )
        print(json.dumps(document, ensure_ascii=False))
        return
    if result.left_out.items:
        err.print(
            f"left out by the {policy.value} policy: {result.left_out.items:,} answered items "
            f"({result.left_out.reason})",
            markup=False,
        )
    if result.comparisons:
        err.print(
            f"not counted: {result.comparisons:,} comparisons answered {key!r} (these figures "
            "count items; comparisons' answers are in the raw and csv exports)",
            markup=False,
        )
    if not result.overall.n:
        out.print(f"no answers to {key!r} yet", markup=False)
        return
    what = "answers (intervals clustered by item)" if str(unit) == "labels" else "items"
    _show(_distribution(result, result.overall, f"{_named(result)}: {what}"))
    if result.groups:
        _show(_grouped(result))
    if calibration is not None:
        _show(_calibration(calibration))


def _named(result: QuestionStats | QuestionAgreement) -> str:
    """ "Label (key, kind)", or "key (kind)" when the question has no label of its own."""
    if result.label == result.question:
        return f"{result.question} ({result.kind})"
    return f"{result.label} ({result.question}, {result.kind})"


def _distribution(result: QuestionStats, group: QuestionGroup, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("option", "label", "count", "share", "95% interval"):
        table.add_column(name, justify="right" if name in ("count", "share") else "left")
    for option in group.options:
        table.add_row(
            _cell(option.value),
            option.label,
            f"{option.count:,}",
            percent(option.share),
            interval(option.low, option.high),
        )
    table.caption = _caption(result, group)
    return table


def _caption(result: QuestionStats, group: QuestionGroup) -> str:
    caption = f"{group.n:,} answers on {group.items:,} items"
    if result.kind == "multi":
        caption += "; an answer may tick several options"
    if group.mean is not None:
        caption += f"; mean {_mean(group)}"
    return caption


def _mean(group: QuestionGroup) -> str:
    if group.mean is None:
        return "–"
    if group.mean_low is None or group.mean_high is None:
        return f"{group.mean:.2f}"
    return f"{group.mean:.2f} [{group.mean_low:.2f}, {group.mean_high:.2f}]"


def _grouped(result: QuestionStats) -> Table:
    table = Table(title=f"by {', '.join(result.by)}", title_justify="left")
    for column in result.by:
        table.add_column(column)
    table.add_column("n", justify="right")
    if result.kind == "rating":
        table.add_column("mean [95%]", justify="right")
    for option in result.overall.options:
        table.add_column(_cell(option.value), justify="right")
    for group in result.groups:
        cells = [_cell(group.group[column]) for column in result.by]
        cells.append(f"{group.n:,}")
        if result.kind == "rating":
            cells.append(_mean(group))
        cells.extend(
            f"{percent(option.share)} ({interval(option.low, option.high)})"
            for option in group.options
        )
        table.add_row(*cells)
    return table


def _calibration(calibration: QuestionCalibration) -> Table:
    table = Table(title="against the verdict (per option)", title_justify="left")
    for name in ("option", "n", "approve", "edit", "reject"):
        table.add_column(name, justify="left" if name == "option" else "right")
    for row in calibration.options:
        table.add_row(
            _cell(row.value),
            f"{row.n:,}",
            f"{percent(row.approve_share)} ({interval(row.approve_low, row.approve_high)})",
            f"{percent(row.edit_share)} ({interval(row.edit_low, row.edit_high)})",
            f"{percent(row.reject_share)} ({interval(row.reject_low, row.reject_high)})",
        )
    return table


def print_question_agreement(engine: Engine, key: str, *, as_json: bool) -> None:
    """Agreement on question `key`, as text and tables or one JSON document."""
    from reviewdesk.stats import question_agreement

    result = question_agreement(engine, key)
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        return
    if not result.items:
        out.print(f"no item has two or more answers to {key!r} yet", markup=False)
        return
    out.print(_summary(result), markup=False)
    pairs = Table(title="reviewer pairs", title_justify="left")
    names = ["first", "second", "items", "agreement", "kappa"]
    if result.kind == "spans":
        names = ["first", "second", "items", "F1 (characters)", "F1 (exact spans)", "both empty"]
    for name in names:
        pairs.add_column(name, justify="left" if name in ("first", "second") else "right")
    for pair in result.pairs:
        if result.kind == "spans":
            pairs.add_row(
                pair.first,
                pair.second,
                f"{pair.items:,}",
                _num(pair.char_f1),
                _num(pair.exact_f1),
                f"{pair.both_empty or 0:,}",
            )
        else:
            pairs.add_row(
                pair.first,
                pair.second,
                f"{pair.items:,}",
                percent(pair.agreement),
                _num(pair.kappa),
            )
    _show(pairs)
    if result.options:
        options = Table(title="per option (ticked or not: alpha)", title_justify="left")
        for name in ("option", "ticked", "alpha"):
            options.add_column(name, justify="left" if name == "option" else "right")
        for option in result.options:
            options.add_row(option.value, f"{option.ticked:,}", _num(option.alpha))
        _show(options)


def _summary(result: QuestionAgreement) -> str:
    head = (
        f"{_named(result)}: {result.items:,} items with 2+ "
        f"answers from {result.reviewers:,} reviewers; all agree on {percent(result.all_agree)}"
    )
    if result.kind == "spans":
        return (
            f"{head}; span F1 {_num(result.char_f1)} by character (same label), "
            f"{_num(result.exact_f1)} by exact span"
        )
    alpha = f"Krippendorff's alpha ({result.metric}) {_num(result.alpha)}"
    if result.alpha_interval is not None:
        alpha += f", interval {_num(result.alpha_interval)}"
    return f"{head}; {alpha}"
