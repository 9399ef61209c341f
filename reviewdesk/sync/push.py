"""The push step of a sync: the outbox's decisions to the server in batches, decisions on items
first, then those on comparisons, each answer settled in the outbox.

Every decision is sent until the server answered for it (the server is idempotent by decision
id, so a batch cut off is sent again and answered `duplicate`). `invalid`, and a whole batch
the server refuses (413, 422, ...), are kept as needing the reviewer's attention; every other
status is final. A network failure puts the batch back in the outbox and stops the step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reviewdesk.domain import ComparisonDecision, Decision
from reviewdesk.protocol.statuses import KEPT_STATUSES, DecisionStatus
from reviewdesk.protocol.v1 import DecisionResult
from reviewdesk.remote.errors import RemoteError, RequestRefusedError
from reviewdesk.remote.reviewer import DECISIONS_PER_CALL, ReviewerClient
from reviewdesk.store import OutboxState, Settled, SyncLedger
from reviewdesk.sync.reports import SyncReport

__all__ = ["push_outbox"]

_D = TypeVar("_D", Decision, ComparisonDecision)


def push_outbox(ledger: SyncLedger, client: ReviewerClient, report: SyncReport) -> None:
    """Push the outbox: decisions on items, then on comparisons.

    Raises:
        RemoteError: the server could not be reached (or took no token); the batch under way
            is back in the outbox.
    """
    if _push_kind(ledger, ledger.take_batch, client.push, report):
        _push_kind(ledger, ledger.comparisons.take_batch, client.push_comparisons, report)


def _push_kind(
    ledger: SyncLedger,
    take: Callable[[int], list[_D]],
    push: Callable[[list[_D]], list[DecisionResult]],
    report: SyncReport,
) -> bool:
    """Push one kind of decisions until none is left; False when the server skipped some
    (they go out at the next step)."""
    while True:
        batch = take(DECISIONS_PER_CALL)
        if not batch:
            return True
        try:
            results = push(batch)
        except RequestRefusedError as error:
            # The whole batch was refused (413, 422, ...): keep every decision, shown as
            # needing attention with the server's reason, and go on with the rest.
            ledger.settle(
                [
                    Settled(
                        decision.id,
                        OutboxState.REFUSED,
                        DecisionStatus.INVALID,
                        error.code,
                        error.detail,
                    )
                    for decision in batch
                ]
            )
            report.refused += len(batch)
            continue
        except RemoteError as error:
            ledger.unsent([decision.id for decision in batch], str(error))
            raise
        answered = {result.id for result in results}
        missing = [decision.id for decision in batch if decision.id not in answered]
        ledger.settle([_settled(result) for result in results if result.id is not None])
        if missing:  # a server that skipped some: send them again next time
            ledger.unsent(missing, "the server did not answer for this decision")
        for result in results:
            report.statuses[result.status] += 1
            if result.status in KEPT_STATUSES:
                report.pushed += 1
            elif result.status == DecisionStatus.DUPLICATE:
                report.duplicates += 1
            elif result.status == DecisionStatus.WITHDRAWN:
                report.withdrawn += 1
            else:
                report.refused += 1
        if missing:
            return False


def _settled(result: DecisionResult) -> Settled:
    """The outbox's record of the server's answer: `invalid` needs the reviewer's attention
    (refused, kept); every other status is final (sent)."""
    refused = result.status == DecisionStatus.INVALID
    return Settled(
        str(result.id),
        OutboxState.REFUSED if refused else OutboxState.SENT,
        result.status,
        result.code,
        result.detail,
    )
