"""What Moodle does with an exported file, written for the tests from Moodle's documented
behaviour and independently of quizapp's exporter:

* reading GIFT the way ``qformat_gift`` does (comments dropped but ``[id:...]`` and
  ``[tag:...]`` kept, the escapes, ``::title::``, the answer block, ``####`` general feedback,
  ``[html]``-style format markers, numerical answers ``=a:t`` / ``=min..max`` / weights);
* reading Moodle XML the way ``qformat_xml`` does (the fields the exporter writes);
* a calculated question's substitution: ``{=expression}`` evaluated in PHP and printed the
  way PHP prints a float (14 significant digits), then every ``{name}`` replaced by its
  dataset value as stored; PHP's ``round`` (halves away from zero, after rounding the
  value to 15 significant digits) and ``sprintf`` for the right answer's display;
* the interval a numerical answer accepts (with Moodle's small epsilon);
* what a reader sees in the browser: tags stripped, entities decoded, ``\\(...\\)`` math.
"""
from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PHP_PRECISION = 14

# ====================================================================== PHP arithmetic


def php_round(x: float, n: float = 0) -> float:
    """PHP's round(): the value is first rounded to 15 significant digits (PHP's
    "pre-rounding"), then halves go away from zero."""
    n = int(n)
    if not math.isfinite(x) or x == 0:
        return float(x)
    pre = Decimal(format(x, ".14e"))          # 15 significant digits
    return float(pre.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP))


def php_float_text(x: float) -> str:
    """``(string) $x`` for a float: 14 significant digits, ``1.0E-5`` style exponents."""
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INF" if x > 0 else "-INF"
    text = format(x, f".{PHP_PRECISION}G")
    if "E" in text:
        mant, exp = text.split("E")
        if "." not in mant:
            mant += ".0"
        e = int(exp)
        return f"{mant}E{'+' if e >= 0 else '-'}{abs(e)}"
    return text


def php_sprintf(x: float, length: int, fmt: int) -> str:
    """Moodle's format_float for the right answer: 1 = decimals (%.nF), 2 = significant figures (%.ng)."""
    if fmt == 1:
        return format(x, f".{length}f")
    return format(x, f".{max(length, 1)}g")


_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)"
                    r"|(==|!=|<=|>=|[-+*/%(),?:<>!]))")
PHP_FUNCS = {"pow": math.pow, "sqrt": math.sqrt, "exp": math.exp, "log10": math.log10, "abs": abs,
             "sin": math.sin, "cos": math.cos, "tan": math.tan, "floor": math.floor, "ceil": math.ceil,
             "min": min, "max": max, "pi": lambda: math.pi, "round": php_round,
             "log": lambda x, b=None: math.log(x) if b is None else math.log(x) / math.log(b)}


def php_eval(text: str, values: dict[str, float] | None = None) -> float:
    """Evaluate a Moodle formula (PHP expression syntax) after putting ``(value)`` for ``{name}``."""
    if values is not None:
        text = re.sub(r"\{([A-Za-z][A-Za-z0-9_]*)\}", lambda m: f"({values[m.group(1)]})", text)
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read {text[pos:pos + 20]!r}"
        tokens.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
        while pos < len(text) and text[pos] == " ":
            pos += 1
    toks = [t for t in tokens if t]
    i = 0

    def peek():
        return toks[i] if i < len(toks) else None

    def take(expected=None):
        nonlocal i
        tok = toks[i]
        assert expected is None or tok == expected, (tok, expected, text)
        i += 1
        return tok

    def ternary():
        cond = equality()
        if peek() == "?":
            take("?")
            a = ternary()
            take(":")
            b = ternary()
            return a if cond else b
        return cond

    def equality():
        v = relational()
        while peek() in ("==", "!="):
            op = take()
            w = relational()
            v = (v == w) if op == "==" else (v != w)
        return v

    def relational():
        v = additive()
        while peek() in ("<", "<=", ">", ">="):
            op = take()
            w = additive()
            v = {"<": v < w, "<=": v <= w, ">": v > w, ">=": v >= w}[op]
        return v

    def additive():
        v = term()
        while peek() in ("+", "-"):
            op = take()
            w = term()
            v = v + w if op == "+" else v - w
        return v

    def term():
        v = unary()
        while peek() in ("*", "/", "%"):
            op = take()
            w = unary()
            v = v * w if op == "*" else (v / w if op == "/" else math.fmod(v, w))
        return v

    def unary():
        if peek() == "-":
            take()
            return -unary()
        if peek() == "+":
            take()
            return unary()
        if peek() == "!":
            take()
            return not unary()
        return primary()

    def primary():
        tok = take()
        if tok == "(":
            v = ternary()
            take(")")
            return v
        if tok in PHP_FUNCS:
            take("(")
            args = []
            if peek() != ")":
                args.append(ternary())
                while peek() == ",":
                    take(",")
                    args.append(ternary())
            take(")")
            return PHP_FUNCS[tok](*args)
        return float(tok)

    value = ternary()
    assert i == len(toks), f"left over: {toks[i:]}"
    return float(value)


