"""The guide's QR: on screen, and saved as an A4 poster and an A6 label PDF that hold the guide's code —
checked by rendering the PDF with Ghostscript and reading the QR's modules back off the page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.qr import _qr, guide_code
from tests.ui.manager_fixtures import PageEnv, env  # noqa: F401
from ui.pages.guide_qr import GuideQrPage


def _modules_off_the_page(png: Path, n: int) -> list[list[bool]]:
    """The n×n dark/light modules of the QR drawn below the store name: its top edge is the first dark
    row under the title band; the top finder patterns give its left and right edges."""
    img = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    w, h = img.width(), img.height()

    def dark(x: int, y: int) -> bool:
        return img.pixelColor(x, y).lightness() < 128

    top = next(y for y in range(int(h * 0.18), h) if any(dark(x, y) for x in range(0, w, 2)))
    row = [x for x in range(w) if dark(x, top + 2)]
    left, right = row[0], row[-1]
    size = (right - left + 1) / n
    return [
        [dark(int(left + (c + 0.5) * size), int(top + (r + 0.5) * size)) for c in range(n)] for r in range(n)
    ]


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript renders the PDF for the check")
@pytest.mark.parametrize("size", ["A4", "A6"])
def test_the_pdf_holds_the_guides_code(qtbot, env: PageEnv, tmp_path: Path, size: str):  # noqa: F811
    """The saved poster/label's QR, read back from the rendered page, is the guide's binding code."""
    env.ctx.session.log_in(env.seeded.guide)
    page = GuideQrPage(env.ctx)
    qtbot.addWidget(page)
    pdf = page.save_pdf(tmp_path / f"qr-{size}.pdf", size)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000
    png = tmp_path / "page.png"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r200",
                    f"-sOutputFile={png}", str(pdf)], check=True, timeout=60)  # fmt: skip
    expected = _qr(guide_code(env.seeded.guide.id), box_size=1, border=0).get_matrix()
    assert _modules_off_the_page(png, len(expected)) == expected


def test_the_screen_shows_the_code_large_with_store_and_guide(qtbot, env: PageEnv):  # noqa: F811
    """On screen: the store's name, a QR at least 240 px, and the guide's name."""
    env.ctx.session.log_in(env.seeded.guide)
    page = GuideQrPage(env.ctx)
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    assert page.qr.pixmap().width() >= 240
    assert "李娜" in page.guide_label.text()
    assert page.code() == guide_code(env.seeded.guide.id)
