"""The main window: a sidebar of pages (from :mod:`quizapp.ui.pages`), a stack, menus,
the About dialog and settings that survive a restart."""
from __future__ import annotations

import gc
import platform
import sys

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
    QMainWindow, QMessageBox, QStackedWidget, QStyle, QVBoxLayout, QWidget,
)

from quizapp import __version__
from quizapp.ui.context import AppContext
from quizapp.ui.pages import DEFAULT_PAGE, PAGES, PageSpec
from quizapp.ui.shared.settings import open_settings
from quizapp.ui.shared import wheel
from quizapp.ui.shared import warm
from quizapp.ui.shared.warm import Slices
from quizapp.ui.shared.theme import (
    SETTINGS_KEY as THEME_KEY, THEME_TITLES, THEMES, app_icon, apply_theme, current_mode,
)
from quizapp.ui.achievements.toast import ToastManager

APP_NAME = "quizapp"
HELP_TITLE = "&Help"
DEFAULT_SIZE = QSize(1280, 800)
STORE_PAGES = "store-pages"  # the warm-up job that checks the progress file's pages
WARM_AFTER_MS = 150  # after the first paint: the warm-up starts (see _warm_up)


def versions() -> dict[str, str]:
    """Versions shown in the About dialog."""
    import matplotlib
    import numpy
    import PySide6
    from PySide6 import QtCore

    return {
        "quizapp": __version__,
        "Python": platform.python_version(),
        "Qt": QtCore.qVersion(),
        "PySide6": PySide6.__version__,
        "NumPy": numpy.__version__,
        "matplotlib": matplotlib.__version__,
    }


#: Qt-free modules the pages import (the question bank, sessions, the chapter, presets):
#: imported on the warm-up thread, so importing a page here compiles little more than itself
MODEL_MODULES = ("quizapp.progress.store", "quizapp.bank", "quizapp.bank.numeric", "quizapp.progress.session", "quizapp.learn",
                 "quizapp.presets", "quizapp.ui.practice.model", "quizapp.ui.progress.model",
                 "quizapp.ui.author.model", "quizapp.ui.achievements.model", "quizapp.ui.learn.model")


def _import_models() -> None:
    import importlib

    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # pragma: no cover - the page's own import reports it
            pass


