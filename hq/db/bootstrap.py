"""First-run facts of an HQ database, created race-free (several workers may start at once): the epoch,
the generated master secret (unless the environment gives one), the global counter, policy revision 1,
and the first QR signing key. Idempotent: every start calls it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.config import Settings
from hq.db.database import HqDatabase
from hq.db.models import HqMeta, PolicyRevision
from hq.db.upsert import insert_ignore
from hq.services.policy import POLICY_ENTITY_ID, POLICY_FIELDS, Policy
from hq.services.qrkeys import FIRST_KEY_ID, create_signing_key
from hq.sync.changes import GLOBAL, ChangeSet, ensure_scope, record

EPOCH_KEY = "epoch"
SECRET_KEY = "secret"


@dataclass(frozen=True)
class HqFacts:
    """Fixed per HQ database for its whole life (until a restore from scratch): safe to cache."""

    epoch: str
    master_secret: str


def bootstrap(db: HqDatabase, settings: Settings) -> HqFacts:
    now = settings.clock()
    with db.write() as session:
        insert_ignore(session, HqMeta, {"key": EPOCH_KEY, "value": uuid.uuid4().hex}, ["key"])
        if settings.secret is None:
            insert_ignore(session, HqMeta, {"key": SECRET_KEY, "value": secrets.token_urlsafe(48)}, ["key"])
        meta = {k: v for k, v in session.execute(select(HqMeta.key, HqMeta.value))}
        master_secret = settings.secret or meta[SECRET_KEY]
        ensure_scope(session, GLOBAL)
        changes = ChangeSet()
        defaults = Policy(revision=1)
        first_policy = {k: getattr(defaults, k) for k in POLICY_FIELDS}
        first_policy.update(revision=1, created_at=now, created_by="bootstrap")
        if insert_ignore(session, PolicyRevision, first_policy, ["revision"]):
            changes.put(GLOBAL, "policy", POLICY_ENTITY_ID)
        create_signing_key(
            session, master_secret=master_secret, now=now, changes=changes, key_id=FIRST_KEY_ID
        )
        record(session, changes, now=now)
    return HqFacts(epoch=meta[EPOCH_KEY], master_secret=master_secret)


def renew_epoch(session: Session) -> str:
    """A new epoch for a database restored from a backup (docs/operations.md "Restore").

    A restored database has lost the versions it handed out after the backup, and it will hand the same
    numbers out again for other changes: a workstation whose cursor is past the backup would skip them.
    With a new epoch every cursor is from another epoch, so each workstation is answered
    `reset_required`, wipes its replica (never its outbox) and pulls its store again. Workers cache the
    epoch: restart them after this."""
    epoch = uuid.uuid4().hex
    row = session.get(HqMeta, EPOCH_KEY)
    if row is None:
        session.add(HqMeta(key=EPOCH_KEY, value=epoch))
    else:
        row.value = epoch
    return epoch
