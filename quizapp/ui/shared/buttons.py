"""The toolbar row the Simulator and the Lab share: the preset chooser and the transport
buttons (an icon, a word, a name for screen readers, a tooltip naming the key, and a
fixed height in the row)."""
from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QBoxLayout, QComboBox, QPushButton, QSizePolicy


def transport_button(icon: QIcon, text: str, name: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(icon, text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.clicked.connect(lambda _checked=False: slot())  # clicked(bool) never reaches the slot
    button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    button.setIconSize(QSize(16, 16))
    return button


def add_all(bar: QBoxLayout, *buttons: QPushButton) -> None:
    for button in buttons:
        bar.addWidget(button)


def preset_combo(name: str, tip: str, choices: Iterable[tuple[str, str]], min_length: int,
                 slot: Callable[[int], object]) -> QComboBox:
    """"Preset…" then one entry per ``(key, title)``; ``slot(index)`` when one is chosen."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setToolTip(tip)
    combo.addItem("Preset…", None)
    for key, title in choices:
        combo.addItem(title, key)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_length)
    combo.activated.connect(slot)
    return combo
