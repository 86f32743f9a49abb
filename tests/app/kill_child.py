"""Child process for test_kill_after_bind: seed a store, bind one member, report, then wait to be killed.

`--report-before-commit` is the negative control: it says "done" while the transaction is still open,
which is exactly the bug the test exists to catch (a screen that says done before the commit).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.clock import FixedClock
from app.services.binding import bind_member
from app.workstation import Workstation
from tests.conftest import T0
from tests.factories import seed


def main() -> None:
    data_dir, early = Path(sys.argv[1]), "--report-before-commit" in sys.argv
    ws = Workstation.open(data_dir, clock=FixedClock(T0))
    seeded = seed(ws)
    member_id = seeded.members["unbound"]
    if early:
        with ws.db.transaction() as s:
            outcome = bind_member(s, member_id=member_id, guide=seeded.guide, now=T0)
            print(f"bound {outcome.outbox_id}", flush=True)
            time.sleep(60)  # killed here, before the commit
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id=member_id, guide=seeded.guide, now=T0)
    print(f"bound {outcome.outbox_id}", flush=True)
    time.sleep(60)  # killed here, right after the bind returned


if __name__ == "__main__":
    main()
