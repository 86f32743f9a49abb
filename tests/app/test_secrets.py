"""Secrets survive restarts and stay private to their data directory."""

from __future__ import annotations

import stat

from app.security.secrets import SecretStore


def test_file_fallback_is_private_and_durable(tmp_path):
    """Where no keyring works, the device token lives in a 0600 file and is read back after a restart."""
    SecretStore(tmp_path).set("device_token", "tok-123")
    path = tmp_path / "device_token.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SecretStore(tmp_path).get("device_token") == "tok-123"


def test_delete_forgets_the_secret(tmp_path):
    """A revoked device forgets its token."""
    store = SecretStore(tmp_path)
    store.set("device_token", "tok-123")
    store.delete("device_token")
    assert store.get("device_token") is None


def test_two_data_dirs_do_not_share_secrets(tmp_path):
    """Two workstations on one PC (training and live) never read each other's token."""
    SecretStore(tmp_path / "a").set("device_token", "A")
    assert SecretStore(tmp_path / "b").get("device_token") is None
