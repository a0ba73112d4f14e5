"""Plain-text rendering of the bank's ``$...$`` math (a terminal, a tooltip, a fallback).

The desktop renders math with matplotlib's mathtext; a terminal cannot, so the math is
turned into readable Unicode: ``$\\eta = 0.01$`` -> ``η = 0.01``, ``$\\hat{m}_t$`` ->
``m̂ₜ``, ``$10^{-8}$`` -> ``10⁻⁸``, ``$\\frac{a}{b}$`` -> ``a/b``, ``$\\sqrt{v}$`` ->
``√v``. Unknown commands keep their name without the backslash, so nothing is lost.
Text outside the dollars is left alone (``\\$`` is a literal dollar sign).
"""
from __future__ import annotations

import re

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "times": "×", "cdot": "·", "approx": "≈", "leftarrow": "←", "gets": "←",
    "rightarrow": "→", "to": "→", "Rightarrow": "⇒", "nabla": "∇", "partial": "∂",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "pm": "±",
    "mp": "∓", "infty": "∞", "sum": "Σ", "prod": "∏", "dots": "…", "ldots": "…",
    "cdots": "⋯", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "in": "∈",
    "propto": "∝", "ll": "≪", "gg": "≫", "sim": "~", "equiv": "≡", "odot": "⊙",
    "circ": "∘", "mid": "|", "lvert": "|", "rvert": "|", "Vert": "‖", "|": "‖",
    "langle": "⟨", "rangle": "⟩", "quad": "  ", "qquad": "    ", ",": " ", ";": " ",
    ":": " ", " ": " ", "!": "", "%": "%", "$": "$", "{": "{", "}": "}", "_": "_",
    "#": "#", "&": "&", "\\": " ",
    # names printed as words
    "ln": "ln", "log": "log", "exp": "exp", "min": "min", "max": "max", "sin": "sin",
    "cos": "cos", "tan": "tan", "arg": "arg", "lim": "lim", "det": "det",
}
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304",
           "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
           "ddot": "\u0308"}
PLAIN = {"mathrm", "text", "textrm", "mathbf", "mathit", "mathsf", "mathtt", "textbf",
         "textit", "operatorname", "boldsymbol", "bm", "mathcal", "mbox"}
SIZES = {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "bigg", "Bigg"}

SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ",
               "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzT",
               "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ"))
SUP["−"] = "⁻"
SUB["−"] = "₋"

_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)
_MAX_DEPTH = 50


def tex_to_text(text: str) -> str:
    """Replace every ``$...$`` (and ``$$...$$``) span of ``text`` by readable Unicode."""
    def repl(m: re.Match) -> str:
        return math_to_text(m.group(1) if m.group(1) is not None else m.group(2))

    out = _MATH.sub(repl, text)
    return out.replace("\\$", "$")


def math_to_text(tex: str) -> str:
    """Readable Unicode for one piece of TeX math (no dollars)."""
    out, _ = _Converter(tex).group(0, None, 0)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def _script(arg: str, table: dict[str, str], mark: str) -> str:
    arg = arg.strip()
    if arg and all(ch in table for ch in arg):
        return "".join(table[ch] for ch in arg)
    if len(arg) == 1:
        return mark + arg
    return f"{mark}({arg})"


def _needs_parens(s: str) -> bool:
    return len(s) > 1 and any(ch in s for ch in " +-−×·/=,")


class _Converter:
    def __init__(self, tex: str):
        self.s = tex

    def group(self, i: int, stop: str | None, depth: int) -> tuple[str, int]:
        """Convert from i up to the closing ``stop`` (or the end); return (text, next index)."""
        s, out = self.s, []
        if depth > _MAX_DEPTH:
            return s[i:], len(s)
        while i < len(s):
            c = s[i]
            if stop is not None and c == stop:
                return "".join(out), i + 1
            if c == "\\":
                text, i = self.command(i, depth)
                out.append(text)
            elif c == "{":
                text, i = self.group(i + 1, "}", depth + 1)
                out.append(text)
            elif c in "_^":
                arg, i = self.argument(i + 1, depth)
                out.append(_script(arg, SUB if c == "_" else SUP, c))
            elif c == "~":
                out.append(" ")
                i += 1
            elif c == "}":
                i += 1  # an unmatched closing brace: drop it
            else:
                out.append(c)
                i += 1
        return "".join(out), i

    def argument(self, i: int, depth: int) -> tuple[str, int]:
        s = self.s
        while i < len(s) and s[i] == " ":
            i += 1
        if i >= len(s):
            return "", i
        if s[i] == "{":
            return self.group(i + 1, "}", depth + 1)
        if s[i] == "\\":
            return self.command(i, depth)
        return s[i], i + 1

    def command(self, i: int, depth: int) -> tuple[str, int]:
        s = self.s
        j = i + 1
        if j < len(s) and s[j].isalpha():
            while j < len(s) and s[j].isalpha():
                j += 1
            name = s[i + 1:j]
        elif j < len(s):
            name, j = s[j], j + 1
        else:
            return "", j
        if name in GREEK:
            return GREEK[name], j
        if name in SYMBOLS:
            return SYMBOLS[name], j
        if name in ACCENTS:
            arg, j = self.argument(j, depth)
            if len(arg) == 1:
                return arg + ACCENTS[name], j
            return f"{name}({arg})", j
        if name in PLAIN:
            return self.argument(j, depth)
        if name in SIZES:
            while j < len(s) and s[j] == " ":
                j += 1
            if j < len(s) and s[j] == "\\":
                return self.command(j, depth)
            if j < len(s):
                return ("" if s[j] == "." else s[j]), j + 1
            return "", j
        if name == "sqrt":
            index = ""
            if j < len(s) and s[j] == "[":
                k = s.find("]", j)
                if k != -1:
                    index, j = s[j + 1:k], k + 1
            arg, j = self.argument(j, depth)
            root = _script(index, SUP, "^") if index else ""
            return f"{root}√({arg})" if _needs_parens(arg) else f"{root}√{arg}", j
        if name in ("frac", "dfrac", "tfrac"):
            num, j = self.argument(j, depth)
            den, j = self.argument(j, depth)
            num = f"({num})" if _needs_parens(num) else num
            den = f"({den})" if _needs_parens(den) else den
            k = j
            while k < len(s) and s[k] == " ":
                k += 1
            if k < len(s) and (s[k].isalnum() or s[k] in "\\({") and not s.startswith("\\right", k):
                return f"({num}/{den})", j  # (c/2)θ², not c/2θ²
            return f"{num}/{den}", j
        return name, j
