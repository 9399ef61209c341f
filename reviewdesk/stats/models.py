"""The results of the statistics: frozen pydantic models.

Each model's `model_dump(mode="json")` is the plain-dict shape the command line prints with
`--json` and the server returns from `GET /v1/stats` and `GET /v1/routing`. Rates are shares
(0..1), None where nothing was counted; intervals are Wilson 95% score intervals.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reviewdesk.store import Resolution

__all__ = [
    "Agreement",
    "AgreementBreakdown",
    "Calibration",
    "Comparison",
    "Disagreement",
    "GroupAgreement",
    "GroupKey",
    "GroupStats",
    "LeftOut",
    "ModelRoute",
    "Overview",
    "PairAgreement",
    "PairReasons",
    "ReasonAgreement",
    "ReasonShare",
    "ReviewerThroughput",
    "RouteAdvice",
    "RouteStatus",
    "RoutingAdvice",
    "Throughput",
    "Totals",
    "Unit",
    "ValidatorCalibration",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupKey(StrEnum):
    """What decisions can be grouped by (`--by`). A group names each key's value in `group`.

    `prompt_version` groups by template and version together (`prompt_template`,
    `prompt_version`); `validator` by validator and code (`validator`, `code`; an item with
    several flags counts in each of its flags' groups, an item with none under null);
    `day` is the UTC day of the decision; `week` its ISO week (`2026-W48`).
    """

    PROMPT_VERSION = "prompt_version"
    TEMPLATE = "template"
    MODEL = "model"
    ROUTE = "route"
    QUEUE = "queue"
    VALIDATOR = "validator"
    REVIEWER = "reviewer"
    DAY = "day"
    WEEK = "week"


class Unit(StrEnum):
    """What the statistics count: items (each item's resolved label, the default) or labels
    (each reviewer's latest label, with intervals clustered by item)."""

    ITEMS = "items"
    LABELS = "labels"


class LeftOut(_Frozen):
    """The decided items a policy gives no label, and why (`reason` "" when none are)."""

    policy: Resolution
    items: int
    reason: str


class GroupStats(_Frozen):
    """Counts and rates of one group's labels.

    `acceptance` is (approve + edit) / n. `edit_severity` is the mean normalised edit distance
    (0 = unchanged, 1 = rewritten) between the original and the edited output over the group's
    edits that were measured (`edit_severity_n`; all edits up to a limit, then an even sample).
    `reasons` counts the reasons given with rejects (a reject may give several).
    `items`: in the labels unit, the items the group's labels came from; its intervals are then
    clustered by item (None in the items unit, where n counts items).
    """

    group: dict[str, str | None]
    n: int
    approve: int
    edit: int
    reject: int
    approve_rate: float | None
    edit_rate: float | None
    reject_rate: float | None
    reject_low: float | None
    reject_high: float | None
    acceptance: float | None
    acceptance_low: float | None
    acceptance_high: float | None
    edit_severity: float | None
    edit_severity_n: int
    reasons: dict[str, int]
    items: int | None = None


class ReasonShare(_Frozen):
    """How often a reason was given with a reject: `count` of `rejects`, and its share."""

    reason: str
    count: int
    share: float


class Comparison(_Frozen):
    """Prompt version `a` against `b` of a template, on acceptance (a - b).

    `p_value` from `test` ("z": two-proportion z test; "fisher": Fisher's exact test, used when
    an expected count is below 5; "none": a version has no reviews). `more_reviews_per_version`
    is how many more reviews each version needs before a difference the size of the one seen
    (at least `min_effect`) would be significant at 5% with 80% power; 0 when it already is.
    """

    template: str
    a: str
    b: str
    a_stats: GroupStats
    b_stats: GroupStats
    difference: float | None
    difference_low: float | None
    difference_high: float | None
    p_value: float | None
    test: str
    significant: bool
    more_reviews_per_version: int | None
    min_effect: float
    sentence: str


class ValidatorCalibration(_Frozen):
    """How well one validator code (at one severity, or at all: `severity` None) predicts
    reviewers' verdicts.

    `flagged_items`: items it flagged (reviewed or not). Over labels of flagged items:
    `precision` = share rejected or edited. `recall` = share of all rejected labels whose item it
    flagged. `noisy` is true when most of its reviewed flags were approved (precision < 0.5 with
    at least `min_labels` labels).
    """

    validator: str
    code: str
    severity: str | None
    flagged_items: int
    labels: int
    approve: int
    edit: int
    reject: int
    precision: float | None
    precision_low: float | None
    precision_high: float | None
    recall: float | None
    noisy: bool


class Calibration(_Frozen):
    """Validator calibration and the reject reasons validators miss.

    `blind_spots`: reasons given with at least `min_labels` rejects of which most (over half)
    were on items no validator flagged; `unflagged_rejects` counts those rejects per reason.
    """

    validators: tuple[ValidatorCalibration, ...]
    by_severity: tuple[ValidatorCalibration, ...]
    noisy: tuple[str, ...]
    blind_spots: tuple[str, ...]
    unflagged_rejects: dict[str, int]
    rejects: int
    min_labels: int


class PairAgreement(_Frozen):
    """Two reviewers on the items both decided: their agreement and Cohen's kappa."""

    first: str
    second: str
    items: int
    agreement: float | None
    kappa: float | None


class Disagreement(_Frozen):
    """An item whose reviewers gave different verdicts (each reviewer's latest)."""

    id: str
    prompt_template: str | None
    prompt_version: str | None
    model: str
    verdicts: dict[str, str]
    last_decided_at: str


class GroupAgreement(_Frozen):
    """Agreement on one group's items with two or more reviewers (their latest decisions).

    `all_agree`: share of items on which every reviewer gave the same verdict. `pairwise`: per
    item, the share of its reviewer pairs that gave the same verdict, averaged over items.
    `krippendorff_alpha`: nominal, over the verdicts. On reasons: `reason_items` items where a
    pair of reviewers could be compared (at least one of the two gave a reason);
    `reasons_jaccard` / `reasons_masi`: per item, the mean Jaccard / MASI similarity of the
    reason sets of those pairs, averaged over those items.
    """

    group: dict[str, str | None]
    items: int
    reviewers: int
    all_agree: float | None
    pairwise: float | None
    krippendorff_alpha: float | None
    reason_items: int
    reasons_jaccard: float | None
    reasons_masi: float | None


class PairReasons(_Frozen):
    """Two reviewers on the items both decided: verdict agreement, Cohen's kappa, and their
    reasons' mean Jaccard and MASI similarity over the `reason_items` items where at least one
    of them gave a reason."""

    first: str
    second: str
    items: int
    agreement: float | None
    kappa: float | None
    reason_items: int
    reasons_jaccard: float | None
    reasons_masi: float | None


class ReasonAgreement(_Frozen):
    """Agreement on citing one reason: over the items with two or more reviewers, each
    reviewer's decision cites it or not; Krippendorff's alpha (nominal) of those yes/no values.
    `cited`: decisions citing it; `items`: items where at least one reviewer cited it."""

    reason: str
    cited: int
    items: int
    krippendorff_alpha: float | None


class AgreementBreakdown(_Frozen):
    """Agreement overall, per group of `by` (item columns), per reviewer pair and per reason."""

    by: tuple[str, ...]
    overall: GroupAgreement
    groups: tuple[GroupAgreement, ...]
    pairs: tuple[PairReasons, ...]
    reasons: tuple[ReasonAgreement, ...]


class Agreement(_Frozen):
    """Agreement on items with two or more reviewers (each reviewer's latest decision counts,
    whatever the resolution policy: agreement is about the reviewers, not the labels).

    `all_agree`: the share of items on which every reviewer gave the same verdict;
    `pairwise_agreement`: per item, the share of its reviewer pairs that agree, averaged over
    items (they differ from three reviewers on). `percent_agreement` is `all_agree`, kept under
    its older name.

    `disagreements` lists the most recent ones first (by when their latest label was recorded),
    at most `limit`; `disagreement_count`
    counts them all. With adjudicators named, items an adjudicator decided are left out of the
    list (they are settled).
    """

    items: int
    reviewers: int
    percent_agreement: float | None
    krippendorff_alpha: float | None
    pairs: tuple[PairAgreement, ...]
    disagreement_count: int
    disagreements: tuple[Disagreement, ...]
    limit: int
    all_agree: float | None = None
    pairwise_agreement: float | None = None


class ReviewerThroughput(_Frozen):
    """One reviewer's (or one reviewer-day's) pace over all their decisions.

    `median_seconds` is the median time an item was on screen (to the second);
    `per_hour` = decisions per hour on screen (3600 / mean seconds).
    """

    reviewer: str | None
    day: str | None
    decisions: int
    median_seconds: float | None
    per_hour: float | None


class Throughput(_Frozen):
    by_reviewer: tuple[ReviewerThroughput, ...]
    by_day: tuple[ReviewerThroughput, ...]
    by_reviewer_day: tuple[ReviewerThroughput, ...]
    overall: ReviewerThroughput


class RouteStatus(StrEnum):
    """The advice for a route: a model, or why there is none."""

    ADVISED = "advised"
    NOT_ENOUGH_DATA = "not_enough_data"
    NONE_MEETS_TARGET = "none_meets_target"


class ModelRoute(_Frozen):
    """One model on one route.

    `cost_per_item_usd` from the price table (`cost_source` "prices") or the mean recorded
    `usage.cost_usd` ("recorded"); null when neither is known. `traffic_share`: its share of the
    route's items in the store. `median_latency_ms` to the nearest 10 ms.
    """

    model: str
    items: int
    n: int
    approve: int
    edit: int
    reject: int
    acceptance: float | None
    acceptance_low: float | None
    acceptance_high: float | None
    meets_target: bool
    cost_per_item_usd: float | None
    cost_source: str | None
    median_latency_ms: float | None
    traffic_share: float


class PreferenceRating(_Frozen):
    """One model's Davidson rating on one route (log-strength, its bootstrap 95% interval) and
    its resolved comparisons there."""

    model: str
    rating: float
    rating_low: float
    rating_high: float
    wins: int
    ties: int
    losses: int
    both_bad: int


class RoutePreference(_Frozen):
    """The comparisons on one route (both candidates on it) and the ratings they give, best
    first. `clear_winner`: the top model's interval lies wholly above every other's."""

    comparisons: int
    rated: int
    unresolved: int
    tie_parameter: float
    clear_winner: str | None
    ratings: tuple[PreferenceRating, ...]


class RouteAdvice(_Frozen):
    """The advice for one route and what it would save against the current traffic mix.
    `evidence`: what decided `status` and `model` ("acceptance", "preference", or "both" when
    both were consulted and neither was enough)."""

    route: str
    status: RouteStatus
    model: str | None
    items: int
    current_cost_per_item_usd: float | None
    advised_cost_per_item_usd: float | None
    saving_per_item_usd: float | None
    saving_share: float | None
    estimated_saving_usd: float | None
    models: tuple[ModelRoute, ...]
    evidence: str = "acceptance"
    preference: RoutePreference | None = None


class RoutingAdvice(_Frozen):
    """The routing table (see `reviewdesk.stats.routing` for the `routing.json` schema)."""

    format: str
    schema_version: int
    generated_at: str
    target_acceptance: float
    confidence: float
    policy: Resolution
    prices: str | None
    routes: tuple[RouteAdvice, ...]
    unresolved_items: int = 0


class Totals(_Frozen):
    """The size of what the statistics count. `labels` is the items counted (one label an
    item) under every policy but `latest`; `unresolved_items` the decided items the policy
    left out, and `unresolved_reason` why."""

    generations: int
    decided_items: int
    decisions: int
    labels: int
    unresolved_items: int
    reviewers: int
    unresolved_reason: str = ""


class Overview(_Frozen):
    """Everything the Statistics tab and the report show, from one `compute_overview` call.

    `by_reviewer`, `by_day` and `by_week` come from the throughput pass and carry no reject
    reasons (`reviewdesk stats --by reviewer` has them); every other grouping does.
    `comparisons` holds, per template with two or more versions, the newest against the one
    before it.
    """

    policy: Resolution
    generated_at: str
    totals: Totals
    overall: GroupStats
    by_prompt_version: tuple[GroupStats, ...]
    by_model: tuple[GroupStats, ...]
    by_route: tuple[GroupStats, ...]
    by_queue: tuple[GroupStats, ...]
    by_validator: tuple[GroupStats, ...]
    by_reviewer: tuple[GroupStats, ...]
    by_day: tuple[GroupStats, ...]
    by_week: tuple[GroupStats, ...]
    reasons: tuple[ReasonShare, ...]
    comparisons: tuple[Comparison, ...]
    calibration: Calibration
    agreement: Agreement
    throughput: Throughput
    routing: RoutingAdvice
