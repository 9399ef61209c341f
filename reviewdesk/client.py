"""The producer client of a reviewdesk queue server: submit items, wait for verdicts.

```python
from reviewdesk.client import ReviewdeskClient

with ReviewdeskClient("http://review.internal:8787", token) as desk:
    desk.submit([{"id": "gen-1", "prompt": "...", "output": "...", "model": "gpt-4o-mini"}])
    verdict = desk.wait_for_verdict("gen-1", timeout=600)
```

Errors: `ClientError` (a `UserError`: the server refused or could not be reached; it carries the
answer's `status` and problem `code`) and its subclass `VerdictTimeoutError` (no verdict within
the timeout). A webhook receiver checks each delivery with `verify_signature(secret, headers,
body)`.

This is the stable public face of `reviewdesk.remote` and `reviewdesk.protocol.signature`; it
needs only httpx and pydantic, never the server, the store or the desk.
"""

from __future__ import annotations

from reviewdesk.protocol.signature import verify_signature
from reviewdesk.remote.errors import RemoteError as ClientError
from reviewdesk.remote.errors import VerdictTimeoutError
from reviewdesk.remote.producer import ReviewdeskClient

__all__ = ["ClientError", "ReviewdeskClient", "VerdictTimeoutError", "verify_signature"]
