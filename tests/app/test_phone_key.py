"""The phone key is never replaced: a start that cannot read it, or finds another key than the one the
data was sealed with, stops with a code and writes nothing; the phones stay readable once the right key
is back (security review, finding 2)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from app.db.database import DB_FILENAME
from app.errors import GuideDeskError
from app.services.scan import resolve_scan
from app.workstation import Workstation
from tests.factories import seed

KEY_FILE = "phone_master_key.secret"


class SessionKeyring(KeyringBackend):
    """An OS keyring as a desktop session has one: it answers, or it is locked and says so."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("the login keyring is locked")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("the login keyring is locked")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def session_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[SessionKeyring]:
    monkeypatch.delenv("GUIDEDESK_KEYRING", raising=False)
    previous = keyring.get_keyring()
    backend = SessionKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _data_dir(tmp_path: Path, template_db: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / DB_FILENAME)
    return data


def _found_by_phone(data: Path, phone: str) -> str:
    ws = Workstation.open(data)
    try:
        with ws.db.transaction() as s:
            return resolve_scan(s, text=phone, now=ws.clock.now(), cipher=ws.cipher).member_id
    finally:
        ws.close()


def test_a_locked_keyring_at_start_stops_the_start_and_keeps_the_key(
    session_keyring: SessionKeyring, tmp_path: Path, template_db: Path
) -> None:
    """A start while the keyring is locked says so (`secret_store_unavailable`) instead of making a new
    key; once unlocked, the phones sealed before are found again. Fails on the code before the fix: the
    locked read was taken for "no key", a new key went to the 0600 file, and from then on every later
    start read that file — lookups by phone no longer matched and the sealed phones could not be opened."""
    data = _data_dir(tmp_path, template_db)
    ws = Workstation.open(data)
    store = seed(ws)
    ws.close()

    session_keyring.locked = True
    with pytest.raises(GuideDeskError) as refused:
        Workstation.open(data)
    assert refused.value.code == "secret_store_unavailable"
    assert not (data / KEY_FILE).exists()

    session_keyring.locked = False
    assert _found_by_phone(data, store.phones["mine"]) == store.members["mine"]


def test_a_missing_or_different_key_is_explained_and_never_written_over(
    tmp_path: Path, ws: Workstation
) -> None:
    """The database keeps a check value of its phone key: with the key gone (`phone_key_missing`) or
    another key in its place (`phone_key_mismatch`) the start stops and leaves the key store as it was;
    with the right key back everything is found. Fails on the code before the fix: a missing key was
    replaced by a new one without a word, and a different key was used as if it were right."""
    store = seed(ws)
    ws.close()
    data = ws.data_dir
    key_file = data / KEY_FILE
    real = key_file.read_text()

    key_file.unlink()  # the keyring was cleared, or the data directory came from another PC
    with pytest.raises(GuideDeskError) as missing:
        Workstation.open(data)
    assert missing.value.code == "phone_key_missing"
    assert not key_file.exists()

    other = "ab" * 32
    key_file.write_text(other)
    with pytest.raises(GuideDeskError) as mismatch:
        Workstation.open(data)
    assert mismatch.value.code == "phone_key_mismatch"
    assert key_file.read_text() == other

    key_file.write_text(real)
    assert _found_by_phone(data, store.phones["mine"]) == store.members["mine"]


def test_a_first_start_makes_one_key_and_keeps_it(tmp_path: Path, template_db: Path) -> None:
    """A new data directory gets a key on its first start, and the same key on every start after."""
    data = _data_dir(tmp_path, template_db)
    first = Workstation.open(data)
    first.close()
    again = Workstation.open(data)
    again.close()
    assert first.cipher == again.cipher
