"""Single flight: one sync at a time per workstation, even across two app instances (an OS file lock in
the data directory, released by the OS if the process dies)."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import IO

LOCK_FILE = "sync.lock"


class SyncLockBusy(Exception):
    """Another sync of this workstation is running."""


class SyncLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._file: IO[bytes] | None = None

    def __enter__(self) -> SyncLock:
        handle = open(self.path, "a+b")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise SyncLockBusy(str(self.path)) from None
        self._file = handle
        return self

    def __exit__(
        self, *_exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        if self._file is not None:
            _unlock(self._file)
            self._file.close()
            self._file = None


if os.name == "nt":
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