# ====================================================================== calculated questions

FORMULA_IN_TEXT = re.compile(r"\{=([^{}]*(?:\{[^{}]+}[^{}]*)*)}")


def substitute(text: str, values: dict[str, str]) -> str:
    """A calculated question's text for one dataset item (``values``: name -> stored text)."""
    numbers = {k: float(v) for k, v in values.items()}
    text = FORMULA_IN_TEXT.sub(lambda m: php_float_text(php_eval(m.group(1), numbers)), text)
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


# ====================================================================== tolerance intervals


def interval(answer: float, tolerance: float, kind: int = 2) -> tuple[float, float]:
    """What a numerical answer accepts: 1 = relative, 2 = nominal (absolute), 3 = geometric."""
    eps = 10.0 ** -PHP_PRECISION
    tolerance = abs(tolerance)
    if kind == 1:
        r = abs(answer) * (tolerance + eps)
        return answer - r, answer + r
    if kind == 2:
        t = tolerance + eps * max(abs(tolerance), abs(answer), eps)
        return answer - t, answer + t
    raise AssertionError(f"tolerance type {kind} is never exported")


def union(intervals: list[tuple[float, float]]) -> tuple[float, float]:
    """The union of intervals, which must be one interval."""
    intervals = sorted(intervals)
    lo, hi = intervals[0]
    for a, b in intervals[1:]:
        assert a <= hi, f"the accepted answers leave a gap: {intervals}"
        hi = max(hi, b)
    return lo, hi


# ====================================================================== what the reader sees

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# markup becomes these markers on both sides, so a literal ` or * is never taken for markup
MARK = {"code": ("\x02c", "\x03c"), "strong": ("\x02b", "\x03b"), "em": ("\x02i", "\x03i")}


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def seen_html(text: str) -> str:
    """What a browser shows for Moodle's HTML: markup as markers, a ``<sup>`` exponent raised,
    tags gone, entities decoded, runs of white space as one space; MathJax math stays
    ``\\(...\\)``."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?is)<sup>([-0-9]+)</sup>", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    for tag, (a, b) in MARK.items():
        text = re.sub(rf"(?is)<{tag}>(.*?)</{tag}>", lambda m, a=a, b=b: a + m.group(1) + b, text)
    text = re.sub(r"<[A-Za-z/][^<>]*>", "", text)
    return " ".join(html.unescape(text).split())


def seen_app(text: str) -> str:
    """What the app shows for its own text, in the same terms: ``$...$`` as ``\\(...\\)``,
    `code` / **bold** / *italic* as markers (the app's rules), ``\\$`` as ``$``."""
    from quizapp.learn import split_math

    slots: list[str] = []
    parts = []
    for piece, is_math in split_math(text):
        if is_math:
            slots.append("\\(" + piece[1:-1] + "\\)")
            parts.append(f"\x00{len(slots) - 1}\x00")
        else:
            parts.append(piece.replace("\\$", "$"))
    out = "".join(parts)
    out = re.sub(r"`([^`\n]+)`", lambda m: MARK["code"][0] + m.group(1) + MARK["code"][1], out)
    out = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", lambda m: MARK["strong"][0] + m.group(1) + MARK["strong"][1],
                 out, flags=re.S)
    out = re.sub(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])",
                 lambda m: MARK["em"][0] + m.group(1) + MARK["em"][1], out, flags=re.S)
    out = re.sub("\x00(\\d+)\x00", lambda m: slots[int(m.group(1))], out)
    return " ".join(out.split())


