"""Prompt templates through the desk's sync, against the real server (uvicorn on loopback,
SQLite and PostgreSQL): a checkout brings the texts of the versions its held items name, so an
offline desk shows them; a later sync brings texts the server learnt since."""

from __future__ import annotations

from tests.server.harness import RunningServer, items
from tests.sync.conftest import DeskFactory

V6 = "You answer refund questions.\nBe brief.\n"
V7 = "You answer refund questions.\nBe kind and brief.\n"


def test_checkout_and_sync_pull_the_texts_of_the_versions_the_items_name(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    with server.client(server.token("bot", "producer")) as producer:
        pushed = items(2, queue="support", prompt_version="v6", prompt_template_text=V6)
        pushed += items(1, start=3, queue="support", prompt_version="v7")
        pushed += items(1, start=4, queue="billing", prompt_template="invoice",
                        prompt_template_text="Bill {customer}.")  # fmt: skip
        assert producer.post("/v1/items", json={"items": pushed}).status_code == 200
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))

    checkout = desk.engine.checkout(10)
    assert (checkout.leased, checkout.templates) == (3, 1)
    v6 = desk.store.template("refund-policy", "v6")
    assert v6 is not None and (v6.text, v6.source) == (V6, "sync")
    assert desk.store.template("refund-policy", "v7") is None  # the server has no text yet
    assert desk.store.template("invoice", "v7") is None  # no item here names it

    with server.client(server.token("deployer", "producer")) as producer:
        put = producer.put("/v1/templates/refund-policy/v7", json={"text": V7})
        assert put.status_code == 200
    report = desk.engine.sync()
    assert report.error is None and (report.templates, report.template_problem) == (1, None)
    v7 = desk.store.template("refund-policy", "v7")
    assert v7 is not None and v7.text == V7
    assert desk.engine.sync().templates == 0  # nothing new to take


def test_a_text_the_store_has_is_kept_and_not_asked_for_again(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    with server.client(server.token("bot", "producer")) as producer:
        pushed = items(1, queue="support", prompt_version="v6", prompt_template_text=V6)
        assert producer.post("/v1/items", json={"items": pushed}).status_code == 200
    desk = make_desk("alice", server.url, server.token("alice", "reviewer"))
    desk.store.add_template("refund-policy", "v6", "A local draft.\n")
    assert desk.engine.checkout(5).templates == 0
    report = desk.engine.sync()
    assert report.error is None and (report.templates, report.template_problem) == (0, None)
    kept = desk.store.template("refund-policy", "v6")
    assert kept is not None and kept.text == "A local draft.\n"
