"""The app's pages, registered in ONE list.

Each later issue adds its page by adding one :class:`PageSpec` here; the main window
builds the sidebar, the Go menu and the shortcuts from this list and nothing else.
Shortcuts are fixed per page (not per position), so they survive new pages:

    Ctrl+1 Learn   Ctrl+2 Simulator   Ctrl+3 Practice   Ctrl+4 Progress
    Ctrl+5 Achievements   Ctrl+6 Author   Ctrl+7 Lab

A page is a QWidget class, imported only when the page is first shown, built as
``Page(ctx)`` with the shared :class:`quizapp.ui.context.AppContext`. It may define:

* ``menu() -> QMenu | None``: a menu shown in the menu bar while the page is current
  (its actions are disabled while another page is shown, so their keys are free);
* ``save_settings(settings)`` / ``restore_settings(settings)``: called with a QSettings
  already inside the page's own group (``pages/<key>``);
* ``open_with(**kwargs)``: what ``ctx.navigate(key, **kwargs)`` passes on, e.g. the
  Learn page's "try it" calls ``ctx.navigate("simulator", preset="valley-race")``;
* ``activated()`` / ``deactivated()``: the page became current / stopped being current;
* ``warm_up(ctx, settings)`` (a static method): a head start taken while the window sits
  idle after start-up, before the page is first shown (read its files, draw its math on
  the warm-up thread of :mod:`quizapp.ui.shared.warm`; never build widgets there). The
  main window also imports every page's module ahead, on that thread.

This module imports no Qt, so tests and tools can read the registry cheaply.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable id: QSettings groups, navigate(), tests
    title: str  # sidebar and window title
    factory: str  # "module:Class", imported on first show
    shortcut: str  # fixed key sequence, see the table above
    icon: str  # a QStyle.StandardPixmap name (SP_...) used in the sidebar
    description: str  # sidebar tooltip and accessible description

    def load(self):
        module, _, name = self.factory.partition(":")
        return getattr(importlib.import_module(module), name)


PAGES: list[PageSpec] = [
    PageSpec("learn", "Learn", "quizapp.ui.learn.page:LearnPage", "Ctrl+1", "SP_FileDialogInfoView",
             "The chapter, section by section, with its formulas; try it and practise it"),
    PageSpec("simulator", "Simulator", "quizapp.ui.simulator.page:SimulatorPage", "Ctrl+2",
             "SP_MediaPlay",
             "Watch optimizers race on a loss surface, step by step"),
    PageSpec("practice", "Practice", "quizapp.ui.practice.page:PracticePage", "Ctrl+3",
             "SP_DialogYesButton", "Answer questions one at a time, with worked explanations"),
    PageSpec("progress", "Progress", "quizapp.ui.progress.page:ProgressPage", "Ctrl+4",
             "SP_FileDialogContentsView",
             "Learners, accuracy, mastery, study days, reviews due, history and the class view"),
    PageSpec("achievements", "Achievements", "quizapp.ui.achievements.page:AchievementsPage",
             "Ctrl+5", "SP_DialogApplyButton",
             "Badges earned and how close the next ones are"),
    PageSpec("author", "Author", "quizapp.ui.author.page:AuthorPage", "Ctrl+6", "SP_FileDialogDetailedView",
             "Write, check, preview and share question items (GIFT, Moodle XML)"),
    PageSpec("lab", "Lab", "quizapp.ui.lab.page:LabPage", "Ctrl+7", "SP_ComputerIcon",
             "Train a small network live with several optimizers; the chapter's symptoms named as they appear"),
]

#: The page shown on the very first start (afterwards the last page is restored).
DEFAULT_PAGE = "simulator"


def page(key: str) -> PageSpec:
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(f"no page {key!r}; pages: {', '.join(p.key for p in PAGES)}")
