"""A test-only HQ entry point that dies in the middle of applying one pushed mutation, for the negative
control in tests/e2e/test_controls.py. Production code has no flag for this: the patch is made here.

    python -m tests.e2e.broken_hq <split|atomic> <mutation id> <port>

HQ serves as tests/e2e/conftest.py serves it, except that when the handler of mutation <id> has run,
the process SIGKILLs itself (a power cut):

- `atomic` — the real code: the kill lands inside the one transaction holding the effect, the stored
  result and `last_mutation_id`, so all of it rolls back and the retry applies the mutation once;
- `split` — the bug: the effect is committed on its own first, and the ack (stored result,
  `last_mutation_id`, change versions) would follow in a second transaction that never comes; the
  retry runs the mutation again over its own effect.
"""

from __future__ import annotations

import inspect
import os
import signal
import sys
from typing import Any

import uvicorn

import hq.sync.push as push
from hq.app import create_app
from hq.config import Settings


def _dying(real: Any, *, die_at: int, split: bool) -> Any:
    signature = inspect.signature(real)  # by parameter name, so the control survives signature changes

    def run_handler(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs).arguments
        result = real(*args, **kwargs)
        if bound["mutation"].id == die_at:
            if split:
                bound["session"].commit()  # the effect alone: the ack was moved out of its transaction
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return run_handler


def main(argv: list[str]) -> None:
    mode, die_at, port = argv
    if mode not in ("split", "atomic"):
        raise SystemExit(f"mode must be split or atomic, not {mode!r}")
    push._run_handler = _dying(push._run_handler, die_at=int(die_at), split=mode == "split")
    uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port=int(port), log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
