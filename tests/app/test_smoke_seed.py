"""The seeded store loads into a freshly migrated workstation database."""

from sqlalchemy import func, select

from app.db.models import Member
from tests.factories import seed


def test_seed_loads_members(ws):
    """Service tests rely on six members in the seeded store."""
    seed(ws)
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 6
