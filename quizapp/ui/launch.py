"""`quizapp` with no sub-command: open the desktop app, or explain why it cannot.

The display check runs BEFORE anything imports Qt: without a display Qt's xcb plugin
aborts the whole process, which would be a crash instead of a message.
"""
from __future__ import annotations

import os
import socket
import sys

TERMINAL_HINT = "to study without a window, use `quizapp practice --terminal`"


def _connect_unix(path: str, timeout: float = 1.0) -> bool:
    for address in (path, "\0" + path):  # the file, then Linux's abstract namespace
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(address)
            return True
        except OSError:
            continue
        finally:
            s.close()
    return False


def x_display_reachable(display: str) -> tuple[bool, str]:
    """Is an X server listening for ``display`` (``[host]:N[.screen]``)? (reachable, why not)."""
    host, sep, rest = display.rpartition(":")
    if not sep:
        return False, "DISPLAY should look like :0"
    number = rest.split(".")[0]
    if not number.isdigit():
        return False, "DISPLAY should look like :0"
    if host.startswith("/"):  # macOS launchd-style socket path
        return (os.path.exists(display), "its socket does not exist")
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        if _connect_unix(path):
            return True, ""
        return False, "no X server is listening there"
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
            return True, ""
    except OSError as exc:
        return False, f"cannot connect to {host}: {exc.strerror or exc}"


def _wayland_reachable(name: str, env) -> bool:
    path = name if name.startswith("/") else os.path.join(env.get("XDG_RUNTIME_DIR", ""), name)
    return bool(path) and _connect_unix(path)


def display_problem(env=None, platform: str | None = None) -> str | None:
    """Why a window cannot be shown here, or None when it can (or when we cannot tell)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform in ("win32", "darwin", "cygwin"):
        return None
    if env.get("QT_QPA_PLATFORM"):
        return None  # the user chose a platform plugin (offscreen, vnc, wayland, ...)
    wayland = env.get("WAYLAND_DISPLAY")
    display = env.get("DISPLAY")
    if wayland and _wayland_reachable(wayland, env):
        return None
    if display:
        ok, why = x_display_reachable(display)
        return None if ok else f"cannot open the display {display!r}: {why}"
    if wayland:
        return f"cannot open the Wayland display {wayland!r}"
    return "no graphical display found (DISPLAY and WAYLAND_DISPLAY are not set)"


def launch(args, page: str | None = None, **page_options) -> int:
    """Entry point used by ``quizapp.cli`` when no sub-command is given (and by
    ``quizapp practice`` without ``--terminal``, which opens ``page="practice"``)."""
    problem = display_problem()
    if problem:
        print(f"quizapp: {problem}; {TERMINAL_HINT}", file=sys.stderr)
        return 1
    from quizapp.ui.app import run

    return run(getattr(args, "db", None), bank=getattr(args, "app_bank", None), page=page,
               page_options=page_options)
