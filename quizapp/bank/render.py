"""Prompt and explanation templates: ``{name}`` and ``{name:spec}`` placeholders.

Templates are split once, at load time, into literal text and placeholder fields, and
every field is checked: only plain names (``{lr}``, ``{lr:.3g}``); ``{a.b}``,
``{a[0]}``, ``{x!r}`` and nested ``{x:{w}}`` are errors. ``{{`` and ``}}`` give
literal braces.
"""
from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Any, Mapping

from quizapp.bank.errors import BankError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FORMATTER = string.Formatter()


class TemplateError(BankError, ValueError):
    """A malformed placeholder in a prompt, explanation or choice."""


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[tuple[str, str | None, str], ...]  # (literal, name or None, format spec)

    @property
    def names(self) -> set[str]:
        return {name for _, name, _ in self.parts if name is not None}

    def render(self, values: Mapping[str, Any]) -> str:
        out: list[str] = []
        dollars = 0  # unescaped $ so far: odd means the placeholder sits inside math
        for literal, name, spec in self.parts:
            out.append(literal)
            dollars += len(_DOLLAR.findall(literal))
            if name is not None:
                text = format_value(values[name], spec, name)
                out.append(scientific(text, math=dollars % 2 == 1))
        return "".join(out)


def parse_template(text: str) -> Template:
    if not isinstance(text, str):
        raise TemplateError(f"must be text, got {type(text).__name__}")
    parts: list[tuple[str, str | None, str]] = []
    try:
        for literal, field, spec, conversion in _FORMATTER.parse(text):
            if field is None:
                parts.append((literal, None, ""))
                continue
            if conversion is not None:
                raise TemplateError(f"placeholder {{{field}!{conversion}}}: '!' conversions are not allowed")
            if not _NAME.match(field):
                shown = "{" + field + "}"
                if not field:
                    raise TemplateError("empty placeholder {}; write {name}, or {{ }} for literal braces")
                raise TemplateError(f"placeholder {shown}: only plain names are allowed "
                                    "(write {{ and }} for literal braces)")
            if "{" in (spec or "") or "}" in (spec or ""):
                raise TemplateError(f"placeholder {{{field}:{spec}}}: nested placeholders are not allowed")
            parts.append((literal, field, spec or ""))
    except ValueError as exc:
        if isinstance(exc, TemplateError):
            raise
        raise TemplateError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    return Template(text, tuple(parts))


_DOLLAR = re.compile(r"(?<!\\)\$")
_E_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)[eE]([-+]?)0*(\d+)$")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def scientific(text: str, math: bool = False) -> str:
    """A number Python wrote as ``2.5e-05`` the way people write it: ``2.5 \\times 10^{-5}``
    inside math, ``2.5×10⁻⁵`` in plain text; any other text is returned unchanged."""
    m = _E_NUMBER.match(text)
    if not m:
        return text
    mantissa, sign, exponent = m.group(1), "-" if m.group(2) == "-" else "", m.group(3)
    mantissa = {"1": "", "-1": "-", "+1": ""}.get(mantissa, mantissa)
    if math:
        return f"{mantissa} \\times 10^{{{sign}{exponent}}}" if mantissa not in ("", "-") \
            else f"{mantissa}10^{{{sign}{exponent}}}"
    power = "10" + f"{sign}{exponent}".translate(_SUPERSCRIPT)
    return f"{mantissa}×{power}" if mantissa not in ("", "-") else f"{mantissa}{power}"


def format_number(value: Any) -> str:
    """Shortest readable form: ``0.001`` not ``1e-03``, ``2`` not ``2.0``, ``1e-8`` not ``1e-08``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        if len(text) > 12:
            text = format(value, ".6g")
        return _tidy_exponent(text)
    return str(value)


def _tidy_exponent(text: str) -> str:
    if "e" in text:
        mant, exp = text.split("e")
        sign = "-" if exp.startswith("-") else ""
        return f"{mant}e{sign}{exp.lstrip('+-').lstrip('0') or '0'}"
    return text


def format_value(value: Any, spec: str, name: str = "value") -> str:
    """``format(value, spec)``; a whole float also takes integer formats such as ``d``."""
    if not spec:
        return format_number(value)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        if isinstance(value, float) and value.is_integer():
            try:
                return format(int(value), spec)
            except (ValueError, TypeError):
                pass
        raise TemplateError(f"cannot format {name}={value!r} with ':{spec}': {exc}") from None
