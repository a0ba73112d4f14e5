"""Python 3.10 is supported (pyproject says >=3.10): no module needs a 3.11+ feature unguarded.

.ci/run runs the core tests on every other CPython it finds; this test keeps the
commonest slips out even where only one Python is installed.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("quizapp", "tests", "benchmarks", "scripts")
                 for p in (ROOT / folder).rglob("*.py"))
#: standard-library names that appeared in 3.11 or later: (module, name)
NEWER = {("datetime", "UTC"), ("typing", "Self"), ("typing", "LiteralString"), ("typing", "Never"),
         ("typing", "assert_never"), ("typing", "reveal_type"), ("typing", "Required"),
         ("typing", "NotRequired"), ("typing", "TypeVarTuple"), ("typing", "Unpack"),
         ("enum", "StrEnum"), ("enum", "ReprEnum"), ("enum", "verify"), ("asyncio", "TaskGroup"),
         ("asyncio", "timeout"), ("contextlib", "chdir"), ("hashlib", "file_digest")}
NEWER_BUILTINS = {"ExceptionGroup", "BaseExceptionGroup"}


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside ``if sys.version_info >= ...`` or a ``try`` that catches ImportError."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "version_info" in ast.unparse(node.test):
            return True
        if isinstance(node, ast.Try) and any(
                h.type is not None and "ImportError" in ast.unparse(h.type) for h in node.handlers):
            return True
    return False


def test_no_unguarded_python_311_features():
    problems = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if not any(word in text for word in ("tomllib", "except*", "Group", *{n for _, n in NEWER})):
            continue  # nothing to look at: skip the parse
        tree = ast.parse(text, str(path))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        where = lambda n: f"{path.relative_to(ROOT)}:{n.lineno}"  # noqa: E731
        for node in ast.walk(tree):
            if type(node).__name__ == "TryStar":
                problems.append(f"{where(node)}: except* needs Python 3.11")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "tomllib" and not _guarded(node, parents):
                        problems.append(f"{where(node)}: import tomllib without the tomli fallback")
            if isinstance(node, ast.ImportFrom):
                if node.module == "tomllib" and not _guarded(node, parents):
                    problems.append(f"{where(node)}: from tomllib without the tomli fallback")
                for alias in node.names:
                    if (node.module, alias.name) in NEWER and not _guarded(node, parents):
                        problems.append(f"{where(node)}: {node.module}.{alias.name} needs Python 3.11+")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if (node.value.id, node.attr) in NEWER and not _guarded(node, parents):
                    problems.append(f"{where(node)}: {node.value.id}.{node.attr} needs Python 3.11+")
            if isinstance(node, ast.Name) and node.id in NEWER_BUILTINS:
                problems.append(f"{where(node)}: {node.id} needs Python 3.11+")
    assert problems == []


def test_tomli_is_declared_for_python_310():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.10"
    tomli = [d for d in project["dependencies"] if d.replace(" ", "").startswith("tomli>")]
    assert tomli and "python_version<'3.11'" in tomli[0].replace(" ", "").replace('"', "'")


def test_ci_runs_the_core_tests_on_every_other_supported_python():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "for minor in 3.10 3.11 3.12 3.13" in ci
    assert "--ignore=tests/ui" in ci and "not installed here, skipped" in ci
