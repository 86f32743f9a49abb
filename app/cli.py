"""`guidedesk`: the headless commands a store's IT support uses and scripts drive.

    guidedesk [--data-dir DIR] status [--json]
    guidedesk [--data-dir DIR] scan CODE --guide EMP [--json]
    guidedesk [--data-dir DIR] outbox [--state pending|sent|acked|rejected] [--json]
    guidedesk [--data-dir DIR] stats --from DATE --to DATE --format xlsx|csv --out FILE --manager EMP
    guidedesk [--data-dir DIR] login-test --employee EMP          (PIN read from stdin or a prompt)
    guidedesk [--data-dir DIR] guide-qr EMP --out FILE.png [--width PX]
    guidedesk [--data-dir DIR] enroll --hq URL --code CODE [--ca FILE] [--insecure]
    guidedesk [--data-dir DIR] sync [--watch] [--json]
    guidedesk [--data-dir DIR] conflicts [--json]
    guidedesk [--data-dir DIR] purge [--json]                     (drop what is older than the retention)

Every failure prints `error: <code>` with its details on stderr and exits non-zero (2 for bad usage or
input, 1 for a refusal), so scripts can switch on the code. Manager commands ask for the manager's PIN.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.clock import store_day
from app.errors import GuideDeskError
from app.services.common import GuideRef
from app.workstation import Workstation, default_data_dir


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, GuideDeskError):
        return {"code": value.code, "details": _jsonable(value.details)}
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True))


def _guide_ref(ws: Workstation, employee_no: str) -> GuideRef:
    """The guide a command acts as (looked up, not logged in: IT support tools run without PINs)."""
    from app.services.guides import guide_by_employee_no

    with ws.db.read() as s:
        guide = guide_by_employee_no(s, employee_no)
    if guide is None:
        raise GuideDeskError("unknown_guide", employee_no=employee_no)
    return guide


def _read_pin(prompt: str) -> str:
    return getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().strip()


# ---------------------------------------------------------------- commands


def cmd_status(ws: Workstation, args: argparse.Namespace) -> int:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from app.db.database import alembic_config
    from app.services.station import replica_counts, station_info

    with ws.db.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config(ws.db.engine)).get_current_head()
    with ws.db.read() as s:
        info, counts = station_info(s), replica_counts(s)
    status = {
        "data_dir": str(ws.data_dir),
        "schema_revision": revision,
        "schema_current": revision == head,
        "members": counts.members,
        "guides": counts.guides,
        "outbox_pending": info.pending,
        "outbox_rejected": info.rejected,
        "open_conflicts": info.open_conflicts,
        "enrolled": info.enrolled,
        "store": info.store_code or None,
        "hq_url": info.hq_url or None,
        "last_sync_at": info.last_sync_at,
        "clock_offset_ms": info.clock_offset_ms,
    }
    if args.json:
        _print_json(status)
    else:
        for key, value in status.items():
            print(f"{key:>16}: {_jsonable(value)}")
    return 0


def cmd_scan(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.scan import scan_at_counter

    guide = _guide_ref(ws, args.guide)
    with ws.db.transaction() as s:  # a real scan: a dynamic code's nonce is spent, the visit recorded
        scanned = scan_at_counter(
            s, text=args.code, guide=guide, now=ws.clock.now(), code_now=ws.hq_now(), cipher=ws.cipher
        )
    hit, card = scanned.hit, scanned.card
    if args.json:
        _print_json({"hit": hit, "card": card})
    else:
        print(f"{card.name}  {card.phone_masked}  {card.level}  {card.stage}")
    return 0


def cmd_outbox(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.outbox import list_outbox

    with ws.db.read() as s:
        entries = list_outbox(s, states=(args.state,) if args.state else None, limit=args.limit)
    if args.json:
        _print_json(entries)
    else:
        for e in entries:
            print(f"{e.id:>8}  {e.state:<8}  {e.created_at:%Y-%m-%d %H:%M:%S}  {e.name}")
        print(f"{len(entries)} mutation(s)")
    return 0


def cmd_login_test(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.guides import login

    guide = login(ws.db, employee_no=args.employee, pin=_read_pin("PIN: "), now=ws.clock.now())
    print(f"ok: {guide.employee_no} {guide.name} ({guide.role})")
    return 0


def cmd_stats(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.export import export_stats
    from app.services.guides import require_manager
    from app.services.stats import guide_day_stats

    start, end = args.date_from, args.date_to
    manager = require_manager(
        ws.db, employee_no=args.manager, pin=_read_pin("Manager PIN: "), now=ws.clock.now()
    )
    now = ws.clock.now()
    with ws.db.transaction() as s:  # the export is audited
        report = guide_day_stats(s, store_id=manager.store_id, start=start, end=end, now=now)
        result = export_stats(
            s, report=report, path=Path(args.out), fmt=args.format, headers=None, guide=manager, now=now
        )
    print(f"wrote {result.rows} row(s) to {result.path}")
    return 0


def cmd_purge(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.privacy import run_retention

    purged = run_retention(ws.db, now=ws.clock.now())
    if args.json:
        _print_json(purged)
        return 0
    print(
        f"purged {purged.visits} visit(s), {purged.audit_events} audit row(s), {purged.notes} note(s), "
        f"{purged.transfer_requests} transfer request(s); {purged.outbox} outbox row(s) kept as ids only; "
        f"older than {purged.cutoff.date().isoformat()}"
    )
    return 0


def cmd_guide_qr(ws: Workstation, args: argparse.Namespace) -> int:
    from app.qr import guide_code, qr_png_for_width

    guide = _guide_ref(ws, args.employee)
    Path(args.out).write_bytes(qr_png_for_width(guide_code(guide.id), args.width))
    print(f"wrote {args.out} ({guide.name}, {store_day(ws.clock.now())})")
    return 0


def cmd_enroll(ws: Workstation, args: argparse.Namespace) -> int:
    from app.sync.device import enroll_device

    enrollment = enroll_device(ws, hq_url=args.hq, code=args.code, ca_path=args.ca, insecure=args.insecure)
    print(f"enrolled as device {enrollment.device_id} of {enrollment.store_code} {enrollment.store_name}")
    return 0


def _print_sync(report: Any, as_json: bool) -> None:
    if as_json:
        _print_json(report)
        return
    if report.skipped:
        print(f"sync skipped: {report.skipped}")
    elif report.error is not None:
        print(f"sync failed: {report.error.kind} ({report.error.code})")
    else:
        print(
            f"sync {report.action}: pushed {report.pushed} (applied {report.applied}, merged {report.merged},"
            f" rejected {len(report.rejections)}), pulled {report.pulled} change(s) in {report.pages} page(s)"
        )
    for r in report.rejections:
        print(f"  rejected #{r.id} {r.name}: {r.code} {r.details}")
    if report.clock_warning:
        print(f"  warning: this PC's clock is off by {report.clock_offset_ms / 1000:.0f} s")


def cmd_sync(ws: Workstation, args: argparse.Namespace) -> int:
    import time

    from app.sync.device import open_client
    from app.sync.engine import SyncEngine
    from app.sync.scheduler import SyncScheduler

    client = open_client(ws, ca_path=args.ca)
    try:
        if not args.watch:
            report = SyncEngine(ws, client).run()
            _print_sync(report, args.json)
            return 0 if report.ok else 1
        scheduler = SyncScheduler()
        while True:  # until Ctrl+C: the headless equivalent of the app's sync loop
            now = time.monotonic()
            if scheduler.due(now):
                scheduler.started()
                report = SyncEngine(ws, client).run()
                scheduler.finished(time.monotonic(), ok=report.ok)
                _print_sync(report, args.json)
                if report.action in ("device_revoked", "upgrade_required"):
                    return 1
            time.sleep(min(1.0, scheduler.seconds_until_due(time.monotonic())) or 0.1)
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()


def cmd_conflicts(ws: Workstation, args: argparse.Namespace) -> int:
    from app.services.station import list_conflicts

    with ws.db.read() as s:
        conflicts = [
            {
                "member_id": c.member_id,
                "member": c.member_name,
                "losing_guide": c.losing_guide_name,
                "winning_guide": c.winning_guide_name,
                "winning_store": c.winning_store_name,
                "created_at": c.created_at,
                "resolved": c.resolved,
            }
            for c in list_conflicts(s)
        ]
    if args.json:
        _print_json(conflicts)
    else:
        for c in conflicts:
            won_by = f"{c['winning_guide']} ({c['winning_store']})"
            print(f"{c['created_at']:%Y-%m-%d %H:%M}  member {c['member_id']}  won by {won_by}")
        print(f"{len(conflicts)} conflict(s)")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guidedesk", description="GuideDesk 导购台 workstation tools")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"default: {default_data_dir()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("status", help="schema, counts, pending outbox, sync position")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("scan", help="resolve a scanned code and print the member card")
    p.add_argument("code")
    p.add_argument("--guide", required=True, metavar="EMP")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_scan)

    p = sub.add_parser("outbox", help="list mutations made here")
    p.add_argument("--state", choices=["pending", "sent", "acked", "rejected"])
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_outbox)

    p = sub.add_parser("stats", help="export manager stats per guide per day")
    p.add_argument("--from", dest="date_from", type=_day, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_day, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("--out", required=True)
    p.add_argument("--manager", required=True, metavar="EMP")
    p.set_defaults(run=cmd_stats)

    p = sub.add_parser("login-test", help="check a guide's PIN (counts towards the lock-out)")
    p.add_argument("--employee", required=True, metavar="EMP")
    p.set_defaults(run=cmd_login_test)

    p = sub.add_parser("guide-qr", help="write a guide's binding QR code as PNG")
    p.add_argument("employee", metavar="EMP")
    p.add_argument("--out", required=True)
    p.add_argument("--width", type=int, default=600, help="pixels (poster at 300 dpi: ~2000)")
    p.set_defaults(run=cmd_guide_qr)

    p = sub.add_parser("enroll", help="enroll this workstation with HQ using a one-time code")
    p.add_argument("--hq", required=True, metavar="URL")
    p.add_argument("--code", required=True)
    p.add_argument(
        "--ca", default=None, metavar="FILE", help="CA bundle for an HQ with a private certificate"
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain http to HQ on another machine (the token and members' data travel readable)",
    )
    p.set_defaults(run=cmd_enroll)

    p = sub.add_parser("sync", help="sync with HQ once, or keep syncing with --watch")
    p.add_argument("--watch", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--ca", default=None, metavar="FILE")
    p.set_defaults(run=cmd_sync)

    p = sub.add_parser("conflicts", help="binding conflicts HQ decided against or for this store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_conflicts)

    p = sub.add_parser("purge", help="delete local visits, audit rows and notes older than the retention")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_purge)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        ws = Workstation.open(args.data_dir)
    except OSError as exc:
        print(f"error: data_dir_unusable ({exc})", file=sys.stderr)
        return 2
    except GuideDeskError as exc:  # the phone key cannot be read or is not the data's: nothing written
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return int(args.run(ws, args))
    except GuideDeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
