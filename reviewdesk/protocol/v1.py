"""API v1's request and response bodies (one pydantic model per purpose).

The server declares its endpoints with these, so the OpenAPI document is made from them; the
clients read answers into them (`model_validate`) and build requests from them. A request body
refuses unknown fields (`extra="forbid"`); an answer a client reads ignores fields it does not
know yet, so a newer server can add fields without breaking an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from reviewdesk.domain import Comparison, Generation, Preference, ShownOrder, Verdict
from reviewdesk.domain.models import Answer, Count, NonEmpty, QuestionKey, ReasonCode
from reviewdesk.domain.policy import ReviewPolicy
from reviewdesk.domain.templates import MAX_TEMPLATE_CHARS
from reviewdesk.protocol.statuses import (
    ChangeKind,
    DecisionStatus,
    DeliveryState,
    EntryKind,
    ItemPhase,
    ItemResultStatus,
    LeaseMode,
    TemplateOutcome,
    TokenRole,
)

Id = Annotated[str, Field(min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error, as `application/problem+json` (RFC 9457) with a stable `code`."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    api: Literal["v1"]
    database: str


class ItemsIn(_In):
    """Up to 500 items in canonical import form, each optionally with `required_reviews`."""

    items: list[Any]
    """Each an object; an entry that is not is answered `invalid` (the others are taken)."""


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ItemResult(BaseModel):
    index: int
    id: str | None
    status: ItemResultStatus
    errors: list[FieldErrorOut] = []
    decisions: int = 0


class ItemsOut(BaseModel):
    created: int
    duplicates: int
    invalid: int
    results: list[ItemResult]


class WithdrawnOut(BaseModel):
    id: str
    state: Literal[ItemPhase.WITHDRAWN]


class LeaseIn(_In):
    max_items: Annotated[int, Field(ge=1, le=10_000)] = 10
    ttl_s: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    mode: LeaseMode = LeaseMode.ONLINE
    kinds: Annotated[list[EntryKind], Field(min_length=1)] = [EntryKind.ITEM]
    """What to lease: items, comparisons or both (items first, then comparisons up to
    `max_items`). Items only by default, so a client that cannot show a comparison never
    holds one."""


class LeasedItem(BaseModel):
    generation: Generation
    slot: int
    epoch: int
    required_reviews: int


class LeasedComparison(BaseModel):
    """A comparison under a lease: its prompt and candidates, and the slot it fills."""

    kind: Literal[EntryKind.COMPARISON] = EntryKind.COMPARISON
    comparison: Comparison
    slot: int
    epoch: int
    required_reviews: int


class LeaseOut(BaseModel):
    lease_id: str
    mode: LeaseMode
    queue: str
    expires_at: datetime
    server_time: datetime
    items: list[LeasedItem]
    comparisons: list[LeasedComparison] = []
    """The comparisons leased (only when the lease asked for them in `kinds`)."""


class ExtendIn(_In):
    ttl_s: Annotated[int, Field(ge=1, le=10_000_000)] | None = None


class ExtendOut(BaseModel):
    lease_id: str
    mode: LeaseMode
    expires_at: datetime
    server_time: datetime
    held: list[str]
    lost: list[str]


class ReleaseOut(BaseModel):
    lease_id: str
    released: list[str]


class LeaseSummaryOut(BaseModel):
    lease_id: str
    reviewer: str
    queue: str
    mode: LeaseMode
    expires_at: datetime
    held: int


class LeasesOut(BaseModel):
    leases: list[LeaseSummaryOut]


class DecisionIn(_In):
    """A decision as the desk sends it; `reviewer` is the token's name and may be left out."""

    generation_id: Id
    verdict: Verdict
    edited_output: str | None = None
    reasons: list[ReasonCode] = []
    comment: str | None = None
    duration_ms: Count | None = None
    decided_at: datetime
    supersedes: Id | None = None
    session_id: str | None = None
    lease_id: str | None = None
    lease_epoch: Count | None = None
    device_id: str | None = None
    reviewer: NonEmpty | None = None
    answers: dict[QuestionKey, Answer] = {}
    """The answers to the queue's form questions (`{key: value}`, typed by kind)."""
    form_version: Annotated[int, Field(ge=1)] | None = None
    """The version of the queue's form the answers were made with."""


class BatchDecisionIn(DecisionIn):
    id: Id


