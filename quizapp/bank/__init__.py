"""The question bank: TOML items, safe live formulas, seeded instances and grading.

No Qt and no matplotlib here (the UI renders the math).

```python
from quizapp.bank import load_bank
bank = load_bank()                       # the shipped bank, or load_bank(["my.toml", "folder/"])
inst = bank.instance("adam.first-step-size", seed=7)
grade = bank.grade(inst, "0.02")
```
"""
from quizapp.bank.errors import (
    BankError, BankProblem, FormulaError, InstanceError, UnknownItemError,
)
from quizapp.bank.formulas import Formula, evaluate, evaluate_text
from quizapp.bank.loader import load_bank, load_text
from quizapp.bank.model import (
    ANSWER_KINDS, CATEGORIES, PRESETS, Answer, Bank, Grade, Instance, Item, Param, Tolerance,
)
from quizapp.bank.numeric import read_number

__all__ = [
    "BankError", "BankProblem", "FormulaError", "InstanceError", "UnknownItemError", "Formula",
    "evaluate", "evaluate_text", "load_bank", "load_text", "ANSWER_KINDS", "CATEGORIES",
    "PRESETS", "Answer", "Bank", "Grade", "Instance", "Item", "Param", "Tolerance", "read_number",
    "check_bank",
]


def check_bank(bank: Bank, draws: int = 50, quality: bool = True):
    """All problems of ``bank``: those of loading, those found by drawing instances and (with
    ``quality``) those of the quality checks (:mod:`quizapp.bank.quality`)."""
    from quizapp.bank.check import check_bank as _check

    return _check(bank, draws=draws, quality=quality)
