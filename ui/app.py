"""`guidedesk`: with no subcommand, the desktop window; with one (`status`, `sync`, …), the headless CLI of
`app/cli.py`, which never imports Qt (so a store PC without a display, or `pip install .[hq]`, still has
every command).

The window part: one QApplication, a rotating log file in the user log dir, an excepthook that logs and
shows a readable message (a committed action is never lost: every action commits before the screen says
done), and one instance per data dir (a second start raises the first window and exits).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

log = logging.getLogger("guidedesk")

EXIT_NO_DISPLAY = 3
EXIT_NO_QT = 4
EXIT_ALREADY_RUNNING = 0  # the first window was raised: nothing went wrong
WINDOW_OPTIONS = {"--data-dir", "--lang"}


def wants_cli(argv: Sequence[str]) -> bool:
    """True when argv names a subcommand (or asks for help): anything besides the window's own options."""
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in WINDOW_OPTIONS:
            i += 2
            continue
        if any(arg.startswith(opt + "=") for opt in WINDOW_OPTIONS):
            i += 1
            continue
        return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--self-test"]:
        from ui.selftest import run

        return run()
    if wants_cli(args):
        from app.cli import main as cli_main

        return cli_main(args)
    return run_window(args)


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # offscreen, xcb, wayland… chosen on purpose
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True  # Windows and macOS always have one for a desktop user


def parse_window_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="guidedesk", description="GuideDesk 导购台 window")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--lang", choices=("zh_CN", "en"), default=None)
    return parser.parse_args(list(argv))


# ---------------------------------------------------------------- logging and crashes


def log_dir() -> Path:
    from platformdirs import user_log_dir

    env = os.environ.get("GUIDEDESK_LOG_DIR")
    return Path(env) if env else Path(user_log_dir("GuideDesk", "GuideDesk"))


def setup_logging(directory: Path | None = None) -> Path:
    """A rotating log (5 × 2 MB) in the user log dir; returns its path."""
    folder = directory or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guidedesk.log"
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(log_path: Path) -> None:
    """Log any uncaught exception and tell the guide in plain words; the app keeps running. What the
    guide had done is already committed (every action commits before the screen says done)."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical("uncaught exception", exc_info=(kind, value, tb))
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        try:
            from PySide6.QtCore import QCoreApplication
            from PySide6.QtWidgets import QApplication

            if QApplication.instance() is None:
                raise RuntimeError("no application")
            text = QCoreApplication.translate(
                "app",
                "Something went wrong. What you saved is safe. If it happens again, send this log file to "
                "support:\n{path}",
            ).format(path=log_path)
            show_crash_message(text, "".join(traceback.format_exception(kind, value, tb))[-4000:])
        except Exception:  # never let the hook itself crash the app
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook


def show_crash_message(text: str, details: str) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("app", "GuideDesk"), text)
    box.setDetailedText(details)
    box.exec()


# ---------------------------------------------------------------- one instance per data dir


def instance_key(data_dir: Path) -> str:
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return f"guidedesk-{digest}"


class SingleInstance:
    """A local socket named after the data dir. The first instance listens; a second one connects, asks it
    to raise its window, and exits."""

    def __init__(self, data_dir: Path) -> None:
        from PySide6.QtNetwork import QLocalServer

        self.name = instance_key(data_dir)
        self.server = QLocalServer()
        self.window: Any = None

    def already_running(self) -> bool:
        from PySide6.QtNetwork import QLocalServer, QLocalSocket

        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(500):
            probe.write(b"raise\n")
            probe.flush()
            probe.waitForBytesWritten(500)
            probe.disconnectFromServer()
            return True
        QLocalServer.removeServer(self.name)  # a stale socket left by a crashed instance
        self.server.newConnection.connect(self._on_server_new_connection)
        self.server.listen(self.name)
        return False

    def _on_server_new_connection(self) -> None:
        while self.server.hasPendingConnections():
            conn = self.server.nextPendingConnection()
            conn.readyRead.connect(conn.readAll)  # the message is always "raise"
            conn.disconnected.connect(conn.deleteLater)
            if self.window is not None:
                self.window.showNormal()
                self.window.raise_()
                self.window.activateWindow()


# ---------------------------------------------------------------- the window


def make_application(argv: Sequence[str] = ()) -> QApplication:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["guidedesk", *argv])
    app.setApplicationName("GuideDesk")
    app.setOrganizationName("GuideDesk")
    return app  # type: ignore[return-value]


def build_window(
    ws: Any, settings: Any, *, inline: bool = False, demo: Any = None, autosync: bool = True
) -> MainWindow:
    """The window over an open workstation (also what tests build): runner, session, context, shell."""
    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext, GuideSession
    from ui.main_window import MainWindow
    from ui.resources import style_sheet
    from ui.sync_controller import SyncController
    from ui.tasks import TaskRunner

    runner = TaskRunner(ws, inline=inline)
    ctx = AppContext(ws=ws, runner=runner, settings=settings, session=GuideSession(), demo=demo)
    ctx.sync = SyncController(ctx, auto=autosync)
    window = MainWindow(ctx)
    ctx.sync.setParent(window)
    app = QApplication.instance()
    if app is not None and not app.styleSheet():
        app.setStyleSheet(style_sheet())  # type: ignore[attr-defined]
    return window


def run_window(argv: Sequence[str], *, demo: Any = None) -> int:
    options = parse_window_args(argv)
    if not has_display():
        print(
            "GuideDesk: no display found (DISPLAY is not set); the window cannot open here.", file=sys.stderr
        )
        print("Use a subcommand instead, e.g. `guidedesk status` (see `guidedesk --help`).", file=sys.stderr)
        return EXIT_NO_DISPLAY
    try:
        import PySide6.QtWidgets  # noqa: F401
    except ImportError:
        print(
            "GuideDesk: the desktop part is not installed (pip install 'guidedesk[desktop]').",
            file=sys.stderr,
        )
        return EXIT_NO_QT

    from app.workstation import Workstation, default_data_dir
    from ui.i18n import install_translations
    from ui.settings import Settings

    data_dir = options.data_dir or default_data_dir()
    app = make_application()
    instance = SingleInstance(data_dir)
    if instance.already_running():
        print("GuideDesk is already open for this data folder; its window was brought to the front.")
        return EXIT_ALREADY_RUNNING
    log_path = setup_logging()
    install_excepthook(log_path)
    log.info("starting the window on %s", data_dir)
    ws = Workstation.open(data_dir)
    settings = Settings.for_data_dir(data_dir)
    if options.lang:
        settings.language = options.lang
    install_translations(settings.language)
    window = build_window(ws, settings, demo=demo)
    instance.window = window
    try:
        window.start()
        window.show()
        return app.exec()
    finally:
        window.ctx.runner.shutdown()
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
