"""Review forms through the desk's sync, against the real server (uvicorn on loopback, SQLite
and PostgreSQL): checkout and sync bring the queue's form into the store, and answers made on
the desk (spans above all) reach the server unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from reviewdesk.domain import Decision, Form, Verdict, utc_now
from reviewdesk.store import OutboxState
from tests.server.harness import RunningServer, items
from tests.sync.conftest import DeskFactory

# Characters outside the BMP come first: offsets are code points, never UTF-16 units or bytes.
OUTPUT = "🙂🛒 Refunds take 30 days; the blender ships free to Mars. Ask help@shop.example."

FORM: dict[str, Any] = {
    "guidelines": "# Refunds\nMark **every** claim the policy does not support.",
    "questions": [
        {
            "key": "hallucination",
            "label": "Unsupported claims",
            "kind": "spans",
            "options": [
                {"value": "unsupported", "label": "Unsupported claim"},
                {"value": "contact", "label": "Contact detail"},
            ],
        },
        {
            "key": "behaviour",
            "kind": "choice",
            "required": "reject",
            "options": [{"value": "complied"}, {"value": "refused"}],
        },
        {"key": "helpfulness", "kind": "rating", "min": 1, "max": 5},
        {"key": "topics", "kind": "multi", "options": [{"value": "refund"}, {"value": "shipping"}]},
        {"key": "note", "kind": "text"},
    ],
}


def _span(text: str, label: str) -> dict[str, Any]:
    start = OUTPUT.index(text)
    return {"start": start, "end": start + len(text), "label": label}


def _prepare(server: RunningServer, count: int, form: dict[str, Any] | None) -> str:
    """`count` items with `OUTPUT` in `support`, the queue's form set; a reviewer's token."""
    with server.client(server.token("producer", "producer")) as producer:
        pushed = producer.post("/v1/items", json={"items": items(count, output=OUTPUT)})
        assert pushed.status_code == 200, pushed.text
    if form is not None:
        with server.client(server.token("root", "admin")) as admin:
            assert admin.put("/v1/queues/support/form", json=form).status_code == 200
    return server.token("alice", "reviewer")


def _decide(
    desk_store: Any, generation_id: str, verdict: Verdict, answers: dict[str, Any], **fields: Any
) -> Decision:
    form = desk_store.form("support")
    typed = form.validate_answers(answers, verdict, OUTPUT) if form is not None else answers
    decision = Decision(
        id=str(uuid.uuid4()),
        generation_id=generation_id,
        reviewer="alice",
        verdict=verdict,
        decided_at=utc_now(),
        duration_ms=1500,
        answers=typed,
        form_version=None if form is None else form.version,
        **fields,
    )
    stored: Decision = desk_store.record_decision(decision)
    return stored


def _on_server(client: httpx.Client, decision_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/decisions/{decision_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_checkout_brings_the_queues_form_and_marked_spans_survive_sync(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    secret = _prepare(server, 3, FORM)
    desk = make_desk("alice", server.url, secret)

    checkout = desk.engine.checkout(3)

    assert (checkout.leased, checkout.form_version, checkout.form_problem) == (3, 1, None)
    local = desk.store.form("support")
    assert local is not None and local.version == 1
    assert local.guidelines == FORM["guidelines"]
    with server.client(secret) as alice:
        on_server = alice.get("/v1/queues/support/form").json()
    assert local.definition()["questions"] == on_server["questions"]

    spans = [
        _span("ships free to Mars", "unsupported"),
        _span("🛒", "unsupported"),
        _span("help@shop.example", "contact"),
    ]
    marked = _decide(
        desk.store,
        "gen-000001",
        Verdict.APPROVE,
        {"hallucination": spans, "helpfulness": 2, "topics": ["shipping"], "note": "Mars?"},
    )
    whole = _decide(
        desk.store,
        "gen-000002",
        Verdict.REJECT,
        {"hallucination": [{"start": 0, "end": len(OUTPUT), "label": "unsupported"}],
         "behaviour": "complied"},
        reasons=("factual_error",),
    )  # fmt: skip
    empty = _decide(desk.store, "gen-000003", Verdict.APPROVE, {"hallucination": []})

    report = desk.engine.sync()

    assert report.error is None and (report.pushed, report.refused) == (3, 0)
    assert {entry.state for entry in desk.engine.ledger.entries()} == {OutboxState.SENT}
    with server.client(secret) as alice:
        back = {d.id: _on_server(alice, d.id) for d in (marked, whole, empty)}
    for decision in (marked, whole, empty):
        assert back[decision.id]["answers"] == decision.model_dump(mode="json")["answers"]
        assert back[decision.id]["form_version"] == 1
    returned = back[marked.id]["answers"]["hallucination"]
    assert [(s["start"], s["end"], s["label"]) for s in returned] == [
        (s["start"], s["end"], s["label"]) for s in spans
    ]
    assert [OUTPUT[s["start"] : s["end"]] for s in returned] == [
        "ships free to Mars",
        "🛒",
        "help@shop.example",
    ]
    assert back[whole.id]["answers"]["hallucination"] == [
        {"start": 0, "end": len(OUTPUT), "label": "unsupported"}
    ]
    assert back[empty.id]["answers"] == {"hallucination": []}


def test_a_desk_without_answers_syncs_plain_verdicts_to_a_queue_whose_questions_are_optional(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    optional = {**FORM, "questions": [{**q, "required": False} for q in FORM["questions"]]}
    secret = _prepare(server, 4, optional)
    desk = make_desk("alice", server.url, secret)
    desk.engine.checkout(4)
    assert desk.decide_all("alice", Verdict.APPROVE) == 4  # the review session: no answers

    report = desk.engine.sync()

    assert report.error is None
    assert (report.pushed, report.refused, dict(report.statuses)) == (4, 0, {"accepted": 4})


def test_answers_the_server_does_not_take_are_kept_and_name_the_question(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    secret = _prepare(server, 2, FORM)
    desk = make_desk("alice", server.url, secret)
    desk.engine.checkout(2)
    with server.client(server.token("root", "admin")) as admin:  # the form changes meanwhile
        stricter = {**FORM, "questions": [{**FORM["questions"][2], "required": True}]}
        assert admin.put("/v1/queues/support/form", json=stricter).json()["version"] == 2
    # Made with the version the desk has (1): checked against it, accepted.
    kept = _decide(desk.store, "gen-000001", Verdict.APPROVE, {"helpfulness": 4})
    # Made with no form version: checked against the current one, which needs a rating.
    plain = Decision(
        id=str(uuid.uuid4()),
        generation_id="gen-000002",
        reviewer="alice",
        verdict=Verdict.APPROVE,
        decided_at=utc_now(),
    )
    desk.store.record_decision(plain)

    report = desk.engine.sync()

    assert (report.pushed, report.refused) == (1, 1)
    (refused,) = desk.engine.needs_attention()
    assert refused.decision.id == plain.id
    assert refused.code == "invalid_answers"
    assert refused.last_error == "answers.helpfulness: is required but missing"
    assert {e.decision.id for e in desk.engine.ledger.entries(OutboxState.SENT)} == {kept.id}
    # The sync brought the new version into the store.
    assert report.form_version == 2
    local = desk.store.form("support")
    assert local is not None and local.version == 2 and local.keys == ("helpfulness",)
    assert desk.store.form("support", 1) is not None  # the version the desk answered is kept


def test_a_queue_without_a_form_leaves_the_store_without_one(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    secret = _prepare(server, 2, None)
    desk = make_desk("alice", server.url, secret)

    checkout = desk.engine.checkout(2)
    report = desk.engine.sync()

    assert (checkout.form_version, checkout.form_problem) == (None, None)
    assert (report.form_version, report.form_problem, report.error) == (None, None, None)
    assert desk.store.form("support") is None


def test_a_form_the_store_cannot_take_is_reported_and_the_sync_goes_on(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    secret = _prepare(server, 2, FORM)
    desk = make_desk("alice", server.url, secret)
    # A form set on the desk itself at a higher version than the server's.
    desk.store.set_form("support", Form.from_data({"version": 5, "guidelines": "Local"}))

    checkout = desk.engine.checkout(2)
    desk.decide_all("alice")
    report = desk.engine.sync()

    assert checkout.leased == 2 and checkout.form_version is None
    assert checkout.form_problem is not None and "version 5" in checkout.form_problem
    # The decisions were made with the local form (version 5), which the server does not know:
    # they are refused with that reason and kept for the reviewer, and the sync goes on.
    assert report.error is None and (report.pushed, report.refused) == (0, 2)
    kept = desk.engine.needs_attention()
    assert len(kept) == 2 and {entry.code for entry in kept} == {"invalid_answers"}
    assert all("version 5" in (entry.last_error or "") for entry in kept)
    assert report.form_problem is not None
    local = desk.store.form("support")
    assert local is not None and (local.version, local.guidelines) == (5, "Local")
