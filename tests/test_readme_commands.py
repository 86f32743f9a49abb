"""Every command the README shows names a real program, subcommand and options, as written: a renamed
subcommand or flag fails here instead of in front of a newcomer. (`python run.py app` and `test` run
for real in tests/e2e/test_launch.py and in CI; the long benchmarks and the soak are checked by their
options here, not run.)"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser as workstation_parser
from hq.cli import _parser as hq_parser

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = {"python", ".venv/bin/python", ".venv/bin/guidedesk", ".venv/bin/guidedesk-hq"}
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)


def readme_commands() -> list[list[str]]:
    commands = []
    for block in FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.split(" ", 1)[0] in PROGRAMS:
                commands.append(shlex.split(line, comments=True))
    return commands


def _parses(parser_of: object, args: list[str]) -> None:
    parser = parser_of()  # type: ignore[operator]
    try:
        parser.parse_args(args)
    except SystemExit as stop:  # --help exits 0; a bad word exits 2
        assert stop.code == 0, f"{shlex.join(args)} is refused by its parser"


@pytest.mark.parametrize("words", readme_commands(), ids=shlex.join)
def test_a_readme_command_is_accepted_as_written(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    program, args = words[0], words[1:]
    if program == "python":
        assert args[0] == "run.py"
        run_py = (ROOT / "run.py").read_text(encoding="utf-8")
        assert f'"{args[1]}"' in run_py.split("if command not in", 1)[1].split(":", 1)[0], args[1]
    elif program == ".venv/bin/guidedesk":
        _parses(workstation_parser, args)
    elif program == ".venv/bin/guidedesk-hq":
        _parses(hq_parser, args)
    else:  # .venv/bin/python -m MODULE [options]: the module answers --help and knows each option
        assert args[0] == "-m"
        shown = subprocess.run(
            [sys.executable, "-m", args[1], "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert shown.returncode == 0, shown.stderr[-2000:]
        for option in (a for a in args[2:] if a.startswith("--")):
            named = re.search(re.escape(option) + r"(?![\w-])", shown.stdout)
            assert named, f"python -m {args[1]} has no {option}"


def test_the_readme_shows_the_commands_a_newcomer_needs() -> None:
    """The two commands, and building the counter PC's bundle, are in the README's code blocks."""
    shown = {shlex.join(words[:3]) for words in readme_commands()}
    assert {"python run.py app", "python run.py test", "python run.py bundle"} <= shown
