"""Ids of every shape, through the producer client and the real server, on both engines.

The server takes an id only if it can address it: every id it accepts at push is found again by
`GET /v1/items/{id}`, decided, withdrawn and waited for; an id no URL can carry (a dot segment,
a control character, NUL, a lone surrogate) is refused at push, naming the field.
"""

from __future__ import annotations

import httpx
import pytest

from reviewdesk.remote import ReviewdeskClient
from reviewdesk.remote.errors import VerdictTimeoutError
from reviewdesk.remote.transport import segment
from tests.helpers.records import record
from tests.server.harness import RunningServer, approve

ADDRESSABLE = [
    "X?x", "X#x", "a/b", "/lead", "trail/", "a//b", "a/../b", "100%", "%2F", "%", "%%41",
    "with space", " lead", "trail ", "a+b", "a;b=c", "a&b=c", "..a", "a..", "...", "~user",
    "[x]", "back\\slash", "'q\"", "<tag>", "日本語", "emoji-😀", "e\u0301", "\u00e9",
    "zero\u200bwidth", "\u202eRTL", "line\u2028sep", "nel\x85", "tab-like\u3000", "A" * 200,
]  # fmt: skip
REFUSED = [".", "..", "nul\x00", "lone\ud800", "line\nbreak", "tab\there", "cr\r", "", "A" * 201]


def _decide_all(server: RunningServer, ids: list[str]) -> None:
    with server.client(server.token("alice", "reviewer")) as alice:
        lease = alice.post("/v1/queues/support/leases", json={"max_items": len(ids)}).json()
        assert sorted(item["generation"]["id"] for item in lease["items"]) == sorted(ids)
        for item_id in ids:
            body = approve(item_id, item_id)
            del body["id"]
            put = alice.put(f"/v1/decisions/{segment(item_id)}", json=body)
            assert put.json()["status"] == "accepted", (item_id, put.text)
            stored = alice.get(f"/v1/decisions/{segment(item_id)}")
            assert stored.json()["id"] == item_id, (item_id, stored.text)


def test_every_id_the_server_accepts_round_trips_through_the_client(
    server: RunningServer,
) -> None:
    producer = server.token("producer", "producer")
    with ReviewdeskClient(server.url, producer) as client:
        results = client.submit([record(n, id=i) for n, i in enumerate(ADDRESSABLE)])
        assert [r["status"] for r in results] == ["created"] * len(ADDRESSABLE)
        for item_id in ADDRESSABLE:
            assert client.item(item_id)["id"] == item_id
            assert client.item(item_id)["state"] == "queued"
        _decide_all(server, ADDRESSABLE)
        for item_id in ADDRESSABLE:
            verdict = client.wait_for_verdict(item_id, timeout=5)
            assert (verdict["id"], verdict["verdict"]["verdict"]) == (item_id, "approve")


def test_an_id_no_url_can_carry_is_refused_at_push_naming_the_field(
    server: RunningServer,
) -> None:
    with ReviewdeskClient(server.url, server.token("producer", "producer")) as client:
        results = client.submit([record(n, id=i) for n, i in enumerate(REFUSED)])
    assert [r["status"] for r in results] == ["invalid"] * len(REFUSED)
    assert all(any(e["field"] == "id" for e in r["errors"]) for r in results), results


def test_wait_for_verdict_on_x_query_is_not_answered_by_x(server: RunningServer) -> None:
    producer = server.token("producer", "producer")
    with ReviewdeskClient(server.url, producer) as client:
        client.submit([record(1, id="X"), record(2, id="X?x", risk=0.0)])
        with server.client(server.token("alice", "reviewer")) as alice:
            lease = alice.post("/v1/queues/support/leases", json={"max_items": 1}).json()
            assert [item["generation"]["id"] for item in lease["items"]] == ["X"]
            body = approve("X", "d-x")
            del body["id"]
            assert alice.put("/v1/decisions/d-x", json=body).status_code == 200
        assert client.wait_for_verdict("X", timeout=5)["verdict"]["verdict"] == "approve"
        assert client.item("X?x")["state"] == "queued"
        with pytest.raises(VerdictTimeoutError):
            client.wait_for_verdict("X?x", timeout=0.3)


def test_an_id_with_a_slash_can_be_withdrawn(server: RunningServer) -> None:
    producer = server.token("producer", "producer")
    with ReviewdeskClient(server.url, producer) as client:
        client.submit([record(1, id="cmp-1/a"), record(2, id="cmp-1")])
    with server.client(producer) as raw:
        gone = raw.delete(f"/v1/items/{segment('cmp-1/a')}")
        assert gone.status_code == 200 and gone.json()["id"] == "cmp-1/a"
        states = {
            i: raw.get(f"/v1/items/{segment(i)}").json()["state"] for i in ("cmp-1/a", "cmp-1")
        }
    assert states == {"cmp-1/a": "withdrawn", "cmp-1": "queued"}


def test_the_client_encodes_each_path_segment() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode("ascii"))
        return httpx.Response(200, json={"id": "x", "state": "queued", "queue": "q"})

    with ReviewdeskClient("http://desk", "rdk_x", transport=httpx.MockTransport(answer)) as desk:
        for item_id in ("X?x", "a/b", "100%", "a#b", "sp ace", "日本"):
            desk.item(item_id)
    assert seen == [
        "/v1/items/X%3Fx", "/v1/items/a%2Fb", "/v1/items/100%25", "/v1/items/a%23b",
        "/v1/items/sp%20ace", "/v1/items/%E6%97%A5%E6%9C%AC",
    ]  # fmt: skip
