"""A small producer client for the queue server (httpx): submit items, wait for verdicts.

```python
from reviewdesk.client import ReviewdeskClient

with ReviewdeskClient("http://review.internal:8787", token) as desk:
    desk.submit([{"id": "gen-1", "prompt": "...", "output": "...", "model": "gpt-4o-mini"}])
    verdict = desk.wait_for_verdict("gen-1", timeout=600)
```

Errors: `ClientError` (a `UserError`: the server refused or could not be reached) and its
subclass `VerdictTimeoutError` (no verdict within the timeout). A webhook receiver checks each
delivery with `verify_signature(secret, headers, body)`.

This module needs only httpx: it imports nothing of the server or the desk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import httpx

from reviewdesk.errors import UserError
from reviewdesk.webhook_signature import verify_signature

__all__ = ["ClientError", "ReviewdeskClient", "VerdictTimeoutError", "verify_signature"]

_FINAL = {"decided", "needs_adjudication", "auto_approved", "withdrawn"}
MAX_WAIT_S = 30.0


class ClientError(UserError):
    """The server refused a request (its problem `code` and `status`) or was not reached."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class VerdictTimeoutError(ClientError):
    """No final verdict arrived within the timeout."""


class ReviewdeskClient:
    """A producer's connection to a reviewdesk queue server.

    Args:
        url: the server, e.g. `http://review.internal:8787`.
        token: a producer (or admin) token, `rdk_...`.
        transport: an httpx transport (tests pass `httpx.MockTransport`).
        timeout_s: the timeout of one request (long-polls add their wait to it).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self._timeout_s = timeout_s
        self._http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "User-Agent": "reviewdesk-client"},
            timeout=timeout_s,
            transport=transport,
        )

    def __enter__(self) -> ReviewdeskClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ClientError(f"the server could not be reached: {error}") from error
        if answer.is_success:
            return answer.json()
        try:
            problem = answer.json()
            detail, code = problem.get("detail", answer.text), problem.get("code")
        except ValueError:
            detail, code = answer.text, None
        raise ClientError(
            f"{method} {path}: HTTP {answer.status_code}: {detail}",
            status=answer.status_code,
            code=code,
        )

    def submit(self, items: Sequence[dict[str, Any]], *, batch: int = 500) -> list[dict[str, Any]]:
        """Enqueue items (canonical records), in batches; each item's result
        (`created`, `duplicate` or `invalid` with its errors), in order."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(items), batch):
            chunk = list(items[start : start + batch])
            answer = self._request("POST", "/v1/items", json={"items": chunk})
            for result in answer["results"]:
                results.append({**result, "index": result["index"] + start})
        return results

    def item(self, item_id: str) -> dict[str, Any]:
        """An item's state and, once final, its resolved verdict."""
        answer: dict[str, Any] = self._request("GET", f"/v1/items/{item_id}")
        return answer

    def verdicts(
        self, since: int = 0, *, wait_s: float = 0.0, queue: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Final verdicts after the cursor `since` (holding up to `wait_s` for one to land),
        and the cursor to pass next."""
        params: dict[str, Any] = {"since": since, "wait": min(wait_s, MAX_WAIT_S)}
        if queue is not None:
            params["queue"] = queue
        answer = self._request(
            "GET", "/v1/verdicts", params=params, timeout=self._timeout_s + params["wait"]
        )
        return answer["verdicts"], int(answer["next"])

    def follow(self, since: int = 0, *, queue: str | None = None) -> Iterator[dict[str, Any]]:
        """Every final verdict after `since`, as it lands (long-polls forever)."""
        while True:
            found, since = self.verdicts(since, wait_s=MAX_WAIT_S, queue=queue)
            yield from found

    def wait_for_verdict(self, item_id: str, timeout: float) -> dict[str, Any]:
        """The item once final (its `verdict` set, or `withdrawn`), long-polling the verdict
        feed from the moment of the call.

        Raises:
            VerdictTimeoutError: still not final after `timeout` seconds.
            ClientError: the server refused (e.g. no such item) or was not reached.
        """
        deadline = time.monotonic() + timeout
        # Take the feed's end first, so a verdict landing between the two calls is seen.
        cursor = int(self._request("GET", "/v1/verdicts", params={"since": 2**62})["head"])
        item = self.item(item_id)
        while item["state"] not in _FINAL:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VerdictTimeoutError(f"no verdict on {item_id} within {timeout:g} s")
            found, cursor = self.verdicts(cursor, wait_s=left, queue=item["queue"])
            if any(entry["id"] == item_id for entry in found):
                item = next(entry for entry in found if entry["id"] == item_id)
                break
            if not found:  # the wait ran out, or a withdrawal (not in the feed): look again
                item = self.item(item_id)
        return item
