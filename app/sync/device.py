"""This workstation as an HQ device: enrollment with a one-time code, the token kept in the secret store,
a client ready to talk to HQ, and the online lookup of a member scanned but not in the replica."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from app import __version__
from app.db.models import SyncState
from app.errors import GuideDeskError
from app.qr import CodeFormatError, parse_member_code
from app.security.secrets import SecretStore
from app.services.privacy import purge_erased_members
from app.sync.applier import apply_changes
from app.sync.client import HqClient, HqEndpoint, SyncError
from app.workstation import Workstation
from contract.wire import Change

TOKEN = "device_token"


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    store_id: str
    store_code: str
    store_name: str
    hq_url: str


def enroll_device(
    ws: Workstation, *, hq_url: str, code: str, ca_path: str | None = None, insecure: bool = False
) -> Enrollment:
    """Trade a one-time enrollment code from HQ admin for a device identity; refuses to re-enroll.
    `insecure`: plain http to another machine was chosen explicitly (else `insecure_hq_url`)."""
    endpoint = HqEndpoint(hq_url, ca_path, insecure)  # refuses an unsafe address before any request
    with ws.db.read() as s:
        state = s.get(SyncState, 1)
    if state is not None and state.device_id:
        raise GuideDeskError("already_enrolled", device_id=state.device_id)
    client = HqClient(endpoint, app_version=__version__)
    try:
        answer = client.enroll(code=code.strip(), hostname=socket.gethostname())
    finally:
        client.close()
    store = answer["store"]
    SecretStore(ws.data_dir).set(TOKEN, answer["token"])
    with ws.db.transaction() as s:
        row = s.get(SyncState, 1) or SyncState(id=1)
        row.device_id = answer["device_id"]
        row.store_id = store["id"]
        row.hq_url = hq_url
        row.hq_insecure = insecure and not hq_url.startswith("https:")
        s.add(row)
    return Enrollment(answer["device_id"], store["id"], store["code"], store["name"], hq_url)


def repoint_hq(ws: Workstation, hq_url: str, *, insecure: bool = False) -> None:
    """HQ answers at a new address (moved, or the demo's local HQ on a new port): keep this device's
    identity, token and sync position; only the address changes (checked as at enrollment)."""
    HqEndpoint(hq_url, insecure=insecure)
    with ws.db.transaction() as s:
        state = s.get(SyncState, 1)
        if state is None or not state.device_id:
            raise GuideDeskError("not_enrolled")
        state.hq_url = hq_url
        state.hq_insecure = insecure and not hq_url.startswith("https:")


def open_client(ws: Workstation, *, ca_path: str | None = None) -> HqClient:
    """A client for this enrolled workstation's HQ."""
    with ws.db.read() as s:
        state = s.get(SyncState, 1)
    token = SecretStore(ws.data_dir).get(TOKEN)
    if state is None or not state.device_id or not state.hq_url or not token:
        raise GuideDeskError("not_enrolled")
    endpoint = HqEndpoint(state.hq_url, ca_path, bool(state.hq_insecure))
    return HqClient(endpoint, token=token, app_version=__version__)


def lookup_member_online(ws: Workstation, client: HqClient, *, code: str) -> str:
    """Fetch a member scanned here but not in the replica (authorised by the signed code) and cache it
    in the replica, so the card shows at once and offline from now on. Returns the member id."""
    try:
        answer = client.lookup_member(code)
    except SyncError as exc:
        if exc.code == "member_erased":  # HQ erased the member: forget any copy cached here as well
            member_id = _claimed_member(code)
            if member_id is not None:
                with ws.db.transaction() as s:
                    purge_erased_members(s, [member_id], now=ws.clock.now())
        raise
    changes = [Change.from_wire(c) for c in answer.get("changes", [])]
    with ws.db.transaction() as s:
        apply_changes(s, changes, cipher=ws.cipher)
    return str(answer["member_id"])


def _claimed_member(code: str) -> str | None:
    try:
        return parse_member_code(code).claims.member_id
    except CodeFormatError:
        return None
