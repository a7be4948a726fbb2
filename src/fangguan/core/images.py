"""Uploaded images (photos, scans of signed paper): the bytes must be a real JPEG, PNG, WebP or
GIF — not just named like one — within the size limit and Pillow's decompression-bomb limit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def check_image(upload, *, field: str = "photos", max_bytes: int | None = None) -> tuple[str, int, int]:
    """(content type, width, height) of ``upload``, or ValidationError on ``field``."""
    from PIL import Image, UnidentifiedImageError

    limit = max_bytes or getattr(settings, "FANGGUAN_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
    if upload.size > limit:
        raise ValidationError({field: [_("An image may be at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]})
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt, (width, height) = img.format, img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({field: [_("“%(name)s” is not an image.") % {"name": upload.name}]}) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_TYPES:
        raise ValidationError({field: [_("“%(name)s” is not an image.") % {"name": upload.name}]})
    return IMAGE_TYPES[fmt], width, height
