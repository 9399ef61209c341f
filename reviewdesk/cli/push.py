"""`reviewdesk push`: send a canonical JSONL file to a queue server in batches.

Records are read and validated by the importer's own code (`reviewdesk.ingest`), so a file that
`reviewdesk import` takes is a file `push` takes: items, and comparisons (records with
`candidates`), which the server takes beside them. Batches of at most 500 items go out through the
producer client (`reviewdesk.remote.ReviewdeskClient`), whose transport retries network errors,
408, 429 and 5xx as the desk's sync does (backoff with jitter, `Retry-After` honoured).
Re-sending a batch is safe: the server is idempotent by item id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from reviewdesk.domain import utc_now
from reviewdesk.errors import UserError
from reviewdesk.ingest import Mapping, RecordError
from reviewdesk.ingest.comparisons import to_comparison_record
from reviewdesk.ingest.records import is_comparison, prepare, to_import_record
from reviewdesk.ingest.sources import SourceFormat, read_records
from reviewdesk.ingest.template_texts import take_template_text
from reviewdesk.protocol.statuses import ItemResultStatus
from reviewdesk.remote import ITEMS_PER_CALL, RemoteError, ReviewdeskClient, ServerUnreachableError

logger = logging.getLogger(__name__)

BATCH = ITEMS_PER_CALL
ATTEMPTS = 8
MAX_BACKOFF_S = 30.0

PushProgress = Callable[[int, int], None]
"""Called with (bytes read so far, total bytes)."""


class PushFailedError(UserError):
    """The server refused the items, or could not be reached after every retry."""


@dataclass
class PushReport:
    created: int = 0
    duplicates: int = 0
    conflicts: int = 0
    """Items whose id the server holds with another prompt, output or model: not stored."""
    invalid: int = 0
    batches: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "invalid": self.invalid,
            "batches": self.batches,
            "retries": self.retries,
        }


def _valid_records(
    path: Path,
    queue: str | None,
    report: PushReport,
    progress: Callable[[int], None],
    *,
    checked: bool = False,
) -> Iterator[dict[str, Any]]:
    """The file's valid records, as the file has them (`queue` set); `checked`: a first pass
    found every record valid, so they are read without checking them again."""
    checked_at = utc_now().isoformat().replace("+00:00", "Z")
    for line, raw in read_records(path, SourceFormat.JSONL, Mapping(), progress):
        if isinstance(raw, tuple):
            _invalid(report, list(raw))
            continue
        if queue is not None:
            raw["queue"] = queue
        if checked:
            yield raw
            continue
        # Checked as the server will take it, but sent as the file has it: the server takes
        # integer ids and gives undated decisions the time it receives them.
        copy = _copied(raw)
        prepared = prepare(path, line, copy, checked_at)
        if isinstance(prepared, RecordError):
            _invalid(report, [prepared])
            continue
        errors: list[RecordError] = []
        if is_comparison(copy):  # the server takes comparisons beside items, as import does
            pair = to_comparison_record(path, line, copy)
            if isinstance(pair, list):
                errors.extend(pair)
        else:
            seen = take_template_text(path, line, copy)
            record = to_import_record(path, line, copy)
            if isinstance(seen, RecordError):
                errors.append(seen)
            if isinstance(record, list):
                errors.extend(record)
        if errors:
            _invalid(report, errors)
            continue
        yield raw


def _copied(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record that `prepare` and validation may change without touching `raw`."""
    copy = dict(raw)
    decisions = raw.get("decisions")
    if isinstance(decisions, list):
        copy["decisions"] = [dict(d) if isinstance(d, dict) else d for d in decisions]
    return copy


def _invalid(report: PushReport, errors: list[RecordError]) -> None:
    report.invalid += 1
    if len(report.errors) < 50:
        report.errors.extend(str(error) for error in errors)


