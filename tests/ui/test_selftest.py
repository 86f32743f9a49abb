"""`guidedesk --self-test`, the check a bundle runs without a display: it passes on a sound build and
fails loudly (exit 1, the broken step named) on a build that lost a part."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui import selftest
from ui.app import main


@pytest.fixture(autouse=True)
def _own_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # run() points GUIDEDESK_DATA_DIR at its temporary folder; monkeypatch puts it back afterwards.
    monkeypatch.setenv("GUIDEDESK_DATA_DIR", str(tmp_path / "unused"))


def test_the_self_test_passes_every_step_on_a_sound_build(qapp: object) -> None:
    """Each step says ok and the command exits 0 (what CI checks inside the bundle)."""
    lines: list[str] = []
    assert selftest.run(lines.append) == 0
    assert [line.split(":")[0] for line in lines[:-1]] == [f"ok   {name}" for name, _ in selftest.STEPS]
    assert lines[-1] == "self-test passed"


def test_the_self_test_names_the_step_a_broken_build_fails(
    qapp: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bundle without its migration scripts (a spec that forgot the data files) exits 1 and says which
    step broke, instead of passing or crashing."""
    import app.db.database as database

    empty = tmp_path / "no-migrations"
    empty.mkdir()
    monkeypatch.setattr(database, "MIGRATIONS", empty)
    lines: list[str] = []
    assert selftest.run(lines.append) == 1
    assert lines[0].startswith("FAIL database")
    assert lines[-1].startswith("self-test FAILED")


def test_guidedesk_self_test_flag_runs_it(qapp: object, capsys: pytest.CaptureFixture[str]) -> None:
    """`guidedesk --self-test` is the self-test, not a CLI subcommand."""
    assert main(["--self-test"]) == 0
    assert "self-test passed" in capsys.readouterr().out
