"""The chapter's stories as data: simulator presets loaded from ``assets/presets.toml``.

Qt-free, so the CLI, the question bank and the tests can use them too. A preset is a
surface, a start point, a number of steps and one or more *lanes* (an optimizer with
its hyper-parameters, schedule, clipping, noise and, for ``regression``, its batch
size). Each preset also carries *checks*: small claims about its runs ("SGD diverges",
"AdaGrad moves less than RMSProp after step 100") that :func:`verify` evaluates with
the engine, so a test can prove every story is visibly true.

Check kinds (``lane``/``other`` are lane labels; gaps are loss minus the surface's minimum):

* ``diverges`` / ``stable``: the lane does / does not diverge.
* ``final_below`` / ``final_above``: the final gap is below / above ``value``.
* ``beats``: ``lane``'s final gap times ``factor`` is still below ``other``'s.
* ``faster``: ``lane`` brings the gap below ``value`` in fewer steps than ``other``.
* ``rougher``: ``lane``'s path is at least ``factor`` times as zig-zag as ``other``'s
  (path length divided by the straight distance, over the steps from ``from_step``).
* ``calmer``: over the first ``steps`` steps ``lane``'s worst gap is at least
  ``factor`` times smaller than ``other``'s.
* ``moves_more``: from ``from_step`` on, ``lane`` travels at least ``factor`` times
  as far as ``other``.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from quizapp import optim
from quizapp.optim import schedules as _schedules

_PRESET_KEYS = {"id", "title", "caption", "topic", "surface", "surface_options", "start",
                "steps", "lane", "check"}
_LANE_KEYS = {"label", "optimizer", "hyper", "schedule", "clip_norm", "noise", "seed",
              "batch_size", "color"}
_CHECK_KEYS = {"kind", "lane", "other", "value", "factor", "steps", "from_step"}
CHECK_KINDS = ("diverges", "stable", "final_below", "final_above", "beats", "faster",
               "rougher", "calmer", "moves_more")


class PresetError(ValueError):
    """A preset file that cannot be used; the message names the preset and the field."""


@dataclass(frozen=True)
class Lane:
    """One optimizer run of a preset."""

    label: str
    optimizer: str
    hyper: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] | None = None  # {"name": ..., "args": {...}}
    clip_norm: float | None = None
    noise: float = 0.0
    seed: int = 0
    batch_size: int | None = None  # regression only
    color: str | None = None


@dataclass(frozen=True)
class Check:
    kind: str
    lane: str
    other: str | None = None
    value: float | None = None
    factor: float = 1.0
    steps: int | None = None
    from_step: int = 0


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    caption: str
    topic: str
    surface: str
    surface_options: dict[str, Any]
    start: tuple[float, float]
    steps: int
    lanes: tuple[Lane, ...]
    checks: tuple[Check, ...] = ()

    def lane(self, label: str) -> Lane:
        for lane in self.lanes:
            if lane.label == label:
                return lane
        raise KeyError(f"preset {self.id} has no lane {label!r}")

    def surface_kwargs(self, lane: Lane | None = None) -> dict[str, Any]:
        kwargs = dict(self.surface_options)
        if lane is not None and lane.batch_size is not None:
            kwargs["batch_size"] = lane.batch_size
        return kwargs

    def config(self, lane: Lane) -> dict[str, Any]:
        """The lab-notebook config of one lane (the shape ``store.record_run`` takes)."""
        return {
            "surface": self.surface,
            "surface_options": self.surface_kwargs(lane),
            "optimizer": lane.optimizer,
            "hyper": dict(lane.hyper),
            "schedule": None if lane.schedule is None else
            {"name": lane.schedule["name"], "args": dict(lane.schedule.get("args", {}))},
            "clip_norm": lane.clip_norm,
            "noise": lane.noise,
            "seed": lane.seed,
            "start": [float(self.start[0]), float(self.start[1])],
            "steps": self.steps,
        }


# ------------------------------------------------------------------- loading


def _load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def default_path() -> Path:
    from quizapp.resources import assets_dir

    return assets_dir() / "presets.toml"


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PresetError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _parse_lane(pid: str, i: int, raw: Mapping[str, Any], validate: bool = True) -> Lane:
    where = f"preset {pid!r}, lane {i + 1}"
    unknown = sorted(set(raw) - _LANE_KEYS)
    if unknown:
        raise PresetError(f"{where}: unknown field {unknown[0]!r}")
    for key in ("label", "optimizer"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise PresetError(f"{where}: {key} is required (text)")
    name = raw["optimizer"]
    hyper = dict(raw.get("hyper", {}))
    if validate:
        try:
            optim.make(name, **hyper)
        except ValueError as exc:
            raise PresetError(f"{where} ({raw['label']}): {exc}") from None
    schedule = raw.get("schedule")
    if schedule is not None:
        if not isinstance(schedule, Mapping) or "name" not in schedule:
            raise PresetError(f"{where}: schedule must be a table with a name")
        schedule = {"name": str(schedule["name"]), "args": dict(schedule.get("args", {}))}
        if validate:
            try:
                _schedules.make(schedule["name"], 1.0, **schedule["args"])
            except ValueError as exc:
                raise PresetError(f"{where} ({raw['label']}): {exc}") from None
    clip = raw.get("clip_norm")
    if clip is not None:
        clip = _number(f"{where}: clip_norm", clip)
        if clip <= 0:
            raise PresetError(f"{where}: clip_norm must be > 0")
    noise = _number(f"{where}: noise", raw.get("noise", 0.0))
    if noise < 0:
        raise PresetError(f"{where}: noise must be >= 0")
    batch = raw.get("batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise PresetError(f"{where}: batch_size must be a whole number >= 1")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise PresetError(f"{where}: seed must be a whole number")
    return Lane(raw["label"], name, hyper, schedule, clip, noise, seed, batch, raw.get("color"))


def _parse_check(pid: str, labels: set[str], raw: Mapping[str, Any]) -> Check:
    where = f"preset {pid!r}, check {dict(raw)!r}"
    unknown = sorted(set(raw) - _CHECK_KEYS)
    if unknown:
        raise PresetError(f"{where}: unknown field {unknown[0]!r}")
    kind = raw.get("kind")
    if kind not in CHECK_KINDS:
        raise PresetError(f"{where}: kind must be one of {', '.join(CHECK_KINDS)}")
    for key in ("lane", "other"):
        if key in raw and raw[key] not in labels:
            raise PresetError(f"{where}: no lane labelled {raw[key]!r}")
    if "lane" not in raw:
        raise PresetError(f"{where}: lane is required")
    if kind in ("beats", "faster", "rougher", "calmer", "moves_more") and "other" not in raw:
        raise PresetError(f"{where}: {kind} needs other")
    if kind in ("final_below", "final_above", "faster") and "value" not in raw:
        raise PresetError(f"{where}: {kind} needs value")
    return Check(kind, raw["lane"], raw.get("other"), raw.get("value"),
                 float(raw.get("factor", 1.0)), raw.get("steps"), int(raw.get("from_step", 0)))


def parse(text: str, source: str = "presets.toml", validate: bool = True) -> dict[str, Preset]:
    """Parse preset TOML text; :class:`PresetError` names the preset and field at fault.

    ``validate=False`` skips building the optimizers and surfaces (the app's start-up
    path; the shipped file is validated by the test suite).
    """
    try:
        data = _load_toml(text)
    except Exception as exc:  # tomllib.TOMLDecodeError carries line and column
        raise PresetError(f"{source}: {exc}") from None
    presets: dict[str, Preset] = {}
    for raw in data.get("preset", []):
        pid = raw.get("id")
        if not isinstance(pid, str) or not pid:
            raise PresetError(f"{source}: every preset needs an id")
        if pid in presets:
            raise PresetError(f"{source}: preset {pid!r} is defined twice")
        unknown = sorted(set(raw) - _PRESET_KEYS)
        if unknown:
            raise PresetError(f"preset {pid!r}: unknown field {unknown[0]!r}")
        for key in ("title", "caption", "surface"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise PresetError(f"preset {pid!r}: {key} is required (text)")
        options = dict(raw.get("surface_options", {}))
        surface = None
        if validate or "start" not in raw:
            try:
                surface = optim.get_surface(raw["surface"], **options)
            except ValueError as exc:
                raise PresetError(f"preset {pid!r}: {exc}") from None
        start = raw.get("start", list(surface.start) if surface is not None else None)
        if not isinstance(start, list) or len(start) != 2:
            raise PresetError(f"preset {pid!r}: start must be [x, y]")
        start = (_number(f"preset {pid!r}: start", start[0]), _number(f"preset {pid!r}: start", start[1]))
        steps = raw.get("steps", 100)
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 5000:
            raise PresetError(f"preset {pid!r}: steps must be a whole number in 1..5000")
        lanes = tuple(_parse_lane(pid, i, lane, validate) for i, lane in enumerate(raw.get("lane", [])))
        if not lanes:
            raise PresetError(f"preset {pid!r}: at least one [[preset.lane]] is required")
        labels = [lane.label for lane in lanes]
        if len(set(labels)) != len(labels):
            raise PresetError(f"preset {pid!r}: lane labels must differ")
        checks = tuple(_parse_check(pid, set(labels), c) for c in raw.get("check", []))
        presets[pid] = Preset(pid, raw["title"].strip(), " ".join(raw["caption"].split()),
                              str(raw.get("topic", "")), raw["surface"], options, start, steps,
                              lanes, checks)
    return presets


_CACHE: dict[tuple[Path, bool], dict[str, Preset]] = {}


def load(path: str | Path | None = None, validate: bool = True) -> dict[str, Preset]:
    """All presets by id, in file order (cached per path)."""
    path = Path(path) if path is not None else default_path()
    key = (path, validate)
    if key not in _CACHE:
        if (path, True) in _CACHE:
            return _CACHE[(path, True)]
        _CACHE[key] = parse(path.read_text(encoding="utf-8"), str(path), validate)
    return _CACHE[key]


def get(preset_id: str) -> Preset:
    presets = load()
    try:
        return presets[preset_id]
    except KeyError:
        raise ValueError(f"Unknown preset {preset_id!r}; choose one of: {', '.join(presets)}") from None


# ------------------------------------------------------------------- running


def run_lane(preset: Preset, lane: Lane, record_state: bool = False) -> optim.Run:
    """Simulate one lane with the engine."""
    surface = optim.get_surface(preset.surface, **preset.surface_kwargs(lane))
    schedule = None if lane.schedule is None else (lane.schedule["name"], lane.schedule["args"])
    return optim.simulate(surface, lane.optimizer, steps=preset.steps, start=preset.start,
                          hyper=lane.hyper, schedule=schedule, clip_norm=lane.clip_norm,
                          noise=lane.noise, seed=lane.seed, record_state=record_state)


def _gap(preset: Preset, run: optim.Run) -> np.ndarray:
    surface = optim.get_surface(preset.surface, **preset.surface_options)
    base = surface.min_value if surface.min_value is not None else 0.0
    return run.loss - base


def _final_gap(preset: Preset, run: optim.Run) -> float:
    if run.diverged_at is not None:
        return math.inf
    return float(_gap(preset, run)[-1])


def _roughness(path: np.ndarray) -> float:
    path = path[np.all(np.isfinite(path), axis=1)]
    if len(path) < 3:
        return 1.0
    length = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
    straight = float(np.hypot(*(path[-1] - path[0])))
    return length / max(straight, 1e-12)


def _travel(path: np.ndarray) -> float:
    path = path[np.all(np.isfinite(path), axis=1)]
    return float(np.sum(np.hypot(*np.diff(path, axis=0).T))) if len(path) > 1 else 0.0


def evaluate(preset: Preset, check: Check, runs: Mapping[str, optim.Run]) -> tuple[bool, str]:
    """Evaluate one check against computed runs: (holds, a sentence with the numbers)."""
    a = runs[check.lane]
    b = runs[check.other] if check.other else None
    kind = check.kind
    if kind == "diverges":
        return a.diverged_at is not None, f"{check.lane} diverged at step {a.diverged_at}"
    if kind == "stable":
        return a.diverged_at is None, f"{check.lane} diverged at step {a.diverged_at}"
    if kind in ("final_below", "final_above"):
        gap = _final_gap(preset, a)
        ok = gap < check.value if kind == "final_below" else gap > check.value
        return ok, f"{check.lane} ends {gap:.3g} above the minimum ({kind} {check.value:g})"
    if kind == "beats":
        ga, gb = _final_gap(preset, a), _final_gap(preset, b)
        return ga * check.factor < gb, f"final gaps {check.lane} {ga:.3g} vs {check.other} {gb:.3g}"
    if kind == "faster":
        def first(run):
            below = np.nonzero(_gap(preset, run) < check.value)[0]
            return int(below[0]) if len(below) else math.inf
        fa, fb = first(a), first(b)
        return fa < fb, f"below {check.value:g} at step {fa} ({check.lane}) vs {fb} ({check.other})"
    if kind == "rougher":
        ra, rb = _roughness(a.path[check.from_step:]), _roughness(b.path[check.from_step:])
        return ra >= check.factor * rb, f"zig-zag {check.lane} {ra:.3g} vs {check.other} {rb:.3g}"
    if kind == "calmer":
        n = (check.steps or preset.steps) + 1
        pa = float(np.nanmax(_gap(preset, a)[:n]))
        pb = float(np.nanmax(_gap(preset, b)[:n]))
        return pa * check.factor <= pb, f"worst gap {check.lane} {pa:.3g} vs {check.other} {pb:.3g}"
    if kind == "moves_more":
        ta, tb = _travel(a.path[check.from_step:]), _travel(b.path[check.from_step:])
        return ta >= check.factor * tb, f"travel after step {check.from_step}: {check.lane} {ta:.3g} vs {check.other} {tb:.3g}"
    raise PresetError(f"unknown check kind {kind!r}")  # pragma: no cover - parse rejects it


def verify(preset: Preset) -> list[tuple[Check, bool, str]]:
    """Run every lane and evaluate every check of ``preset``."""
    runs = {lane.label: run_lane(preset, lane) for lane in preset.lanes}
    return [(check, *evaluate(preset, check, runs)) for check in preset.checks]