class ComparisonDecisionIn(_In):
    """A decision on a comparison: `comparison_id` and `preference` (`a`, `b`: the candidate
    at that position of the record, `tie` or `both_bad`) where an item's decision has
    `generation_id` and `verdict`; `shown_order` says which candidate the reviewer saw on the
    left (`ab`: `a`)."""

    comparison_id: Id
    preference: Preference
    shown_order: ShownOrder | None = None
    edited_output: str | None = None
    reasons: list[ReasonCode] = []
    comment: str | None = None
    duration_ms: Count | None = None
    decided_at: datetime
    supersedes: Id | None = None
    session_id: str | None = None
    lease_id: str | None = None
    lease_epoch: Count | None = None
    device_id: str | None = None
    reviewer: NonEmpty | None = None
    answers: dict[str, Any] = {}
    """The answers to the queue's form questions (`{key: value}`), checked as an item's are;
    spans questions are not asked on comparisons."""
    form_version: Annotated[int, Field(ge=1)] | None = None
    """The version of the queue's form the answers were made with."""


class BatchComparisonDecisionIn(ComparisonDecisionIn):
    id: Id


DECISION_KIND_TAGS = frozenset({EntryKind.ITEM.value, EntryKind.COMPARISON.value})
"""The tags of `DecisionPutIn`'s two bodies; pydantic puts the tag in an error's location
(`body.comparison.preference`), and the server's route of the PUT takes it out again."""

MIXED_FIELDS = {
    (EntryKind.COMPARISON.value, "verdict"): (
        "a comparison's decision has a preference (a, b, tie or both_bad), not a verdict"
    ),
    (EntryKind.ITEM.value, "preference"): (
        "an item's decision has a verdict (approve, edit or reject), not a preference; "
        "a decision on a comparison names it with comparison_id"
    ),
}
"""Why a decision's body may not carry the other kind's field, by (kind, field)."""


def _decision_kind(body: Any) -> str:
    named = (
        "comparison_id" in body
        if isinstance(body, dict)
        else isinstance(body, ComparisonDecisionIn)
    )
    return EntryKind.COMPARISON.value if named else EntryKind.ITEM.value


DecisionPutIn = Annotated[
    Annotated[DecisionIn, Tag(EntryKind.ITEM.value)]
    | Annotated[ComparisonDecisionIn, Tag(EntryKind.COMPARISON.value)],
    Discriminator(_decision_kind),
]
"""The body of `PUT /v1/decisions/{id}`: a decision on a comparison when it names a
`comparison_id`, else a decision on an item; each is read by its own model only, so an error
names the field of that body (a `verdict` sent on a comparison is an unknown field there)."""


class BatchIn(_In):
    """Up to 200 decisions; each is checked on its own (a bad one is `invalid`, not a 422)."""

    decisions: list[Any]
    """Each an object; an entry that is not is answered `invalid` (the others are taken)."""


class DecisionResult(BaseModel):
    id: str | None
    status: DecisionStatus
    code: str | None = None
    detail: str | None = None


class BatchOut(BaseModel):
    results: list[DecisionResult]


class DecisionOut(BaseModel):
    """A stored decision (`GET /v1/decisions/{id}`)."""

    id: str
    generation_id: str
    reviewer: str
    verdict: Verdict
    edited_output: str | None
    reasons: list[str]
    comment: str | None
    duration_ms: int | None
    decided_at: datetime
    supersedes: str | None
    session_id: str | None
    lease_id: str | None
    lease_epoch: int | None
    device_id: str | None
    answers: dict[str, Any] = {}
    form_version: int | None = None


class ComparisonDecisionOut(BaseModel):
    """A stored decision on a comparison (`GET /v1/decisions/{id}`, and in `GET
    /v1/items/{id}` of a comparison)."""

    id: str
    comparison_id: str | None = None
    """The comparison decided (a server before `GET /v1/decisions/{id}` of comparisons left
    it out)."""
    reviewer: str
    preference: Preference
    shown_order: ShownOrder | None
    edited_output: str | None
    reasons: list[str]
    comment: str | None
    duration_ms: int | None
    decided_at: datetime
    supersedes: str | None
    lease_id: str | None
    lease_epoch: int | None
    answers: dict[str, Any] = {}
    form_version: int | None = None


class ComparisonStateOut(BaseModel):
    """A comparison's state (`GET /v1/items/{id}` of a comparison) with every decision on it.

    `preference` is the resolved one once the comparison is final (every slot decided): the
    preference most reviewers' latest decisions gave; null on a tie between preferences."""

    kind: Literal[EntryKind.COMPARISON] = EntryKind.COMPARISON
    id: str
    queue: str
    state: ItemPhase
    required_reviews: int
    reviews: int
    preference: Preference | None
    decisions: list[ComparisonDecisionOut]


