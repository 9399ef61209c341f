"""Feedback statistics and routing advice (no Qt).

Every function takes a SQLAlchemy `Engine` (a local store's `store.engine`, or the server's
PostgreSQL engine) and a resolution policy (by default `resolved`: each item counts once, with
its resolved label; `left_out` says how many items a policy leaves out and why), and returns
frozen pydantic models whose `model_dump(mode="json")` is the shape the command line and the
server print.

- `compute_overview(engine, policy)`: everything the Statistics tab and the report show.
- `grouped_stats(engine, keys, policy, unit=...)`: `reviewdesk stats --by ... [--unit labels]`.
- `compare_versions(engine, template, a, b, policy)`: prompt version A against B.
- `routing_advice(engine, policy, prices=..., target=...)`: the routing table (routing.json).
- `agreement_stats(engine)`, `agreement_breakdown(engine, by)` (per group, reviewer pair and
  reason), `throughput_stats(engine)`.
- `question_stats(engine, key, by, policy, unit=...)`, `question_agreement(engine, key)`,
  `question_calibration(engine, key, policy)`, `question_report(...)` (the three from one
  read), `question_reports(engine, policy)` (every question the forms ask): a review form
  question's answers (`reviewdesk stats --question KEY`, `reviewdesk agreement --question KEY`).
- `version_diff(engine, template, a, b)`, `comparison_diffs(engine, comparisons)`: what changed
  in the template text between two compared versions (the prompt-template registry).
- `render_report(overview)` / `write_report(engine, path)`: the self-contained HTML report.
"""

from __future__ import annotations

from reviewdesk.stats.agreement_groups import agreement_breakdown
from reviewdesk.stats.compare import compare_groups, compare_versions
from reviewdesk.stats.cube import parse_keys
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.feedback import grouped_stats, left_out
from reviewdesk.stats.models import (
    Agreement,
    AgreementBreakdown,
    Calibration,
    Comparison,
    GroupKey,
    GroupStats,
    LeftOut,
    Overview,
    PreferenceRating,
    RoutePreference,
    RouteStatus,
    RoutingAdvice,
    Throughput,
    Unit,
)
from reviewdesk.stats.overview import (
    agreement_stats,
    bench_parts,
    compute_overview,
    routing_advice,
    throughput_stats,
)
from reviewdesk.stats.prices import Price, load_prices, parse_prices
from reviewdesk.stats.question_agreement import question_agreement
from reviewdesk.stats.question_models import (
    QuestionAgreement,
    QuestionCalibration,
    QuestionReport,
    QuestionStats,
)
from reviewdesk.stats.questions import (
    question_calibration,
    question_report,
    question_reports,
    question_stats,
)
from reviewdesk.stats.report import render_report, write_report
from reviewdesk.stats.routing import routing_document
from reviewdesk.stats.template_diffs import comparison_diffs, version_diff

__all__ = [
    "Agreement",
    "AgreementBreakdown",
    "Calibration",
    "Comparison",
    "GroupKey",
    "GroupStats",
    "LeftOut",
    "Overview",
    "PreferenceRating",
    "Price",
    "QuestionAgreement",
    "QuestionCalibration",
    "QuestionReport",
    "QuestionStats",
    "RoutePreference",
    "RouteStatus",
    "RoutingAdvice",
    "StatsInputError",
    "Throughput",
    "Unit",
    "agreement_breakdown",
    "agreement_stats",
    "bench_parts",
    "compare_groups",
    "compare_versions",
    "comparison_diffs",
    "compute_overview",
    "grouped_stats",
    "left_out",
    "load_prices",
    "parse_keys",
    "parse_prices",
    "question_agreement",
    "question_calibration",
    "question_report",
    "question_reports",
    "question_stats",
    "render_report",
    "routing_advice",
    "routing_document",
    "throughput_stats",
    "version_diff",
    "write_report",
]
