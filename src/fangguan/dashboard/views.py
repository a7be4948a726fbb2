"""The dashboard page and its .xlsx export. Thin: the figures are ``selectors.Dashboard``'s, built
from the registry's selectors for the logged-in user's scope."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fangguan.accounts.roles import is_business
from fangguan.core.audit import log_security
from fangguan.core.exports import append_row, workbook_response
from fangguan.core.maps import ColourBy, Layer, MapConfig, town_labels
from fangguan.core.models import SecurityAction
from fangguan.core.replica import from_replica
from fangguan.core.views import date_param
from fangguan.registry.areas import area_name
from fangguan.registry.selectors import town_locations

from .selectors import Dashboard, wan


def _day(request) -> tuple[dt.date, str | None]:
    """The ``as_of`` date asked for (today when absent); a bad one is reported, today shown."""
    day, bad = date_param(request, "as_of", timezone.localdate())
    if bad is None:
        return day, None
    return day, _("“%(value)s” is not a date (YYYY-MM-DD); today's figures are shown.") % {"value": bad}


def _business(request) -> None:
    if not is_business(request.user):
        raise PermissionDenied(_("The dashboard shows business records, which your role does not see."))


def estate_map(user, day: dt.date) -> MapConfig:
    """The estates map: the district's outline and town names, approximate town areas under the
    estates, coloured by a chosen figure."""
    api = reverse("api:api-root")
    query = urlencode({"as_of": day.isoformat()})
    return MapConfig(
        id="estate-map",
        layers=[
            Layer(id="towns", label=_("Town areas (approximate)"), url=f"{api}dashboard/map/towns?{query}",
                  kind="areas", title_key="name", link_key="",
                  note=_("Approximate: the outline of each town's estate locations, not its boundary.")),
            Layer(id="estates", label=_("Estates"), url=f"{api}dashboard/map/estates?{query}",
                  colour_by=(ColourBy("estate_type", _("Type"), "estate_type_label"),
                             ColourBy("company", _("Property company"), "company_label"),
                             ColourBy("charging", _("E-bike charging site"), "charging_label")),
                  popup=(("town", _("Town")), ("estate_type_label", _("Type")), ("companies", _("Property company")),
                         ("charging_label", _("E-bike charging site")), ("floor_area", _("Floor area")))),
        ],
        labels={"colour_by": _("Colour by"), "no_location": _("No estates with a location."),
                "legend": _("Legend"), "more": _("more")},
        towns=town_labels(town_locations(user)),
    )


@login_required
@require_GET
@from_replica
def dashboard(request):
    _business(request)
    day, problem = _day(request)
    board = Dashboard.build(request.user, day)
    return render(request, "dashboard/dashboard.html", {
        "day": day, "today": timezone.localdate(), "problem": problem, "board": board,
        "area_name": area_name(request.user),  # whose figures: "" for the district
        "cards": board.cards(), "towns": board.towns(), "charts": board.charts(), "map_config": estate_map(request.user, day),
        "export_url": f"{reverse('dashboard-export')}?{urlencode({'as_of': day.isoformat()})}",
    })


@login_required
@require_GET
@from_replica
def export_xlsx(request):
    """The figures by town on the date with the total, and the deliveries per year, as .xlsx
    (logged like every export)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _business(request)
    day, _problem = _day(request)
    board = Dashboard.build(request.user, day)
    headers, rows = board.export_rows()
    log_security(actor=request.user, action=SecurityAction.EXPORT, object_type="registry_stats",
                 detail={"resource": "dashboard", "format": "xlsx", "rows": len(rows), "as_of": day.isoformat()})
    book = Workbook()
    sheet = book.active
    sheet.title = _("By town")
    append_row(sheet, [_("Registry figures by town on %(day)s") % {"day": day.isoformat()}])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, headers)
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B3"
    years = book.create_sheet(_("Deliveries by year"))
    append_row(years, [_("Year"), _("Estates delivered"), _("Floor area delivered (10,000 ㎡)")])
    for cell in years[1]:
        cell.font = Font(bold=True)
    for row in board.deliveries:
        append_row(years, [row["year"], row["estates"], wan(row["floor_area_m2"])])
    return workbook_response(book, f"registry-by-town-{day.isoformat()}")
