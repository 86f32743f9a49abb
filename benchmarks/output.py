"""What every benchmark command does with its markdown report: print it, and append it to the file
named by `--out` (a docs page gathers its runs that way)."""

from __future__ import annotations

from pathlib import Path


def publish(report: str, out: Path | str | None) -> None:
    print(report)
    if out:
        with Path(out).open("a", encoding="utf-8") as f:
            f.write(report + "\n")
