#!/usr/bin/env python3
"""The one entry point a fresh machine needs: bootstraps `.venv`, then runs the app, the tests or the
benchmarks.

    python run.py app      # a local demo HQ, a workstation enrolled with it, the counter at work
    python run.py test     # the whole test suite (`python run.py test -m "not slow"`: the fast lane)
    python run.py lint     # ruff (lint + format check), mypy and the import-linter layer contracts
    python run.py bench    # the benchmarks; results go to docs/benchmarks.md
    python run.py bundle   # the counter PC's folder, dist/guidedesk/, built and self-tested

Works with only the standard library and on Windows as well as Linux, because store PCs run Windows.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".guidedesk-installed"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted_stamp() -> str:
    # Reinstall whenever the declared dependencies change, not on every run.
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def bootstrap() -> Path:
    """Create `.venv` and install the project with its extras, once per pyproject.toml change."""
    py = _venv_python()
    if not py.exists():
        print("GuideDesk: creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != _wanted_stamp():
        print("GuideDesk: installing dependencies into .venv (first run takes a few minutes) …", flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev,desktop]"], check=True)
        STAMP.write_text(_wanted_stamp())
    return py


def bundle(py: Path, env: dict[str, str]) -> int:
    """PyInstaller's one-folder bundle of the window (build.spec), then its own `--self-test` run from
    the bundle, so a bundle that cannot start on a counter PC never leaves this machine."""
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", f"{ROOT}[build]"], check=True)
    subprocess.run([str(py), "-m", "ui.i18n", "build"], cwd=ROOT, env=env, check=True)  # .qm files ship
    built = subprocess.call(
        [str(py), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN", "build.spec"],
        cwd=ROOT,
        env=env,
    )
    if built != 0:
        return built
    exe = ROOT / "dist" / "guidedesk" / ("guidedesk-cli.exe" if os.name == "nt" else "guidedesk-cli")
    print(f"GuideDesk: bundle built in {exe.parent}; running its self-test …", flush=True)
    return subprocess.call([str(exe), "--self-test"], cwd=ROOT, env=env)


def lint(py: Path, env: dict[str, str]) -> int:
    """Every static check, each run even when an earlier one failed; non-zero if any failed."""
    lint_imports = py.with_name("lint-imports.exe" if os.name == "nt" else "lint-imports")
    checks = [
        [str(py), "-m", "ruff", "check", "."],
        [str(py), "-m", "ruff", "format", "--check", "."],
        [str(py), "-m", "mypy"],  # the packages are in pyproject.toml [tool.mypy]
        [str(lint_imports)],  # pyproject.toml [tool.importlinter]
    ]
    failed = [" ".join(c[1:]) or "lint-imports" for c in checks if subprocess.call(c, cwd=ROOT, env=env) != 0]
    if failed:
        print(f"lint failed: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("app", [])
    if command not in {"app", "test", "bench", "bundle", "lint"}:
        print(__doc__)
        return 2
    py = bootstrap()
    env = dict(os.environ)
    if command == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if command == "bench":
        return subprocess.call([str(py), "-m", "benchmarks", *rest], cwd=ROOT, env=env)
    if command == "bundle":
        return bundle(py, env)
    if command == "lint":
        return lint(py, env)
    return subprocess.call([str(py), "-m", "demo.launch", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
