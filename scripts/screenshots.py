"""Render PNG screenshots of the app's screens (used by the README).

    python scripts/screenshots.py                  # -> docs/screenshots/*.png at 1280x800
    python scripts/screenshots.py --out /tmp/shots --scale 2 --only simulator-race

Runs with Qt's offscreen platform, a throw-away settings folder and a throw-away
progress database, so it never touches your own. Each shot drives the real widgets
through their public methods (load a preset, step, open a tab, type a value).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="output folder")
    parser.add_argument("--size", default="1280x800", help="window size, WxH (default 1280x800)")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2 = 200 %%)")
    parser.add_argument("--only", action="append", help="render only this shot (repeatable)")
    parser.add_argument("--full-color", action="store_true", help="keep 24-bit PNGs (larger files)")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="quizapp-shots-")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QUIZAPP_DB"] = os.path.join(tmp, "progress.db")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QPalette

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
    from quizapp.ui.app import AboutDialog, MainWindow, create_app
    from quizapp.ui.context import AppContext

    app = create_app([sys.argv[0]])
    app.setStyle("Fusion")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = AppContext.open()

    def settle(n: int = 3) -> None:
        for _ in range(n):
            app.processEvents()

    from quizapp.ui.settings import open_settings

    def new_window() -> MainWindow:
        open_settings().clear()  # every shot starts from a fresh window
        window = MainWindow(ctx)
        window.resize(width, height)
        window.show()
        settle()
        return window

    def save(widget, name: str) -> None:
        settle()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        if not args.full_color:  # 256 colours: a third of the size, no visible change here
            from PIL import Image

            with Image.open(path) as image:
                small = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
            small.save(path, optimize=True)
        print(path)

    def race(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.set_step(24)
        save(w, "simulator-race")

    def diverge(w):
        page = w.pages["simulator"]
        page.load_preset("lr-too-large")
        page.run_to_end()
        save(w, "simulator-diverged")

    def warmup(w):
        page = w.pages["simulator"]
        page.load_preset("adam-warmup")
        page.lane_list.list.setCurrentRow(1)
        page.set_step(60)
        save(w, "simulator-warmup")

    def minibatch(w):
        page = w.pages["simulator"]
        page.load_preset("noisy-minibatches")
        page.run_to_end()
        save(w, "simulator-minibatches")

    def view3d(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.set_step(40)
        page.tabs.setCurrentWidget(page.tab3d)
        save(w, "simulator-3d")

    def sweep(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.show_sweep()
        save(w, "simulator-sweep")

    def notebook(w):
        page = w.pages["simulator"]
        page.load_preset("lr-too-small")
        page.run_to_end()
        page.side_tabs.setCurrentWidget(page.notebook_panel)
        panel = page.notebook_panel
        panel.refresh(force=True)
        ids = [e.id for e in panel._entries[:2]]
        panel.select_ids(ids)
        save(w, "simulator-notebook")

    def invalid(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        page.run_to_end()
        page.editor.lr_field.setText("-0.5")
        page.editor.lr_field.textEdited.emit("-0.5")
        save(w, "simulator-invalid")

    def custom(w):
        page = w.pages["simulator"]
        page.load_preset("valley-race")
        panel = page.surface_panel
        panel.combo.setCurrentIndex(panel.combo.findData("custom"))
        panel.formula.setText("sin(x) * cos(y) + 0.1 * (x^2 + y^2)")
        panel.formula.textEdited.emit(panel.formula.text())
        page.flush()
        settle()
        page.flush()
        page.run_to_end()
        save(w, "simulator-custom")

    def dark(w):
        palette = QPalette()
        for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
                            (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#2f2f2f"),
                            (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#353535"),
                            (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#3d7bd9"),
                            (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#3a3a3a"),
                            (QPalette.ColorRole.ToolTipText, "#e6e6e6"), (QPalette.ColorRole.Light, "#5a5a5a"),
                            (QPalette.ColorRole.Midlight, "#4a4a4a"), (QPalette.ColorRole.Mid, "#404040"),
                            (QPalette.ColorRole.Dark, "#202020"), (QPalette.ColorRole.Shadow, "#101010"),
                            (QPalette.ColorRole.PlaceholderText, "#9a9a9a")):
            palette.setColor(role, QColor(color))
        app.setPalette(palette)
        settle()
        page = w.pages["simulator"]
        page.load_preset("nesterov-lookahead")
        page.set_step(45)
        save(w, "simulator-dark")
        app.setPalette(app.style().standardPalette())
        settle()

    def about(w):
        dialog = AboutDialog(w)
        dialog.show()
        save(dialog, "about")
        dialog.close()

    shots = {"simulator-race": race, "simulator-diverged": diverge, "simulator-warmup": warmup,
             "simulator-minibatches": minibatch, "simulator-3d": view3d, "simulator-sweep": sweep,
             "simulator-notebook": notebook, "simulator-invalid": invalid,
             "simulator-custom": custom, "simulator-dark": dark, "about": about}
    for name, shot in shots.items():
        if args.only and name not in args.only:
            continue
        window = new_window()
        shot(window)
        window.close()
        window.deleteLater()
        settle()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
