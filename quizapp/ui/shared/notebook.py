"""The lab notebook as the simulator sees it: a thin adapter over ``quizapp.progress``.

The page records races and lists, compares and reloads runs through :class:`Notebook`.
With a real :class:`quizapp.progress.Store` every call goes to SQLite; when the store
cannot be opened (a file from a newer quizapp, a corrupt file, a read-only folder) the
notebook keeps the session's runs in memory, says so, and never touches the file.
Qt-free.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One recorded run (the same fields as ``quizapp.progress``'s RunEntry)."""

    id: int
    created_at: str
    config: dict
    outcome: dict
    group: str | None
    changed: int | None = None  # settings changed since the previous run (the store counts)


def _flatten(config: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (config or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def _local_diff(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
    fa, fb = _flatten(a), _flatten(b)
    return [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


def diff_configs(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
    """What changed between two configs (``quizapp.progress.notebook.diff_configs``)."""
    try:
        from quizapp.progress.notebook import diff_configs as real
    except ImportError:  # pragma: no cover - only while the progress package is missing
        return _local_diff(a, b)
    return real(a, b)


def _clean(value: Any) -> Any:
    """JSON-safe copy (non-finite floats become None), as the store itself does."""
    return json.loads(json.dumps(value, default=float, allow_nan=True)
                      .replace("NaN", "null").replace("-Infinity", "null").replace("Infinity", "null"))


def open_store(db: str | None = None):
    """``(store, None)`` or ``(None, reason)``: never raises, never overwrites a file."""
    try:
        from quizapp.progress import Store
    except ImportError as exc:  # pragma: no cover - the progress package not installed
        return None, f"the progress store is not available ({exc})"
    try:
        return Store.open(db), None
    except Exception as exc:  # StoreError, OSError, sqlite3 errors: all reported, none fatal
        return None, str(exc) or type(exc).__name__


class Notebook:
    """Record, list, compare and reload simulator runs."""

    def __init__(self, store: Any = None, learner_id: int | None = None, reason: str | None = None):
        self.store = store
        self.learner_id = learner_id
        if store is not None and learner_id is None:
            self.learner_id = store.default_learner().id
        self.reason = reason  # why runs are not being saved, if they are not
        self._memory: list[Entry] = []

    @property
    def persistent(self) -> bool:
        return self.store is not None

    def record_race(self, items: list[tuple[dict, dict]], group: str | None) -> tuple[list[int], list]:
        """Record runs started together; returns (run ids, unlocked achievements)."""
        ids: list[int] = []
        unlocked: list = []
        for config, outcome in items:
            if self.store is not None:
                result = self.store.record_run(self.learner_id, config, outcome, group=group)
                ids.append(int(result.run_id))
                unlocked.extend(getattr(result, "unlocked", []) or [])
            else:
                run_id = len(self._memory) + 1
                now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
                self._memory.append(Entry(run_id, now, _clean(config), _clean(outcome), group))
                ids.append(run_id)
        return ids, unlocked

    def runs(self, limit: int = 200) -> list[Entry]:
        """Newest first."""
        if self.store is None:
            return list(reversed(self._memory))[:limit]
        return [Entry(r.id, r.created_at, r.config, r.outcome, r.group, getattr(r, "changed", None))
                for r in self.store.runs(self.learner_id, limit=limit)]

    def get(self, run_id: int) -> Entry:
        if self.store is None:
            for entry in self._memory:
                if entry.id == run_id:
                    return entry
            raise KeyError(run_id)
        r = self.store.get_run(run_id)
        return Entry(r.id, r.created_at, r.config, r.outcome, r.group, getattr(r, "changed", None))

    def group(self, group: str) -> list[Entry]:
        """The runs of one race, oldest first."""
        return sorted((e for e in self.runs(limit=10_000) if e.group == group), key=lambda e: e.id)

    @staticmethod
    def diff(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
        return diff_configs(a, b)


def compared_with(entries: list[Entry]) -> dict[int, tuple[int, int]]:
    """For each run: (the run its Δ counts from, how many settings changed since it).

    The same rule as the store's ``changed`` count (``progress.notebook.closest_run``):
    the closest run of the experiment before it (the previous single run, or the lane
    of the previous race that is fewest settings away). Runs whose previous experiment
    is not among ``entries`` are left out.
    """
    from quizapp.progress.notebook import closest_run

    ordered = sorted(entries, key=lambda e: e.id)
    out: dict[int, tuple[int, int]] = {}
    for k, entry in enumerate(ordered):
        before = [e for e in ordered[:k] if entry.group is None or e.group != entry.group]
        if not before:
            continue
        last = before[-1]
        candidates = [last] if last.group is None else [e for e in before if e.group == last.group]
        best = closest_run([(e.id, e.config) for e in candidates], entry.config)
        if best is not None:
            out[entry.id] = best
    return out


def local_time(stamp: str) -> str:
    """``2026-01-02T10:00:00+00:00`` -> ``01-02 11:00`` in the local time zone."""
    try:
        when = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[:16]
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone().strftime("%m-%d %H:%M")


def summary(entry: Entry) -> dict[str, str]:
    """Table cells for one notebook row."""
    config, out = entry.config, entry.outcome
    lr = (config.get("hyper") or {}).get("lr")
    final = out.get("final_loss")
    div = out.get("diverged_at")
    return {
        "id": str(entry.id),
        "when": local_time(entry.created_at),
        "optimizer": str(config.get("optimizer", "?")),
        "surface": str(config.get("surface", "?")),
        "lr": "" if lr is None else f"{lr:.3g}",
        "result": (f"diverged at {div}" if div is not None else
                   "" if final is None or not math.isfinite(final) else f"loss {final:.3g}"),
        "changed": "" if entry.changed is None else str(entry.changed),
    }
