"""The real consumers of the exports, driven as an ML engineer would: datasets, TRL, OpenAI.

TRL and transformers are imported without torch (trl is installed with --no-deps); the
functions used here need none.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def load_json(path: Path, cache: Path) -> Any:
    """`datasets.load_dataset("json", ...)` on one file, as the ML engineer would call it."""
    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


def tiny_tokenizer() -> Any:
    """A chat-template tokenizer built here: a WordLevel vocabulary, no hub download."""
    # transformers says once, at WARNING, that torch is missing; that is expected here.
    logging.getLogger("transformers").setLevel(logging.ERROR)
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "</s>": 1, "<|user|>": 2, "<|assistant|>": 3, "<|system|>": 4}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", eos_token="</s>")
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def openai_format_errors(lines: list[str]) -> dict[str, int]:
    """The format checks of OpenAI's cookbook "Data preparation and analysis for chat model
    fine-tuning", as the cookbook writes them, over the JSONL lines of a file."""
    dataset = [json.loads(line) for line in lines]
    format_errors: defaultdict[str, int] = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
            if any(
                k not in ("role", "content", "name", "function_call", "weight") for k in message
            ):
                format_errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1
    return dict(format_errors)
