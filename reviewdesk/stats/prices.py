"""The price table for routing advice: USD per 1,000 input and output tokens, per model.

A TOML file, one table per model:

    # USD per 1,000 tokens
    [models."gpt-4o"]
    input = 0.0025
    output = 0.0100

    [models."gpt-4o-mini"]
    input = 0.00015
    output = 0.0006

Models not in the table fall back to the cost the producer recorded (`usage.cost_usd`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewdesk.stats.errors import StatsInputError

__all__ = ["Price", "load_prices", "parse_prices"]


@dataclass(frozen=True)
class Price:
    """USD per 1,000 input tokens and per 1,000 output tokens."""

    input: float
    output: float

    def cost(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1000


def load_prices(path: Path) -> dict[str, Price]:
    """The price table in the TOML file at `path`.

    Raises:
        StatsInputError: the file is missing or bad; the message names the file, line and field.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StatsInputError(f"{path}: cannot read the price table: {error.strerror}") from None
    except UnicodeDecodeError:
        raise StatsInputError(f"{path}: the price table is not UTF-8 text") from None
    return parse_prices(source, str(path))


def parse_prices(source: str, name: str = "<prices>") -> dict[str, Price]:
    """The price table in TOML `source` (`name` is how errors name the file)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise StatsInputError(f"{name}: {error}") from None
    lines = source.splitlines()
    unknown = sorted(set(data) - {"models"})
    if unknown:
        raise StatsInputError(
            f"{name}:{_line_of(lines, unknown[0])}: unknown table {unknown[0]!r} "
            '(put prices under [models."NAME"])'
        )
    models = data.get("models", {})
    if not isinstance(models, dict) or not models:
        raise StatsInputError(
            f'{name}: no prices: add [models."NAME"] tables with input and output'
        )
    prices: dict[str, Price] = {}
    for model, table in models.items():
        where = f"{name}:{_line_of(lines, model)}"
        if not isinstance(table, dict):
            raise StatsInputError(
                f"{where}: models.{model}: expected a table with input and output"
            )
        extra = sorted(set(table) - {"input", "output"})
        if extra:
            raise StatsInputError(
                f"{name}:{_line_of(lines, extra[0], after=model)}: models.{model}.{extra[0]}: "
                "unknown field (use input and output, USD per 1,000 tokens)"
            )
        values: dict[str, float] = {}
        for field in ("input", "output"):
            if field not in table:
                raise StatsInputError(f"{where}: models.{model}.{field}: missing")
            values[field] = _price(
                table[field],
                f"{name}:{_line_of(lines, field, after=model)}",
                f"models.{model}.{field}",
            )
        prices[model] = Price(**values)
    return prices


def _price(value: Any, where: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StatsInputError(
            f"{where}: {field}: expected a number (USD per 1,000 tokens), got {value!r}"
        )
    if not math.isfinite(value) or value < 0:
        raise StatsInputError(f"{where}: {field}: expected a price >= 0, got {value!r}")
    return float(value)


def _line_of(lines: list[str], key: str, *, after: str | None = None) -> int:
    """The 1-based line where `key` appears (after the line naming `after`); 1 if not found."""
    start = 0
    if after is not None:
        for number, line in enumerate(lines):
            if after in line and line.lstrip().startswith("["):
                start = number
                break
    for number in range(start, len(lines)):
        stripped = lines[number].strip()
        if stripped.startswith(key) or f'"{key}"' in stripped or f".{key}" in stripped:
            return number + 1
    return start + 1
