"""Moved to :mod:`quizapp.textmath` (it needs only ``re``, and importing it from here
loaded the whole progress package); this name stays for existing imports."""
from quizapp.textmath import (  # noqa: F401
    ACCENTS, GREEK, PLAIN, SIZES, SUB, SUP, SYMBOLS, math_to_text, tex_to_text,
)
