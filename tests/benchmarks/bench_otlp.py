"""OTLP receiver benchmark: the rate at which `POST /v1/otlp/v1/traces` stores generations, as a
ratio to `POST /v1/items` storing the same generations, measured in the same run.

Run: `./dev bench` or `.venv/bin/python tests/benchmarks/bench_otlp.py [--spans N] [--batch B]`.

Each side gets a `reviewdesk serve` process of its own on a fresh SQLite file, so neither
writes into a store the other filled. The generations are the tests' canonical records (a
system and a user turn, an output, model, usage, latency, trace id and one validator flag);
the spans carry the same content the way opentelemetry-instrumentation-openai-v2 records it
(`gen_ai.input.messages` / `gen_ai.output.messages` as JSON, usage attributes, the flag as a
`gen_ai.evaluation.result` event), protobuf-encoded as the official exporter sends them, in
batches of `--batch` (the SDK's batch processor sends up to 512). The items go as JSON in
batches of the same size (at most 500, `POST /v1/items`' limit). Each side is sent one batch at
a time by one client; the clock covers the requests only (bodies are built before). The two
sides alternate, three rounds of one run each; a round's ratio compares two runs made one after
the other, and the median of the rounds' ratios is the result, so a burst of load from other
work on the machine moves one round, not the figure. The target is a ratio of at least 0.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine, prepare_schema
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.database import transact
from tests.e2e.process import ServerProcess
from tests.helpers.records import record

TARGET = 0.5
ROUNDS = 3
START_NS = 1_764_000_000_000_000_000


def _token(database_url: str) -> str:
    engine = open_engine(database_url)
    try:
        prepare_schema(engine, allow_migrate=True)
        return transact(
            engine, lambda connection: create_token(connection, "bench", TokenRole.PRODUCER)
        ).secret
    finally:
        engine.dispose()


def _value(value: Any) -> AnyValue:
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    return AnyValue(string_value=str(value))


def _span_batch(records: list[dict[str, Any]], first: int) -> bytes:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.append(
        KeyValue(key="service.name", value=_value("support.refund"))
    )
    scope = resource_spans.scope_spans.add()
    scope.scope.name = "opentelemetry.instrumentation.openai_v2"
    for offset, generation in enumerate(records):
        number = first + offset
        span = scope.spans.add(
            trace_id=number.to_bytes(16, "big"),
            span_id=number.to_bytes(8, "big"),
            name=f"chat {generation['model']}",
            kind=3,
            start_time_unix_nano=START_NS + number * 1_000_000,
            end_time_unix_nano=START_NS + number * 1_000_000 + generation["latency_ms"] * 10**6,
        )
        messages = [
            {"role": turn["role"], "parts": [{"type": "text", "content": turn["content"]}]}
            for turn in generation["prompt"]
        ]
        output = [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": generation["output"]}],
                "finish_reason": "stop",
            }
        ]
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": generation["model"],
            "gen_ai.response.model": generation["model"],
            "gen_ai.usage.input_tokens": generation["usage"]["input_tokens"],
            "gen_ai.usage.output_tokens": generation["usage"]["output_tokens"],
            "gen_ai.input.messages": json.dumps(messages),
            "gen_ai.output.messages": json.dumps(output),
            "reviewdesk.prompt_template": generation["prompt_template"],
            "reviewdesk.prompt_version": generation["prompt_version"],
        }
        span.attributes.extend(KeyValue(key=k, value=_value(v)) for k, v in attributes.items())
        flag = generation["flags"][0]
        event = span.events.add(
            name="gen_ai.evaluation.result", time_unix_nano=span.end_time_unix_nano
        )
        event.attributes.extend(
            KeyValue(key=k, value=_value(v))
            for k, v in {
                "gen_ai.evaluation.name": flag["validator"],
                "gen_ai.evaluation.score.label": flag["code"],
                "gen_ai.evaluation.score.value": flag["score"],
            }.items()
        )
    return request.SerializeToString()


def _send(url: str, token: str, path: str, bodies: list[bytes], content_type: str) -> float:
    """Seconds to send every body, one after another."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(path, content=body)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            if content_type == "application/json":
                refused = response.json()["invalid"]
            else:
                answer = ExportTraceServiceResponse.FromString(response.content)
                refused = answer.partial_success.rejected_spans
            if refused:  # every generation must be stored, or the rates compare other work
                raise SystemExit(f"{path}: {refused} refused: {response.content[:300]!r}")
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    batch = min(args.batch, 500)
    print(f"{os.cpu_count()} cores; load average (1/5 min) {os.getloadavg()[:2]}", flush=True)
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(ROUNDS):
            rates: dict[str, float] = {}
            for side in ("items", "otlp"):
                url_db = f"sqlite:///{Path(folder) / f'{side}-{run}.sqlite'}"
                token = _token(url_db)
                # Ids differ between runs only in the store they go to: each run is fresh.
                records = [record(number) for number in range(1, args.spans + 1)]
                chunks = [records[i : i + batch] for i in range(0, len(records), batch)]
                if side == "items":
                    bodies = [json.dumps({"items": chunk}).encode() for chunk in chunks]
                    path, content_type = "/v1/items", "application/json"
                else:
                    bodies = [_span_batch(chunk, 1 + i * batch) for i, chunk in enumerate(chunks)]
                    path, content_type = "/v1/otlp/v1/traces", "application/x-protobuf"
                server = ServerProcess(url_db, Path(folder) / f"{side}-{run}.log")
                server.start()
                try:
                    seconds = _send(server.url, token, path, bodies, content_type)
                finally:
                    server.stop()
                rates[side] = args.spans / seconds
            ratios.append(rates["otlp"] / rates["items"])
            print(
                f"round {run + 1}: POST /v1/items {rates['items']:6.0f}/s, OTLP receiver "
                f"{rates['otlp']:6.0f}/s, ratio {ratios[-1]:.2f}",
                flush=True,
            )
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"\nmedian ratio {ratio:.2f} ({verdict} the target of {TARGET})")


if __name__ == "__main__":
    main()
