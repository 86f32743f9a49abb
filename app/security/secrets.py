"""Small secrets of a workstation (the phone master key, the HQ device token): the OS keyring first, a
0600 file in the data directory where no keyring works (a service account, a headless box).

`GUIDEDESK_KEYRING=file` forces the files (tests, and machines whose keyring would prompt). Each data
directory has its own keyring entries, so two workstations on one PC never share a secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "GuideDesk"


class SecretStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._prefix = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]

    def _file(self, name: str) -> Path:
        return self.data_dir / f"{name}.secret"

    def _use_keyring(self, name: str) -> bool:
        # Once a secret lives in a file (keyring was unusable), it stays there: never split across both.
        return os.environ.get("GUIDEDESK_KEYRING") != "file" and not self._file(name).exists()

    def get(self, name: str) -> str | None:
        if self._use_keyring(name):
            try:
                return keyring.get_password(KEYRING_SERVICE, f"{self._prefix}:{name}")
            except KeyringError as exc:  # no usable backend on this machine
                log.warning("OS keyring unavailable (%s); using the 0600 file", type(exc).__name__)
        path = self._file(name)
        return path.read_text(encoding="ascii").strip() if path.exists() else None

    def set(self, name: str, value: str) -> None:
        if self._use_keyring(name):
            try:
                keyring.set_password(KEYRING_SERVICE, f"{self._prefix}:{name}", value)
                return
            except KeyringError as exc:  # no usable backend on this machine
                log.warning("OS keyring unavailable (%s); using the 0600 file", type(exc).__name__)
        self._write_file(name, value)

    def delete(self, name: str) -> None:
        self._file(name).unlink(missing_ok=True)
        if os.environ.get("GUIDEDESK_KEYRING") != "file":
            with contextlib.suppress(PasswordDeleteError, NoKeyringError):  # nothing there: already gone
                keyring.delete_password(KEYRING_SERVICE, f"{self._prefix}:{name}")

    def _write_file(self, name: str, value: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path, tmp = self._file(name), self._file(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
