"""Units the platform reports in: money in integer fen (分), areas as Decimal ㎡ (2 places), and
the plan's 万㎡ (10,000 ㎡) for floor areas."""

from __future__ import annotations

from decimal import Decimal

WAN = Decimal("10000")


def wan(value) -> Decimal:
    """㎡ in 万㎡ (2 places), as the plan reports floor areas."""
    return (Decimal(str(value)) / WAN).quantize(Decimal("0.01"))
