"""A tiny stand-in for quizapp.bank with the same interface (items, topics, instance, grade)."""
from __future__ import annotations

import random
from pathlib import Path
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeItem:
    id: str
    topic: str
    category: str
    kind: str
    difficulty: int = 1
    answer: object = 1
    choices: tuple = ()
    tags: tuple = ()
    preset: str | None = None


@dataclass(frozen=True)
class FakeInstance:
    item_id: str
    seed: int
    kind: str
    params: dict
    prompt: str
    choices: list | None
    answer: object
    correct_choice: int | None
    answer_text: str
    explanation: str
    topic: str = ""


@dataclass(frozen=True)
class FakeGrade:
    correct: bool | None
    expected: str
    message: str
    given: object = None


class FakeBank:
    def __init__(self, items: list[FakeItem]):
        self.items = {i.id: i for i in items}
        self.topics = {}
        for i in items:
            self.topics.setdefault(i.topic, i.topic.title())
        self.problems = []
        self.instances = 0

    def by_topic(self, topic):
        return [i for i in self.items.values() if i.topic == topic]

    def instance(self, item_id: str, seed: int) -> FakeInstance:
        self.instances += 1
        item = self.items[item_id]
        if item.kind == "numeric":
            g = random.Random(seed).choice([2, 4, 8])
            return FakeInstance(item_id, seed, "numeric", {"g": g}, f"What is $\\eta$ times {g}?",
                                None, 0.5 * g, None, f"{0.5 * g:g}",
                                f"$\\eta g = 0.5 \\times {g} = {0.5 * g:g}$", item.topic)
        if item.kind == "true_false":
            return FakeInstance(item_id, seed, "true_false", {}, "Is it true?", ["True", "False"],
                                bool(item.answer), 1 if item.answer else 2,
                                "1. True" if item.answer else "2. False", "Because.", item.topic)
        choices = list(item.choices or ("right", "wrong", "also wrong"))
        return FakeInstance(item_id, seed, "choice", {}, f"Pick ({item_id})", choices, 1, 1,
                            f"1. {choices[0]}", "The first one.", item.topic)

    def grade(self, inst: FakeInstance, text: str) -> FakeGrade:
        text = text.strip().lower()
        if inst.kind == "numeric":
            try:
                value = float(text)
            except ValueError:
                return FakeGrade(None, "", "Type a number, such as 0.02 or 1/50.")
            ok = abs(value - inst.answer) <= 0.01 * abs(inst.answer)
            return FakeGrade(ok, inst.answer_text, "Correct." if ok else
                             f"Not quite: the answer is {inst.answer_text}.", value)
        if inst.kind == "true_false" and text in ("true", "false", "t", "f"):
            text = "1" if text.startswith("t") else "2"
        if text not in {str(i) for i in range(1, len(inst.choices) + 1)}:
            return FakeGrade(None, "", f"Type the number of your choice, from 1 to {len(inst.choices)}.")
        ok = int(text) == inst.correct_choice
        return FakeGrade(ok, inst.answer_text, "Correct." if ok else
                         f"Not quite: the answer is {inst.answer_text}.", int(text))


def make_bank(topics=("sgd", "adam", "momentum"), per_topic=4) -> FakeBank:
    items = []
    for t in topics:
        for k in range(per_topic):
            kind = ("choice", "numeric", "true_false", "choice")[k % 4]
            category = {"choice": "definition", "numeric": "calculation",
                        "true_false": "true_false"}[kind]
            items.append(FakeItem(f"{t}.q{k}", t, category, kind, difficulty=1 + k % 3,
                                  answer=True))
    return FakeBank(items)


def right_answer(inst) -> str:
    if inst.kind == "numeric":
        return repr(inst.answer)
    return str(inst.correct_choice)


def wrong_answer(inst) -> str:
    if inst.kind == "numeric":
        return repr(inst.answer * 3 + 1)
    return "2" if inst.correct_choice == 1 else "1"


FIXTURES = Path(__file__).parent / "fixtures"
MINI_BANK = FIXTURES / "mini_bank.toml"
