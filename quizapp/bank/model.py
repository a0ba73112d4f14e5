"""The question model: items as authored, instances as shown, grades as returned."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Union

from quizapp.bank.errors import BankProblem, UnknownItemError
from quizapp.bank.formulas import Formula
from quizapp.bank.render import Template

CATEGORIES = ("definition", "scenario", "calculation", "true_false", "application", "choice",
              "concept")
ANSWER_KINDS = ("numeric", "choice", "true_false", "computed_choice", "multiple", "ordering",
                "matching", "short")
#: the kinds whose answer is several parts (partial credit, see :mod:`quizapp.bank.kinds`)
PART_KINDS = ("multiple", "ordering", "matching")
PRESETS = ("valley-race", "lr-too-large", "lr-too-small", "adagrad-vs-rmsprop", "adam-warmup",
           "noisy-minibatches", "clipping-rescue", "nesterov-lookahead")
#: parameter kinds that draw a random value (an item with one of them is parameterised)
DRAWN_KINDS = ("choice", "range", "loguniform", "randint")

Value = Union[int, float, str, bool]


@dataclass(frozen=True)
class Param:
    """One entry of ``[item.params]``.

    kind: ``const`` (value), ``choice`` (values), ``range`` (lo, hi, step or None),
    ``loguniform`` (lo, hi), ``randint`` (lo, hi), ``derived`` (formula).
    """

    name: str
    kind: str
    value: Value | None = None
    values: tuple[Value, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    step: float | None = None
    count: int = 0  # number of grid points of a stepped range
    sigfigs: int | None = None
    formula: Formula | None = None

    @property
    def drawn(self) -> bool:
        return self.kind in DRAWN_KINDS and not (self.kind == "choice" and len(set(self.values)) < 2)


@dataclass(frozen=True)
class Tolerance:
    kind: str = "relative"  # relative | absolute | sigfigs
    amount: float = 0.01

    def bound(self, expected: float) -> float:
        """Largest accepted |given - expected|."""
        if self.kind == "absolute":
            return self.amount
        if self.kind == "relative":
            return self.amount * abs(expected)
        if expected == 0:
            return 0.0
        digits = int(self.amount)
        return 0.5 * 10 ** (math.floor(math.log10(abs(expected))) - digits + 1)

    def accepts(self, given: float, expected: float) -> bool:
        if not (math.isfinite(given) and math.isfinite(expected)):
            return False
        slack = 1e-12 * max(1.0, abs(expected))  # float noise, never a real tolerance
        return abs(given - expected) <= self.bound(expected) + slack

    def describe(self) -> str:
        if self.kind == "absolute":
            return f"within ±{self.amount:g}"
        if self.kind == "relative":
            return f"within {self.amount * 100:g} %"
        return f"to {int(self.amount)} significant figures"

    def to_json(self) -> dict[str, Any]:
        return {self.kind: self.amount}


@dataclass(frozen=True)
class Answer:
    kind: str
    value: Value | Formula | None = None        # numeric / true_false
    choices: tuple[Template, ...] = ()          # choice: templates of the texts as written
    formulas: tuple[Formula, ...] = ()          # computed_choice
    correct: int = 0                            # 1-based, as written
    tolerance: Tolerance = field(default_factory=Tolerance)
    display: str = ".4g"
    unit: str = ""
    keys: tuple[int, ...] = ()                  # multiple: the right choices, 1-based as written
    pairs: tuple[tuple[Template, Template], ...] = ()  # matching: (left, right) as written
    extras: tuple[Template, ...] = ()           # matching: right-hand options that match nothing
    accept: tuple[str, ...] = ()                # short: accepted answers (the first is shown)
    reject: tuple[str, ...] = ()                # short: near misses that are wrong
    typos: int = 0                              # short: edits forgiven (see kinds.typo_allowance)


@dataclass(frozen=True)
class Item:
    id: str
    topic: str
    category: str
    difficulty: int
    tags: tuple[str, ...]
    prompt: Template
    explanation: Template
    answer: Answer
    params: tuple[Param, ...] = ()
    constraints: tuple[Formula, ...] = ()
    preset: str | None = None
    source: str = ""
    line: int = 0
    title: str = ""  # the topic's title

    @property
    def kind(self) -> str:
        return self.answer.kind

    @property
    def parameterised(self) -> bool:
        """True when at least one parameter is drawn at random (choice, range, loguniform, randint)."""
        return any(p.drawn for p in self.params)

    @property
    def prompt_text(self) -> str:
        return self.prompt.text

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "category": self.category,
                "kind": self.kind, "parameterised": self.parameterised}


@dataclass(frozen=True)
class Instance:
    item_id: str
    seed: int
    kind: str
    params: dict[str, Value]
    prompt: str
    choices: list[str] | None
    answer: int | bool | float
    correct_choice: int | None
    answer_text: str
    explanation: str
    topic: str = ""
    answer_display: str = ""  # numeric: the displayed number without unit
    unit: str = ""
    choice_values: list[float] | None = None  # computed_choice: the value behind each choice
    choice_order: list[int] | None = None  # 1-based index as written, for each displayed choice
    #: matching: the right-hand options, shown lettered a, b, c, ... (answer: their 1-based
    #: number for each displayed left-hand entry)
    targets: list[str] | None = None
    accepted: list[str] | None = None  # short: every accepted answer (answer is the first)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item_id, "seed": self.seed, "kind": self.kind, "topic": self.topic,
            "params": dict(self.params), "prompt": self.prompt, "choices": self.choices,
            "answer": self.answer, "correct_choice": self.correct_choice,
            "answer_text": self.answer_text, "explanation": self.explanation,
            **({"targets": self.targets} if self.targets is not None else {}),
            **({"accepted": self.accepted} if self.accepted is not None else {}),
        }


@dataclass(frozen=True)
class Grade:
    """``correct`` is True only for full credit; ``score`` (0..1) is the credit earned
    (partial for multiple, ordering and matching answers); ``text`` is the answer in its
    canonical stored form (``1 3``, ``3 1 2 4``, ``1b 2a 3c``; the typed words of a
    short answer), empty for the older kinds (their answer is stored as typed)."""

    correct: bool | None
    expected: str
    message: str
    given: Any = None
    score: float | None = None
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"correct": self.correct, "expected": self.expected,
                               "message": self.message}
        if self.score is not None:
            out["score"] = round(self.score, 4)
        if self.text:
            out["given"] = self.text
        return out


class Bank:
    """Loaded items (in file order), the problems met while loading, and topic titles."""

    def __init__(self, items: dict[str, Item] | None = None,
                 problems: list[BankProblem] | None = None,
                 topics: dict[str, str] | None = None, files: list[str] | None = None):
        self.items: dict[str, Item] = items or {}
        self.problems: list[BankProblem] = problems or []
        self.topics: dict[str, str] = topics or {}
        self.files: list[str] = files or []

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def __repr__(self) -> str:
        return f"<Bank {len(self.items)} items, {len(self.errors)} errors, {len(self.warnings)} warnings>"

    @property
    def errors(self) -> list[BankProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[BankProblem]:
        return [p for p in self.problems if p.severity != "error"]

    def by_topic(self, topic: str) -> list[Item]:
        return [item for item in self.items.values() if item.topic == topic]

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(item_id, list(self.items), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownItemError(f"unknown item id {item_id!r}{hint}") from None

    def instance(self, item_id: str, seed: int = 0) -> Instance:
        from quizapp.bank.sampling import instantiate

        return instantiate(self.item(item_id), seed)

    def grade(self, inst: Instance, text: str) -> Grade:
        from quizapp.bank.grading import grade

        return grade(self.item(inst.item_id), inst, text)

    def check(self, draws: int = 50) -> list[BankProblem]:
        """Problems of loading plus those found by drawing instances (see :mod:`.check`)."""
        from quizapp.bank.check import check_bank

        return check_bank(self, draws=draws)
