"""Each dashboard card says what it counts (issue 18: the home page said 295 estates, the dashboard
294, and neither said why): a visible note under the figure, tied to the card's link by
aria-describedby, naming the date asked for and the rule the count follows. The estates card is
checked against this file's own count of the rule it states (delivered on or before the day, not
removed from the register on or before it), on two dates around a removal, in Chinese and English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db.models import Q
from django.test import Client

from fangguan.registry.models import Estate

pytestmark = pytest.mark.django_db

NOTES = {  # hand-written: the estates card's note as each language says it
    "zh-hans": "{day} 在册的小区：交付日期不晚于该日，且未在该日或之前从名录中注销。",
    "en": "Estates on the register on {day}: delivered on or before that day and not removed from the register on or before it.",
}


def _on_register(day: dt.date) -> int:
    return Estate.objects.filter(delivered_on__lte=day).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day)).count()


def _card(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">(.*?)</div>\s*</div>\s*</div>', html, re.S)
    assert match, key
    return match.group(1)


@pytest.fixture
def removal_days(db):
    """The day before an estate left the register, and that day; one is made if the demo has none."""
    removed = Estate.objects.filter(removed_on__isnull=False, delivered_on__isnull=False).order_by("removed_on").first()
    if removed is None:
        removed = Estate.objects.filter(delivered_on__lt=dt.date(2024, 1, 1)).order_by("pk").first()
        Estate.objects.filter(pk=removed.pk).update(removed_on=dt.date(2024, 3, 1))
        removed.refresh_from_db()
    return removed.removed_on - dt.timedelta(days=1), removed.removed_on


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_estates_card_says_what_it_counts_and_counts_that(users, removal_days, language):
    client = Client()
    client.force_login(users["admin"])
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for day in removal_days:
        html = client.get("/dashboard/", {"as_of": day.isoformat()}).content.decode()
        card = _card(html, "estates")
        value = int(re.search(r'class="app-figure-value">\s*([\d,]+)', card).group(1).replace(",", ""))
        assert value == _on_register(day)
        note = re.search(r'<p class="[^"]*app-figure-note" id="(figure-note-estates)">([^<]*)</p>', card)
        assert note and note.group(2) == NOTES[language].format(day=day.isoformat())
        assert f'aria-describedby="{note.group(1)}"' in card


def test_every_card_has_a_note_naming_the_day(users):
    client = Client()
    client.force_login(users["zhujing"])
    response = client.get("/dashboard/", {"as_of": "2023-07-15"})
    for card in response.context["cards"]:
        assert "2023-07-15" in card["note"], card["key"]
        assert f'id="figure-note-{card["key"]}"' in response.content.decode()
    # a town office's "companies filed" counts those serving its estates; the bureau's all filed ones
    town = {c["key"]: c["note"] for c in response.context["cards"]}
    client.force_login(users["admin"])
    district = {c["key"]: c["note"] for c in client.get("/dashboard/", {"as_of": "2023-07-15"}).context["cards"]}
    assert "您辖区内" in town["companies_filed"] and "您辖区内" not in district["companies_filed"]
