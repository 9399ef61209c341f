"""A small LLM app for the OTLP receiver's tests: the real `openai` client, instrumented with the
official `opentelemetry-instrumentation-openai-v2`, calling an OpenAI-compatible stand-in on a
loopback port; its spans leave through the official OTLP/HTTP exporter.

The stand-in replaces the model only: it answers every chat completion with `ANSWER`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import openai
import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ANSWER = "Yes, within 30 days. Write to help@shop.example."
STAND_IN_MODEL = "stand-in-2026-01"


class _ChatCompletions(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        request = json.loads(self.rfile.read(length))
        body = json.dumps(
            {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": 1_764_000_000,
                "model": STAND_IN_MODEL,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": ANSWER},
                    }
                ],
                "usage": {
                    "prompt_tokens": 10 * len(request["messages"]),
                    "completion_tokens": 11,
                    "total_tokens": 10 * len(request["messages"]) + 11,
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def stand_in_model() -> Iterator[str]:
    """An OpenAI-compatible chat endpoint on a loopback port; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _email_check(response: httpx2.Response) -> None:
    """A validator as an app would run one: it reads the model's answer and records its result
    as a `gen_ai.evaluation.result` event on the model call's span (still the current span
    while the answer is read)."""
    response.read()
    answer = response.json()["choices"][0]["message"]["content"]
    if "@" in answer:
        trace.get_current_span().add_event(
            "gen_ai.evaluation.result",
            {
                "gen_ai.evaluation.name": "pii",
                "gen_ai.evaluation.score.label": "email",
                "gen_ai.evaluation.score.value": 0.93,
                "gen_ai.evaluation.explanation": "an e-mail address in the answer",
            },
        )


@dataclass
class LlmApp:
    """The instrumented app: `ask` makes one model call; every span is kept in `finished`
    and sent to the receiver by `exporter`."""

    client: openai.OpenAI
    exporter: OTLPSpanExporter
    finished: InMemorySpanExporter
    provider: TracerProvider

    def ask(self, question: str, *, system: str = "You answer refund questions.") -> str:
        completion = self.client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": question},
            ],
        )
        content = completion.choices[0].message.content
        assert content is not None
        return content

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.finished.get_finished_spans()


@contextmanager
def llm_app(
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str | None,
    token: str,
    *,
    content: str = "span_only",
    resource: dict[str, str] | None = None,
    gzip: bool = False,
) -> Iterator[LlmApp]:
    """The app, its spans exported to `endpoint` with `token` (None: where the exporter's
    `OTEL_EXPORTER_OTLP_*` variables say); message content recorded on the spans as the
    instrumentation's `content` mode says (`no_content`: none)."""
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", content)
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "refund-bot"}))
    if endpoint is None:  # as the README says: the exporter's own environment variables
        exporter = OTLPSpanExporter()
    else:
        exporter = OTLPSpanExporter(
            endpoint=endpoint,
            headers={"Authorization": f"Bearer {token}"},
            compression=Compression.Gzip if gzip else Compression.NoCompression,
        )
    finished = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(finished))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        with (
            stand_in_model() as base_url,
            openai.DefaultHttpxClient(event_hooks={"response": [_email_check]}) as http_client,
        ):
            client = openai.OpenAI(base_url=base_url, api_key="sk-test", http_client=http_client)
            yield LlmApp(client, exporter, finished, provider)
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
