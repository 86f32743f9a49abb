"""HQ's binding and outreach policy: its fields, their defaults and their allowed ranges. HQ's policy
revisions and the workstation's synced policy row both take their defaults from here, and a workstation
that has not pulled a policy yet works by these values."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final


@dataclass(frozen=True)
class PolicyValues:
    protection_days: int = 90  # another guide cannot take a bound member over for this long
    renew_on_service: bool = True  # each service by the bound guide renews the protection
    cross_store_transfer: bool = False
    sleeping_days: int = 180  # no purchase for longer: the member is sleeping (沉睡)
    contact_budget: int = 4  # outreach contacts per member …
    contact_window_days: int = 30  # … within this many days
    code_ttl_seconds: int = 300  # a dynamic member code's life
    clock_tolerance_seconds: int = 120  # slack for a code's expiry against the server clock
    # privacy (docs/privacy.md): visits, audit rows and notes older than this are purged at HQ and on
    # every workstation; a workstation not synced for longer than `stale_days` restricts itself to names
    retention_days: int = 400
    stale_days: int = 45


POLICY_DEFAULTS: Final = PolicyValues()
POLICY_FIELDS: Final = tuple(f.name for f in fields(PolicyValues))
# Allowed ranges of the integer fields (inclusive), as HQ's admin API checks them.
POLICY_RANGES: Final = {
    "protection_days": (0, 3650),
    "sleeping_days": (1, 3650),
    "contact_budget": (0, 1000),
    "contact_window_days": (1, 3650),
    "code_ttl_seconds": (30, 86_400),
    "clock_tolerance_seconds": (0, 3600),
    "retention_days": (30, 3650),
    "stale_days": (1, 365),
}
