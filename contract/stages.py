"""Lifecycle stages (分层, DESIGN.md §1): the values stored and synced, in lifecycle order. Sleeping (沉睡)
is not a stage but an overlay computed from the last purchase and the policy's `sleeping_days`."""

from __future__ import annotations

from typing import Final, Literal

Stage = Literal["visitor", "registered", "first_order", "experience", "koc"]
STAGES: Final[tuple[Stage, ...]] = ("visitor", "registered", "first_order", "experience", "koc")
DEFAULT_STAGE: Final[Stage] = "registered"
# Stages of members who have bought: only they can fall asleep by the purchase rule.
PURCHASING_STAGES: Final = frozenset({"first_order", "experience", "koc"})
