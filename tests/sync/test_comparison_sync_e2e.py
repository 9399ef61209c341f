"""Comparisons through the desk's sync against the real server (uvicorn on loopback, SQLite and
PostgreSQL): checked out with the items, decided offline, pushed back exactly once with what the
reviewer chose, and taken back by the server's changes as items are."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from reviewdesk.cli import sync as sync_commands
from reviewdesk.domain import ComparisonDecision, Preference
from reviewdesk.remote import ReviewerClient
from reviewdesk.review.comparisons import LEFT, ComparisonSession
from reviewdesk.server import open_engine
from reviewdesk.server.database import prepare_schema
from reviewdesk.store import OutboxState
from reviewdesk.store.comparisons import load_comparison_decisions
from reviewdesk.store.engine import migrate
from tests.server.harness import FakeClock, RunningServer, items, running_server
from tests.sync.conftest import Desk, DeskFactory
from tests.sync.fakes import FaultTransport, timeout_after_commit


def pair(number: int, **fields: Any) -> dict[str, Any]:
    """A comparison record of the desk's queue, riskier the higher its number."""
    return {
        "id": f"cmp-{number:04d}",
        "prompt": f"Rewrite politely, take {number}: send me the invoice.",
        "queue": "support",
        "risk": number / 10,
        "candidates": [
            {"output": f"Could you send me the invoice, please? ({number})", "model": "m-small"},
            {"output": f"Would you kindly send the invoice? ({number})", "model": "m-large"},
        ],
        **fields,
    }


