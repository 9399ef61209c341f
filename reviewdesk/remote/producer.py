"""The producer's side of API v1: submit items, read an item's state, follow the verdict feed,
and (with an admin token) set a queue's review form.

```python
from reviewdesk.client import ReviewdeskClient

with ReviewdeskClient("http://review.internal:8787", token) as desk:
    desk.submit([{"id": "gen-1", "prompt": "...", "output": "...", "model": "gpt-4o-mini"}])
    verdict = desk.wait_for_verdict("gen-1", timeout=600)
```

Answers are the server's JSON documents as dicts (the shapes of `reviewdesk.protocol.v1`).
Every call goes through `Transport` (retries for network errors, 408, 429 and 5xx; a submit is
idempotent by item id, so a retry after a lost answer reports the items as duplicates).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from reviewdesk.protocol.statuses import FINAL_PHASES, ProblemCode
from reviewdesk.remote.errors import RequestRefusedError, VerdictTimeoutError
from reviewdesk.remote.transport import Transport, segment

__all__ = ["ITEMS_PER_CALL", "MAX_WAIT_S", "ReviewdeskClient"]

ITEMS_PER_CALL = 500
"""The most items one `POST /v1/items` takes (the server's default limit)."""
MAX_WAIT_S = 30.0
"""The longest the server holds a verdict long-poll."""


class ReviewdeskClient:
    """A producer's connection to a reviewdesk queue server.

    Args:
        url: the server, e.g. `http://review.internal:8787`.
        token: a producer (or admin) token, `rdk_...`.
        transport: an httpx transport (tests pass `httpx.MockTransport`).
        timeout_s: the timeout of one request (long-polls add their wait to it).
        attempts: tries per call, the first included (1: no retry).
        max_wait_s: the longest wait between two tries.
        sleep: how to wait between tries (tests record the waits instead).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 30.0,
        attempts: int = 4,
        max_wait_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = "reviewdesk-client",
    ) -> None:
        self._timeout_s = timeout_s
        self._remote = Transport(
            url,
            token,
            user_agent=user_agent,
            transport=transport,
            timeout=timeout_s,
            attempts=attempts,
            max_wait_s=max_wait_s,
            sleep=sleep,
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
        self._remote.close()

    @property
    def retries(self) -> int:
        """How many times the last call was tried again."""
        return self._remote.retries

    def submit_batch(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Enqueue at most `ITEMS_PER_CALL` items in one call: the server's answer
        (`created`, `duplicates`, `invalid` and each item's result)."""
        answer: dict[str, Any] = self._remote.call(
            "POST", "/v1/items", json={"items": list(items)}, what="the items"
        )
        return answer

    def submit(
        self, items: Sequence[dict[str, Any]], *, batch: int = ITEMS_PER_CALL
    ) -> list[dict[str, Any]]:
        """Enqueue items (canonical records), in batches; each item's result
        (`created`, `duplicate` or `invalid` with its errors), in order."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(items), batch):
            answer = self.submit_batch(items[start : start + batch])
            for result in answer["results"]:
                results.append({**result, "index": result["index"] + start})
        return results

    def item(self, item_id: str) -> dict[str, Any]:
        """An item's state and, once final, its resolved verdict."""
        answer: dict[str, Any] = self._remote.call("GET", f"/v1/items/{segment(item_id)}")
        return answer

    def set_form(self, queue: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """Set a queue's review form (an admin token): the keys of a form file (`version`,
        `guidelines`, `questions`), e.g. `tomllib.load` of one. The answer is the form as
        stored, its `version` set (the next one when `form` names none).

        Raises:
            RemoteError: refused (422 `invalid_form` naming the question, 409
                `form_version_conflict` for a version below the current one) or not reached.
        """
        answer: dict[str, Any] = self._remote.call(
            "PUT", f"/v1/queues/{segment(queue)}/form", json=dict(form), what="the form"
        )
        return answer

    def form(self, queue: str, *, version: int | None = None) -> dict[str, Any] | None:
        """A queue's review form (its current version, or `version`), or None when it has
        none."""
        params = {} if version is None else {"version": version}
        try:
            answer: dict[str, Any] = self._remote.call(
                "GET", f"/v1/queues/{segment(queue)}/form", params=params
            )
        except RequestRefusedError as error:
            if error.status == 404 and error.code == ProblemCode.FORM_NOT_FOUND:
                return None
            raise
        return answer

    def set_template(
        self, name: str, version: str, text: str, *, replace: bool = False
    ) -> dict[str, Any]:
        """Store the text of prompt template `name`@`version` (a producer or admin token). The
        answer is the template as stored, with `outcome` `added`, `unchanged` or `replaced`.

        Raises:
            RemoteError: refused (409 `template_conflict`: the version has another text and
                `replace` is not set; 422 naming the field) or not reached.
        """
        answer: dict[str, Any] = self._remote.call(
            "PUT",
            f"/v1/templates/{segment(name)}/{segment(version)}",
            json={"text": text, "replace": replace},
            what="the template",
        )
        return answer

    def template(self, name: str, version: str) -> dict[str, Any] | None:
        """The text of `name`@`version` as the server has it, or None when it has none."""
        try:
            answer: dict[str, Any] = self._remote.call(
                "GET", f"/v1/templates/{segment(name)}/{segment(version)}"
            )
        except RequestRefusedError as error:
            if error.status == 404 and error.code == ProblemCode.TEMPLATE_NOT_FOUND:
                return None
            raise
        return answer

    def verdicts(
        self,
        since: int = 0,
        *,
        wait_s: float = 0.0,
        queue: str | None = None,
        item_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Final verdicts after the cursor `since` (holding up to `wait_s` for one to land),
        and the cursor to pass next. Each entry is one revision of an item's verdict
        (`revision` 1 when it became final; a later one carries the `previous` verdict)."""
        params: dict[str, Any] = {"since": since, "wait": min(wait_s, MAX_WAIT_S)}
        if queue is not None:
            params["queue"] = queue
        if item_id is not None:
            params["item"] = item_id
        answer = self._remote.call(
            "GET", "/v1/verdicts", params=params, timeout=self._timeout_s + params["wait"]
        )
        return answer["verdicts"], int(answer["next"])

    def revisions(self, item_id: str) -> Iterator[dict[str, Any]]:
        """Every revision of an item's verdict so far, oldest first (none: not final yet)."""
        since = 0
        while True:
            found, since = self.verdicts(since, item_id=item_id)
            if not found:
                return
            yield from found

    def follow(self, since: int = 0, *, queue: str | None = None) -> Iterator[dict[str, Any]]:
        """Every final verdict after `since`, as it lands (long-polls forever); a verdict that
        changes later comes again as its next revision."""
        while True:
            found, since = self.verdicts(since, wait_s=MAX_WAIT_S, queue=queue)
            yield from found

    def wait_for_verdict(self, item_id: str, timeout: float) -> dict[str, Any]:
        """The item once final (its `verdict` set, or `withdrawn`), long-polling the verdict
        feed from the moment of the call. The answer is the latest revision of the verdict
        (its `revision` says which; `revisions` lists them all).

        Raises:
            VerdictTimeoutError: still not final after `timeout` seconds.
            RemoteError: the server refused (e.g. no such item) or was not reached.
        """
        deadline = time.monotonic() + timeout
        # Take the feed's end first, so a verdict landing between the two calls is seen.
        cursor = int(self._remote.call("GET", "/v1/verdicts", params={"since": 2**62})["head"])
        item = self.item(item_id)
        while item["state"] not in FINAL_PHASES:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VerdictTimeoutError(f"no verdict on {item_id} within {timeout:g} s")
            found, cursor = self.verdicts(cursor, wait_s=left, queue=item["queue"])
            mine = [entry for entry in found if entry["id"] == item_id]
            if mine:
                item = mine[-1]  # the latest revision the page holds
                break
            if not found:  # the wait ran out, or a withdrawal (not in the feed): look again
                item = self.item(item_id)
        return item
