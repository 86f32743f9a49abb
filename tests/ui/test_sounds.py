"""The counter's ok / refused / error sounds (ui/sounds.py): distinct, small, mutable, and a beep when
QtMultimedia cannot load (Linux without libpulse0)."""

from __future__ import annotations

import importlib
import io
import itertools
import logging
import sys
import wave

import pytest

import ui.sounds
from ui.sounds import KINDS, Sounds, sound_path, wav_bytes


def _pcm(kind: str) -> tuple[float, list[int]]:
    with wave.open(io.BytesIO(sound_path(kind).read_bytes())) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    return seconds, [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]


def test_the_checked_in_sounds_are_what_the_generator_writes():
    """resources/sounds/*.wav are small and reproducible (`python -m ui.sounds` rewrites them)."""
    for kind in KINDS:
        data = sound_path(kind).read_bytes()
        assert data == wav_bytes(kind), f"{kind}.wav differs from the generator: run python -m ui.sounds"
        assert len(data) < 20_000


def test_the_three_sounds_are_told_apart_by_ear():
    """ok is short and high, refused low, error long and falling: a guide knows which without looking."""
    crossings = {}
    lengths = {}
    for kind in KINDS:
        seconds, pcm = _pcm(kind)
        lengths[kind] = seconds
        sign_changes = sum(1 for a, b in itertools.pairwise(pcm) if (a < 0) != (b < 0))
        crossings[kind] = sign_changes / seconds / 2  # ≈ the average pitch in Hz
    assert crossings["ok"] > crossings["error"] > crossings["refused"]
    assert lengths["ok"] < lengths["refused"] < lengths["error"] <= 0.35


def test_play_each_and_mute(qtbot):
    """Each kind plays through QtMultimedia; muted, nothing plays."""
    pytest.importorskip("PySide6.QtMultimedia", reason="libpulse0 missing (.ci/run installs it)")
    sounds = Sounds()
    assert sounds.preload() == "qtmultimedia"
    for kind in KINDS:
        with qtbot.waitSignal(sounds.played, timeout=1000) as got:
            sounds.play(kind)
        assert got.args == [kind]
    sounds.enabled = False
    with qtbot.assertNotEmitted(sounds.played, wait=50):
        sounds.play("error")
    with pytest.raises(ValueError):
        sounds.play("boom")  # type: ignore[arg-type]


def test_without_qtmultimedia_a_beep_stands_in(qtbot, monkeypatch, caplog):
    """On a Linux till without libpulse0 `from PySide6 import QtMultimedia` fails: the window must still
    open (ui.sounds imports without it) and each sound is a beep, with one notice in the log. Would
    catch a module-level QtMultimedia import."""
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # import now raises ImportError
    module = importlib.reload(ui.sounds)
    try:
        sounds = module.Sounds()
        with caplog.at_level(logging.WARNING, logger="ui.sounds"):
            for kind in KINDS:
                with qtbot.waitSignal(sounds.played, timeout=1000):
                    sounds.play(kind)
        assert sounds.backend == "beep"
        notices = [r for r in caplog.records if "QtMultimedia unavailable" in r.getMessage()]
        assert len(notices) == 1 and "libpulse0" in notices[0].getMessage()
    finally:
        monkeypatch.undo()
        importlib.reload(ui.sounds)


def test_the_counter_page_plays_through_the_module(qtbot):
    """`ui.sounds.play(kind)` is what the counter page calls for its banner tones; `set_enabled(False)`
    mutes it."""
    from ui import sounds

    with qtbot.waitSignal(sounds.default().played, timeout=1000) as got:
        sounds.play("refused")
    assert got.args == ["refused"]
    sounds.set_enabled(False)
    try:
        with qtbot.assertNotEmitted(sounds.default().played, wait=50):
            sounds.play("ok")
    finally:
        sounds.set_enabled(True)
