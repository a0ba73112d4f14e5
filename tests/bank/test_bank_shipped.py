"""The shipped bank (question_bank/, written by the content authors) loads and checks clean."""
from collections import Counter

from quizapp.bank import check_bank, load_bank


def test_shipped_bank_is_clean_and_big_enough():
    bank = load_bank()
    problems = [str(p) for p in check_bank(bank) if p.severity == "error"]
    assert problems == [], "\n".join(problems)
    items = list(bank.items.values())
    assert len(items) >= 90, len(items)
    calc = [i for i in items if i.category == "calculation" and i.parameterised]
    assert len(calc) >= 35, len(calc)
    engine = [i for i in calc if _uses_engine_helper(i)]
    assert len(engine) >= 8, len(engine)
    assert len(Counter(i.topic for i in items)) >= 10


def _uses_engine_helper(item) -> bool:
    from quizapp.bank.helpers import ENGINE_HELPERS

    formulas = [p.formula for p in item.params if p.formula is not None]
    ans = item.answer
    if hasattr(ans.value, "calls"):
        formulas.append(ans.value)
    formulas.extend(ans.formulas)
    return any(f.calls & set(ENGINE_HELPERS) for f in formulas)
