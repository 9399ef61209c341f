"""Every endpoint refuses a missing token, a revoked token and a token of the wrong role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.harness import RunningServer, running_server

# Each operation of API v1 and the roles that may call it (an admin may call every one).
ROLES: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/items"): {"producer"},
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
        item_id="x", queue="support", lease_id="x", decision_id="x", token_id="x", webhook_id="x"
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
