"""Prompt and explanation templates: ``{name}`` and ``{name:spec}`` placeholders.

Templates are split once, at load time, into literal text and placeholder fields, and
every field is checked: only plain names (``{lr}``, ``{lr:.3g}``); ``{a.b}``,
``{a[0]}``, ``{x!r}`` and nested ``{x:{w}}`` are errors. ``{{`` and ``}}`` give
literal braces.

Format specs are bounded before anything is formatted (text travels between people: a
spec such as ``.999999999f`` or ``>999999999999`` would allocate gigabytes): a spec is
at most :data:`MAX_SPEC` characters of Python's format mini-language, its width at most
:data:`MAX_WIDTH`, its precision at most :data:`MAX_PRECISION`; one formatted value is
at most :data:`MAX_FIELD` characters, and a template's worst-case rendered length
(its literal text plus :data:`MAX_FIELD` per placeholder) at most :data:`MAX_RENDERED`.
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

MAX_SPEC = 20         # characters of one format spec
MAX_WIDTH = 100       # the width of a spec (``>12``)
MAX_PRECISION = 30    # the precision of a spec (``.3f``)
MAX_FIELD = 500       # characters of one formatted value
MAX_RENDERED = 100_000  # worst-case characters of a rendered template
# Python's format mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?0?(?P<width>[0-9]+)?[,_]?"
                   r"(?:\.(?P<precision>[0-9]+))?(?P<type>[bcdeEfFgGnosxX%])?", re.S)


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
    worst = 0
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
            if spec:
                try:
                    check_spec(spec)
                except TemplateError as exc:
                    raise TemplateError(f"placeholder {{{field}:{shorten(spec, 30)}}}: {exc}") from None
            parts.append((literal, field, spec or ""))
            worst += len(literal) + MAX_FIELD
    except ValueError as exc:
        if isinstance(exc, TemplateError):
            raise
        raise TemplateError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    worst += sum(len(lit) for lit, name, _ in parts if name is None)
    if worst > MAX_RENDERED:
        fields = sum(name is not None for _, name, _ in parts)
        raise TemplateError(f"{fields} placeholders could render up to {worst:,} characters; "
                            f"the limit is {MAX_RENDERED:,}: use fewer placeholders")
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


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    text = str(text)
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "\u2026"


def check_spec(spec: str) -> None:
    """Refuse a format spec that is not plain mini-language or whose width or precision
    is beyond the limits (TemplateError); nothing is formatted."""
    if not isinstance(spec, str):
        raise TemplateError(f"a format must be text, got {type(spec).__name__}")
    if len(spec) > MAX_SPEC:
        raise TemplateError(f"the format is {len(spec)} characters long; the limit is {MAX_SPEC}")
    m = _SPEC.fullmatch(spec)
    if not m:
        raise TemplateError(f"{shorten(spec, 30)!r} is not a number format such as .3g, .2f, d or .1%")
    width, precision = m.group("width"), m.group("precision")
    if width is not None and int(width) > MAX_WIDTH:
        raise TemplateError(f"width {shorten(width, 20)} is too large (the limit is {MAX_WIDTH})")
    if precision is not None and int(precision) > MAX_PRECISION:
        raise TemplateError(f"precision .{shorten(precision, 20)} is too large "
                            f"(the limit is {MAX_PRECISION})")


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
        return _bounded(format_number(value), name)
    check_spec(spec)
    try:
        return _bounded(format(value, spec), name)
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(value, float) and value.is_integer():
            try:
                return _bounded(format(int(value), spec), name)
            except (ValueError, TypeError, OverflowError):
                pass
        raise TemplateError(f"cannot format {name}={shorten(repr(value), 40)} with ':{spec}': "
                            f"{exc}") from None


def _bounded(text: str, name: str) -> str:
    if len(text) > MAX_FIELD:
        raise TemplateError(f"{name} is {len(text):,} characters long once formatted; "
                            f"the limit is {MAX_FIELD}")
    return text
