"""Personal data stays out of HQ's logs (security review, finding 8): a database error about a member's
phone is logged by its type and place, never by its text or the statement's values."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request

from hq.db.models import Member
from tests.hq.harness import Hq

PHONE = "13912345678"


def _duplicate_phone_error(hq: Hq, store_id: str) -> IntegrityError:
    row = {"store_id": store_id, "name": "王小明", "phone": PHONE, "created_at": hq.clock()}
    with pytest.raises(IntegrityError) as failed, hq.runtime.db.write() as s:
        s.execute(insert(Member).values(id=str(uuid.uuid4()), card_no="GD9000000001", **row))
        s.execute(insert(Member).values(id=str(uuid.uuid4()), card_no="GD9000000002", **row))
    return failed.value


def test_an_unexpected_database_error_is_logged_without_the_phone(
    hq: Hq, caplog: pytest.LogCaptureFixture
) -> None:
    """A unique violation on a phone reaching HQ's last-resort handler is answered 500 and logged with its
    type, SQLSTATE and stack — the phone appears nowhere in the log. Fails on the code before the fix:
    the traceback's text carried the phone (SQLite: in the statement's parameters; PostgreSQL: in
    `Key (phone)=(…) already exists`)."""
    store = hq.store()
    error = _duplicate_phone_error(hq, store.id)
    app = hq.client.app
    request = Request({"type": "http", "method": "POST", "path": "/v1/sync/push", "headers": [], "app": app,
                       "query_string": b""})  # fmt: skip
    handler = app.exception_handlers[Exception]
    with caplog.at_level(logging.DEBUG):
        try:
            raise error
        except IntegrityError:  # as Starlette calls it: inside the except block
            answer = asyncio.run(handler(request, error))
    assert answer.status_code == 500
    formatter = logging.Formatter("%(message)s")
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert "IntegrityError" in logged and "test_logs.py" in logged
    assert PHONE not in logged


def test_the_engine_hides_bound_values(hq: Hq) -> None:
    """The statement's values are not in a database error's text (what any log of it would show)."""
    store = hq.store()
    error = _duplicate_phone_error(hq, store.id)
    assert "parameters hidden" in str(error)
    assert "王小明" not in str(error)
