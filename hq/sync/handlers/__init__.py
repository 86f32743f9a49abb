"""One handler per mutation name of the protocol's args table (contract/wire.py `Mutation`)."""

from __future__ import annotations

from collections.abc import Callable

from contract.wire import Mutation, MutationResult
from hq.sync.handlers.audit import audit_append
from hq.sync.handlers.base import Context
from hq.sync.handlers.bindings import binding_create, binding_end, binding_transfer
from hq.sync.handlers.members import (
    consent_withdraw,
    member_decline,
    member_enroll,
    note_add,
    tag_add,
    tag_remove,
    visit_record,
)
from hq.sync.handlers.tasks import task_assign, task_complete, task_create

Handler = Callable[[Context], MutationResult]

HANDLERS: dict[str, Handler] = {
    Mutation.BINDING_CREATE: binding_create,
    Mutation.BINDING_TRANSFER: binding_transfer,
    Mutation.BINDING_END: binding_end,
    Mutation.MEMBER_ENROLL: member_enroll,
    Mutation.MEMBER_DECLINE: member_decline,
    Mutation.TAG_ADD: tag_add,
    Mutation.TAG_REMOVE: tag_remove,
    Mutation.NOTE_ADD: note_add,
    Mutation.TASK_CREATE: task_create,
    Mutation.TASK_ASSIGN: task_assign,
    Mutation.TASK_COMPLETE: task_complete,
    Mutation.VISIT_RECORD: visit_record,
    Mutation.AUDIT_APPEND: audit_append,
    Mutation.MEMBER_CONSENT_WITHDRAW: consent_withdraw,
}
