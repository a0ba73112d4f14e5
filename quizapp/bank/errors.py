"""Errors and problem reports of the question bank.

Every exception the bank raises on purpose is a :class:`BankError`; callers (the CLI,
the UI, the progress store) can catch that one type. Problems found while loading or
checking a bank are not exceptions but :class:`BankProblem` records, so one bad item
never stops the others.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class BankError(Exception):
    """Base class of every error the question bank raises on purpose."""


class FormulaError(BankError, ValueError):
    """A formula that cannot be parsed, breaks a safety limit, or fails to evaluate."""


class InstanceError(BankError, ValueError):
    """An item could not be instantiated for a seed (constraints never met, bad answer, ...)."""


class UnknownItemError(BankError, KeyError):
    """``bank.instance(id, ...)`` with an id the bank does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown item"


@dataclass(frozen=True)
class BankProblem:
    """One problem in a bank file: where it is, which item and field, and what is wrong."""

    file: str
    line: int
    item_id: str | None
    field: str | None
    message: str
    severity: str = "error"  # "error" | "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}: {self.item_id or '-'}: {self.field or '-'}: "
                f"{self.severity}: {self.message}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
