"""Every console route, gathered from the page modules (beside hq/api, not inside it)."""

from __future__ import annotations

from fastapi import APIRouter

from hq.console import pages_core

router = APIRouter()
router.include_router(pages_core.router)