class FormBody(_In):
    """A queue's review form (`PUT /v1/queues/{queue}/form`): the form file's keys as JSON.

    The questions are checked by `reviewdesk.domain.forms.Form.from_data`, whose errors name
    the question; `version` left out means the next version.
    """

    version: Annotated[int, Field(ge=1)] | None = None
    guidelines: str = ""
    questions: list[dict[str, Any]] = []


class FormOut(BaseModel):
    """A queue's current review form (`GET /v1/queues/{queue}/form`, and the answer to a PUT)."""

    queue: str
    version: int
    guidelines: str
    questions: list[dict[str, Any]]
    created_at: datetime


class TemplateBody(_In):
    """The text of a prompt template version (`PUT /v1/templates/{name}/{version}`)."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)]
    replace: bool = False
    """Replace another text stored for this version (else that is 409 `template_conflict`)."""


class TemplateOut(BaseModel):
    """A prompt template version's text (`GET /v1/templates/{name}/{version}`, and the answer
    to a PUT with its `outcome`)."""

    name: str
    version: str
    text: str
    sha256: str
    added_at: datetime
    source: str
    """Where the server first saw the text: api, item, otlp."""
    mismatches: int = 0
    """Items that later carried another text for this version (not taken)."""
    outcome: TemplateOutcome | None = None


class TemplateSummaryOut(BaseModel):
    """A template version in `GET /v1/templates`: its text's hash (None: the server has no
    text for it) and how many items name it."""

    name: str
    version: str
    items: int
    sha256: str | None = None
    added_at: datetime | None = None
    source: str | None = None
    mismatches: int = 0


class TemplatesOut(BaseModel):
    templates: list[TemplateSummaryOut]


class ChangeOut(BaseModel):
    seq: int
    kind: ChangeKind
    item_id: str
    lease_id: str | None
    epoch: int | None
    at: datetime
    entry: EntryKind = EntryKind.ITEM
    """What `item_id` names: an item, or a comparison (sent only to a client that asks for
    comparisons' changes, `kinds=comparison`)."""


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    next: int


class TokenIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: TokenRole
    queues: list[Id] | None = Field(
        default=None,
        min_length=1,
        description="A reviewer token only: the queues it may lease and decide (default: all).",
    )


class TokenOut(BaseModel):
    id: str
    name: str
    role: TokenRole
    created_at: datetime
    revoked_at: datetime | None
    queues: list[str] | None = Field(description="The queues it works on; null: every queue.")
    secret: str | None = Field(default=None, description="Shown once, when the token is made.")


class TokensOut(BaseModel):
    tokens: list[TokenOut]


class ResolvedOut(BaseModel):
    """An item's resolved verdict: the majority of its reviewers' latest decisions (a tie:
    `needs_adjudication`), or `auto_approved` by its queue's policy."""

    verdict: str
    edited_output: str | None
    reasons: list[str]
    reviewers: list[str]
    decided_at: datetime | None


class ItemStateOut(BaseModel):
    id: str
    queue: str
    state: ItemPhase
    required_reviews: int
    reviews: int
    verdict: ResolvedOut | None
    revision: int | None = Field(
        default=None,
        description="The verdict's revision: 1 when the item became final, one more each time "
        "a later decision changed it (null: not final yet).",
    )


class VerdictOut(ItemStateOut):
    """One entry of the verdict feed: an item's first final verdict, or a later revision."""

    seq: int
    previous: str | None = Field(
        default=None, description="The verdict this revision replaced (null: revision 1)."
    )


class VerdictsOut(BaseModel):
    verdicts: list[VerdictOut]
    next: int
    """The cursor to pass as `since` next."""
    head: int
    """The feed's newest entry (0: none yet): `since=head` follows from now on."""


class PolicyOut(BaseModel):
    queue: str
    policy: ReviewPolicy | None
    auto_approved: int
    """Items of the queue its policy let through unreviewed."""


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: Id
    url: Annotated[str, Field(min_length=1, max_length=2000)]


class WebhookOut(BaseModel):
    id: str
    queue: str
    url: str
    active: bool
    created_at: datetime
    secret: str | None = None


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    item_id: str
    verdict_seq: int
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[Id] | None = None
    """Only these dead deliveries (default: every dead delivery of the webhook)."""


class ReplayOut(BaseModel):
    replayed: int
