"""Uploaded images (repair photos, scans of signed paper): the one check every module uses. The
bytes must be a real JPEG, PNG, WebP or GIF — not just named like one — within the size limit
(``FANGGUAN_MAX_IMAGE_BYTES``, or the caller's) and within the pixel limit
(``FANGGUAN_MAX_IMAGE_PIXELS``, Pillow's decompression-bomb limit): a small PNG can declare
50,000 × 50,000 pixels and would take gigabytes to decode. Only the header is read here."""

from __future__ import annotations

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def max_pixels() -> int:
    return int(getattr(settings, "FANGGUAN_MAX_IMAGE_PIXELS", 40_000_000))


def check_image(upload, *, field: str = "photos", max_bytes: int | None = None,
                not_image: str | None = None) -> tuple[str, int, int]:
    """(content type, width, height) of ``upload``, or ValidationError on ``field``."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = max_pixels()  # Pillow refuses outright past twice this
    limit = max_bytes or getattr(settings, "FANGGUAN_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
    refused = not_image or _("“%(name)s” is not an image.")
    if upload.size > limit:
        raise ValidationError({field: [_("An image may be at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]})
    try:
        upload.seek(0)
        with warnings.catch_warnings():  # the pixel count is checked just below, with its own message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(upload)
        with img:
            fmt, (width, height) = img.format, img.size
            if width * height > max_pixels():
                raise Image.DecompressionBombError("too many pixels")
            img.verify()
    except Image.DecompressionBombError:
        raise ValidationError({field: [_("“%(name)s” has too many pixels (at most %(mp)s million).") % {
            "name": upload.name, "mp": max_pixels() // 1_000_000}]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({field: [refused % {"name": upload.name}]}) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_TYPES:
        raise ValidationError({field: [refused % {"name": upload.name}]})
    return IMAGE_TYPES[fmt], width, height
