"""Pull cursors: opaque to the workstation, signed by HQ.

A cursor says, for one device's store, up to which version of each of its two scopes (global, store) the
workstation holds the data, under which HQ epoch, and when it was issued. It is base64url JSON plus a
truncated HMAC-SHA256 under a key derived from the master secret: a workstation cannot forge one that
skips or rewinds, nor use another store's. Whether a cursor is too old is decided against the scopes'
`pruned_through`, not its age: an idle store keeps the same cursor for as long as nothing changes.

A snapshot position (hq/sync/snapshot.py) is signed the same way: the versions a first-sync snapshot
began at, and how far it got (a step, the last entity id sent). Its body is marked `"k": "snapshot"`, so
neither can be passed off as the other.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import orjson

CURSOR_VERSION = 1
MAC_BYTES = 16


class CursorInvalid(Exception):
    """Not a cursor this HQ issued (malformed, altered, or signed under another secret)."""


@dataclass(frozen=True)
class Cursor:
    epoch: str
    store_id: str
    global_version: int
    store_version: int
    issued: int  # unix seconds, for operators reading logs; not used for decisions


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, fields: dict[str, object]) -> str:
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.digest(key, body, sha256)[:MAC_BYTES]
    return _b64e(body) + "." + _b64e(mac)


def _verified(key: bytes, text: str) -> dict[str, Any]:
    """The body of a token this HQ signed, or CursorInvalid."""
    body_text, dot, mac_text = text.partition(".")
    if not dot or len(text) > 1024:
        raise CursorInvalid("shape")
    try:
        body, mac = _b64d(body_text), _b64d(mac_text)
    except (binascii.Error, ValueError) as exc:
        raise CursorInvalid("encoding") from exc
    if not hmac.compare_digest(hmac.digest(key, body, sha256)[:MAC_BYTES], mac):
        raise CursorInvalid("signature")
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise CursorInvalid("content") from exc
    if not isinstance(raw, dict):
        raise CursorInvalid("content")
    return raw


def _cursor_fields(cursor: Cursor) -> dict[str, object]:
    return {
        "v": CURSOR_VERSION,
        "e": cursor.epoch,
        "st": cursor.store_id,
        "g": cursor.global_version,
        "s": cursor.store_version,
        "i": cursor.issued,
    }


def _cursor_of(raw: dict[str, Any]) -> Cursor:
    try:
        cursor = Cursor(
            epoch=str(raw["e"]),
            store_id=str(raw["st"]),
            global_version=int(raw["g"]),
            store_version=int(raw["s"]),
            issued=int(raw["i"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CursorInvalid("content") from exc
    if raw.get("v") != CURSOR_VERSION or cursor.global_version < 0 or cursor.store_version < 0:
        raise CursorInvalid("content")
    return cursor


def encode_cursor(key: bytes, cursor: Cursor) -> str:
    return _sign(key, _cursor_fields(cursor))


def decode_cursor(key: bytes, text: str) -> Cursor:
    raw = _verified(key, text)
    if "k" in raw:  # a snapshot position is not a cursor
        raise CursorInvalid("content")
    return _cursor_of(raw)


@dataclass(frozen=True)
class SnapshotPosition:
    """How far a first-sync snapshot got: the versions it began at (`at`, the cursor it ends with), the
    step (entity type) it is in, and the last entity id of that step it sent."""

    at: Cursor
    step: int
    after: str


def encode_position(key: bytes, position: SnapshotPosition) -> str:
    return _sign(
        key, {**_cursor_fields(position.at), "k": "snapshot", "p": position.step, "a": position.after}
    )


def decode_position(key: bytes, text: str) -> SnapshotPosition:
    raw = _verified(key, text)
    if raw.get("k") != "snapshot":
        raise CursorInvalid("content")
    step, after = raw.get("p"), raw.get("a")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0 or not isinstance(after, str):
        raise CursorInvalid("content")
    return SnapshotPosition(_cursor_of(raw), step, after)
