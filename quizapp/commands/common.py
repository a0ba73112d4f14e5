"""Small parsing helpers shared by the sub-commands."""
from __future__ import annotations

import json
import math
import sys
from typing import Any

from quizapp.commands import CommandError


def parse_value(text: str) -> Any:
    """`true`/`false` become booleans, numbers become int or float, anything else stays text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and all(c.isdigit() or c in "+-" for c in text.strip()):
        return int(number)
    return number


def parse_pairs(items: list[str] | None, flag: str) -> dict[str, Any]:
    """KEY=VALUE strings from a repeatable flag into a dict, with a clear error."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CommandError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = parse_value(value)
    return out


def parse_point(text: str, flag: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise CommandError(f"{flag} expects X,Y (two numbers), got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise CommandError(f"{flag} must be finite, got {text!r}")
    return x, y


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
