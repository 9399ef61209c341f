"""Every endpoint refuses a missing token, a revoked token and a token of the wrong role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.records import record
from tests.server.harness import RunningServer, approve, running_server

# Each operation of API v1 and the roles that may call it (an admin may call every one).
ROLES: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/items"): {"producer"},
    ("POST", "/v1/otlp/v1/traces"): {"producer"},
    ("DELETE", "/v1/items/{item_id}"): {"producer"},
    ("POST", "/v1/queues/{queue}/leases"): {"reviewer"},
    ("GET", "/v1/leases"): {"reviewer"},
    ("PATCH", "/v1/leases/{lease_id}"): {"reviewer"},
    ("DELETE", "/v1/leases/{lease_id}"): {"reviewer"},
    ("PUT", "/v1/decisions/{decision_id}"): {"reviewer"},
    ("POST", "/v1/decisions/batch"): {"reviewer"},
    ("GET", "/v1/decisions/{decision_id}"): {"reviewer"},
    ("GET", "/v1/changes"): {"reviewer"},
    ("GET", "/v1/stats"): {"producer"},
    ("GET", "/v1/routing"): {"producer"},
    ("GET", "/v1/export"): set(),
    ("POST", "/v1/tokens"): set(),
    ("GET", "/v1/tokens"): set(),
    ("DELETE", "/v1/tokens/{token_id}"): set(),
    ("GET", "/metrics"): {"producer"},
    ("GET", "/v1/items/{item_id}"): {"producer"},
    ("GET", "/v1/verdicts"): {"producer"},
    ("GET", "/v1/queues/{queue}/policy"): set(),
    ("PUT", "/v1/queues/{queue}/policy"): set(),
    ("GET", "/v1/queues/{queue}/form"): {"producer", "reviewer"},
    ("PUT", "/v1/queues/{queue}/form"): set(),
    ("PUT", "/v1/templates/{name}/{version}"): {"producer"},
    ("GET", "/v1/templates"): {"producer", "reviewer"},
    ("GET", "/v1/templates/{name}/{version}"): {"producer", "reviewer"},
    ("POST", "/v1/webhooks"): set(),
    ("GET", "/v1/webhooks"): set(),
    ("DELETE", "/v1/webhooks/{webhook_id}"): set(),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): set(),
    ("POST", "/v1/webhooks/{webhook_id}/replay"): set(),
}
PUBLIC = {("GET", "/v1/health")}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/items"): {"items": []},
    ("POST", "/v1/decisions/batch"): {"decisions": []},
    ("POST", "/v1/tokens"): {"name": "x", "role": "reviewer"},
    ("PUT", "/v1/queues/{queue}/policy"): {"risk_threshold": 0.5},
    ("PUT", "/v1/queues/{queue}/form"): {"guidelines": "Read the policy."},
    ("PUT", "/v1/templates/{name}/{version}"): {"text": "You answer refund questions."},
    ("POST", "/v1/webhooks"): {"queue": "support", "url": "http://127.0.0.1:9/hook"},
    ("PUT", "/v1/decisions/{decision_id}"): {
        "generation_id": "g",
        "verdict": "approve",
        "decided_at": "2026-11-21T09:00:00Z",
    },
}


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path: Path = tmp_path_factory.mktemp("auth") / "server.sqlite"
    with running_server(f"sqlite:///{path}") as server:
        yield server


def _call(server: RunningServer, secret: str | None, method: str, path: str) -> int:
    url = path.format(
        item_id="x",
        queue="support",
        lease_id="x",
        decision_id="x",
        token_id="x",
        webhook_id="x",
        name="refund",
        version="v1",
    )
    with server.client(secret) as client:
        return client.request(method, url, json=BODIES.get((method, path))).status_code


def test_the_table_covers_every_operation_of_the_api(sqlite_server: RunningServer) -> None:
    with sqlite_server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    operations = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert operations == set(ROLES) | PUBLIC


@pytest.mark.parametrize(("method", "path"), sorted(ROLES))
def test_no_token_is_401(sqlite_server: RunningServer, method: str, path: str) -> None:
    assert _call(sqlite_server, None, method, path) == 401
    assert _call(sqlite_server, "rdk_not-a-real-token", method, path) == 401
    assert _call(sqlite_server, "Basic something", method, path) == 401


@pytest.mark.parametrize(("method", "path"), sorted(ROLES))
def test_a_revoked_token_is_401(sqlite_server: RunningServer, method: str, path: str) -> None:
    role = next(iter(ROLES[(method, path)]), "admin")
    secret = sqlite_server.token(f"revoked-{role}", role)
    with sqlite_server.client(sqlite_server.token("root", "admin")) as admin:
        token_id = next(
            token["id"]
            for token in admin.get("/v1/tokens").json()["tokens"]
            if token["name"] == f"revoked-{role}" and token["revoked_at"] is None
        )
        assert admin.delete(f"/v1/tokens/{token_id}").status_code == 200
    assert _call(sqlite_server, secret, method, path) == 401


@pytest.mark.parametrize(("method", "path"), sorted(ROLES))
def test_the_wrong_role_is_403_and_the_right_one_passes(
    sqlite_server: RunningServer, method: str, path: str
) -> None:
    allowed = ROLES[(method, path)] | {"admin"}
    for role in ("producer", "reviewer", "admin"):
        status = _call(sqlite_server, sqlite_server.token(f"{role}-x", role), method, path)
        if role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)


def test_a_reviewer_token_kept_to_queues_leases_and_decides_only_there(
    server: RunningServer,
) -> None:
    items = [record(1, queue="support"), record(2, queue="billing"), record(3, queue="billing")]
    with server.client(server.token("producer", "producer")) as producer:
        assert producer.post("/v1/items", json={"items": items}).status_code == 200
    with server.client(server.token("root", "admin")) as admin:
        made = admin.post(
            "/v1/tokens", json={"name": "carol", "role": "reviewer", "queues": ["support"]}
        )
        assert made.status_code == 201 and made.json()["queues"] == ["support"]
        # Only a reviewer's token is kept to queues; an empty list keeps it to none: refused.
        for body in ({"name": "p", "role": "producer", "queues": ["support"]},
                     {"name": "q", "role": "reviewer", "queues": []},
                     {"name": " ", "role": "reviewer"}):  # fmt: skip
            refused = admin.post("/v1/tokens", json=body)
            assert refused.status_code == 422, (body, refused.text)
        listed = {t["name"]: t["queues"] for t in admin.get("/v1/tokens").json()["tokens"]}
        assert listed["carol"] == ["support"] and listed["root"] is None
    with server.client(made.json()["secret"]) as carol:
        other = carol.post("/v1/queues/billing/leases", json={"max_items": 5})
        assert other.status_code == 403 and other.json()["code"] == "queue_not_allowed"
        own = carol.post("/v1/queues/support/leases", json={"max_items": 5}).json()
        assert [item["generation"]["id"] for item in own["items"]] == ["gen-000001"]
        # An item id of another queue, learnt elsewhere: the decision is refused, not stored.
        batch = [approve("gen-000001", "d-own"), approve("gen-000002", "d-other")]
        results = carol.post("/v1/decisions/batch", json={"decisions": batch}).json()["results"]
        assert [(r["status"], r.get("code")) for r in results] == [
            ("accepted", None),
            ("invalid", "queue_not_allowed"),
        ]
        body = approve("gen-000003", "d-other-2")
        single = carol.put(f"/v1/decisions/{body.pop('id')}", json=body)
        assert single.status_code == 422 and single.json()["code"] == "queue_not_allowed"
        assert "billing" not in single.text  # another queue's name is not given away
        assert carol.get("/v1/decisions/d-other").status_code == 404
    with server.client(server.token("dave", "reviewer")) as dave:  # no scope: every queue
        leased = dave.post("/v1/queues/billing/leases", json={"max_items": 5}).json()
        assert len(leased["items"]) == 2


def test_token_create_keeps_a_reviewer_to_queues(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewdesk.cli.server import run_standalone

    assert run_standalone(["token", "create", "--name", "erin", "--role", "reviewer",
                           "--queue", "support", "--queue", "billing",
                           "--db", database_url, "--json"]) == 0  # fmt: skip
    made = json.loads(capsys.readouterr().out)
    assert made["queues"] == ["billing", "support"] and made["secret"].startswith("rdk_")
    assert run_standalone(["token", "list", "--db", database_url]) == 0
    assert "queues billing, support" in capsys.readouterr().out
    assert run_standalone(["token", "create", "--name", "p", "--role", "producer",
                           "--queue", "support", "--db", database_url]) == 1  # fmt: skip
    assert "only reviewer tokens are kept to queues" in capsys.readouterr().err
