"""The README and the guides point at files that exist: a renamed screenshot or doc shows up here, not as
a broken picture in front of a store manager."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_and_picture_exists(doc: Path) -> None:
    missing = [
        target
        for target in LINK.findall(doc.read_text(encoding="utf-8"))
        if "://" not in target
        and not target.startswith(("#", "mailto:"))
        and not (doc.parent / target.split("#")[0]).exists()
    ]
    assert missing == [], f"{doc.name} points at missing files: {missing}"