def push_file(
    path: Path,
    server: str,
    token: str,
    *,
    queue: str | None = None,
    batch: int = BATCH,
    skip_invalid: bool = False,
    progress: PushProgress | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Push the items of a canonical JSONL file to the server at `server`.

    Args:
        skip_invalid: push the valid records of a file that has invalid ones (they are counted
            and named in the report); without it such a file pushes nothing.
        transport: an httpx transport (tests pass `httpx.MockTransport`).

    Raises:
        PushFailedError: invalid records (without `skip_invalid`), a refusal (401, 403, 413,
            422), or a server that stayed unreachable.
        UserError: the file cannot be read.
    """
    if not path.is_file():
        raise UserError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    total = path.stat().st_size
    report = PushReport()
    if not skip_invalid:
        for _ in _valid_records(path, queue, report, lambda _done: None):
            pass
        if report.invalid:
            raise PushFailedError(
                "\n".join(
                    [
                        *report.errors,
                        f"{report.invalid} invalid record{'s' if report.invalid != 1 else ''}: "
                        "nothing was pushed (use --on-error skip to push the valid ones)",
                    ]
                )
            )
        report = PushReport()

    def _progress(done: int) -> None:
        if progress is not None:
            progress(done, total)

    with (
        ReviewdeskClient(
            server,
            token,
            transport=transport,
            timeout_s=60.0,
            attempts=ATTEMPTS,
            max_wait_s=MAX_BACKOFF_S,
            sleep=sleep,
            user_agent="reviewdesk-push",
        ) as client,
        ThreadPoolExecutor(1, thread_name_prefix="push") as sender,
    ):
        # One batch is sent while the next is read: the server's work and the file's overlap.
        # A batch goes out only once the one before it was taken, so a refusal stops the push
        # with nothing sent after the refused batch, as when they went one by one.
        in_flight: Future[None] | None = None
        pending: list[dict[str, Any]] = []
        for record in _valid_records(path, queue, report, _progress, checked=not skip_invalid):
            pending.append(record)
            if len(pending) >= batch:
                in_flight = _send_next(sender, in_flight, client, pending, report)
                pending = []
        if pending:
            in_flight = _send_next(sender, in_flight, client, pending, report)
        if in_flight is not None:
            in_flight.result()
    logger.info("push: %s", report.summary())
    return report


def _send_next(
    sender: ThreadPoolExecutor,
    in_flight: Future[None] | None,
    client: ReviewdeskClient,
    items: list[dict[str, Any]],
    report: PushReport,
) -> Future[None]:
    """Send `items` once the batch in flight was taken (its error raised here)."""
    if in_flight is not None:
        in_flight.result()
    return sender.submit(_send, client, items, report)


def _send(client: ReviewdeskClient, items: list[dict[str, Any]], report: PushReport) -> None:
    try:
        body = client.submit_batch(items)
    except ServerUnreachableError as error:
        raise PushFailedError(str(error)) from error
    except RemoteError as error:
        raise PushFailedError(f"the server refused the items: {error}") from error
    finally:
        report.retries += client.retries
    report.created += body["created"]
    report.duplicates += body["duplicates"]
    report.invalid += body["invalid"]
    report.batches += 1
    for result in body["results"]:
        if result["status"] == ItemResultStatus.CONFLICT:
            report.conflicts += 1
        elif result["status"] != ItemResultStatus.INVALID:
            continue
        for found in result.get("errors", []):
            if len(report.errors) < 50:
                report.errors.append(
                    f"{result.get('id') or '#' + str(result['index'])}: "
                    f"{found['field']}: {found['message']}"
                )


_TRANSPORT_LOGGER = "reviewdesk.remote.transport"


@contextmanager
def retries_said(say: Callable[[str], None]) -> Iterator[None]:
    """Tell `say` each retry the transport makes and how long it waits first ("attempt 2 of 8
    failed: ConnectError ...; retrying in 3.1 s"), so that a push to a server that does not
    answer is never silent for a minute."""

    class _Said(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("attempt "):
                say(f"push: {message}")

    transport = logging.getLogger(_TRANSPORT_LOGGER)
    handler = _Said(logging.INFO)
    level, propagate = transport.level, transport.propagate
    transport.addHandler(handler)
    transport.setLevel(min(transport.getEffectiveLevel(), logging.INFO))
    transport.propagate = False  # said once, here, not again by a -v log handler
    try:
        yield
    finally:
        transport.removeHandler(handler)
        transport.setLevel(level)
        transport.propagate = propagate
