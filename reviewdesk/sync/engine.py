"""Checking items and comparisons out of a queue server into the local store, and one step of
the sync loop.

A checkout leases items and comparisons in one lease (`kinds`; items first, as the server
orders them; a server from before comparisons is asked for items only). Comparisons go through
every step as items do, into their own tables (`ComparisonLedger`).

A sync step: push the outbox in batches (`push`: decisions on items, then on comparisons) → pull
`/v1/changes` (items and comparisons revoked, withdrawn or filled by others leave the local
queue) → pull the queue's review form (questions and guidelines) into the store, so the desk
shows it offline → extend the live leases (a lease holds both kinds) → lease more when fewer
than the checked-out number are left undecided. A checkout pulls the form too. A step stops
at the first network failure (the outbox is kept, the next step picks up where this
one ended) and at a 401 (`TokenNeededError`: ask the reviewer for a token). Decisions the
server refuses are kept and listed as needing attention.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from reviewdesk.domain import Form
from reviewdesk.errors import FormError, StoreError
from reviewdesk.protocol.statuses import ChangeKind, EntryKind, LeaseMode
from reviewdesk.protocol.v1 import LeaseOut
from reviewdesk.remote.errors import (
    RemoteError,
    RequestRefusedError,
    ServerUnreachableError,
    TokenNeededError,
)
from reviewdesk.remote.reviewer import ReviewerClient
from reviewdesk.store import (
    LeasedComparisonEntry,
    LeasedGeneration,
    OutboxEntry,
    OutboxState,
    Store,
    SyncLedger,
)
from reviewdesk.sync.errors import SyncError
from reviewdesk.sync.push import push_outbox
from reviewdesk.sync.reports import CheckoutReport, SyncReport

logger = logging.getLogger(__name__)

__all__ = ["CheckoutReport", "SyncEngine", "SyncReport"]

ClientFactory = Callable[[str], ReviewerClient]
"""Makes a client for a server URL (with the token); the engine closes it."""

KINDS = (EntryKind.ITEM, EntryKind.COMPARISON)
"""What the desk leases and follows the changes of: items and comparisons."""


class SyncEngine:
    """Syncs one store with the server it is connected to (`SyncLedger.connect`).

    Not thread-safe: run it on one worker (the desk's network executor). The store calls it
    makes are short transactions, so the desk's own writes are never held up for long.
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.ledger = SyncLedger(store)
        self._client_factory = client_factory
        self._clock = clock

    def _server(self) -> tuple[str, str, int, int]:
        settings = self.ledger.settings()
        if settings is None:
            raise SyncError(
                f"the store {self.store.path} is not connected to a server: "
                "run `reviewdesk login --server URL` first"
            )
        return settings.server_url, settings.queue, settings.target, settings.ttl_s

    def checkout(
        self, count: int, *, queue: str | None = None, ttl_s: int | None = None
    ) -> CheckoutReport:
        """Lease `count` items for offline work into the store; keep that many checked out.

        Raises:
            SyncError: the store is not connected to a server.
            RemoteError: unreachable, the token rejected, or the request refused.
        """
        server_url, saved_queue, _target, saved_ttl = self._server()
        queue = queue or saved_queue
        ttl_s = ttl_s or saved_ttl
        self.ledger.set_checkout(queue=queue, target=count, ttl_s=ttl_s)
        with self._client_factory(server_url) as client:
            form_version, form_problem = self._pull_form(client, queue)
            report = self._lease(client, server_url, queue, count, ttl_s)
            report.templates, _ = self._pull_templates(client)
        report.form_version, report.form_problem = form_version, form_problem
        return report

    def _lease(
        self, client: ReviewerClient, server_url: str, queue: str, count: int, ttl_s: int
    ) -> CheckoutReport:
        lease = self._lease_kinds(client, queue, count, ttl_s)
        if not lease.items and not lease.comparisons:
            return CheckoutReport(None, 0, 0, None)
        # The server's expiry, moved onto our clock: the desk compares it with its own time.
        expires_at = self._clock() + (lease.expires_at - lease.server_time)
        added = self.ledger.add_leased(
            server_url=server_url,
            queue=lease.queue,
            lease_id=lease.lease_id,
            mode=lease.mode,
            expires_at=expires_at,
            items=[LeasedGeneration(i.generation, i.slot, i.epoch) for i in lease.items],
        )
        added += self.ledger.comparisons.add_leased(
            server_url=server_url,
            queue=lease.queue,
            lease_id=lease.lease_id,
            mode=lease.mode,
            expires_at=expires_at,
            comparisons=[
                LeasedComparisonEntry(c.comparison, c.slot, c.epoch) for c in lease.comparisons
            ],
        )
        leased = len(lease.items) + len(lease.comparisons)
        logger.info(
            "leased %d items and %d comparisons (%d new) until %s",
            len(lease.items),
            len(lease.comparisons),
            added,
            expires_at,
        )
        return CheckoutReport(
            lease.lease_id, leased, added, expires_at, comparisons=len(lease.comparisons)
        )

    def _lease_kinds(self, client: ReviewerClient, queue: str, count: int, ttl_s: int) -> LeaseOut:
        """A lease of items and comparisons; of items only from a server that does not know
        `kinds` (it refuses the field: 422)."""
        try:
            return client.lease(queue, count, ttl_s=ttl_s, mode=LeaseMode.OFFLINE, kinds=KINDS)
        except RequestRefusedError as error:
            if error.status != 422:
                raise
            logger.info("the server leases no comparisons (%s): items only", error)
            return client.lease(queue, count, ttl_s=ttl_s, mode=LeaseMode.OFFLINE)

    def sync(self) -> SyncReport:
        """One step of the loop. Never raises a `SyncError` or a `RemoteError`: the report says
        what went wrong."""
        report = SyncReport()
        try:
            server_url, queue, target, ttl_s = self._server()
            with self._client_factory(server_url) as client:
                self._push(client, report)
                self._pull(client, report)
                report.form_version, report.form_problem = self._pull_form(client, queue)
                self._extend(client, ttl_s, report)
                self._top_up(client, server_url, queue, target, ttl_s, report)
                report.templates, report.template_problem = self._pull_templates(client)
        except (SyncError, RemoteError) as error:
            report.error = str(error)
            report.online = not isinstance(error, ServerUnreachableError)
            report.token_needed = isinstance(error, TokenNeededError)
            logger.info("sync stopped: %s", error)
        counts = self.ledger.counts()
        report.waiting = counts[OutboxState.PENDING] + counts[OutboxState.SENDING]
        report.needs_attention = counts[OutboxState.REFUSED]
        if self.ledger.settings() is not None:
            self.ledger.finish_sync(report.error)
        return report

    def needs_attention(self) -> list[OutboxEntry]:
        """Decisions the server refused, with its reasons (kept until retried)."""
        return self.ledger.entries(OutboxState.REFUSED)

    # -- the steps -----------------------------------------------------------------------------

    def _push(self, client: ReviewerClient, report: SyncReport) -> None:
        push_outbox(self.ledger, client, report)

    def _pull(self, client: ReviewerClient, report: SyncReport) -> None:
        settings = self.ledger.settings()
        cursor = 0 if settings is None else settings.changes_cursor
        while True:
            changes = client.changes(cursor, kinds=KINDS)
            report.pulled += len(changes.changes)
            for change in changes.changes:  # each kind takes the entry away from this reviewer
                drop = (
                    self.ledger.comparisons.drop
                    if change.entry == EntryKind.COMPARISON
                    else self.ledger.drop
                )
                report.removed += drop(
                    [change.item_id],
                    lease_id=None if change.kind == ChangeKind.ITEM_WITHDRAWN else change.lease_id,
                )
            if changes.next == cursor or not changes.changes:
                break
            cursor = changes.next
            self.ledger.set_cursor(cursor)

    def _pull_form(self, client: ReviewerClient, queue: str) -> tuple[int | None, str | None]:
        """Take the queue's review form (questions and guidelines) into the store: its version
        there, and why it was not taken (None: it was, or the queue has none). A form the store
        cannot take (a local one at a higher version, a rule this desk does not know) is
        reported and left out; the sync goes on."""
        try:
            found = client.form(queue)
        except RequestRefusedError as error:
            if error.status == 404:  # a server from before forms
                return None, None
            logger.warning("the review form of queue %r was not read: %s", queue, error)
            return None, str(error)
        if found is None:
            return None, None
        try:
            form = Form.from_data(
                {
                    "version": found.version,
                    "guidelines": found.guidelines,
                    "questions": found.questions,
                },
                source=f"the server's form of queue {queue!r}",
            )
            stored = self.store.set_form(queue, form)
        except (FormError, StoreError) as error:
            logger.warning("the review form of queue %r was not taken: %s", queue, error)
            return None, str(error)
        return stored.version, None

    def _pull_templates(self, client: ReviewerClient) -> tuple[int, str | None]:
        """Take the texts of the prompt templates the held items name, where the store has none
        yet, so an offline desk can show them: how many were taken, and why some were not. A
        version's text is set once, so a text the store has is never asked for again; one the
        server has none of yet is asked for at the next step."""
        missing = self.store.versions_without_text(
            [item.generation_id for item in self.ledger.held()]
        )
        taken = 0
        problems: list[str] = []
        for name, version in missing:
            try:
                found = client.template(name, version)
            except RequestRefusedError as error:
                if error.status == 404:  # a server from before templates
                    break
                problems.append(f"{name}@{version}: {error}")
                continue
            if found is None:
                continue
            try:
                self.store.add_template(name, version, found.text, source="sync")
            except StoreError as error:
                problems.append(str(error))
                continue
            taken += 1
        if problems:
            logger.warning("prompt templates not taken: %s", "; ".join(problems))
        return taken, "; ".join(problems) or None

    def _extend(self, client: ReviewerClient, ttl_s: int, report: SyncReport) -> None:
        live: dict[str, tuple[list[str], list[str]]] = {}
        for item in self.ledger.held():
            if not item.decided:
                live.setdefault(item.lease_id, ([], []))[0].append(item.generation_id)
        for comparison in self.ledger.comparisons.held():
            if not comparison.decided:
                live.setdefault(comparison.lease_id, ([], []))[1].append(comparison.comparison_id)
        for lease_id, (held, compared) in live.items():
            try:
                extended = client.extend(lease_id, ttl_s=ttl_s)
            except RequestRefusedError as error:
                if error.status not in (404, 409):
                    raise
                report.removed += self.ledger.drop(held, lease_id=lease_id)
                report.removed += self.ledger.comparisons.drop(compared, lease_id=lease_id)
                continue
            self.ledger.extended(
                lease_id, self._clock() + (extended.expires_at - extended.server_time)
            )
            report.extended += 1
            lost = [item for item in extended.lost if item in held]
            if lost:
                report.removed += self.ledger.drop(lost, lease_id=lease_id)
            # `lost` names items only; a comparison the lease no longer holds is not in `held`.
            still = set(extended.held)
            gone = [cid for cid in compared if cid not in still]
            if gone:
                report.removed += self.ledger.comparisons.drop(gone, lease_id=lease_id)

    def _top_up(
        self,
        client: ReviewerClient,
        server_url: str,
        queue: str,
        target: int,
        ttl_s: int,
        report: SyncReport,
    ) -> None:
        left = sum(1 for item in self.ledger.held() if not item.decided) + sum(
            1 for comparison in self.ledger.comparisons.held() if not comparison.decided
        )
        if target and left < target:
            report.leased += self._lease(client, server_url, queue, target - left, ttl_s).leased
