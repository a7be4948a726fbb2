"""Repairs pages (thin): reads through selectors / ``visible_to``, writes through services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from .models import Photo


def nav_section(user):
    return None


@login_required
def photo(request, photo_id: int):
    """A request's photo, for whoever may see the request (never a public media URL)."""
    p = Photo.objects.visible_to(request.user).filter(pk=photo_id).first()
    if p is None:
        raise Http404
    return FileResponse(p.image.open("rb"), content_type=p.content_type)
