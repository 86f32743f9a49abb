"""Every UI setting in one typed place, over QSettings (CONVENTIONS "Settings"): window geometry,
language, scanner source, sounds, idle lock. Business data lives in the database and secrets in the OS
keyring, never here.

The window keeps its settings beside its data (`<data dir>/settings.ini`), so two data dirs (a demo and a
real store) never share a scanner port or language, and tests point everything at `tmp_path`. Reading a
key the ini file stores as text ("true", "5") gives back the declared type; a value that does not parse
falls back to the default. `VERSION` + `_upgrade()` rename or convert old keys once (as Picard's
config_upgrade does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")
SETTINGS_FILE = "settings.ini"


class Setting(Generic[T]):
    """A typed key with a default; read and written as an attribute of `Settings`."""

    def __init__(self, key: str, default: T) -> None:
        self.key = key
        self.default = default

    @overload
    def __get__(self, obj: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, obj: Settings, owner: type) -> T: ...
    def __get__(self, obj: Settings | None, owner: type) -> Setting[T] | T:
        if obj is None:
            return self
        return _coerce(obj.qsettings.value(self.key, self.default), self.default)

    def __set__(self, obj: Settings, value: T) -> None:
        obj.qsettings.setValue(self.key, QByteArray(value) if isinstance(value, bytes) else value)


def _coerce(raw: Any, default: T) -> T:
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            if isinstance(raw, str):
                return raw.strip().lower() in {"1", "true", "yes", "on"}  # type: ignore[return-value]
            return bool(raw)  # type: ignore[return-value]
        if isinstance(default, int):
            return int(raw)  # type: ignore[return-value]
        if isinstance(default, float):
            return float(raw)  # type: ignore[return-value]
        if isinstance(default, bytes):
            return bytes(raw.data() if isinstance(raw, QByteArray) else raw)  # type: ignore[return-value]
        if isinstance(default, str):
            return str(raw)  # type: ignore[return-value]
    except (TypeError, ValueError):
        return default
    return raw  # type: ignore[no-any-return]


class Settings:
    """The window's settings. Add a key here (typed, with its default) rather than calling QSettings."""

    VERSION = 1

    language = Setting("ui/language", "zh_CN")  # zh_CN | en
    window_geometry = Setting("ui/window_geometry", b"")
    last_page = Setting("ui/last_page", "counter")
    last_employee_no = Setting("login/last_employee_no", "")
    idle_lock_minutes = Setting("security/idle_lock_minutes", 5)  # 0 = never
    sounds_enabled = Setting("counter/sounds_enabled", True)
    follow_up_days = Setting("counter/follow_up_days", 7)
    scanner_source = Setting("scanner/source", "keyboard")  # keyboard | serial
    serial_port = Setting("scanner/serial_port", "")
    serial_baud = Setting("scanner/serial_baud", 9600)
    sync_interval_s = Setting("sync/interval_s", 45)
    printer_name = Setting("print/printer_name", "")  # "" = the system's default printer
    hq_url = Setting("sync/hq_url", "")  # what the wizard last used (the enrolled one is in the database)

    def __init__(self, qsettings: QSettings) -> None:
        self.qsettings = qsettings
        self._upgrade()

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Settings:
        path = Path(data_dir) / SETTINGS_FILE
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def _upgrade(self) -> None:
        version = _coerce(self.qsettings.value("settings_version", 0), 0)
        # Future key renames go here, one `if version < N:` block each.
        if version < self.VERSION:
            self.qsettings.setValue("settings_version", self.VERSION)

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes lazily)."""
        self.qsettings.sync()
