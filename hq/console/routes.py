"""Every console route, gathered from the page modules (beside hq/api, not inside it)."""

from __future__ import annotations

from fastapi import APIRouter

from hq.console import pages_admin, pages_core, pages_members, pages_setup, pages_tasks

router = APIRouter()
router.include_router(pages_core.router)
router.include_router(pages_tasks.router)
router.include_router(pages_members.router)
router.include_router(pages_admin.router)
router.include_router(pages_setup.router)
