"""The transport buttons the Simulator and the Lab share: an icon, a word, a name for
screen readers, a tooltip naming the key, and a fixed height in the toolbar row."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QBoxLayout, QPushButton, QSizePolicy


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
