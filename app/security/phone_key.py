"""The phone master key of a workstation: loaded from the secret store, created once, and checked against
the data it sealed — never replaced.

A new key is made only when the secret store was read and holds none **and** the database holds nothing
sealed (no check value, no encrypted phone, no sealed outbox argument). Otherwise the start stops with a
code the window explains, and nothing is written:

- `secret_store_unavailable` — the OS keyring did not answer (locked, asleep): unlock it and start again;
- `phone_key_missing` — the store answered "no key" but this database holds phones sealed with one (the
  keyring was cleared, the data directory came from another PC or user): restore the key;
- `phone_key_mismatch` — the store holds a key, but not the one this database was sealed with.

The check value (`key_check_value`, an HMAC of a fixed label under the key) lives in the database's
`key_checks` table, beside the data, so it travels with a copied database and tells the keys apart
without revealing either.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from app.db.database import Database
from app.db.models import KeyCheck, Member
from app.errors import GuideDeskError
from app.security.crypto import PhoneCipher, key_check_value
from app.security.secrets import SecretStore

MASTER_KEY = "phone_master_key"  # name in the secret store
CHECK_NAME = "phone"


class PhoneKeyError(GuideDeskError):
    """The phone key cannot be used with this database (`phone_key_missing`, `phone_key_mismatch`)."""


def _holds_sealed_data(session: Session) -> bool:
    """Anything in the database that only the phone key opens or matches: an encrypted phone, or a
    sealed argument of an outbox row (a pending enrollment)."""
    if session.scalar(select(exists().where(Member.phone_enc.is_not(None)))):
        return True
    sealed = session.execute(
        text("SELECT 1 FROM outbox WHERE json_extract(args, '$._sealed') IS NOT NULL LIMIT 1")
    ).first()
    return sealed is not None


def open_phone_cipher(data_dir: Path, db: Database) -> PhoneCipher:
    """The workstation's phone cipher, or a `GuideDeskError` that says why not (see the module doc)."""
    store = SecretStore(data_dir)
    stored = store.get(MASTER_KEY)  # raises SecretUnavailable: a failed read is never "no key"
    with db.transaction() as s:
        check = s.get(KeyCheck, CHECK_NAME)
        if stored:
            key = bytes.fromhex(stored)
            if check is None:  # a database from before check values: the key in use is the data's key
                s.add(
                    KeyCheck(name=CHECK_NAME, check_value=key_check_value(key), created_at=datetime.now(UTC))
                )
            elif check.check_value != key_check_value(key):
                raise PhoneKeyError(
                    "phone_key_mismatch", expected=check.check_value, found=key_check_value(key)
                )
            return PhoneCipher.from_master(key)
        if check is not None or _holds_sealed_data(s):
            raise PhoneKeyError("phone_key_missing", expected=check.check_value if check else None)
        key = secrets.token_bytes(32)
        store.create(MASTER_KEY, key.hex())  # raises SecretExists rather than replace one
        s.add(KeyCheck(name=CHECK_NAME, check_value=key_check_value(key), created_at=datetime.now(UTC)))
        return PhoneCipher.from_master(key)
