"""A year's evaluation is stored once (``services.evaluation_freeze``): records arriving later do
not change its scores, grades or ranks, while the evaluation of a period is still computed live;
the nightly step stores last year from 1 February; a company reads the same score and rank as
the bureau (the evaluation is computed from every record, whoever reads it)."""

from __future__ import annotations

import datetime as dt

from fangguan.supervision import selectors, services
from fangguan.supervision.models import Complaint, YearEvaluation
from tests.conftest import ApiClient

from .conftest import at
from .test_evaluation import records  # noqa: F401 - the hand-built town's records of 2025


def _lines(data) -> dict:
    return {it["company"]["id"]: (it["score"], it["grade"], it["rank"]) for it in data["items"]}


def _upheld(w, filed):
    c = services.complaint_create(actor=w.bureau, estate=w.south, description="迟到的投诉", filed_at=filed)
    Complaint.objects.filter(pk=c.pk).update(status="upheld")


def test_a_stored_year_does_not_change_when_later_records_arrive(records):  # noqa: F811 - the imported fixture
    w = records
    before = selectors.evaluation(w.bureau, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31),
                                  town=w.town.pk, now=at(2026, 2, 1, 1))
    written = services.evaluation_freeze(2025, now=at(2026, 2, 1, 1))
    assert written == YearEvaluation.objects.filter(year=2025).count() > 0
    stored = selectors.year_evaluation(w.bureau, 2025, w.town.pk)
    assert _lines(stored) == _lines(before) and stored["frozen_at"] == at(2026, 2, 1, 1)
    assert stored["items"][0]["parts"] == before["items"][0]["parts"]  # every part, with its links
    # two more upheld complaints against the south company, filed in 2025, arrive in March 2026
    _upheld(w, at(2025, 11, 20))
    _upheld(w, at(2025, 12, 28))
    live = selectors.evaluation(w.bureau, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31),
                                town=w.town.pk)
    assert _lines(live)[w.south_co.pk] != _lines(before)[w.south_co.pk]  # the live figures moved
    assert _lines(selectors.year_evaluation(w.bureau, 2025, w.town.pk)) == _lines(before)  # the year did not
    body = ApiClient(w.bureau.username).get("/api/v1/supervision/evaluations", year=2025, town=w.town.pk).json()
    assert {it["company"]["id"]: (it["score"], it["grade"], it["rank"]) for it in body["items"]} == _lines(before)
    # a period is computed live
    body = ApiClient(w.bureau.username).get("/api/v1/supervision/evaluations", town=w.town.pk,
                                            **{"from": "2025-01-01", "to": "2025-12-31"}).json()
    assert {it["company"]["id"]: it["score"] for it in body["items"]}[w.south_co.pk] == _lines(live)[
        w.south_co.pk][0]
    # stored once: a second freeze writes nothing and changes nothing
    assert services.evaluation_freeze(2025) == 0
    assert _lines(selectors.year_evaluation(w.bureau, 2025, w.town.pk)) == _lines(before)


def test_the_nightly_step_stores_last_year_from_the_first_of_february(records):  # noqa: F811 - the imported fixture
    assert services.evaluation_freeze_due(now=at(2026, 1, 31, 23)) > 0  # still January: the year before last
    assert set(YearEvaluation.objects.values_list("year", flat=True)) == {2024}
    assert services.evaluation_freeze_due(now=at(2026, 2, 1, 1)) > 0
    assert set(YearEvaluation.objects.values_list("year", flat=True)) == {2024, 2025}
    assert services.evaluation_freeze_due(now=at(2026, 2, 2, 1)) == 0


def test_a_company_reads_the_score_and_rank_the_bureau_reads(records):  # noqa: F811 - the imported fixture
    w = records
    query = {"town": w.town.pk, "from": "2025-01-01", "to": "2025-12-31"}
    bureau = ApiClient(w.bureau.username).get("/api/v1/supervision/evaluations", **query).json()["items"]
    north = ApiClient(w.north_manager.username).get("/api/v1/supervision/evaluations", **query).json()["items"]
    south = ApiClient(w.south_manager.username).get("/api/v1/supervision/evaluations", **query).json()["items"]
    by_company = {it["company"]["id"]: it for it in bureau}
    assert [it["company"]["id"] for it in north] == [w.north_co.pk]
    assert [it["company"]["id"] for it in south] == [w.south_co.pk]
    for mine in (north[0], south[0]):
        theirs = by_company[mine["company"]["id"]]
        assert (mine["score"], mine["grade"], mine["rank"], mine["parts"]) == (
            theirs["score"], theirs["grade"], theirs["rank"], theirs["parts"])


def test_the_day_a_year_is_stored_is_the_standards(records):  # noqa: F811 - the imported fixture
    """The day is a versioned parameter: 2025 judged by a standard in force from June 2025 that
    waits 45 days (to 15 February 2026), 2024 by the one before it (1 February 2025)."""
    w = records
    services.standard_add(actor=w.bureau, effective_from=dt.date(2025, 6, 1), evaluation_freeze_days=45)
    assert services.evaluation_freeze_due(now=at(2026, 2, 14, 23, 59)) > 0  # not yet 2025's day: 2024
    assert set(YearEvaluation.objects.values_list("year", flat=True)) == {2024}
    assert services.evaluation_freeze_due(now=at(2026, 2, 14, 23, 59)) == 0
    assert services.evaluation_freeze_due(now=at(2026, 2, 15, 0, 0)) > 0
    assert set(YearEvaluation.objects.values_list("year", flat=True)) == {2024, 2025}