def freeze_heap() -> None:
    """Move every object alive now (modules, pages, the bank: what lives as long as the
    window) out of the cyclic garbage collector's reach (:func:`gc.freeze`). Its full
    passes otherwise walk all of them, a pause of a tenth of a second in the middle of
    whatever runs then; objects made later are collected as before."""
    gc.freeze()


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        layout = QVBoxLayout(self)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        head = QHBoxLayout()
        head.addWidget(icon)
        title = QLabel(f"<h2>{APP_NAME} {__version__}</h2>"
                       "<p>A study lab for one chapter of deep learning: how optimizers "
                       "(SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW) descend a "
                       "loss surface, with questions whose answers are computed live.</p>")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        layout.addLayout(head)
        rows = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in versions().items())
        self.versions_label = QLabel(f"<table cellpadding='2'>{rows}</table>")
        self.versions_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions_label.setAccessibleName("Versions")
        layout.addWidget(self.versions_label)
        note = QLabel("The engine computes what torch.optim computes; the chapter's momentum "
                      "is the moving-average form v ← βv + (1−β)g.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(460, 360)


class MainWindow(QMainWindow):
    """Sidebar + stacked pages; pages are built the first time they are shown."""

    def __init__(self, ctx: AppContext, pages: list[PageSpec] | None = None):
        super().__init__()
        wheel.install()  # wheel over a form scrolls it; values change only when focused
        self.ctx = ctx
        self.specs = list(PAGES if pages is None else pages)
        self.pages: dict[str, QWidget] = {}
        self._current: str | None = None
        self._warming: Slices | None = None  # the idle warm-up (see _warm_up)
        self._closed = False
        self.setWindowIcon(app_icon())
        self.setWindowTitle(APP_NAME)
        self.resize(DEFAULT_SIZE)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Pages")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(112)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget()
        for spec in self.specs:
            icon = self.style().standardIcon(getattr(QStyle.StandardPixmap, spec.icon,
                                                     QStyle.StandardPixmap.SP_FileIcon))
            item = QListWidgetItem(icon, spec.title)
            item.setToolTip(f"{spec.description} ({spec.shortcut})")
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, spec.description)
            self.nav.addItem(item)
            holder = QWidget()  # replaced by the page when it is first shown
            holder.setObjectName(f"holder-{spec.key}")
            self.stack.addWidget(holder)
        # wide enough for the longest title ("Achievements") next to its icon
        longest = max((self.nav.fontMetrics().horizontalAdvance(s.title) for s in self.specs),
                      default=0)
        self.nav.setFixedWidth(max(112, longest + 56))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.currentRowChanged.connect(self._on_nav)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.statusBar().setSizeGripEnabled(True)
        ctx.message.connect(self._show_message)  # a slot: Qt drops it with the window
        ctx.navigateRequested.connect(self._on_navigate)
        self.toasts = ToastManager(self)  # "achievement unlocked" overlays, bottom right
        self.toasts.activated.connect(self._open_achievement)
        ctx.achievementsUnlocked.connect(self._on_unlocked)
        self.restore_settings()
        # work the first paint does not need, done while the window sits idle after it:
        # opening the progress file (its connection belongs to this thread), then what
        # the other pages need when first shown (see _warm_up)
        QTimer.singleShot(WARM_AFTER_MS, self._warm_up)

    # ------------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.act_quit = QAction("&Quit", self)
        self.act_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.act_quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.act_quit.triggered.connect(self.close)
        file_menu.addAction(self.act_quit)
        self.file_menu = file_menu

        go = bar.addMenu("&Go")
        group = QActionGroup(self)
        self.page_actions: dict[str, QAction] = {}
        for i, spec in enumerate(self.specs):
            act = QAction(spec.title, self, checkable=True)
            act.setShortcut(QKeySequence(spec.shortcut))
            act.setStatusTip(spec.description)
            act.triggered.connect(lambda _=False, k=spec.key: self.show_page(k, focus=True))
            group.addAction(act)
            go.addAction(act)
            self.page_actions[spec.key] = act
        self.go_menu = go

        self.view_menu = bar.addMenu("&View")
        self.theme_menu = self.view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode in THEMES:
            act = QAction(THEME_TITLES[mode], self, checkable=True)
            act.setStatusTip({"system": "Follow the desktop's light or dark setting",
                              "light": "Dark text on light backgrounds",
                              "dark": "Light text on dark backgrounds"}[mode])
            act.triggered.connect(lambda _=False, m=mode: self.set_theme(m))
            self.theme_group.addAction(act)
            self.theme_menu.addAction(act)
            self.theme_actions[mode] = act
        self.theme_actions.get(current_mode(), self.theme_actions["system"]).setChecked(True)
        hints = QApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):  # Qt 6.5+: the desktop switched light/dark
            hints.colorSchemeChanged.connect(self._on_color_scheme)

        self.help_menu = bar.addMenu(HELP_TITLE)
        self.act_about = QAction(f"&About {APP_NAME}", self)
        self.act_about.setShortcut(QKeySequence("F1"))
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)
        self.act_about.triggered.connect(self.show_about)
        self.help_menu.addAction(self.act_about)
        self._page_menus: dict[str, object] = {}

    def set_theme(self, mode: str) -> None:
        """View → Theme: colour the app with ``mode`` and remember it."""
        apply_theme(mode)
        self.theme_actions[mode].setChecked(True)
        settings = open_settings()
        settings.setValue(THEME_KEY, mode)
        settings.sync()

    def _on_color_scheme(self, _scheme=None) -> None:
        if current_mode() == "system":
            apply_theme("system")

    def show_about(self) -> None:
        dialog = AboutDialog(self)
        self._about = dialog
        dialog.open()

    # ------------------------------------------------------------------ pages

    def _index(self, key: str) -> int:
        for i, spec in enumerate(self.specs):
            if spec.key == key:
                return i
        raise KeyError(key)

    def page(self, key: str) -> QWidget:
        """The page ``key``, built on first use."""
        if key not in self.pages:
            i = self._index(key)
            cls = self.specs[i].load()
            page = cls(self.ctx)
            holder = self.stack.widget(i)
            self.stack.insertWidget(i, page)
            self.stack.removeWidget(holder)
            holder.deleteLater()
            self.pages[key] = page
            menu = page.menu() if hasattr(page, "menu") else None
            if menu is not None:
                self.menuBar().insertMenu(self._help_action(), menu)
                self._page_menus[key] = menu
            settings = open_settings()
            settings.beginGroup(f"pages/{key}")
            if hasattr(page, "restore_settings"):
                page.restore_settings(settings)
            settings.endGroup()
            if self._warming is not None and not self._warming.active:
                freeze_heap()  # the new page lives as long as the window
        return self.pages[key]

    def _help_action(self) -> QAction | None:
        """The Help menu's entry in the menu bar, looked up afresh: the Python wrapper of the
        Help menu kept from when it was made goes stale once the Author page has been shown
        (PySide invalidates it although the menu lives on), so it is not used here."""
        for action in self.menuBar().actions():
            if action.text() == HELP_TITLE:
                return action
        return None

    def show_page(self, key: str, focus: bool = False) -> None:
        i = self._index(key)
        if self.nav.currentRow() != i:
            self.nav.setCurrentRow(i)  # -> _on_nav
        else:
            self._activate(key)
        if focus and hasattr(self.pages.get(key), "activated"):
            self.pages[key].activated()

    def _on_nav(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self._activate(self.specs[row].key)

    def _activate(self, key: str) -> None:
        previous = self._current
        if previous == key and key in self.pages:
            return
        if previous in self.pages and hasattr(self.pages[previous], "deactivated"):
            self.pages[previous].deactivated()
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        self._current = key
        for k, menu in self._page_menus.items():
            menu.menuAction().setVisible(k == key)
            menu.setEnabled(k == key)
        self.page_actions[key].setChecked(True)
        spec = self.specs[self._index(key)]
        self.setWindowTitle(f"{APP_NAME} — {spec.title}")
        if hasattr(page, "activated"):
            page.activated()

    def _open_store_when_idle(self) -> None:
        self.ctx.store  # noqa: B018 - opens it (or records why it cannot be opened)

    def _warm_up(self) -> None:
        """Ahead of the first visit to each page, while the window is idle: the progress
        file opened (its connection belongs to this thread), files read and math drawn on
        the warm-up thread (:mod:`quizapp.ui.shared.warm`), page modules imported here one
        per event-loop turn (so a key pressed meanwhile waits for one import at most)."""
        if self._closed:
            return  # closed before the idle came: nothing to get ready for
        if not self.isVisible():  # not shown (yet): only the store, as before the warm-up
            self._open_store_when_idle()
            return
        from quizapp.ui.shared.mathtext import warm_up

        if not self.ctx.store_opened:  # the file's page check, on the warm-up thread first
            warm.submit(STORE_PAGES, self.ctx.check_pages_ahead)
        warm_up()  # the math grammar and fonts (warm-up thread): most pages draw math
        if self._warming is None:
            self._warming = Slices(self, self._warm_steps())

    def _warm_steps(self):
        # first the store (here: its connection belongs to this thread) once the warm-up
        # thread has checked its pages (a tenth of a second or more on a big file, which
        # then no longer freezes the window: the open here takes milliseconds)
        while warm.pending(STORE_PAGES) and not warm.ready(STORE_PAGES):
            yield warm.WAIT
        warm.take(STORE_PAGES, lambda: None)
        self._open_store_when_idle()
        yield
        todo = [spec for spec in self.specs if spec.key not in self.pages]
        warm.run(_import_models)  # the pages' Qt-free modules
        for spec in todo:  # then the page modules, in the sidebar's order
            warm.submit(f"page-class:{spec.key}", spec.load)
        yield
        settings = open_settings()
        for spec in todo:
            key = f"page-class:{spec.key}"
            while warm.pending(key) and not warm.ready(key):
                yield warm.WAIT  # being imported: look again next turn
            try:
                cls = warm.take(key, spec.load)
            except Exception:  # the page reports it when it is shown
                continue
            head_start = getattr(cls, "warm_up", None)  # the page's own (files, math)
            if callable(head_start):
                settings.beginGroup(f"pages/{spec.key}")
                try:
                    with warm.ahead():  # before the imports of the pages after it (long
                        head_start(self.ctx, settings)  # jobs go last: see warm.submit)
                except Exception:  # only a head start: the page does the work itself then
                    pass
                settings.endGroup()
            yield
        self._freeze_when_warm()

    def _freeze_when_warm(self) -> None:
        """Once the warm-up thread is done too, :func:`freeze_heap` (checked every 50 ms)."""
        if warm.idle():
            freeze_heap()
        else:
            QTimer.singleShot(50, self, self._freeze_when_warm)


    def _on_unlocked(self, unlocked: list) -> None:
        titles = ", ".join(getattr(a, "title", str(a)) for a in unlocked)
        if titles:
            self.statusBar().showMessage(f"Achievement unlocked: {titles}", 8000)
        self.toasts.push(list(unlocked))

    def _open_achievement(self, achievement_id: str) -> None:
        """A toast was clicked: the Achievements page, scrolled to that badge."""
        if any(spec.key == "achievements" for spec in self.specs):
            self._on_navigate("achievements", {"highlight": achievement_id} if achievement_id else {})

    def current_page(self) -> str | None:
        return self._current

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_navigate(self, key: str, kwargs: dict) -> None:
        self.show_page(key, focus=True)
        page = self.pages.get(key)
        if kwargs and hasattr(page, "open_with"):
            page.open_with(**kwargs)

    # --------------------------------------------------------------- settings

    def restore_settings(self) -> None:
        settings = open_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        learner = settings.value("learner/id")
        if learner is not None:
            try:
                self.ctx.prefer_learner(int(learner))
            except (TypeError, ValueError):
                pass
        key = settings.value("window/page")
        keys = [s.key for s in self.specs]
        if key not in keys:
            key = DEFAULT_PAGE if DEFAULT_PAGE in keys else keys[0]
        self.show_page(key)

    def save_settings(self) -> None:
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        if self._current:
            settings.setValue("window/page", self._current)
        if self.ctx.chosen_learner_id is not None:
            settings.setValue("learner/id", self.ctx.chosen_learner_id)
        for key, page in self.pages.items():
            if hasattr(page, "save_settings"):
                settings.beginGroup(f"pages/{key}")
                page.save_settings(settings)
                settings.endGroup()
        settings.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._closed = True
        if self._warming is not None:
            self._warming.cancel()
        warm.reset()  # what was read ahead for this window and not used yet
        for page in self.pages.values():
            if hasattr(page, "deactivated"):
                page.deactivated()
        self.save_settings()
        super().closeEvent(event)


#: how long a thread running Python keeps the GIL while another wants it (seconds). The
#: window's thread mostly makes short calls into Qt, each giving the GIL up and taking it
#: back; behind a worker busy in Python (reading files, drawing math, a database read) each
#: of them waited up to Python's default 5 ms, so building a page took twice as long.
GIL_SWITCH_S = 0.001


def create_app(argv: list[str] | None = None) -> QApplication:
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())
    return app


