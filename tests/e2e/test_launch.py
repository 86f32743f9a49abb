"""`python run.py app` as a new user meets it: the launcher seeds a local HQ, serves it on 127.0.0.1,
enrolls the workstation, syncs its store, and a bind made at the counter is confirmed by HQ. A second
run reuses both and leaves no HQ process behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _launch(data_dir: Path) -> str:
    env = {
        **os.environ,
        "GUIDEDESK_DATA_DIR": str(data_dir),
        "GUIDEDESK_DEMO_MEMBERS": "150",
        "GUIDEDESK_KEYRING": "file",
    }
    done = subprocess.run(
        [sys.executable, "-m", "demo.launch"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _served_url(output: str) -> str:
    match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", output)
    assert match, output
    return match.group(1)


def test_the_app_command_runs_a_local_hq_and_a_bind_reaches_it(tmp_path: Path) -> None:
    first = _launch(tmp_path)
    assert "已登记 / enrolled: SH001" in first
    assert re.search(r"PIN \d{6}", first), "the demo guides are listed with their PINs"
    assert "会员卡 / card" in first
    assert "总部已确认绑定 / HQ confirmed the binding" in first
    sign_in = r"HQ console: (http://127\.0\.0\.1:\d+/console/)  登录 / sign in: (\S+) / (\S+)"
    console = re.search(sign_in, first)
    assert console, "the HQ console's address and an admin sign-in are printed"

    second = _launch(tmp_path)
    assert "已登记" not in second, "the second run keeps the enrolled workstation"
    assert "总部已确认绑定 / HQ confirmed the binding" in second
    again = re.search(sign_in, second)
    assert again and again.group(2, 3) == console.group(2, 3), "the same sign-in on every run"
    for url in (_served_url(first), _served_url(second)):
        try:
            requests.get(f"{url}/v1/health", timeout=2)
        except requests.ConnectionError:
            continue
        raise AssertionError(f"the local HQ at {url} is still running after the app exited")
