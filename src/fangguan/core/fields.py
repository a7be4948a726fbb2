"""Shared field types: area in ㎡ with two decimals, money in integer fen."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


def AreaField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """Floor or land area in ㎡, Decimal with 2 places, never negative (never a float)."""
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)
