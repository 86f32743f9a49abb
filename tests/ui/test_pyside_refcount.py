"""Regression for the PySide6 6.12.0 trap on CPython 3.11: every call of a method returning None leaked
a reference *from* None until the interpreter aborted ("none_dealloc"). The pinned PySide6 must not."""

from __future__ import annotations

import sys

import pytest

QtWidgets = pytest.importorskip("PySide6.QtWidgets")


def test_setText_leaves_none_refcount_unchanged(qapp) -> None:
    """A counter screen calls setText on every scan all day; 100,000 calls must not drain None."""
    label = QtWidgets.QLabel()
    for _ in range(1000):  # warm caches (string interning, method lookup)
        label.setText("x")
    before = sys.getrefcount(None)
    for i in range(100_000):
        label.setText("导购" if i % 2 else "会员")
    after = sys.getrefcount(None)
    # Other threads may briefly hold None; a leak would be ~100,000 off.
    assert abs(after - before) < 100, f"None refcount drifted by {after - before}"