def apply_saved_theme() -> str:
    """Colour the app with the theme chosen last time (View → Theme; System at first)."""
    mode = str(open_settings().value(THEME_KEY, "system"))
    if mode not in THEMES:
        mode = "system"
    apply_theme(mode)
    return mode


def run(db: str | None = None, bank: list[str] | None = None, page: str | None = None,
        page_options: dict | None = None) -> int:
    """Show the main window and run the event loop (``quizapp`` with no sub-command).

    ``page`` opens that page with ``page_options`` (``quizapp practice`` without
    ``--terminal`` opens the Practice page with its topics, length and mode)."""
    app = create_app()
    apply_saved_theme()
    ctx = AppContext.open(db, bank_paths=bank)
    window = MainWindow(ctx)
    window.show()
    if page:
        options = {k: v for k, v in (page_options or {}).items() if v is not None}
        QTimer.singleShot(0, lambda: ctx.navigate(page, **options))

    def check_store() -> None:  # after the window is up: opening the file takes a moment
        if ctx.store is None:
            QMessageBox.warning(window, APP_NAME, "The progress file could not be opened, so "
                                "runs and answers are kept for this session only.\n\n"
                                f"{ctx.store_problem}")

    QTimer.singleShot(200, check_store)
    try:
        return app.exec()
    finally:
        ctx.close()