def same_text(moodle: str, app: str) -> str | None:
    """None if the two seen texts say the same (numbers compared by value), else why not."""
    a_parts, b_parts = _NUMBER.split(moodle), _NUMBER.split(app)
    a_nums, b_nums = _NUMBER.findall(moodle), _NUMBER.findall(app)
    if a_parts != b_parts or len(a_nums) != len(b_nums):
        return f"Moodle shows {moodle!r}\n   quizapp shows {app!r}"
    for x, y in zip(a_nums, b_nums):
        if float(x) != float(y):
            return f"Moodle shows {x} where quizapp shows {y}:\n   {moodle!r}\n   {app!r}"
    return None


# ====================================================================== reading GIFT


@dataclass
class MoodleQuestion:
    qtype: str
    name: str
    text: str
    text_format: str                 # html | moodle | plain | markdown
    feedback: str = ""
    feedback_format: str = "moodle"
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    category: str = ""
    # (answer text, fraction 0..1, tolerance text); numerical answers only have the last
    answers: list[tuple[str, float, str]] = field(default_factory=list)
    truth: bool | None = None
    # calculated only
    tolerance_type: int = 2
    answer_format: int = 2
    answer_length: int = 4
    datasets: dict[str, list[str]] = field(default_factory=dict)


_PLACEHOLDERS = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;", "\\}": "&&125;",
                 "\\~": "&&126;", "\\n": "&&010"}
_CHARS = {"&&058;": ":", "&&035;": "#", "&&061;": "=", "&&123;": "{", "&&125;": "}", "&&126;": "~",
          "&&010": "\n"}
_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")


def _pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for k, v in _PLACEHOLDERS.items():
        text = text.replace(k, v)
    return text.replace("&&092;", "\\")


def _post(text: str) -> str:
    for k, v in _CHARS.items():
        text = text.replace(k, v)
    return text


def _with_format(text: str, default: str) -> tuple[str, str]:
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        name = text[1:end]
        if name in ("moodle", "html", "plain", "markdown"):
            fmt, text = name, text[end + 1:]
    return _post(text).strip(), fmt


