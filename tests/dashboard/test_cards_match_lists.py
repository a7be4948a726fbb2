"""Every figure on the dashboard links to a list whose rows are exactly what it counts: the count
on the card equals the rows on the linked list, for several roles and dates, for the whole scope
and for each town; and the figures are the API's (one selector)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

ROLES = ["admin", "zhujing", "juweihui", "wuye", "yeweihui", "yezhu", "auditor"]
DAYS = ["2005-06-30", "2020-12-31", "2023-07-15"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _list(client, url):
    """The linked list page: its row count and, for estates, the floor area of all its rows."""
    parts = urlsplit(url)
    response = client.get(parts.path + "?" + parts.query)
    assert response.status_code == 200, url
    assert not response.context["problems"], (url, response.context["problems"])
    page = response.context["page"]
    return page.paginator.count, page.paginator.object_list


def _dashboard(client, day):
    response = client.get(reverse("dashboard"), {"as_of": day})
    assert response.status_code == 200
    return response


def _check_card(client, card, where):
    count, rows = _list(client, card["url"])
    if card["key"] == "managed_floor_area_m2":
        area = rows.aggregate(s=Sum("floor_area_m2"))["s"] or Decimal(0)
        assert (Decimal(area) / 10000).quantize(Decimal("0.01")) == card["value"], where
    elif card["key"] == "charging_coverage":
        assert count == card["detail"]["part"], where
        whole, _rows = _list(client, card["detail"]["whole_url"])
        assert whole == card["detail"]["whole"], where
    else:
        assert count == card["value"], where


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("username", ROLES)
def test_each_card_counts_the_rows_of_its_list(users, username, day):
    client = _client(users[username])
    cards = _dashboard(client, day).context["cards"]
    assert len(cards) == 11
    for card in cards:
        _check_card(client, card, (username, day, card["key"]))


@pytest.mark.parametrize("username", ["admin", "wuye"])
def test_each_town_cell_counts_the_rows_of_its_list(users, username):
    client = _client(users[username])
    response = _dashboard(client, "2020-12-31")
    towns = response.context["towns"]
    assert towns
    for row in towns:
        for cell in row["cells"]:
            if cell["key"] == "managed_floor_area_m2":
                _count, rows = _list(client, cell["url"])
                area = rows.aggregate(s=Sum("floor_area_m2"))["s"] or Decimal(0)
                assert (Decimal(area) / 10000).quantize(Decimal("0.01")) == cell["value"], (row["town"], cell["key"])
            else:
                count, _rows = _list(client, cell["url"])
                assert count == cell["value"], (row["town"]["name"], cell["key"])
        count, _rows = _list(client, row["charging_url"])
        assert count == row["coverage"]["eligible_with_charging"]


@pytest.mark.parametrize("username", ["admin", "zhujing", "wuye", "yezhu"])
def test_cards_are_the_apis_figures(users, api, username):
    day = "2020-12-31"
    cards = {c["key"]: c for c in _dashboard(_client(users[username]), day).context["cards"]}
    body = api(username).get("/api/v1/stats/registry", as_of=day).json()
    for key, card in cards.items():
        if key == "managed_floor_area_m2":
            assert card["value"] == (Decimal(str(body[key])) / 10000).quantize(Decimal("0.01"))
        elif key != "charging_coverage":
            assert card["value"] == body[key], key


def test_end_of_2020_is_the_plans(users):
    cards = {c["key"]: c for c in _dashboard(_client(users["admin"]), "2020-12-31").context["cards"]}
    assert cards["estates"]["value"] == 247
    assert cards["managed_floor_area_m2"]["value"] == Decimal("2385.00")
    assert cards["owners_committees"]["value"] == 213
    assert cards["estates_with_charging"]["value"] == 173


def test_a_town_office_sees_its_towns_by_town_figures(users):
    """The page's figures for a town office equal that town's ``by_town`` figures (issue #3)."""
    town_id = users["zhujing"].memberships.get().organisation.town_id
    for day in ("2020-12-31", timezone.localdate().isoformat()):
        district = _dashboard(_client(users["admin"]), day).context["board"].stats
        (row,) = [t for t in district["by_town"] if t["town"]["id"] == town_id]
        page = _dashboard(_client(users["zhujing"]), day)
        cards = {c["key"]: c["value"] for c in page.context["cards"]}
        for key in page.context["board"].stats:
            if key in ("as_of", "by_town"):
                continue
            expected = row[key]
            if key == "managed_floor_area_m2":
                expected = (Decimal(str(expected)) / 10000).quantize(Decimal("0.01"))
            assert cards[key] == expected, (day, key)
        assert [r["town"]["id"] for r in page.context["towns"]] == [town_id]


def test_the_date_is_in_the_url_and_a_bad_one_is_reported(users):
    client = _client(users["admin"])
    response = client.get("/dashboard", {"as_of": "2020-12-31"})
    assert response.status_code == 301 and response["Location"] == "/dashboard/?as_of=2020-12-31"
    page = _dashboard(client, "2020-12-31").content.decode()
    assert 'value="2020-12-31"' in page and "2020-12-31" in page
    bad = client.get(reverse("dashboard"), {"as_of": "2020-02-30"})
    assert bad.status_code == 200
    assert bad.context["day"] == timezone.localdate()
    assert "2020-02-30" in bad.context["problem"]


def test_who_may_open_the_dashboard(client, users):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(users["sysadmin"])
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard-export")).status_code == 403
    nav = client.get(reverse("home")).context["nav_sections"]
    assert not any(s["items"][0]["name"] == "dashboard" for s in nav)
    client.force_login(users["juweihui"])
    nav = client.get(reverse("home")).context["nav_sections"]
    names = [i["name"] for s in nav for i in s["items"]]
    assert "dashboard" in names and "imports" not in names  # reads, may not import


def test_dates_before_any_estate_show_zeros(users):
    cards = _dashboard(_client(users["admin"]), "1970-01-01").context["cards"]
    values = {c["key"]: c["value"] for c in cards}
    assert values["estates"] == 0 and values["charging_coverage"] is None
    assert dt.date(1970, 1, 1) < dt.date(1978, 1, 1)


def test_each_year_of_the_deliveries_chart_opens_its_deliveries(users):
    client = _client(users["admin"])
    charts = {c["id"]: c for c in _dashboard(client, "2023-07-15").context["charts"]}
    chart = charts["chart-deliveries"]
    years = [int(y) for y in chart["categories"]]
    assert years == list(range(years[0], 2024))  # no gaps: a year without deliveries shows 0
    bars = chart["series"][0]
    for year, value, url in zip(years, bars["data"], bars["urls"], strict=True):
        if url is None:
            assert value == 0, year
            continue
        count, _rows = _list(client, url)
        assert count == value, year


@pytest.mark.parametrize("username", ["admin", "zhujing", "wuye"])
def test_the_apis_lists_take_the_same_filters(api, username):
    """The filters are the registry's, so the API's lists count what the cards count too."""
    client = api(username)
    day = "2020-12-31"
    stats = client.get("/api/v1/stats/registry", as_of=day).json()
    lists = {
        "estates": ("estates", {"as_of": day}),
        "companies_serving": ("companies", {"serving_on": day}),
        "owners_committees": ("committees", {"in_force_on": day}),
        "committees_with_party_group": ("committees", {"in_force_on": day, "party_group_on": day}),
        "neighbourhood_committees_with_overlap": ("neighbourhoods", {"overlap_on": day}),
        "estates_meili_passed": ("estates", {"as_of": day, "meili_on": day}),
        "estates_with_charging": ("estates", {"as_of": day, "charging_on": day}),
    }
    for figure, (resource, params) in lists.items():
        assert client.get(f"/api/v1/{resource}", limit=1, **params).json()["count"] == stats[figure], figure


@pytest.mark.django_db
def test_filters_on_an_unscoped_queryset_count_the_whole_district():
    from fangguan.registry import filters as f
    from fangguan.registry import models as m

    day = dt.date(2020, 12, 31)
    assert f.CompanyFilters(serving_on=day).filter(m.Company.objects.all()).count() == 75
    assert f.CompanyFilters(filed_as_of=day).filter(m.Company.objects.all()).count() == 109
    assert f.NeighbourhoodFilters(overlap_on=day).filter(m.Neighbourhood.objects.all()).count() == 55
    assert f.NeighbourhoodFilters(subcommittee_on=day).filter(m.Neighbourhood.objects.all()).count() == 84
    assert f.EstateFilters(as_of=day).filter(m.Estate.objects.all()).count() == 247
