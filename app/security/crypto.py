"""Phone numbers at rest: AES-GCM encryption and an HMAC blind index, under one per-workstation key.

The master key lives in the OS keyring; where no keyring works (a service account, a headless box) it
falls back to a 0600 file in the data directory (`app.security.secrets`). It is loaded, created once, and
checked against the data it sealed by `app.security.phone_key`. Two independent subkeys are
derived with HKDF, so the index key can never decrypt and the cipher key never appears in an index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PHONE_AAD = b"guidedesk/phone/v1"
_NONCE_BYTES = 12


def key_check_value(master: bytes) -> str:
    """A value that identifies the key without revealing it (HMAC of a fixed label): kept beside the data
    the key seals, so a different key is recognised before it seals or fails to open anything."""
    return hmac.new(master, b"guidedesk/key-check/v1", hashlib.sha256).hexdigest()[:32]


def _subkey(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


@dataclass(frozen=True)
class PhoneCipher:
    """Encrypts, decrypts and blind-indexes mainland mobile numbers."""

    cipher_key: bytes
    index_key: bytes

    @classmethod
    def from_master(cls, master: bytes) -> PhoneCipher:
        return cls(_subkey(master, b"guidedesk/phone-cipher"), _subkey(master, b"guidedesk/phone-index"))

    # Built once per cipher, not per call: constructing the AESGCM object and keying the HMAC cost as
    # much as the work itself (the demo generator and a first sync seal a million phones).
    # cached_property writes the instance __dict__ directly, so the frozen dataclass is unaffected.
    @cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(self.cipher_key)

    @cached_property
    def _index_hmac(self) -> hmac.HMAC:
        return hmac.new(self.index_key, digestmod=hashlib.sha256)

    def encrypt(self, phone: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, phone.encode(), _PHONE_AAD)

    def decrypt(self, blob: bytes) -> str:
        nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, sealed, _PHONE_AAD).decode()

    def blind_index(self, phone: str) -> str:
        mac = self._index_hmac.copy()  # a keyed copy: same digest as hmac.new(key, phone, sha256)
        mac.update(phone.encode())
        return mac.hexdigest()


def mask_phone(phone: str) -> str:
    """`138****1234`: what the card shows; the full number needs an audited reveal."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
