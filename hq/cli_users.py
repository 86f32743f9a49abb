"""`guidedesk-hq add-user`, `api-key`: the HQ staff who use the web console (/console) and the admin API.

    guidedesk-hq add-user USERNAME --role admin|operator|analyst [--name NAME] [--password-stdin]
    guidedesk-hq api-key USERNAME [--label LABEL]

The password is asked for twice on a terminal, or read from the first line of stdin with
`--password-stdin` (scripts); at least 10 characters. An API key is printed once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from hq.db.models import HqUser
from hq.errors import Invalid, NotFound
from hq.runtime import HqRuntime
from hq.services import users

Out = Callable[[str], None]


def add_commands(sub: Any) -> None:
    add = sub.add_parser("add-user", help="a console user (the first admin, or more staff)")
    add.add_argument("username")
    add.add_argument("--role", choices=users.ROLES, default="admin")
    add.add_argument("--name", default="", help="display name (default: the user name)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    key = sub.add_parser("api-key", help="a personal key for the admin REST API, printed once")
    key.add_argument("username")
    key.add_argument("--label", default="")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise Invalid("passwords_differ")
    return first


def add_user_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    password = _password(args)
    with runtime.db.write() as s:
        user = users.create_user(
            s,
            username=args.username,
            password=password,
            role=args.role,
            display_name=args.name,
            now=runtime.now(),
        )
        users.audit(
            s,
            user=user,
            action="user.create",
            now=runtime.now(),
            subject_id=user.id,
            details={"via": "cli", "username": user.username, "new_role": user.role},
        )
    out(f"{user.role} {user.username} id={user.id}")
    return 0


def api_key_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        user_id = s.scalar(select(HqUser.id).where(HqUser.username == args.username.strip().lower()))
        if user_id is None:
            raise NotFound("unknown_user", username=args.username)
        issued = users.issue_api_key(s, user_id=user_id, label=args.label, now=runtime.now())
    out(f"api key {issued.secret} (shown once; Authorization: Bearer …)")
    return 0


COMMANDS: dict[str, Callable[[HqRuntime, argparse.Namespace, Out], int]] = {
    "add-user": add_user_cmd,
    "api-key": api_key_cmd,
}
