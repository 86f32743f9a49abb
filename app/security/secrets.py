"""Small secrets of a workstation (the phone master key, the HQ device token): the OS keyring first, a
0600 file in the data directory where no keyring works (a service account, a headless box).

`GUIDEDESK_KEYRING=file` forces the files (tests, and machines whose keyring would prompt). Each data
directory has its own keyring entries, so two workstations on one PC never share a secret.

A read that fails is never taken for "no secret": a keyring that is locked, asleep or broken raises
`SecretUnavailable`, so a caller cannot mistake it for a first start and write a new secret over the real
one (the phone key once was replaced that way). Only a machine with no keyring backend at all
(`NoKeyringError`) uses the file, where a missing file then truly means none. `create` never overwrites.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from app.errors import GuideDeskError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "GuideDesk"


class SecretUnavailable(GuideDeskError):
    """The secret store could not be read (code `secret_store_unavailable`; `details.name` says which
    secret). Nothing was written; unlock the OS keyring and try again."""


class SecretExists(GuideDeskError):
    """`create` found a secret already there (code `secret_exists`): it is never overwritten."""


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
        """The secret, or None when the store was read and holds none. Raises `SecretUnavailable` when
        the keyring failed to answer (locked, D-Bus down, backend error)."""
        if self._use_keyring(name):
            try:
                return keyring.get_password(KEYRING_SERVICE, f"{self._prefix}:{name}")
            except NoKeyringError:  # no backend on this machine at all: the file is the store
                log.warning("no OS keyring on this machine; using the 0600 file for %s", name)
            except Exception as exc:  # locked or failing: unknown, which is not "none"
                log.warning("OS keyring failed to read %s (%s)", name, type(exc).__name__)
                raise SecretUnavailable(
                    "secret_store_unavailable", name=name, reason=type(exc).__name__
                ) from exc
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

    def create(self, name: str, value: str) -> None:
        """Store a new secret that must not replace one: raises `SecretExists` if any is there (read
        again just before writing; the file is created exclusively)."""
        if self.get(name) is not None:
            raise SecretExists("secret_exists", name=name)
        if self._use_keyring(name):
            try:
                keyring.set_password(KEYRING_SERVICE, f"{self._prefix}:{name}", value)
                return
            except KeyringError as exc:
                log.warning("OS keyring unavailable (%s); using the 0600 file", type(exc).__name__)
        self._write_file(name, value, exclusive=True)

    def delete(self, name: str) -> None:
        self._file(name).unlink(missing_ok=True)
        if os.environ.get("GUIDEDESK_KEYRING") != "file":
            with contextlib.suppress(PasswordDeleteError, NoKeyringError):  # nothing there: already gone
                keyring.delete_password(KEYRING_SERVICE, f"{self._prefix}:{name}")

    def _write_file(self, name: str, value: str, *, exclusive: bool = False) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path, tmp = self._file(name), self._file(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never replace a key
            except FileExistsError:
                raise SecretExists("secret_exists", name=name) from None
            except OSError:  # a file system without hard links: create the file itself exclusively
                self._write_exclusive(path, name, value)
            finally:
                tmp.unlink(missing_ok=True)
            return
        os.replace(tmp, path)

    @staticmethod
    def _write_exclusive(path: Path, name: str, value: str) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise SecretExists("secret_exists", name=name) from None
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
