"""`guidedesk-hq`: run and administer an HQ from a shell.

    guidedesk-hq serve [--host H] [--port P] [--workers N] [--db-url URL]
    guidedesk-hq gen-token
    guidedesk-hq migrate
    guidedesk-hq create-store CODE NAME
    guidedesk-hq add-guide STORE EMPLOYEE_NO NAME [--role guide|manager] [--pin PIN]
    guidedesk-hq enroll-code STORE [--ttl-hours H]
    guidedesk-hq member-code MEMBER [--out FILE.png] [--ttl-seconds S]
    guidedesk-hq import-members FILE.csv|FILE.xlsx
    guidedesk-hq publish-tasks [FILE.csv|FILE.xlsx] --title T --kind call|message|invite|visit
                 [--due YYYY-MM-DD] [--store STORE …] [--segment tag=TAG|stage=STAGE|sleeping …]
    guidedesk-hq conflicts [--store STORE] [--open|--all]
    guidedesk-hq conflicts resolve ID --note TEXT
    guidedesk-hq stats --from DATE --to DATE [--store STORE] [--by-guide] [--format table|csv]
    guidedesk-hq revoke-device DEVICE_ID
    guidedesk-hq rotate-key
    guidedesk-hq prune
    guidedesk-hq add-user USERNAME --role admin|operator|analyst [--name NAME] [--password-stdin]
    guidedesk-hq api-key USERNAME [--label LABEL]
    guidedesk-hq erase-member MEMBER --reason TEXT [--by NAME]
    guidedesk-hq withdraw-consent MEMBER [--by NAME]
    guidedesk-hq export-members STORE --out FILE.csv|FILE.xlsx [--reveal-phones --purpose TEXT] [--by NAME]
    guidedesk-hq demo [--stores N] [--members-per-store M] [--seed S] [--force] [--json]

Settings come from the environment (hq/config.py); `--db-url` overrides GUIDEDESK_HQ_DB_URL. STORE is a
store id or code, MEMBER a member id or card number. Secrets (device codes, generated PINs) are printed
once and never stored in the clear. The file and report commands live in hq/cli_files.py and
hq/cli_reports.py; a bad file line is reported by its line number and nothing is written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from hq import cli_files, cli_reports, cli_users
from hq.config import Settings
from hq.db.bootstrap import HqFacts, bootstrap, renew_epoch
from hq.db.database import HqDatabase
from hq.db.migrate import migrate
from hq.demo import seed_demo
from hq.errors import HqError
from hq.runtime import HqRuntime
from hq.services.admin import audit
from hq.services.devices import issue_enrollment_code, revoke_device
from hq.services.guides import add_guide
from hq.services.members import find_member
from hq.services.policy import current_policy
from hq.services.privacy import erase_member, export_members, prune_personal, withdraw_consent
from hq.services.qrkeys import SigningKeyUnavailable, create_signing_key, mint_member_code
from hq.services.stores import create_store
from hq.sync.changes import ChangeSet, prune_removes, record

Out = Callable[[str], None]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guidedesk-hq", description="GuideDesk HQ server and admin tools")
    parser.add_argument("--db-url", help="SQLAlchemy URL (default: GUIDEDESK_HQ_DB_URL or a SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--db-url", dest="serve_db_url", help="same as the global --db-url")
    sub.add_parser("migrate", help="bring the database schema to head and bootstrap it")
    sub.add_parser("gen-token", help="print a strong random admin token (for GUIDEDESK_HQ_ADMIN_TOKEN)")
    store = sub.add_parser("create-store", help="a new store")
    store.add_argument("code")
    store.add_argument("name")
    guide = sub.add_parser("add-guide", help="a guide or manager of a store, with an offline-login PIN")
    guide.add_argument("store")
    guide.add_argument("employee_no")
    guide.add_argument("name")
    guide.add_argument("--role", choices=("guide", "manager"), default="guide")
    guide.add_argument("--pin", help="6–12 digits (default: asked for, or generated with --generate-pin)")
    guide.add_argument("--generate-pin", action="store_true", help="make a random 6-digit PIN and print it")
    code = sub.add_parser("enroll-code", help="a one-time code that enrolls one workstation of a store")
    code.add_argument("store")
    code.add_argument("--ttl-hours", type=float, default=None)
    member = sub.add_parser(
        "member-code", help="a fresh dynamic member code, printed and written as a QR PNG"
    )
    member.add_argument("member")
    member.add_argument("--out", type=Path, help="PNG path (default: member-<card>.png)")
    member.add_argument("--ttl-seconds", type=int, default=None)
    member.add_argument(
        "--format",
        choices=["compact", "gdm1"],
        default="compact",
        help="compact m1. code (default: 149 characters, no capitals) or the older GDM1 code",
    )
    revoke = sub.add_parser("revoke-device", help="revoke a workstation; it wipes its replica at next sync")
    revoke.add_argument("device_id")
    cli_files.add_commands(sub)
    cli_reports.add_commands(sub)
    cli_users.add_commands(sub)
    sub.add_parser("rotate-key", help="a new member-code signing key (old keys keep verifying)")
    sub.add_parser(
        "prune",
        help="drop change-index removes older than the retention period, and visits, audit rows and notes "
        "older than the policy's retention_days",
    )
    erase = sub.add_parser(
        "erase-member", help="erase a member (PIPL Art. 47) at HQ and on every workstation"
    )
    erase.add_argument("member")
    erase.add_argument("--reason", required=True, help="why (audited; e.g. the request's ticket number)")
    erase.add_argument("--by", default=None, help="who asked for it (default: the shell user)")
    export = sub.add_parser("export-members", help="a store's members, phones masked unless revealed")
    export.add_argument("store")
    export.add_argument("--out", type=Path, required=True, help=".csv or .xlsx")
    export.add_argument("--reveal-phones", action="store_true", help="full numbers (needs --purpose)")
    export.add_argument("--purpose", default=None, help="why full numbers are needed (audited)")
    export.add_argument("--by", default=None)
    withdraw = sub.add_parser("withdraw-consent", help="a member leaves outreach: no task lists, no contact")
    withdraw.add_argument("member")
    withdraw.add_argument("--by", default=None)
    sub.add_parser(
        "new-epoch",
        help="after restoring a backup: every workstation re-pulls its store and re-sends what HQ lost",
    )
    demo = sub.add_parser("demo", help="seed a demo chain; prints enrollment codes and PINs once")
    demo.add_argument("--stores", type=int, default=3)
    demo.add_argument("--members-per-store", type=int, default=2_000)
    demo.add_argument("--seed", type=int, default=1, help="same seed, same data (PINs and codes stay random)")
    demo.add_argument("--force", action="store_true", help="add a demo to an HQ that already has stores")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON (for launchers)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()  # raises ConfigError for a bad value: main prints it
    url = getattr(args, "serve_db_url", None) or args.db_url
    return replace(settings, db_url=url) if url else settings


def main(argv: Sequence[str] | None = None, *, out: Out = print) -> int:
    args = _parser().parse_args(argv)
    if args.command == "gen-token":
        from hq.security.tokens import new_admin_token

        out(new_admin_token())
        return 0
    from hq.config import ConfigError

    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    facts = _migrate(settings)  # every command starts from a current schema: zero set-up
    if args.command == "serve":
        return _serve(settings, args, out)
    if args.command == "migrate":
        out(f"migrated {_shown(settings.db_url)} (epoch {facts.epoch})")
        return 0
    runtime = HqRuntime.open(settings)
    try:
        return COMMANDS[args.command](runtime, args, out)
    except HqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        runtime.close()


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _migrate(settings: Settings) -> HqFacts:
    db = HqDatabase(settings.db_url, pool_size=1)
    try:
        migrate(db.engine)
        return bootstrap(db, settings)
    finally:
        db.dispose()


def _serve(settings: Settings, args: argparse.Namespace, out: Out) -> int:
    from hq.config import ConfigError
    from hq.serving import serve

    try:
        settings.check()  # a weak admin token stops here, before a worker starts
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    # Migrated once, above, before any worker starts; workers only bootstrap (idempotent). Removes past
    # retention are pruned at each start too (run `prune` daily from cron on an HQ that never restarts).
    runtime = HqRuntime.open(settings)
    try:
        _prune(runtime, args, out)
    finally:
        runtime.close()
    os.environ["GUIDEDESK_HQ_DB_URL"] = settings.db_url  # workers read their settings from the environment
    out(
        f"GuideDesk HQ on http://{args.host}:{args.port}, {args.workers} worker(s), {_shown(settings.db_url)}"
    )
    if settings.admin_listen:
        out(f"admin API and console on http://{settings.admin_listen} only")
    serve(
        host=args.host,
        port=args.port,
        workers=args.workers,
        trust_forwarded=settings.trust_forwarded,
        staff_listen=settings.admin_listen,
    )
    return 0


def _create_store(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        changes = ChangeSet()
        store = create_store(s, code=args.code, name=args.name, now=runtime.now(), changes=changes)
        record(s, changes, now=runtime.now())
    out(f"store {store.code} {store.name} id={store.id}")
    return 0


def _add_guide(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    pin = args.pin
    generated = False
    if pin is None and args.generate_pin:
        pin, generated = f"{secrets.randbelow(10**6):06d}", True
    if pin is None:
        pin = getpass.getpass("PIN (4-12 digits): ")
    with runtime.db.write() as s:
        changes = ChangeSet()
        guide = add_guide(
            s, store=args.store, employee_no=args.employee_no, name=args.name, pin=pin,
            role=args.role, now=runtime.now(), changes=changes,
        )  # fmt: skip
        record(s, changes, now=runtime.now())
    out(f"{guide.role} {guide.employee_no} {guide.name} id={guide.id}" + (f" pin={pin}" if generated else ""))
    return 0


def _enroll_code(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    hours = args.ttl_hours if args.ttl_hours is not None else runtime.settings.enroll_code_ttl_hours
    with runtime.db.write() as s:
        issued = issue_enrollment_code(
            s, store=args.store, now=runtime.now(), ttl=timedelta(hours=hours), by="cli"
        )
    out(f"enrollment code {issued.code} (single use, expires {issued.expires_at.isoformat()})")
    return 0


def _member_code(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    from app.qr import qr_png_for_width

    with runtime.db.read() as s:
        member = find_member(s, args.member)
        ttl = args.ttl_seconds or current_policy(s).code_ttl_seconds
        try:
            code = mint_member_code(
                s,
                master_secret=runtime.facts.master_secret,
                member_id=member.id,
                now=runtime.now(),
                ttl_seconds=ttl,
                compact=args.format == "compact",
            )
        except SigningKeyUnavailable:
            print(
                "error: no usable signing key (did the master secret change?): run rotate-key",
                file=sys.stderr,
            )
            return 2
    path = args.out or Path(f"member-{member.card_no}.png")
    path.write_bytes(qr_png_for_width(code, 300))
    out(code)
    out(f"QR written to {path} (valid {ttl} s)")
    return 0


def _revoke(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        changed = revoke_device(s, device_id=args.device_id, now=runtime.now(), by="cli")
    out(f"device {args.device_id} " + ("revoked" if changed else "was already revoked"))
    return 0


def _rotate(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        changes = ChangeSet()
        key_id = create_signing_key(
            s, master_secret=runtime.facts.master_secret, now=runtime.now(), changes=changes
        )
        record(s, changes, now=runtime.now())
    out(f"new signing key {key_id}; older keys still verify until retired")
    return 0


def _new_epoch(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        epoch = renew_epoch(s)
        audit(s, action="hq.epoch_renewed", now=runtime.now(), details={"epoch": epoch})
    out(f"new epoch {epoch}: restart every HQ worker; each workstation re-pulls its store at its next sync")
    return 0


def _prune(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    now = runtime.now()
    before = now - timedelta(days=runtime.settings.retention_days)
    dropped = prune_removes(runtime.db, before=before)
    out(f"pruned {dropped} removes older than {before.date().isoformat()}")
    changes = ChangeSet()
    with runtime.db.write() as s:
        days = current_policy(s).retention_days
        pruned = prune_personal(s, now=now, retention_days=days, changes=changes)
        record(s, changes, now=now)
    out(
        f"pruned {pruned.visits} visits, {pruned.audit_events} audit rows, {pruned.notes} notes "
        f"older than {days} days"
    )
    return 0


def _who(args: argparse.Namespace) -> str:
    return str(args.by or f"cli:{getpass.getuser()}")


def _erase(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    changes = ChangeSet()
    now = runtime.now()
    with runtime.db.write() as s:
        erased = erase_member(
            s, member=args.member, reason=args.reason, by=_who(args), now=now, changes=changes
        )
        record(s, changes, now=now)
    if erased.already:
        out(f"member {erased.member_id} was already erased at {erased.requested_at.isoformat()}")
    else:
        out(f"erased member {erased.member_id}; {len(erased.scopes)} store scope(s) told to purge it")
    return 0


def _export_members(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    from hq.console.export import csv_bytes, xlsx_bytes

    if args.reveal_phones and not args.purpose:
        print("error: --reveal-phones needs --purpose (it is audited)", file=sys.stderr)
        return 2
    with runtime.db.write() as s:
        export = export_members(s, store=args.store, by=_who(args), now=runtime.now(),
                                reveal_purpose=args.purpose if args.reveal_phones else None)  # fmt: skip
    table: list[list[Any]] = [list(export.header), *[list(r) for r in export.rows]]
    data = xlsx_bytes(table, sheet="members") if args.out.suffix.lower() == ".xlsx" else csv_bytes(table)
    args.out.write_bytes(data)
    shown = "full phones (audited with the purpose)" if export.phones_revealed else "masked phones"
    out(f"wrote {len(export.rows)} member(s) with {shown} to {args.out}")
    return 0


def _withdraw(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    changes = ChangeSet()
    now = runtime.now()
    with runtime.db.write() as s:
        view = withdraw_consent(s, member=args.member, by=_who(args), now=now, changes=changes)
        record(s, changes, now=now)
    out(f"member {view.member_id} withdrew consent; {view.cancelled_tasks} open task item(s) cancelled")
    return 0


def _demo(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    demo = seed_demo(
        runtime, stores=args.stores, members_per_store=args.members_per_store, seed=args.seed,
        force=args.force, progress=lambda line: print(line, file=sys.stderr, flush=True),
    )  # fmt: skip
    if args.json:
        out(json.dumps(asdict(demo), ensure_ascii=False, default=str))
        return 0
    out(f"demo chain: {demo.members:,} members, {demo.member_tags:,} member tags, {demo.bindings:,} bindings")
    for store in demo.stores:
        out(f"store {store.code} {store.name} id={store.id} members={store.members:,}")
        expires = store.code_expires_at.isoformat()
        out(f"  enrollment code {store.enrollment_code} (single use, expires {expires})")
        for login in (x for x in demo.logins if x.store_code == store.code):
            out(f"  {login.role} {login.employee_no} {login.name} pin={login.pin}")
    return 0


COMMANDS: dict[str, Callable[[HqRuntime, argparse.Namespace, Out], int]] = {
    "create-store": _create_store,
    "add-guide": _add_guide,
    "enroll-code": _enroll_code,
    "member-code": _member_code,
    "import-members": cli_files.import_members_cmd,
    "publish-tasks": cli_files.publish_tasks_cmd,
    "conflicts": cli_reports.conflicts_cmd,
    "stats": cli_reports.stats_cmd,
    "revoke-device": _revoke,
    "rotate-key": _rotate,
    "new-epoch": _new_epoch,
    "prune": _prune,
    "erase-member": _erase,
    "withdraw-consent": _withdraw,
    "export-members": _export_members,
    "demo": _demo,
    **cli_users.COMMANDS,
}


if __name__ == "__main__":
    sys.exit(main())
