"""The repairs app's settings, with their defaults (override in Django settings)."""

from django.conf import settings


def auto_close_days() -> int:
    """Completed requests with no answer from the reporter close after this many days."""
    return int(getattr(settings, "REPAIRS_AUTO_CLOSE_DAYS", 7))


def escalation_grace_hours() -> int:
    """Hours past a deadline, after the committee got it, before the town office gets it too."""
    return int(getattr(settings, "REPAIRS_TOWN_GRACE_HOURS", 24))


def daily_limit() -> int:
    """New requests one reporter may file per day."""
    return int(getattr(settings, "REPAIRS_DAILY_LIMIT", 10))


def duplicate_hours() -> int:
    return int(getattr(settings, "REPAIRS_DUPLICATE_HOURS", 24))


def max_photos() -> int:
    return int(getattr(settings, "REPAIRS_MAX_PHOTOS", 9))


def max_photo_bytes() -> int:
    return int(getattr(settings, "REPAIRS_MAX_PHOTO_BYTES", 8 * 1024 * 1024))
