"""The counter's three sounds (issue 8): **ok** (a card opened, an action done), **refused** (a rule or
a code said no: payment code, expired, protection period…) and **error** (something broke). Distinct in
pitch and rhythm so a guide facing a shopper knows which without looking. Mutable from settings.

The WAVs in `resources/sounds/` are tiny (16-bit mono, 22.05 kHz, ≤ 0.3 s) and written by
`write_sounds()` (`python -m ui.sounds` rewrites them; a test checks the checked-in files match).

Use: `sounds.play("ok")` (module level, the window's one `Sounds`), `sounds.set_enabled(False)`, or a
`Sounds()` of your own; `Sounds.played(kind)` fires for each sound played (or beeped).

QtMultimedia is imported on first use, not at start: on Linux it fails to import without PulseAudio's
client library (Debian `libpulse0`), and the window must open anyway. Without it, or when a sound
cannot load, `QApplication.beep()` stands in, with one logged notice.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import sys
import wave
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWidgets import QApplication

from ui.resources import resource_path

log = logging.getLogger(__name__)

Kind = Literal["ok", "refused", "error"]
KINDS: tuple[Kind, ...] = ("ok", "refused", "error")
RATE = 22_050

# (frequency Hz, milliseconds) notes; 0 Hz is a rest.
# ok: a short rising pair, bright. refused: two low even buzzes. error: a falling three-note line.
_TUNES: dict[str, list[tuple[float, int]]] = {
    "ok": [(1318.5, 70), (1760.0, 110)],
    "refused": [(392.0, 110), (0, 50), (392.0, 110)],
    "error": [(880.0, 90), (659.3, 90), (440.0, 140)],
}


def _samples(kind: str) -> bytes:
    """16-bit PCM of a tune: sine with a square touch for `refused` (a buzz), 5 ms fades (no clicks)."""
    out = bytearray()
    fade = int(RATE * 0.005)
    for freq, ms in _TUNES[kind]:
        n = int(RATE * ms / 1000)
        for i in range(n):
            if freq == 0:
                value = 0.0
            else:
                phase = 2 * math.pi * freq * i / RATE
                value = math.sin(phase)
                if kind == "refused":
                    value = 0.6 * value + 0.4 * (1.0 if value >= 0 else -1.0)
            envelope = min(1.0, i / fade, (n - 1 - i) / fade) if fade else 1.0
            out += struct.pack("<h", int(0.45 * 32767 * value * max(0.0, envelope)))
    return bytes(out)


def wav_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(_samples(kind))
    return buffer.getvalue()


def sound_path(kind: str) -> Path:
    return resource_path("sounds", f"{kind}.wav")


def write_sounds(directory: Path | None = None) -> list[Path]:
    """Write ok.wav, refused.wav and error.wav (deterministic bytes)."""
    folder = directory or resource_path("sounds")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = folder / f"{kind}.wav"
        path.write_bytes(wav_bytes(kind))
        written.append(path)
    return written


class Sounds(QObject):
    """`play("ok" | "refused" | "error")`; `enabled` mutes. `backend` says what plays them:
    "qtmultimedia", or "beep" when QtMultimedia is missing (one logged notice)."""

    played = Signal(str)  # the kind just played (or beeped): for tests and the settings preview

    def __init__(self, parent: QObject | None = None, *, enabled: bool = True, volume: float = 0.8) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self.volume = volume
        self._effects: dict[str, Any] | None = None  # loaded on first play
        self.backend = ""

    def play(self, kind: Kind) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown sound {kind!r}")
        if not self.enabled:
            return
        effects = self._load()
        effect = effects.get(kind)
        if effect is not None and effect.status() != effect.Status.Error:
            effect.play()
        else:
            QApplication.beep()
        self.played.emit(kind)

    def preload(self) -> str:
        """Load the sounds now (e.g. when the counter page opens) so the first scan does not wait;
        returns the backend."""
        self._load()
        return self.backend

    def _load(self) -> dict[str, Any]:
        if self._effects is not None:
            return self._effects
        self._effects = {}
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError as exc:
            self.backend = "beep"
            log.warning(
                "sounds: QtMultimedia unavailable (%s); a plain beep stands in. On Linux install "
                "PulseAudio's client library (Debian: apt-get install libpulse0).",
                exc,
            )
            return self._effects
        self.backend = "qtmultimedia"
        for kind in KINDS:
            path = sound_path(kind)
            if not path.exists():
                log.warning("sounds: %s is missing; a plain beep stands in for %s", path, kind)
                continue
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(self.volume)
            self._effects[kind] = effect
        return self._effects


_default: Sounds | None = None


def default() -> Sounds:
    """The window's one `Sounds` (created on first use, after the QApplication)."""
    global _default
    if _default is None:
        _default = Sounds(QApplication.instance())
    return _default


def play(kind: Kind) -> None:
    """Play through the window's `Sounds` (the counter page's banner tones: ok, refused, error)."""
    default().play(kind)


def set_enabled(enabled: bool) -> None:
    """Mute or unmute (settings' "sounds" switch)."""
    default().enabled = enabled


if __name__ == "__main__":  # python -m ui.sounds [DIR]: rewrite the WAVs
    for written in write_sounds(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(written, written.stat().st_size, "bytes")
