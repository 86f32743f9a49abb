"""docs/operations.md, followed as written: every `sh` block runs in order in one bash, against the
PostgreSQL server at 127.0.0.1 — a fresh virtualenv with `.[hq]` (and no Qt), a database, the first
console admin, HQ with two workers, a store and a counter PC enrolled and syncing, a backup restored
with a new epoch, key rotation, revocation and pruning. Only the doc's four location variables are
replaced (own database, folder and port). A guide that drifts from the code fails here."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
TOOLS = ("bash", "curl", "createdb", "createuser", "dropdb", "dropuser", "pg_dump", "pg_restore", "psql")


def _postgres_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def doc_script(db: str, home: Path, port: int) -> str:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert blocks and "export HQ_DB=" in blocks[0], "the doc's first sh block sets its locations"
    first = blocks[0]
    for name, value in (("HQ_DB", db), ("HQ_HOME", str(home)), ("HQ_PORT", str(port))):
        first, found = re.subn(rf"^export {name}=\S+", f"export {name}={value}", first, flags=re.M)
        assert found == 1, name
    return "\n".join([first, *blocks[1:]])


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(900)  # a fresh virtualenv install, two HQ starts and a restore
def test_the_operations_guide_runs_as_written(tmp_path: Path) -> None:
    """Each command of the guide succeeds on this machine, in order (set -euo pipefail)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing or not _postgres_answers():
        pytest.skip(f"needs PostgreSQL on 127.0.0.1:5432 and {', '.join(missing) or 'its client tools'}")
    db = f"ops_{uuid.uuid4().hex[:10]}"
    home = tmp_path / "srv"
    script = "set -euo pipefail\n" + doc_script(db, home, _free_port())
    # Whatever happens, stop the HQ the guide started and drop what it created.
    cleanup = (
        'trap \'set +e; [ -n "${HQ_PID:-}" ] && kill "$HQ_PID" 2>/dev/null; '
        f"dropdb --force --if-exists -h 127.0.0.1 -U postgres {db}; "
        f"dropuser --if-exists -h 127.0.0.1 -U postgres {db}; true' EXIT\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUIDEDESK_", "VIRTUAL_ENV", "PYTHON"))
    }
    env["GUIDEDESK_SOURCE"] = str(ROOT)
    env["GUIDEDESK_KEYRING"] = "file"  # the counter PC of the guide keeps its key in its data dir here
    done = subprocess.run(
        ["bash", "-c", cleanup + script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert "enrolled as device" in done.stdout
    assert "new epoch" in done.stdout
    assert re.search(r"revoked", done.stdout)
