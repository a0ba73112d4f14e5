"""The desktop app (PySide6): one package per page, shared widgets in ``ui/shared``."""
from __future__ import annotations

import sys


def _shield_none() -> None:
    """Work around a reference-count bug of PySide6 6.12 on CPython before 3.12.

    Every getter that hands back an empty QVariant as ``None`` (``QComboBox.itemData`` and
    ``currentData`` of an item stored with ``None``, ``QTreeWidgetItem.data`` of a role never
    set, ...) takes one reference from ``None`` that it never gave. Over a session ``None``'s
    count runs down until the interpreter aborts with "none_dealloc" (tests/ui/test_qt_free.py
    reproduces it in a child process). From Python 3.12 on ``None`` is immortal and this does
    nothing; before, ``None`` is given enough references to outlast any session.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt, the object's first field
    if refcount.value < (1 << 40):
        refcount.value += 1 << 40


_shield_none()
