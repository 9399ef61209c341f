"""The producer client: signatures, and its calls against a fake transport."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from reviewdesk.client import ClientError, ReviewdeskClient, verify_signature
from reviewdesk.protocol.signature import sign

SECRET = "whsec_test"
BODY = b'{"type":"verdict","verdict":{"id":"gen-1"}}'


def test_a_fresh_signature_verifies() -> None:
    headers = {"reviewdesk-signature": sign(SECRET, BODY)}
    assert verify_signature(SECRET, headers, BODY)


def test_a_tampered_body_fails() -> None:
    headers = {"Reviewdesk-Signature": sign(SECRET, BODY)}
    assert not verify_signature(SECRET, headers, BODY.replace(b"gen-1", b"gen-2"))


def test_an_old_timestamp_fails_even_when_correctly_signed() -> None:
    old = int(time.time()) - 301
    headers = {"Reviewdesk-Signature": sign(SECRET, BODY, timestamp=old)}
    assert not verify_signature(SECRET, headers, BODY)
    assert verify_signature(SECRET, headers, BODY, tolerance_s=600)


@pytest.mark.parametrize("value", ["", "t=abc,v1=00", "v1=00", "t=1"])
def test_a_malformed_header_fails(value: str) -> None:
    assert not verify_signature(SECRET, {"Reviewdesk-Signature": value}, BODY)
    assert not verify_signature(SECRET, {}, BODY)


def test_wait_for_verdict_long_polls_the_feed_until_the_item_is_final() -> None:
    seen: list[httpx.Request] = []
    final = {"id": "gen-1", "queue": "q", "state": "decided", "seq": 8,
             "verdict": {"verdict": "approve"}}  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/items/gen-1":
            return httpx.Response(200, json={"id": "gen-1", "queue": "q", "state": "queued"})
        since = int(request.url.params["since"])
        if since > 2**40:
            return httpx.Response(200, json={"verdicts": [], "next": since, "head": 7})
        assert since == 7 and request.url.params["queue"] == "q"
        return httpx.Response(200, json={"verdicts": [final], "next": 8, "head": 8})

    with ReviewdeskClient("http://desk", "rdk_x", transport=httpx.MockTransport(answer)) as desk:
        assert desk.wait_for_verdict("gen-1", timeout=60) == final
    assert all(r.headers["Authorization"] == "Bearer rdk_x" for r in seen)


def test_a_refusal_is_a_client_error_with_its_code() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"code": "wrong_role", "detail": "a reviewer token may not do this"}
        return httpx.Response(403, content=json.dumps(body))

    transport = httpx.MockTransport(answer)
    with (
        ReviewdeskClient("http://desk", "rdk_x", transport=transport) as desk,
        pytest.raises(ClientError) as raised,
    ):
        desk.submit([{"id": "a"}])
    assert (raised.value.status, raised.value.code) == (403, "wrong_role")
