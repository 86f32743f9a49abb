"""The application around the window: one instance per data dir, the crash hook, the log file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ui import app as ui_app
from ui.i18n import install_translations


def test_a_second_start_raises_the_first_window(qtbot, tmp_path: Path) -> None:
    """Two windows on one data dir would sync and write side by side: the second start only raises the
    first one. Another data dir is a separate instance."""
    raised: list[str] = []

    class Window:
        def showNormal(self) -> None:
            raised.append("shown")

        def raise_(self) -> None:
            raised.append("raised")

        def activateWindow(self) -> None:
            pass

    first = ui_app.SingleInstance(tmp_path / "store")
    assert not first.already_running()
    first.window = Window()
    assert ui_app.SingleInstance(tmp_path / "store").already_running()
    qtbot.waitUntil(lambda: "raised" in raised, timeout=3000)
    assert not ui_app.SingleInstance(tmp_path / "other").already_running()
    first.server.close()


def test_an_uncaught_error_is_logged_and_explained_in_chinese(qapp, tmp_path: Path, monkeypatch) -> None:
    """A bug in a slot: the guide reads a calm zh_CN sentence with the log's path; the log has the trace."""
    shown: list[str] = []
    monkeypatch.setattr(ui_app, "show_crash_message", lambda text, details: shown.append(text + details))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_path = ui_app.setup_logging(tmp_path / "logs")
    install_translations("zh_CN", build=False)
    try:
        ui_app.install_excepthook(log_path)
        try:
            raise KeyError("boom in a slot")
        except KeyError:
            sys.excepthook(*sys.exc_info())
    finally:
        install_translations("en", build=False)
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", "") == str(log_path):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert shown and "已保存的内容不会丢失" in shown[0] and str(log_path) in shown[0]
    assert "KeyError: 'boom in a slot'" in log_path.read_text(encoding="utf-8")
