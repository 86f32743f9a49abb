"""What HQ writes to its logs about a failure: the exception's type (and a database error's SQLSTATE),
and where it happened — never its message. Database errors carry personal data in their text:
PostgreSQL's unique violations print the key (`Key (phone)=(13800001234) already exists`), and a
statement's bound parameters (phones, names) travel in SQLAlchemy's message unless the engine hides them
(`hide_parameters=True`, hq/db/database.py). PIPL: a log is no place for a member's phone.
"""

from __future__ import annotations

import logging
import traceback


def describe(exc: BaseException) -> str:
    """`IntegrityError (sqlstate 23505)` — the type, and the SQLSTATE when the driver gave one; for a
    chain, each cause's type too."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(parts) < 4:
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        parts.append(type(current).__name__ + (f" (sqlstate {state})" if state else ""))
        current = current.__cause__ or current.__context__
    return " <- ".join(parts)


def log_failure(logger: logging.Logger, message: str, *args: object, exc: BaseException) -> None:
    """An error line with the failure's type and stack (file, line, function, source line), no values."""
    stack = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    logger.error(message + ": %s\n%s", *args, describe(exc), stack)
