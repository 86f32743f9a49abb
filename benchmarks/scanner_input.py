"""Scanner input benchmark (docs/benchmarks-ui.md, "Scanner input"): what a keyboard-mode scanner costs
before and after its Enter.

    .venv/bin/python -m benchmarks.scanner_input                 # typing model, filter cost per key
    .venv/bin/python -m benchmarks.scanner_input --card          # + Enter → card painted at 1,000,000
                                                                 #   members, 100,000 card repaints (RSS)

1. **Typing time** of a dynamic member code as HQ mints it, `GDM1` and compact `m1.`, at 1 ms and 8 ms
   per USB report. HID reports are modelled: each character is a key-down and a key-up report; a
   character that needs Shift either carries Shift in the same reports ("Shift in report") or costs a
   Shift-down and a Shift-up report of its own ("Shift keys", as many scanners do); Enter is one more
   pair. Each stream is then fed through the real `KeyboardScanFilter` (QKeyEvents stamped with the
   modelled times) into a note field, to check it is taken whole as a scan and the note is untouched.
2. **Filter cost per key**: a whole burst (code + Enter) sent through the filter, per key, against the
   floor of an application event filter that does nothing (the least any Python filter costs).
3. (`--card`) **Enter of a scanner burst → card painted** on the counter page over the 1,000,000-member
   benchmark workstation (benchmarks/dataset.py): from the Enter key event until the page's pending
   paint is flushed (filter → scan service → visit recorded → card built → labels set → painted), with
   the inline task runner (the threaded one adds a cross-thread hand-off). Floor: a bare label repaint
   in the same window. Then **100,000 card repaints** (50 different members in turn) with RSS before and
   after.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GUIDEDESK_KEYRING", "file")

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.qr import sign_compact_member_code, sign_member_code
from benchmarks import report
from ui.scanner import KeyboardScanFilter

SHIFTED = set('ABCDEFGHIJKLMNOPQRSTUVWXYZ~!@#$%^&*()_+{}|:"<>?')
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def _codes(n: int, seed: int = 7) -> dict[str, list[str]]:
    """Codes as HQ mints them (`mint_member_code`): UUID members, key "k1", 300 s lifetime."""
    rng = random.Random(seed)
    key = Ed25519PrivateKey.generate()
    out: dict[str, list[str]] = {"GDM1": [], "compact m1.": []}
    for _ in range(n):
        member = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        out["GDM1"].append(sign_member_code(key, key_id="k1", member_id=member, issued=T0, ttl_seconds=300))
        out["compact m1."].append(
            sign_compact_member_code(key, key_id="k1", member_id=member, issued=T0, ttl_seconds=300)
        )
    return out


# ---------------------------------------------------------------- 1. typing model


@dataclass(frozen=True)
class Stroke:
    """One QKeyEvent of the modelled stream, at `ms` after the first report."""

    ms: int
    press: bool
    key: int
    text: str
    shift: bool


def hid_stream(code: str, report_ms: int, *, shift_keys: bool) -> tuple[list[Stroke], int]:
    """The key events a scanner's reports produce for `code` + Enter, and the reports' total time."""
    strokes: list[Stroke] = []
    t = 0
    for ch in [*code, "\r"]:
        key = Qt.Key.Key_Return if ch == "\r" else _key_of(ch)
        text = "" if ch == "\r" else ch
        shifted = ch in SHIFTED
        if shifted and shift_keys:
            strokes.append(Stroke(t, True, Qt.Key.Key_Shift, "", True))
            t += report_ms
        strokes.append(Stroke(t, True, key, text, shifted))
        t += report_ms
        strokes.append(Stroke(t, False, key, text, shifted))
        t += report_ms
        if shifted and shift_keys:
            strokes.append(Stroke(t, False, Qt.Key.Key_Shift, "", False))
            t += report_ms
    return strokes, t


def _key_of(ch: str) -> int:
    if ch.isalpha():
        return int(Qt.Key.Key_A) + ord(ch.upper()) - ord("A")
    if ch.isdigit():
        return int(Qt.Key.Key_0) + ord(ch) - ord("0")
    return {":": Qt.Key.Key_Colon, ".": Qt.Key.Key_Period, "-": Qt.Key.Key_Minus, "_": Qt.Key.Key_Underscore}[
        ch
    ]


def _event(s: Stroke, base_ms: int) -> QKeyEvent:
    mods = Qt.KeyboardModifier.ShiftModifier if s.shift else Qt.KeyboardModifier.NoModifier
    kind = QEvent.Type.KeyPress if s.press else QEvent.Type.KeyRelease
    ev = QKeyEvent(kind, s.key, mods, s.text)
    ev.setTimestamp(base_ms + s.ms)
    return ev


class _Page(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.scan_edit = QLineEdit()
        self.note = QPlainTextEdit()
        layout = QVBoxLayout(self)
        layout.addWidget(self.scan_edit)
        layout.addWidget(self.note)
        self.resize(800, 500)


def typing_model(codes: dict[str, list[str]]) -> list[dict[str, Any]]:
    page = _Page()
    page.show()
    flt = KeyboardScanFilter(page, page.scan_edit)
    got: list[str] = []
    flt.scanned.connect(got.append)
    rows = []
    base = 10_000_000
    for fmt, texts in codes.items():
        lengths = [len(c) for c in texts]
        shifted = [sum(ch in SHIFTED for ch in c) for c in texts]
        for report_ms in (1, 8):
            for shift_keys in (False, True):
                totals, whole = [], 0
                for code in texts:
                    strokes, total = hid_stream(code, report_ms, shift_keys=shift_keys)
                    totals.append(total)
                    page.note.setPlainText("回访")
                    got.clear()
                    base += total + 1000  # a pause before each scan
                    for s in strokes:
                        QCoreApplication.sendEvent(page.note, _event(s, base))
                    whole += got == [code] and page.note.toPlainText() == "回访"
                rows.append(
                    {
                        "format": fmt,
                        "length": statistics.mean(lengths),
                        "shifted": statistics.mean(shifted),
                        "report_ms": report_ms,
                        "shift_keys": shift_keys,
                        "reports": statistics.mean(t / report_ms for t in totals),
                        "seconds": statistics.mean(totals) / 1000,
                        "whole": whole,
                        "n": len(texts),
                    }
                )
    flt.remove()
    page.close()
    return rows


# ---------------------------------------------------------------- 2. filter cost per key


class _NoOp(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # the least a Python filter costs
        return False


def filter_cost(codes: list[str], rounds: int) -> dict[str, Any]:
    page = _Page()
    page.show()
    page.note.setFocus()
    bursts = []
    base = 50_000_000
    for code in codes:
        strokes, total = hid_stream(code, 1, shift_keys=False)
        base += total + 1000
        bursts.append([(_event(s, base)) for s in strokes])
    keys = statistics.mean(len(b) for b in bursts)

    def send(burst: list[QKeyEvent]) -> None:
        for ev in burst:
            QCoreApplication.sendEvent(page.note, ev)

    subject_ns: list[int] = []
    floor_ns: list[int] = []
    per_round = max(1, len(bursts) // rounds)
    for r in range(rounds):
        chunk = bursts[r * per_round : (r + 1) * per_round]
        flt = KeyboardScanFilter(page, page.scan_edit)
        for burst in chunk:
            t0 = time.perf_counter_ns()
            send(burst)
            subject_ns.append(time.perf_counter_ns() - t0)
        flt.remove()
        flt.deleteLater()
        noop = _NoOp()
        QApplication.instance().installEventFilter(noop)  # type: ignore[union-attr]
        # The floor's events go to a read-only widget, so neither side pays for text insertion.
        page.note.setReadOnly(True)
        for burst in chunk:
            t0 = time.perf_counter_ns()
            send(burst)
            floor_ns.append(time.perf_counter_ns() - t0)
        page.note.setReadOnly(False)
        QApplication.instance().removeEventFilter(noop)  # type: ignore[union-attr]
        page.note.clear()
    page.close()
    med_s, med_f = statistics.median(subject_ns), statistics.median(floor_ns)
    return {
        "keys_per_burst": keys,
        "burst_us": med_s / 1000,
        "per_key_us": med_s / keys / 1000,
        "floor_per_key_us": med_f / keys / 1000,
        "ratio": med_s / med_f,
        "bursts": len(subject_ns),
    }


# ---------------------------------------------------------------- 3. Enter → card painted at 1,000,000


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _workstation(members: int, data_dir: Path | None) -> tuple[Any, Ed25519PrivateKey, str, str]:
    """(workstation, HQ signing key, key id, dataset words): a fresh copy of the benchmark dataset, or
    of another 1 M-member data dir (`--data-dir`, e.g. benchmarks/ui_dataset.py's) given a key of ours."""
    import shutil

    from app.clock import FixedClock, SystemClock
    from app.db.models import QrKey
    from app.qr import public_key_bytes
    from app.workstation import Workstation
    from benchmarks.dataset import BENCH_DATA, ensure_dataset, fresh_copy
    from demo.workstation import load_demo_signing_key

    if data_dir is None:
        dataset = ensure_dataset(members)
        run_dir = fresh_copy(dataset)
        ws = Workstation.open(run_dir, clock=FixedClock(dataset.now))
        words = f"benchmarks/dataset.py ({dataset.summary['members']:,} members)"
        return ws, load_demo_signing_key(run_dir), dataset.summary["key_id"], words
    run_dir = BENCH_DATA / "scanner-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    for item in Path(data_dir).iterdir():
        if item.is_file():
            shutil.copy2(item, run_dir / item.name)
    ws = Workstation.open(run_dir, clock=SystemClock())
    key = Ed25519PrivateKey.generate()
    with ws.db.transaction() as s:
        s.add(QrKey(key_id="bench", public_key=public_key_bytes(key), active=True, version=1))
    return ws, key, "bench", f"a copy of {data_dir}"


def card_benchmark(members: int, iterations: int, repaints: int, data_dir: Path | None) -> dict[str, Any]:
    from sqlalchemy import text

    from app.qr import compact_representable
    from app.services.common import GuideRef
    from benchmarks.timing import Stats
    from ui.context import AppContext, GuideSession
    from ui.pages.counter import CounterPage, _card_view
    from ui.resources import style_sheet
    from ui.scanner import ScannerInput
    from ui.settings import Settings
    from ui.tasks import TaskRunner

    ws, key, key_id, dataset_words = _workstation(members, data_dir)
    run_dir = ws.data_dir
    with ws.db.read() as s:
        guide_row = s.execute(
            text("SELECT id, store_id, employee_no, name, role FROM guides WHERE role = 'guide' LIMIT 1")
        ).one()
        member_ids = [r[0] for r in s.execute(text("SELECT id FROM members ORDER BY random() LIMIT :n"),
                                               {"n": iterations + 100})]  # fmt: skip
    guide = GuideRef(*guide_row)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(style_sheet())
    settings = Settings.for_data_dir(run_dir / "ui-bench")
    runner = TaskRunner(ws, inline=True)
    ctx = AppContext(ws=ws, runner=runner, settings=settings, session=GuideSession())
    ctx.session.log_in(guide)
    page = CounterPage(ctx)
    # Inside a fixed-size window, as in the shell: a card change relays the page out, never the window.
    window = QWidget()
    QVBoxLayout(window).addWidget(page)
    window.setFixedSize(1366, 768)
    window.show()
    if getattr(page, "scanner", None) is None:  # pages before the scanner was wired in
        page.scanner = ScannerInput(page, page.scan_edit)
        page.scanner.scanned.connect(page.scan)
    floor_label = QLabel("李涵萱")
    floor_label.setObjectName("memberName")
    floor_label.resize(300, 60)
    floor_label.show()
    app.processEvents()

    now = ws.hq_now()
    compact = all(compact_representable(member_id=m, ttl_seconds=300) for m in member_ids)
    sign = sign_compact_member_code if compact else sign_member_code  # ids that are not UUIDs: GDM1
    codes = [sign(key, key_id=key_id, member_id=m, issued=now, ttl_seconds=300) for m in member_ids]
    with ws.db.read() as s:
        member_count = s.execute(text("SELECT count(*) FROM members")).scalar_one()
    base = 90_000_000
    shown_ok = 0
    subject_ns: list[int] = []
    floor_ns: list[int] = []
    warmup = 50
    names = ["李涵萱", "王芳", "张伟", "刘洋"]
    for i, code in enumerate(codes[: iterations + warmup]):
        strokes, total = hid_stream(code, 1, shift_keys=False)
        base += total + 1000
        events = [_event(s, base) for s in strokes]
        page.scan_edit.setFocus()
        for ev in events[:-2]:  # the burst, untimed
            QCoreApplication.sendEvent(page.scan_edit, ev)
        enter_press = events[-2]
        t0 = time.perf_counter_ns()
        QCoreApplication.sendEvent(page.scan_edit, enter_press)  # filter → scan → card shown
        page.repaint()  # flush the pending paint: the card is on screen
        t1 = time.perf_counter_ns()
        QCoreApplication.sendEvent(page.scan_edit, events[-1])
        floor_label.setText(names[i % len(names)])
        t2 = time.perf_counter_ns()
        floor_label.repaint()
        t3 = time.perf_counter_ns()
        if i >= warmup:
            subject_ns.append(t1 - t0)
            floor_ns.append(t3 - t2)
            shown_ok += page.card is not None and page.card.member_id == member_ids[i]
        app.processEvents()
    subject, floor = Stats.of(subject_ns), Stats.of(floor_ns)

    # 100,000 card repaints with RSS before and after.
    with ws.db.read() as s:
        views = [_card_view(s, m, guide, ws.clock.now()) for m in member_ids[:50]]
    for i in range(2000):  # warm-up: caches, fonts, style
        page._show(views[i % len(views)])
        page.card_view.repaint()
    app.processEvents()
    gc.collect()
    rss_before = _rss_mb()
    started = time.perf_counter()
    rss_trace = []
    for i in range(repaints):
        page._show(views[i % len(views)])
        page.card_view.repaint()
        if i % 5000 == 0:
            app.processEvents()
        if i % 10_000 == 0:
            rss_trace.append(round(_rss_mb(), 1))
            print(f"  repaints {i:,}: RSS {rss_trace[-1]} MB", file=sys.stderr, flush=True)
    app.processEvents()
    gc.collect()
    rss_after = _rss_mb()
    seconds = time.perf_counter() - started
    window.close()
    floor_label.close()
    runner.shutdown()
    ws.close()
    return {
        "members": member_count,
        "dataset": dataset_words,
        "format": "compact m1." if compact else "GDM1",
        "subject": subject,
        "floor": floor,
        "shown_ok": shown_ok,
        "iterations": len(subject_ns),
        "repaints": repaints,
        "repaint_ms": seconds * 1000 / repaints,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "rss_trace": rss_trace,
    }


# ---------------------------------------------------------------- report


def _markdown(
    model: list[dict[str, Any]], cost: dict[str, Any], card: dict[str, Any] | None, info: dict[str, Any]
) -> str:
    out = [
        f"Run {info['date']} on {info['machine']}; load average before {info['load_before']}, after "
        f"{info['load_after']}. Command: `{info['command']}`.",
        "",
        "**Typing time of a dynamic member code** (HID reports modelled; whole = taken as one scan by the "
        "real filter with the note field untouched):",
        "",
        "| format | characters | need Shift | per USB report | Shift | reports | typing time | whole |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in model:
        out.append(
            f"| {r['format']} | {r['length']:.0f} | {r['shifted']:.0f} | {r['report_ms']} ms | "
            f"{'own reports' if r['shift_keys'] else 'in report'} | {r['reports']:.0f} | "
            f"**{r['seconds']:.3f} s** | {r['whole']}/{r['n']} |"
        )
    out += [
        "",
        "Budget (DESIGN.md §7): a dynamic code typed by a keyboard-mode scanner ≤ 0.3 s at 1 ms per report.",
        "",
        f"**Filter cost per key**: {cost['per_key_us']:.1f} µs per key event (median over {cost['bursts']} "
        f"bursts of {cost['keys_per_burst']:.0f} key events, code + Enter, into a note field: "
        f"{cost['burst_us'] / 1000:.2f} ms per burst); floor, an application event filter that does nothing: "
        f"{cost['floor_per_key_us']:.1f} µs per key event; ratio {cost['ratio']:.1f}×.",
    ]
    if card is not None:
        s, f = card["subject"], card["floor"]
        out += [
            "",
            f"**Enter of a scanner burst → card painted** at {card['members']:,} members, {card['dataset']} "
            f"({card['iterations']} scans of fresh {card['format']} codes of random members, typed into the "
            f"scan field; card shown for {card['shown_ok']}/{card['iterations']}; inline task runner):",
            "",
            "| what | median | p99 | max | floor (bare label repaint) median / p99 | ratio (median) "
            "| budget |",
            "|---|---|---|---|---|---|---|",
            f"| Enter → card painted | {s.median_us / 1000:.2f} ms | {s.p99_us / 1000:.2f} ms | "
            f"{s.max_us / 1000:.2f} ms | {f.median_us:.0f} µs / {f.p99_us:.0f} µs | "
            f"{s.median_us / f.median_us:.0f}× | median ≤ 5 ms, p99 ≤ 16 ms: "
            f"**{'PASS' if s.median_us <= 5000 and s.p99_us <= 16000 else 'MISSED'}** |",
            "",
            f"**{card['repaints']:,} card repaints** (50 members in turn, {card['repaint_ms']:.2f} ms each): "
            "RSS "
            f"{card['rss_before_mb']:.1f} MB → {card['rss_after_mb']:.1f} MB "
            f"({card['rss_after_mb'] - card['rss_before_mb']:+.1f} MB; budget ≤ 10 MB growth: "
            f"**{'PASS' if card['rss_after_mb'] - card['rss_before_mb'] <= 10 else 'MISSED'}**); RSS every "
            f"10,000 repaints (MB): {', '.join(str(x) for x in card['rss_trace'])}.",
        ]
    return "\n".join(out)


BEGIN = "<!-- BEGIN scanner input, generated by `python -m benchmarks.scanner_input` -->"
END = "<!-- END scanner input -->"


def write_doc(section: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# UI benchmarks\n"
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Scanner input\n\n" + _PROSE + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


_PROSE = """What a keyboard-mode scanner costs before its Enter (typing time of the two dynamic code
formats) and after it (the filter's cost per key; the card on screen). Method and models:
`benchmarks/scanner_input.py`; formats: `docs/member-codes.md`. Serial (USB-COM) scanners hand the whole
code over in one read, so their typing time is the line's transfer time (149 bytes at 115,200 baud ≈
13 ms)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scanner_input", description=__doc__)
    parser.add_argument("--codes", type=int, default=200, help="codes per format for the typing model")
    parser.add_argument("--card", action="store_true", help="also Enter → card at --members, and repaints")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=1000, help="timed scans for Enter → card")
    parser.add_argument("--repaints", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None, help="a 1 M-member data dir to copy instead")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    assert app is not None
    info = {
        "date": report.now_text(),
        "machine": report.machine().get("cpu", report.machine()),
        "load_before": report.load(),
        "command": " ".join(
            ["python -m benchmarks.scanner_input", *(argv if argv is not None else sys.argv[1:])]
        ),
    }
    codes = _codes(args.codes)
    print("typing model …", file=sys.stderr, flush=True)
    model = typing_model(codes)
    print("filter cost …", file=sys.stderr, flush=True)
    cost = filter_cost(codes["compact m1."] * 5, rounds=10)
    card = None
    if args.card:
        print(f"Enter → card at {args.members:,} members …", file=sys.stderr, flush=True)
        card = card_benchmark(args.members, args.iterations, args.repaints, args.data_dir)
    info["load_after"] = report.load()
    section = _markdown(model, cost, card, info)
    print(section)
    if not args.no_write:
        write_doc(section, Path(__file__).resolve().parents[1] / "docs" / "benchmarks-ui.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
