"""Small shared pieces of the domain services: who is acting, and new record ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class GuideRef:
    """The logged-in guide on whose behalf a service acts (from `guides.login`)."""

    id: str
    store_id: str
    employee_no: str
    name: str
    role: str = "guide"  # guide | manager

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def new_id() -> str:
    """A client-generated record id (UUID4 text), as the sync protocol requires for records made here."""
    return str(uuid.uuid4())
