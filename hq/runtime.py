"""What one HQ process holds while it serves: settings, the database, and the facts fixed per HQ
database (epoch, master secret) with the keys derived from them. Nothing mutable: any worker can answer
any request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hq.config import Settings
from hq.db.bootstrap import HqFacts, bootstrap
from hq.db.database import HqDatabase
from hq.security.keys import CURSOR_KEY, derive_key


@dataclass(frozen=True)
class HqRuntime:
    settings: Settings
    db: HqDatabase
    facts: HqFacts
    cursor_key: bytes

    @classmethod
    def open(cls, settings: Settings) -> HqRuntime:
        """Connect and bootstrap (idempotent). The schema must be migrated (`guidedesk-hq migrate`)."""
        db = HqDatabase(settings.db_url, pool_size=settings.db_pool_size)
        facts = bootstrap(db, settings)
        return cls(settings, db, facts, derive_key(facts.master_secret, CURSOR_KEY))

    def now(self) -> datetime:
        return self.settings.clock()

    def close(self) -> None:
        self.db.dispose()
