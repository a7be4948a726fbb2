"""The development records as resources, declared once (the registry's ``Resource`` shape):
the API (``api.py``) and the web pages (``views.py``) are generated from this table."""

from __future__ import annotations

from django.db.models import Prefetch

from fangguan.core.resources import Resource
from fangguan.registry.models import Estate, Town

from . import filters as f
from . import models as m
from . import schemas as s

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("parcels", m.Parcel, s.ParcelOut, s.ParcelIn, f.ParcelFilters, related=("town",),
                 references={"town": Town}, ordering=("code", "listed_on", "area_ha")),
        Resource("projects", m.Project, s.ProjectOut, s.ProjectIn, f.ProjectFilters, related=("town", "parcel"),
                 references={"town": Town, "parcel": m.Parcel}, ordering=("code", "name")),
        Resource("permits", m.Permit, s.PermitOut, s.PermitIn, f.PermitFilters,
                 related=("project__town", "estate"), references={"project": m.Project, "estate": Estate},
                 ordering=("issued_on", "area_m2", "kind")),
        Resource("affordable", m.AffordableQuota, s.AffordableOut, s.AffordableIn, f.AffordableFilters,
                 related=("project__town",), references={"project": m.Project}, ordering=("ready_on", "homes")),
        Resource("renovations", m.Renovation, s.RenovationOut, s.RenovationIn, f.RenovationFilters,
                 related=("town",), references={"town": Town},
                 annotate=lambda qs: qs.prefetch_related(Prefetch("estates", queryset=Estate.objects.only("id", "name"))),
                 ordering=("code", "completed_on", "area_m2")),
    )
}
