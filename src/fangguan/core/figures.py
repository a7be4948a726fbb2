"""Figures served from the cache per version of the tables they are computed from.

A module's figures (the registry's, a fund's statement, a company's evaluation …) are computed
from records by a selector; ``cached`` serves the last answer while none of the tables the figures
read has been written since (``core.dataversion``: a database trigger records every write, by any
path, in the writer's transaction). The key holds that version and whatever else the answer
depends on (the date asked, today, the viewer's grants), so a committed write makes every older
answer unreachable at once. The module's migration installs the triggers (``dataversion.watch``)
and a test checks that every table its figures read is watched (tests/api/test_stats_cache.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .dataversion import version

T = TypeVar("T")


def key_of(parts: Iterable) -> str:
    """A short, stable digest of what an answer depends on (e.g. the viewer's grants)."""
    return hashlib.sha256(repr(sorted(map(repr, parts))).encode()).hexdigest()[:24]


def cached(name: str, data_set: str, depends_on: Iterable[str], compute: Callable[[], T]) -> T:
    """``compute()``, or its answer cached for this version of ``data_set`` and ``depends_on``
    (strings), today included. ``FANGGUAN_FIGURES_CACHE_SECONDS`` = 0 turns caching off."""
    seconds = settings.FANGGUAN_FIGURES_CACHE_SECONDS
    if not seconds:
        return compute()
    key = ":".join([name, version(data_set), timezone.localdate().isoformat(), *depends_on])
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, timeout=seconds)
    return answer
