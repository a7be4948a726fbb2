"""The whole Jinshan demo: the registry first, then every app that declares ``demo_loader``
in its AppConfig (a dotted path to ``load(*, homes, out)``), in INSTALLED_APPS order, all in
one transaction and one audit context (cause ``load_demo``)."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string

from fangguan.core.context import audit_context
from fangguan.core.db import analyze
from fangguan.registry.demo import SEED
from fangguan.registry.demo import load_demo as load_registry


def load_all(*, homes: str = "sample", seed: int = SEED, out=None) -> dict[str, int]:
    with audit_context(cause="load_demo"), transaction.atomic():
        counts = load_registry(homes=homes, seed=seed, out=out)
        for config in apps.get_app_configs():
            loader = getattr(config, "demo_loader", None)
            if loader:
                counts.update(import_string(loader)(homes=homes, out=out) or {})
    analyze()
    return counts
