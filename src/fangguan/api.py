"""Assembles /api/v1/ from the apps' routers."""

from fangguan.accounts.api import router as accounts_router
from fangguan.core.api import api
from fangguan.core.audit_api import router as audit_router
from fangguan.registry.api import router as registry_router

api.add_router("/auth", accounts_router)
api.add_router("", registry_router)
api.add_router("", audit_router)

__all__ = ["api"]
