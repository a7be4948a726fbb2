"""A fixed-window request counter in the shared cache, for the endpoints anyone can call
(web login, token request, public endpoints). Limits are per source address and sized for
offices where many people share one address; account-level protection is the lockout
(accounts/security.py)."""

from __future__ import annotations

import time

from django.core.cache import cache


def parse(rate: str) -> tuple[int, int]:
    """``"300/m"`` → (300, 60)."""
    count, per = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[per[0]]


def allow(scope: str, ident: str, rate: str) -> bool:
    """Count one request of ``ident`` in ``scope``; False once the window's allowance is spent."""
    limit, window = parse(rate)
    key = f"rl:{scope}:{ident}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
