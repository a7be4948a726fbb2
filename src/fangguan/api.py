"""Assembles /api/v1/: the foundation's routers, then every app that declares ``api_prefix``
in its AppConfig (its ``api.router`` is mounted there; ``api_routers`` maps further prefixes to
routers), so a new module plugs in without
editing this file."""

from django.apps import apps
from django.utils.module_loading import import_string

from fangguan.accounts.api import router as accounts_router
from fangguan.accounts.audit_api import router as audit_router
from fangguan.core.api import api
from fangguan.registry.api import router as registry_router

api.add_router("/auth", accounts_router)
api.add_router("", registry_router)
api.add_router("", audit_router)
for _config in apps.get_app_configs():
    if getattr(_config, "api_prefix", None) is not None:
        api.add_router(_config.api_prefix, import_string(f"{_config.name}.api.router"))
    # routes a module answers outside its own prefix (``/companies/{id}/credit``): prefix -> router
    for _prefix, _router in getattr(_config, "api_routers", {}).items():
        api.add_router(_prefix, import_string(_router))

__all__ = ["api"]
