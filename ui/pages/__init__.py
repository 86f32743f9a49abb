"""The page registry: the shell shows these pages, in this order. To add a page, append one `PageSpec`
(see ui/README.md). Factories import their module lazily so start-up stays fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.context import AppContext


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # English source text, marked with QT_TRANSLATE_NOOP("pages", …); the shell translates it
    factory: Callable[[AppContext], QWidget]
    needs_manager: bool = False  # a guide opening it is asked for a manager PIN on the same screen
    icon: str = ""  # resources/icons/<icon>.svg
    shortcut: str = ""  # e.g. "Ctrl+1"


def _counter(ctx: AppContext) -> QWidget:
    from ui.pages.counter import CounterPage

    return CounterPage(ctx)


def _sync(ctx: AppContext) -> QWidget:
    from ui.pages.sync import SyncPage

    return SyncPage(ctx)


def _members(ctx: AppContext) -> QWidget:
    from ui.pages.members import MembersPage

    return MembersPage(ctx)


def _stats(ctx: AppContext) -> QWidget:
    from ui.pages.stats import StatsPage

    return StatsPage(ctx)


def _transfers(ctx: AppContext) -> QWidget:
    from ui.pages.transfers import TransfersPage

    return TransfersPage(ctx)


def _tasks(ctx: AppContext) -> QWidget:
    from ui.pages.tasks import TasksPage

    return TasksPage(ctx)


def _guide_qr(ctx: AppContext) -> QWidget:
    from ui.pages.guide_qr import GuideQrPage

    return GuideQrPage(ctx)


def _settings(ctx: AppContext) -> QWidget:
    from ui.pages.settings import SettingsPage

    return SettingsPage(ctx)


PAGES: list[PageSpec] = [
    PageSpec("counter", QT_TRANSLATE_NOOP("pages", "Counter"), _counter, icon="counter", shortcut="Ctrl+1"),
    PageSpec("sync", QT_TRANSLATE_NOOP("pages", "Outbox & conflicts"), _sync, icon="sync", shortcut="Ctrl+9"),
    PageSpec("members", QT_TRANSLATE_NOOP("pages", "Members"), _members, icon="enroll", shortcut="Ctrl+2"),
    PageSpec("tasks", QT_TRANSLATE_NOOP("pages", "Tasks"), _tasks, icon="follow_up", shortcut="Ctrl+3"),
    PageSpec("stats", QT_TRANSLATE_NOOP("pages", "Store stats"), _stats, True, "stats", "Ctrl+4"),
    PageSpec(
        "transfers",
        QT_TRANSLATE_NOOP("pages", "Transfers & departures"),
        _transfers,
        True,
        "transfers",
        "Ctrl+5",
    ),
    PageSpec("guide_qr", QT_TRANSLATE_NOOP("pages", "My QR code"), _guide_qr, icon="qr", shortcut="Ctrl+6"),
    PageSpec(
        "settings", QT_TRANSLATE_NOOP("pages", "Settings"), _settings, icon="settings", shortcut="Ctrl+7"
    ),
]


def page_specs() -> list[PageSpec]:
    return list(PAGES)