class Network(httpx.BaseTransport):
    """The real transport, with the cable pulled while `plugged` is False: every request then
    fails to connect, as it does when the server is down or out of reach."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()
        self.plugged = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.plugged:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def _push(server: RunningServer, records: list[dict[str, Any]]) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        response = producer.post("/v1/items", json={"items": records})
        assert response.status_code == 200, response.text
        assert {r["status"] for r in response.json()["results"]} == {"created"}


def _withdraw(server: RunningServer, item_id: str) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        assert producer.delete(f"/v1/items/{item_id}").status_code == 200


def _on_server(server: RunningServer, comparison_id: str) -> list[ComparisonDecision]:
    with server.engine.connect() as connection:
        return load_comparison_decisions(connection, comparison_id)


def _changes(server: RunningServer, **params: Any) -> list[dict[str, Any]]:
    with server.client(server.token("root", "admin")) as admin:
        response = admin.get("/v1/changes", params=params)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["changes"]
        return found


def _in_store(desk: Desk) -> list[str]:
    with desk.store.reading() as connection:
        return sorted(row[0] for row in connection.execute("SELECT id FROM comparison"))


def test_a_checkout_takes_items_first_then_comparisons_with_their_lease(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [*items(2), pair(1), pair(2), pair(3)])
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))

    report = desk.engine.checkout(4)

    assert (report.leased, report.added, report.comparisons) == (4, 4, 2)
    assert desk.store.counts().generations == 2
    held = desk.engine.ledger.comparisons.held()
    assert [h.comparison_id for h in held] == ["cmp-0002", "cmp-0003"]
    assert {h.lease_id for h in held} == {report.lease_id}
    assert {h.lease_id for h in desk.engine.ledger.held()} == {report.lease_id}
    session = ComparisonSession(desk.store, "alice")
    shown = session.start().item
    assert shown is not None and shown.id == "cmp-0003"  # the riskiest first, as on the server
    assert [c.output for c in shown.comparison.candidates] == [
        "Could you send me the invoice, please? (3)",
        "Would you kindly send the invoice? (3)",
    ]
    assert [c.model for c in shown.comparison.candidates] == ["m-small", "m-large"]

    # Deciding both brings the checkout back up to 4: the last comparison comes in.
    session.decide(Preference.A, duration_ms=800)
    session.decide(Preference.B, duration_ms=800)
    topped = desk.engine.sync()
    assert topped.error is None and (topped.pushed, topped.leased) == (2, 1)
    assert _in_store(desk) == ["cmp-0001", "cmp-0002", "cmp-0003"]


def test_comparisons_decided_offline_reach_the_server_with_what_the_reviewer_chose(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [*items(1), pair(1), pair(2), pair(3)])
    network = Network()
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"), transport=network)
    assert desk.engine.checkout(10).leased == 4

    network.plugged = False  # from here on the desk works offline
    session = ComparisonSession(desk.store, "alice")
    session.start()
    chosen = [
        session.decide_side(
            LEFT, duration_ms=1500, edited_output="Would you kindly send me the invoice?"
        ).saved,
        session.decide(Preference.TIE, duration_ms=900, comment="both polite").saved,
        session.decide(Preference.BOTH_BAD, duration_ms=700, reasons=["tone"]).saved,
    ]
    assert session.current is None
    assert desk.decide_all("alice") == 1
    offline = desk.engine.sync()
    assert not offline.online and (offline.waiting, offline.pushed) == (4, 0)
    assert desk.engine.ledger.counts()[OutboxState.PENDING] == 4

    network.plugged = True
    report = desk.engine.sync()

    assert report.error is None and report.online
    assert (report.pushed, report.duplicates, report.refused, report.waiting) == (4, 0, 0, 0)
    assert report.statuses == Counter(accepted=4)
    for decision in chosen:
        assert decision is not None and decision.lease_id is not None
        (stored,) = _on_server(server, decision.comparison_id)
        assert (stored.preference, stored.shown_order) == (
            decision.preference,
            decision.shown_order,
        )
        assert (stored.reasons, stored.edited_output, stored.comment) == (
            decision.reasons,
            decision.edited_output,
            decision.comment,
        )
        assert (stored.id, stored.reviewer, stored.duration_ms) == (
            decision.id,
            "alice",
            decision.duration_ms,
        )
        assert (stored.lease_id, stored.lease_epoch) == (decision.lease_id, 1)
    with server.client(server.token("producer", "producer")) as producer:
        states = [producer.get(f"/v1/items/cmp-000{n}").json() for n in (1, 2, 3)]
    assert {state["state"] for state in states} == {"decided"}
    assert {e.state for e in desk.engine.ledger.entries()} == {OutboxState.SENT}
    again = desk.engine.sync()
    assert (again.pushed, again.duplicates, again.waiting) == (0, 0, 0)


def test_answers_to_the_queues_form_made_offline_reach_the_server(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    form = {
        "guidelines": "Prefer the polite one.",
        "questions": [
            {
                "key": "quality",
                "kind": "choice",
                "required": True,
                "options": [{"value": "great"}, {"value": "poor"}],
            },
            {"key": "tone", "kind": "rating", "min": 1, "max": 5},
        ],
    }
    with server.client(server.token("root", "admin")) as admin:
        assert admin.put("/v1/queues/support/form", json=form).status_code == 200
    _push(server, [pair(1), pair(2)])
    network = Network()
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"), transport=network)
    assert desk.engine.checkout(10).form_version == 1

    network.plugged = False
    session = ComparisonSession(desk.store, "alice")
    shown = session.start().item
    assert shown is not None and shown.form is not None  # the checkout brought the form
    decided = session.decide(
        Preference.B, duration_ms=600, answers={"quality": "great", "tone": 4}
    ).saved
    assert decided is not None
    network.plugged = True
    report = desk.engine.sync()

    assert (report.pushed, report.refused) == (1, 0), report.summary()
    (stored,) = _on_server(server, decided.comparison_id)
    assert stored.answers == {"quality": "great", "tone": 4}
    assert stored.form_version == 1


def test_a_push_whose_answer_was_lost_is_sent_again_as_duplicates(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1), pair(2)])
    transport = FaultTransport({"/v1/decisions/batch": [timeout_after_commit]})
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"), transport=transport)
    desk.engine.checkout(2)
    session = ComparisonSession(desk.store, "alice")
    session.start()
    session.decide(Preference.A, duration_ms=500)
    session.decide(Preference.B, duration_ms=500)

    report = desk.engine.sync()

    assert report.error is None and (report.pushed, report.duplicates) == (0, 2)
    assert transport.seen.count("POST /v1/decisions/batch") == 2
    assert [len(_on_server(server, f"cmp-000{n}")) for n in (1, 2)] == [1, 1]
    assert {e.server_status for e in desk.engine.ledger.entries()} == {"duplicate"}


def test_a_refused_comparison_decision_is_kept_and_names_the_field(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1), pair(2)])
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))
    desk.engine.checkout(2)
    session = ComparisonSession(desk.store, "alice")
    session.start()
    refused = session.decide(Preference.A, duration_ms=500, comment="pasted\x00text").saved
    accepted = session.decide(Preference.B, duration_ms=500).saved
    assert refused is not None and accepted is not None

    report = desk.engine.sync()

    assert report.error is None and (report.pushed, report.refused) == (1, 1)
    assert report.needs_attention == 1
    (entry,) = desk.engine.needs_attention()
    assert (entry.subject, entry.choice, entry.code) == (
        "cmp-0002",
        "prefers a",
        "invalid_decision",
    )
    assert entry.last_error is not None and entry.last_error.startswith("comment")
    assert entry.decision == refused
    assert _on_server(server, "cmp-0002") == []
    assert [d.id for d in _on_server(server, "cmp-0001")] == [accepted.id]
    later = desk.engine.sync()  # kept, not sent again until the reviewer retries
    assert (later.pushed, later.refused, later.needs_attention) == (0, 0, 1)


def test_a_comparison_withdrawn_on_the_server_leaves_the_desk(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1), pair(2), pair(3), pair(4)])
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))
    desk.engine.checkout(4)
    session = ComparisonSession(desk.store, "alice")
    session.start()
    decided = session.decide(Preference.A, duration_ms=500).saved  # cmp-0004, offline
    assert decided is not None and decided.comparison_id == "cmp-0004"
    _withdraw(server, "cmp-0002")
    _withdraw(server, "cmp-0004")

    report = desk.engine.sync()

    assert report.error is None and report.removed == ["cmp-0002"]
    assert report.withdrawn == 1 and report.statuses == Counter(withdrawn=1)
    assert _in_store(desk) == ["cmp-0001", "cmp-0003", "cmp-0004"]  # decided here: kept
    assert [h.comparison_id for h in desk.engine.ledger.comparisons.held()] == [
        "cmp-0001",
        "cmp-0003",
    ]
    assert ComparisonSession(desk.store, "alice").count_pending().progress.left == 2
    changes = _changes(server, kinds="comparison")
    assert [(c["kind"], c["item_id"], c["entry"]) for c in changes] == [
        ("item_withdrawn", "cmp-0002", "comparison"),
        ("item_withdrawn", "cmp-0004", "comparison"),
    ]


def test_an_expired_comparison_leased_to_another_leaves_the_desk_unless_decided(
    server: RunningServer, clock: FakeClock, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1), pair(2)])
    alice = make_desk("alice", server.url, server.token("alice", "reviewer"))
    bob = make_desk("bob", server.url, server.token("bob", "reviewer"))
    assert alice.engine.checkout(2, ttl_s=3600).comparisons == 2
    session = ComparisonSession(alice.store, "alice")
    session.start()
    decided = session.decide(Preference.TIE, duration_ms=500).saved  # on cmp-0002, offline
    assert decided is not None and decided.comparison_id == "cmp-0002"
    clock.advance(2 * 3600)  # alice's lease runs out
    assert bob.engine.checkout(2, ttl_s=3600).comparisons == 2

    report = alice.engine.sync()

    assert report.error is None and report.removed == ["cmp-0001"]
    assert report.statuses == Counter(accepted_extra=1)  # kept as a label, never dropped
    assert _in_store(alice) == ["cmp-0002"]
    assert alice.engine.ledger.comparisons.held() == []
    assert [d.id for d in _on_server(server, "cmp-0002")] == [decided.id]
    kinds = Counter(c["kind"] for c in _changes(server, kinds="comparison"))
    assert kinds == Counter(lease_revoked=2)


def test_a_slot_filled_by_another_reviewer_takes_the_comparison_away(
    server: RunningServer, clock: FakeClock, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1)])
    alice = make_desk("alice", server.url, server.token("alice", "reviewer"))
    assert alice.engine.checkout(1, ttl_s=3600).comparisons == 1
    clock.advance(2 * 3600)
    with server.client(server.token("bob", "reviewer")) as bob:
        response = bob.post(
            "/v1/decisions/batch",
            json={
                "decisions": [
                    {
                        "id": "d-bob",
                        "comparison_id": "cmp-0001",
                        "preference": "a",
                        "decided_at": "2026-11-21T09:00:00Z",
                    }
                ]
            },
        )
        assert [r["status"] for r in response.json()["results"]] == ["accepted"]

    report = alice.engine.sync()

    assert report.error is None and report.removed == ["cmp-0001"]
    assert _in_store(alice) == []
    (change,) = _changes(server, kinds="comparison")
    assert (change["kind"], change["item_id"]) == ("slot_filled", "cmp-0001")


def test_a_sync_extends_the_lease_of_checked_out_comparisons(
    server: RunningServer, clock: FakeClock, make_desk: DeskFactory
) -> None:
    _push(server, [pair(1), pair(2)])
    alice = make_desk("alice", server.url, server.token("alice", "reviewer"))
    bob = make_desk("bob", server.url, server.token("bob", "reviewer"))
    assert alice.engine.checkout(2, ttl_s=3600).comparisons == 2
    clock.advance(3000)

    report = alice.engine.sync()

    assert report.error is None and report.extended == 1 and report.removed == []
    clock.advance(3000)  # past the first expiry, within the extended one
    assert bob.engine.checkout(2, ttl_s=3600).leased == 0
    assert len(alice.engine.ledger.comparisons.held()) == 2


def test_a_desk_that_asks_for_items_only_never_receives_a_comparison(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [*items(2), pair(1), pair(2)])
    with ReviewerClient(server.url, server.token("old", "reviewer")) as old:
        lease = old.lease("support", 10, ttl_s=3600)
    assert sorted(i.generation.id for i in lease.items) == ["gen-000001", "gen-000002"]
    assert lease.comparisons == []

    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))
    assert desk.engine.checkout(10).comparisons == 2
    _withdraw(server, "cmp-0001")
    assert _changes(server) == []  # a client from before comparisons is sent no comparison id
    assert [c["item_id"] for c in _changes(server, kinds="comparison")] == ["cmp-0001"]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_a_server_database_at_0019_upgrades_keeping_its_changes_feed(database_url: str) -> None:
    engine = open_engine(database_url)
    migrate(engine, to="0019")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO generation (pk, id, model, risk, top_severity, flag_count, "
            "required_reviews, review_count, imported_at, queue) VALUES (1, 'gen-1', 'm', 0.5, "
            "0, 0, 1, 0, '2026-11-01T00:00:00.000000Z', 'support')",
            "INSERT INTO generation_text (pk, prompt, output) VALUES (1, '\"hi\"', 'hello')",
            "INSERT INTO server_item (generation_pk, queue, risk, state, available_at_ms) "
            "VALUES (1, 'support', 0.5, 'withdrawn', 0)",
            "INSERT INTO server_change (seq, kind, generation_pk, reviewer, lease_id, epoch, "
            "created_at_ms) VALUES (1, 'item_withdrawn', 1, 'alice', 'lease-1', 1, 5)",
        ):
            connection.execute(text(statement))
    prepare_schema(engine, allow_migrate=True)
    engine.dispose()
    with running_server(database_url) as server:
        for params in ({}, {"kinds": "comparison"}):
            (change,) = _changes(server, **params)
            assert (change["seq"], change["kind"], change["item_id"]) == (
                1,
                "item_withdrawn",
                "gen-1",
            )
            assert change["entry"] == "item"


def _like_a_server_before_comparisons(
    request: httpx.Request, send: Callable[[], httpx.Response]
) -> httpx.Response:
    """What a server from before comparisons answers a lease that names `kinds`: a 422."""
    if b'"kinds"' not in request.content:
        return send()
    return httpx.Response(
        422,
        headers={"Content-Type": "application/problem+json"},
        json={
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "code": "invalid_request",
            "detail": "kinds: extra inputs are not permitted",
        },
        request=request,
    )


def test_a_server_that_knows_no_comparisons_is_asked_for_items_only(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _push(server, [*items(3), pair(1)])
    path = "/v1/queues/support/leases"
    transport = FaultTransport({path: [_like_a_server_before_comparisons] * 2})
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"), transport=transport)

    report = desk.engine.checkout(10)

    assert (report.leased, report.comparisons) == (3, 0)
    assert transport.seen.count(f"POST {path}") == 2
    assert desk.store.counts().generations == 3 and _in_store(desk) == []


def test_the_checkout_command_says_how_many_comparisons_came(
    server: RunningServer, make_desk: DeskFactory, tmp_path: Path
) -> None:
    _push(server, [*items(2), pair(1), pair(2)])
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))
    desk.store.close()  # the command opens the store itself
    runner = CliRunner()
    app = typer.Typer()
    sync_commands.register(app)
    store = str(tmp_path / "alice.sqlite")
    env = {"REVIEWDESK_TOKEN": desk.token}

    shown = runner.invoke(app, ["checkout", "3", "--store", store], env=env)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("checked out 2 items and 1 comparison (3 new) until ")

    more = runner.invoke(app, ["checkout", "5", "--store", store, "--json"], env=env)
    assert more.exit_code == 0, more.output
    assert json.loads(more.stdout)["comparisons"] == 1
