"""One workstation's data directory opened for use: database (migrated), phone cipher, clock.

The CLI, the benchmarks and (later) the window all start from `Workstation.open(data_dir)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from platformdirs import user_data_dir

from app.clock import Clock, SystemClock
from app.db.database import Database
from app.security.crypto import PhoneCipher
from app.security.phone_key import open_phone_cipher


def default_data_dir() -> Path:
    """`GUIDEDESK_DATA_DIR` if set, else the OS's per-user data folder."""
    env = os.environ.get("GUIDEDESK_DATA_DIR")
    return Path(env) if env else Path(user_data_dir("GuideDesk", "GuideDesk"))


@dataclass
class Workstation:
    data_dir: Path
    db: Database
    cipher: PhoneCipher
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, data_dir: Path | None = None, *, clock: Clock | None = None) -> Workstation:
        path = Path(data_dir) if data_dir else default_data_dir()
        db = Database(path)
        try:
            cipher = open_phone_cipher(path, db)
        except BaseException:
            db.close()
            raise
        return cls(data_dir=path, db=db, cipher=cipher, clock=clock or SystemClock())

    def hq_now(self) -> datetime:
        """Now by HQ's clock: this PC's clock corrected by the offset measured at the last sync. Dynamic
        member codes expire by HQ's clock, and a counter PC may be a year off."""
        from app.services.station import clock_offset_ms

        with self.db.read() as s:
            offset_ms = clock_offset_ms(s)
        return self.clock.now() + timedelta(milliseconds=offset_ms)

    def close(self) -> None:
        self.db.close()
