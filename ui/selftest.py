"""`guidedesk --self-test`: checks a build (a PyInstaller bundle above all) without a display or an HQ.

It opens a throw-away data dir (so the Alembic scripts and the SQLite driver are in the bundle),
renders the main window offscreen with the translations loaded (Qt plugins, QSS, icons, .qm files),
verifies a freshly signed member code in every format the counter accepts (cryptography), writes a
guide's binding QR as a PNG (qrcode + Pillow) and prints it as a PDF label (QtPrintSupport). Each step
prints one line; the exit status is 0 only when every step passed, so a store's IT or CI can check a
bundle with one command.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

Step = Callable[[Path], str]


def _database(tmp: Path) -> str:
    from app.workstation import Workstation

    ws = Workstation.open(tmp / "data")  # runs every client migration from the bundled scripts
    ws.close()
    size = sum(f.stat().st_size for f in (tmp / "data").iterdir() if f.is_file())
    return f"workstation database created and migrated ({size:,} bytes on disk)"


def _window(tmp: Path) -> str:
    from app.workstation import Workstation
    from ui.app import build_window, make_application
    from ui.i18n import install_translations
    from ui.settings import Settings

    app = make_application()
    ws = Workstation.open(tmp / "window")
    try:
        settings = Settings.for_data_dir(tmp / "window")
        installed = install_translations(settings.language)
        window = build_window(ws, settings, inline=True)
        window.resize(1366, 768)
        window.start()
        window.show()
        app.processEvents()
        shot = window.grab()
        if shot.isNull() or shot.width() < 800:
            raise RuntimeError("the main window rendered nothing")
        path = tmp / "window.png"
        shot.save(str(path))
        window.close()
        window.ctx.runner.shutdown()
    finally:
        ws.close()
    size = f"{shot.width()}×{shot.height()}"
    return f"main window rendered {size} ({settings.language}, {len(installed)} translation files)"


def _member_code(tmp: Path) -> str:
    import uuid
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.qr import (
        parse_member_code,
        public_key_bytes,
        sign_compact_member_code,
        sign_member_code,
        verify_signature,
    )

    key, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    claims = {"key_id": "selftest", "member_id": str(uuid.uuid4()), "issued": datetime.now(UTC)}
    lengths = []
    for sign in (sign_compact_member_code, sign_member_code):  # HQ's default format, then GDM1
        text = sign(key, ttl_seconds=60, **claims)
        code = parse_member_code(text)
        if not verify_signature(code, public_key_bytes(key)):
            raise RuntimeError(f"a freshly signed member code did not verify: {text[:8]}…")
        if verify_signature(code, public_key_bytes(stranger)):
            raise RuntimeError("a member code verified against the wrong key")
        lengths.append(len(text))
    sizes = f"compact {lengths[0]}, GDM1 {lengths[1]} characters"
    return f"signed member codes verified ({sizes}); a wrong key refused"


def _guide_qr(tmp: Path) -> str:
    from PIL import Image

    from app.qr import guide_code, qr_png

    path = tmp / "guide-qr.png"
    path.write_bytes(qr_png(guide_code("g-selftest")))
    with Image.open(path) as image:
        size = image.size
    return f"guide QR written as PNG {size[0]}×{size[1]}"


def _pdf_label(tmp: Path) -> str:
    from PySide6.QtGui import QPageSize, QPdfWriter

    from app.qr import guide_code
    from ui.pages.guide_qr import PDF_DPI, render_qr_page

    path = tmp / "label.pdf"
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A6))
    render_qr_page(
        writer,
        code=guide_code("g-selftest"),
        store_name="自测门店",
        guide_name="自测导购",
        caption="GuideDesk",
    )
    data = path.read_bytes()
    if not data.startswith(b"%PDF") or len(data) < 1000:
        raise RuntimeError("the PDF label is empty")
    return f"A6 counter label printed as PDF ({len(data):,} bytes)"


STEPS: tuple[tuple[str, Step], ...] = (
    ("database", _database),
    ("window", _window),
    ("member code", _member_code),
    ("guide QR", _guide_qr),
    ("PDF label", _pdf_label),
)


def run(out: Callable[[str], None] = print) -> int:
    """Run every step in a temporary directory; 0 when all passed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="guidedesk-selftest-") as folder:
        tmp = Path(folder)
        os.environ["GUIDEDESK_DATA_DIR"] = str(tmp / "data")  # never the PC's real data dir
        os.environ.setdefault("GUIDEDESK_KEYRING", "file")  # the real keyring stays untouched
        for name, step in STEPS:
            started = time.perf_counter()
            try:
                said = step(tmp)
            except Exception:
                failed += 1
                out(f"FAIL {name}:\n{traceback.format_exc()}")
                continue
            out(f"ok   {name}: {said} [{(time.perf_counter() - started) * 1000:.0f} ms]")
    out("self-test passed" if not failed else f"self-test FAILED ({failed} of {len(STEPS)} steps)")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(run())
