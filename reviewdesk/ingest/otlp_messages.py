"""The chat turns and the answer a model-call span records, in any of the three spellings the
OTLP mapping reads (`reviewdesk.ingest.otlp`): the GenAI semantic conventions' JSON messages
(`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`), OpenInference's
flattened `llm.input_messages.N.message.*` and OpenLLMetry's `gen_ai.prompt.N.*`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

_ROLES = {"developer": "system", "function": "tool", "model": "assistant", "human": "user",
          "ai": "assistant"}  # fmt: skip


def _json_value(value: Any) -> Any:
    """A structured attribute: recorded as JSON text by most SDKs, as a list by some."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _role(value: Any) -> Any:
    return _ROLES.get(value, value) if isinstance(value, str) else value


def _parts_text(parts: Any) -> str:
    """The text of a GenAI message's parts: text parts as they are, tool calls and their
    answers in brackets (a reviewer should see that the model called a tool)."""
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("text", "reasoning", None) and isinstance(part.get("content"), str):
            if kind != "reasoning":
                texts.append(part["content"])
        elif kind == "tool_call":
            arguments = part.get("arguments")
            shown = arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
            texts.append(f"[tool call {part.get('name', '?')}({shown})]")
        elif kind == "tool_call_response":
            response = part.get("response")
            texts.append(response if isinstance(response, str) else orjson.dumps(response).decode())
    return "".join(texts)


def _genai_messages(value: Any) -> list[dict[str, Any]] | None:
    messages = _json_value(value)
    if not isinstance(messages, list):
        return None
    turns: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("parts", message.get("content"))
        turns.append({"role": _role(message.get("role")), "content": _parts_text(content)})
    return turns


def _indexed(attributes: Mapping[str, Any], prefix: str) -> dict[int, dict[str, Any]]:
    """Flattened lists (`prefix.0.role`, `prefix.0.content`, ...) as {index: {rest: value}}."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix):
            continue
        index, _, rest = key[len(prefix) :].partition(".")
        if index.isdigit() and rest:
            found.setdefault(int(index), {})[rest] = value
    return found


def _flat_messages(
    attributes: Mapping[str, Any], prefix: str, role: str, content: str, contents: str | None = None
) -> list[dict[str, Any]] | None:
    indexed = _indexed(attributes, prefix)
    if not indexed:
        return None
    turns = []
    for _, values in sorted(indexed.items()):
        text = values.get(content)
        if not isinstance(text, str) and contents is not None:
            parts = _content_parts(values, contents)
            text = "".join(parts)
        turns.append({"role": _role(values.get(role)), "content": text if text is not None else ""})
    return turns


def _content_parts(values: Mapping[str, Any], prefix: str) -> list[str]:
    """OpenInference's `message.contents.N.message_content.text`, in order."""
    parts = _indexed(values, prefix + ".")
    return [
        text
        for _, part in sorted(parts.items())
        if isinstance(text := part.get("message_content.text"), str)
    ]


def span_prompt(attributes: Mapping[str, Any]) -> list[dict[str, Any]] | str | None:
    turns: list[dict[str, Any]] = []
    system = attributes.get("gen_ai.system_instructions")
    if system is not None:
        turns.append({"role": "system", "content": _parts_text(_json_value(system))})
    messages = (
        _genai_messages(attributes["gen_ai.input.messages"])
        if "gen_ai.input.messages" in attributes
        else None
    )
    if messages is None:
        messages = _flat_messages(
            attributes, "llm.input_messages.", "message.role", "message.content", "message.contents"
        )
    if messages is None:
        messages = _flat_messages(attributes, "gen_ai.prompt.", "role", "content")
    if messages is None and not turns:
        plain = attributes.get("input.value")
        return plain if isinstance(plain, str) and plain else None
    return turns + (messages or [])


def span_output(attributes: Mapping[str, Any]) -> str | None:
    messages = (
        _genai_messages(attributes["gen_ai.output.messages"])
        if "gen_ai.output.messages" in attributes
        else None
    )
    if messages is None:
        messages = _flat_messages(
            attributes,
            "llm.output_messages.",
            "message.role",
            "message.content",
            "message.contents",
        )
    if messages is None:
        messages = _flat_messages(attributes, "gen_ai.completion.", "role", "content")
    if messages:
        content = messages[0]["content"]
        return content if isinstance(content, str) else None
    plain = attributes.get("output.value")
    return plain if isinstance(plain, str) else None
