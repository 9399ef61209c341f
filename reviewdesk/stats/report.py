"""The HTML report: one self-contained page (inline CSS and SVG; no scripts, fonts or images to
fetch), readable offline and printable, rendered from resources/templates/report.html.j2 with
autoescaping and StrictUndefined. Each review form question gets a section: its answers, their
calibration against the verdict and the reviewers' agreement on them. Comparisons (pairwise
review), when the store holds any, get theirs: wins per model pair, ratings, position bias and
agreement (see `reviewdesk.stats.comparisons`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine

from reviewdesk import __version__
from reviewdesk.domain.templates import TemplateDiff
from reviewdesk.files import write_text_atomically
from reviewdesk.formatting import percent
from reviewdesk.resources import resource
from reviewdesk.stats.charts import bar_chart, interval_chart
from reviewdesk.stats.comparisons import ComparisonStats, comparison_stats
from reviewdesk.stats.models import GroupStats, Overview
from reviewdesk.stats.overview import compute_overview
from reviewdesk.stats.prices import Price
from reviewdesk.stats.question_models import QuestionReport
from reviewdesk.stats.questions import question_reports
from reviewdesk.stats.template_diffs import comparison_diffs
from reviewdesk.store import Resolution

__all__ = ["render_report", "write_report"]

_CHART_ROWS = 40  # beyond this, a chart shows the largest groups (the tables list them all)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["pct"] = percent
    environment.filters["num"] = _number
    environment.filters["usd"] = _usd
    environment.globals["group_label"] = _group_label
    return environment


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.5f}"


def _group_label(group: Mapping[str, Any]) -> str:
    if "prompt_version" in group:
        return f"{group.get('prompt_template') or '(none)'} @ {group['prompt_version'] or '(none)'}"
    if "code" in group:
        return (
            "(no flag)"
            if group.get("validator") is None
            else f"{group['validator']}.{group['code']}"
        )
    return (
        " · ".join("(none)" if value is None else str(value) for value in group.values()) or "all"
    )


def _acceptance_chart(groups: Sequence[GroupStats], title: str) -> Markup:
    shown = sorted(groups, key=lambda stats: -stats.n)[:_CHART_ROWS]
    shown = [stats for stats in groups if stats in shown]
    return interval_chart(
        [
            (
                _group_label(stats.group),
                stats.acceptance,
                stats.acceptance_low,
                stats.acceptance_high,
                stats.n,
            )
            for stats in shown
        ],
        title,
    )


def _charts(overview: Overview) -> dict[str, Markup]:
    calibration = [row for row in overview.calibration.validators if row.labels]
    return {
        "by_prompt_version": _acceptance_chart(
            overview.by_prompt_version, "Acceptance by prompt version"
        ),
        "by_model": _acceptance_chart(overview.by_model, "Acceptance by model"),
        "by_week": _acceptance_chart(overview.by_week, "Acceptance by week"),
        "reasons": bar_chart(
            [
                (share.reason, share.share, f"{share.count:,} ({share.share * 100:.0f}%)")
                for share in overview.reasons[:_CHART_ROWS]
            ],
            "Reject reasons",
        ),
        "precision": interval_chart(
            [
                (
                    f"{row.validator}.{row.code}",
                    row.precision,
                    row.precision_low,
                    row.precision_high,
                    row.labels,
                )
                for row in calibration[:_CHART_ROWS]
            ],
            "Validator precision: share of flagged items rejected or edited",
        ),
    }


def _question_chart(report: QuestionReport) -> Markup:
    stats = report.stats
    return interval_chart(
        [
            (option.label, option.share, option.low, option.high, stats.overall.n)
            for option in stats.overall.options[:_CHART_ROWS]
        ],
        f"Answers to {stats.question}",
    )


def render_report(
    overview: Overview,
    questions: Sequence[QuestionReport] = (),
    comparisons: ComparisonStats | None = None,
    diffs: Mapping[tuple[str, str, str], TemplateDiff] | None = None,
) -> str:
    """The report page for `overview`, with a section per review form question, one for
    comparisons (pairwise review) when the store holds any and, beside each version
    comparison, the diff of the two versions' template texts (`diffs`, by template, a and b)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        o=overview,
        diffs=diffs or {},
        charts=_charts(overview),
        questions=questions,
        question_charts=[_question_chart(report) for report in questions],
        comparisons=comparisons,
        version=__version__,
    )


def write_report(
    engine: Engine,
    path: Path,
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    prices: Mapping[str, Price] | None = None,
    prices_name: str | None = None,
    target: float | None = None,
) -> Overview:
    """Compute every statistic and write the report to `path` (atomically: a temporary file
    renamed into place). Returns the overview it shows."""
    options: dict[str, Any] = {"prices": prices, "prices_name": prices_name}
    if target is not None:
        options["target"] = target
    overview = compute_overview(engine, policy, adjudicators, **options)
    with engine.connect() as connection:
        comparisons = comparison_stats(connection, adjudicators=adjudicators)
    page = render_report(
        overview,
        question_reports(engine, policy, adjudicators),
        comparisons if comparisons.comparisons else None,
        comparison_diffs(engine, overview.comparisons),
    )
    write_text_atomically(Path(path), page, prefix=".report-", suffix=".html")
    return overview
