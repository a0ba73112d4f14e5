"""The lab notebook: simulator runs as plain data, and what changed between two of them.

A run is stored as two JSON objects, its configuration and its outcome (see
``Store.record_run``). The chapter's rule for experiments is *change one knob at a
time*; :func:`diff_configs` says which knobs changed.
"""
from __future__ import annotations

import json
import math
from typing import Any

_MISSING = object()


def clean(value: Any) -> Any:
    """A JSON-safe copy: tuples become lists, non-finite floats become None, keys text.

    A diverged run may report ``inf`` or ``nan``; strict JSON has neither, and
    ``diverged_at`` already says what happened.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    # NumPy scalars and arrays without importing NumPy.
    if hasattr(value, "tolist"):
        return clean(value.tolist())
    if hasattr(value, "__float__"):
        return clean(float(value))
    raise TypeError(f"cannot store a value of type {type(value).__name__} in the notebook")


def dumps(value: Any) -> str:
    return json.dumps(clean(value), allow_nan=False, sort_keys=True, ensure_ascii=False)


def loads_object(text: str | None, what: str) -> dict:
    """Parse a stored JSON object; ValueError naming ``what`` if it is not one."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError, RecursionError) as exc:
        raise ValueError(f"stored {what} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"stored {what} is not a JSON object")
    return value


def flatten(config: dict, prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> dotted keys; lists stay whole values; empty dicts vanish."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def diff_configs(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
    """The settings that differ between two run configurations, as (dotted key, a, b).

    Keys are flattened (``hyper.lr``, ``schedule.args.T_max``) and sorted; a key present
    on one side only shows ``None`` on the other. ``None`` and a missing key are the same.
    Every key counts, the seed included: a different seed is a different experiment.
    """
    fa, fb = flatten(a or {}), flatten(b or {})
    out = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        if not _same(va, vb):
            out.append((key, va, vb))
    return out


def config_lr(config: dict) -> float | None:
    """The base learning rate of a run: ``hyper.lr`` (simulator) or ``lr`` (training lab),
    else the optimizer's default."""
    hyper = config.get("hyper") or {}
    lr = hyper.get("lr", config.get("lr"))
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        return float(lr)
    name = config.get("optimizer")
    if not isinstance(name, str):
        return None
    try:
        from quizapp.optim import defaults
        value = defaults(name).get("lr")
    except Exception:  # unknown optimizer name: no default to fall back on
        return None
    return float(value) if isinstance(value, (int, float)) else None