def read_gift(text: str) -> list[MoodleQuestion]:
    """The questions Moodle would import from GIFT ``text`` (categories applied)."""
    questions = []
    category = ""
    chunks, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    for lines in chunks:
        comments = "\n".join(ln for ln in lines if ln.strip().startswith("//"))
        body = "\n".join(ln.strip() for ln in lines if not ln.strip().startswith("//")).strip()
        if not body:
            continue
        body = _pre(body)
        if body.startswith("$CATEGORY:"):
            category = body[len("$CATEGORY:"):].strip()
            continue
        name = ""
        if body.startswith("::"):
            end = body.find("::", 2)
            name, body = _post(body[2:end]), body[end + 2:].strip()
        start, finish = body.find("{"), body.find("}")
        assert start >= 0 and finish > start, f"no answer block in {body[:60]!r}"
        answer = body[start + 1:finish].strip()
        qtext = body[:start] + body[finish + 1:] if body.endswith("}") else (
            body[:start] + "_____" + body[finish + 1:])
        general = ""
        if "####" in answer:
            general = answer[answer.rindex("####") + 4:]
            answer = answer[:answer.rindex("####")].strip()
        qtext, fmt = _with_format(qtext.strip(), "moodle")
        general, gfmt = _with_format(general.strip(), fmt)
        q = MoodleQuestion("", name, qtext, fmt, general, gfmt, category=category)
        m = re.search(r"\[id:((?:\\]|[^]\x00-\x1f])+)]", comments)
        q.idnumber = m.group(1).replace("\\]", "]").strip() if m else ""
        q.tags = [t.replace("\\]", "]").strip() for t in re.findall(r"\[tag:((?:\\]|[^]\x00-\x1f])+)]", comments)]
        if answer.startswith("#"):
            q.qtype = "numerical"
            parts = [p for p in answer[1:].split("=")]
            if not parts[0].strip():
                parts = parts[1:]
            for part in parts:
                part = part.strip()
                weight = 1.0
                w = _WEIGHT.match(part)
                if w:
                    weight = float(part[1:part.index("%", 1)]) / 100
                    part = part[part.index("%", 1) + 1:]
                value = _post(part.split("#", 1)[0]).strip()
                if ".." in value:
                    lo, hi = (float(v) for v in value.split(".."))
                    mid = (hi + lo) / 2
                    q.answers.append((php_float_text(mid), weight, php_float_text(hi - mid)))
                elif ":" in value:
                    a, t = value.split(":", 1)
                    q.answers.append((a.strip(), weight, t.strip()))
                else:
                    q.answers.append((value, weight, "0"))
        elif "~" in answer:
            q.qtype = "multichoice"
            for part in answer.replace("=", "~=").split("~"):
                part = part.strip()
                if not part:
                    continue
                weight = 1.0 if part.startswith("=") else 0.0
                part = part[1:] if part.startswith("=") else part
                shown, _ = _with_format(part.split("#", 1)[0].strip(), fmt)
                q.answers.append((shown, weight, ""))
        elif "=" in answer and "->" in answer:
            q.qtype = "match"      # quizapp's matching items: not compared further here
        elif answer.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
            q.qtype = "truefalse"
            q.truth = answer.split("#", 1)[0].strip() in ("T", "TRUE")
        else:
            q.qtype = "shortanswer"  # quizapp's short items: not compared further here
        questions.append(q)
    return questions


# ====================================================================== reading Moodle XML


def read_xml(text: str) -> list[MoodleQuestion]:
    root = ET.fromstring(text)
    questions = []
    category = ""
    for el in root.findall("question"):
        qtype = el.get("type")
        if qtype == "category":
            category = el.findtext("category/text", "")
            continue
        q = MoodleQuestion(qtype, el.findtext("name/text", ""), el.findtext("questiontext/text", ""),
                           el.find("questiontext").get("format", "moodle_auto_format").replace(
                               "moodle_auto_format", "moodle"),
                           el.findtext("generalfeedback/text", ""),
                           el.find("generalfeedback").get("format", "html"),
                           idnumber=el.findtext("idnumber", ""),
                           tags=[t.text for t in el.findall("tags/tag/text")], category=category)
        for a in el.findall("answer"):
            q.answers.append((a.findtext("text", ""), float(a.get("fraction")) / 100,
                              a.findtext("tolerance", "0")))
        if qtype == "truefalse":
            q.truth = next(t for t, f, _ in q.answers if f == 1) == "true"
        if qtype == "calculated":
            a = el.find("answer")
            q.tolerance_type = int(a.findtext("tolerancetype"))
            q.answer_format = int(a.findtext("correctanswerformat"))
            q.answer_length = int(a.findtext("correctanswerlength"))
            for d in el.findall("dataset_definitions/dataset_definition"):
                items = sorted(d.findall("dataset_items/dataset_item"), key=lambda i: int(i.findtext("number")))
                q.datasets[d.findtext("name/text")] = [i.findtext("value") for i in items]
        questions.append(q)
    return questions
