"""Freezing a vote's electorate on the day it opens, in SQL (a management area of thousands of
homes is a few statements, not a Python loop).

The owners of a home are its ownership shares in force that day (``HomeShare.as_of``). Homes are
grouped by their exact set of owners (SPC interpretation Art. 9): one owner — a person, co-owners
together, an organisation — counts once whatever the number of their homes; homes with no owner
that day, or held by the estate's developer, belong to the developer, who counts once for all of
them. Each home brings its registered exclusive area (Art. 8: ``Home.area_m2``).
"""

from __future__ import annotations

import hashlib

from django.db import connection

from fangguan.registry.choices import ShareKind
from fangguan.registry.models import Home, HomeShare

from .choices import ScopeKind, VoterKind
from .models import ElectorHome, Vote, Voter, VoterPerson

DEVELOPER_KEY = "d"


def homes_in_scope(vote: Vote):
    """The homes concerned: the whole management area, some of its buildings, one stairwell unit,
    or listed homes — always inside the vote's management area."""
    homes = Home.objects.filter(building__area_id=vote.area_id)
    scope = vote.scope or {}
    if vote.scope_kind == ScopeKind.BUILDINGS:
        homes = homes.filter(building_id__in=scope.get("buildings") or [])
    elif vote.scope_kind == ScopeKind.UNIT:
        unit = scope.get("unit") or {}
        homes = homes.filter(building_id=unit.get("building"), unit=str(unit.get("unit", "")))
    elif vote.scope_kind == ScopeKind.HOMES:
        homes = homes.filter(pk__in=scope.get("homes") or [])
    return homes


def _owners(vote: Vote, day):
    """(home, person, person kind) of the owners concerned on ``day``, the developer left out."""
    shares = HomeShare.objects.as_of(day).filter(kind=ShareKind.OWNER, home__in=homes_in_scope(vote).values("pk"))
    if vote.estate.developer_id:
        shares = shares.exclude(person_id=vote.estate.developer_id)
    return shares.values("home_id", "person_id", "person__kind").order_by("home_id", "person_id")


def _keyed_sql(vote: Vote, day) -> tuple[str, list]:
    """A WITH clause naming ``keyed``: one row per home in scope with its owner key and kind."""
    scoped_sql, scoped_params = (homes_in_scope(vote).values("id", "building_id", "area_m2").order_by()
                                 .query.sql_with_params())
    owners_sql, owners_params = _owners(vote, day).query.sql_with_params()
    if connection.vendor == "postgresql":
        ids = "string_agg(o.person_id::text, ',' ORDER BY o.person_id)"
    else:  # SQLite 3.40 has no ORDER BY in aggregates: group_concat follows its ordered input
        ids = "group_concat(o.person_id, ',')"
    # The pieces are Django's own SQL for the two querysets and constants: no input text.
    sql = (
        f"WITH scoped (home_id, building_id, area_m2) AS ({scoped_sql}), "  # noqa: S608
        f"agg AS (SELECT o.home_id AS home_id, {ids} AS ids, COUNT(*) AS n, MAX(o.person__kind) AS pkind "
        f"FROM ({owners_sql}) AS o GROUP BY o.home_id), "
        f"keyed AS (SELECT s.home_id AS home_id, s.building_id AS building_id, s.area_m2 AS area_m2, "
        f"CASE WHEN a.ids IS NULL THEN '{DEVELOPER_KEY}' ELSE 'o:' || a.ids END AS key, "
        f"CASE WHEN a.ids IS NULL THEN '{VoterKind.DEVELOPER}' WHEN a.n > 1 THEN '{VoterKind.JOINT}' "
        f"WHEN a.pkind = 'organisation' THEN '{VoterKind.ORGANISATION}' ELSE '{VoterKind.PERSON}' END AS kind "
        f"FROM scoped s LEFT JOIN agg a ON a.home_id = s.home_id) "
    )
    return sql, [*scoped_params, *owners_params]


def preview(vote: Vote, day) -> dict:
    """The electorate the vote would freeze if it opened on ``day`` (homes, area, owners)."""
    with_sql, params = _keyed_sql(vote, day)
    with connection.cursor() as cursor:
        cursor.execute(with_sql + "SELECT COUNT(*), SUM(area_m2), COUNT(DISTINCT key) FROM keyed", params)  # noqa: S608
        homes, area, owners = cursor.fetchone()
    from decimal import Decimal

    return {"homes": homes, "area_m2": Decimal(str(area or 0)).quantize(Decimal("0.01")), "owners": owners}


def freeze(vote: Vote, day) -> None:
    """Write the electorate of ``vote`` as of ``day``: its voters (owners), their homes and who may
    cast each voter's ballot — in the caller's transaction."""
    with_sql, params = _keyed_sql(vote, day)
    owners_sql, owners_params = _owners(vote, day).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            with_sql + "INSERT INTO votes_voter (vote_id, key, kind, homes, area_m2) "  # noqa: S608
            "SELECT %s, key, MAX(kind), COUNT(*), SUM(area_m2) FROM keyed GROUP BY key", [*params, vote.pk])
        cursor.execute(
            with_sql + "INSERT INTO votes_electorhome (vote_id, home_id, building_id, voter_id, area_m2) "  # noqa: S608
            "SELECT %s, k.home_id, k.building_id, v.id, k.area_m2 FROM keyed k "
            "JOIN votes_voter v ON v.vote_id = %s AND v.key = k.key", [*params, vote.pk, vote.pk])
        cursor.execute(
            "INSERT INTO votes_voterperson (vote_id, voter_id, person_id) "  # noqa: S608
            f"SELECT DISTINCT %s, eh.voter_id, o.person_id FROM ({owners_sql}) AS o "
            "JOIN votes_electorhome eh ON eh.vote_id = %s AND eh.home_id = o.home_id",
            [vote.pk, *owners_params, vote.pk])
    developer = Voter.objects.filter(vote=vote, key=DEVELOPER_KEY).first()
    if developer is not None and vote.estate.developer_id:
        VoterPerson.objects.create(vote=vote, voter=developer, person_id=vote.estate.developer_id)


def totals(vote: Vote) -> dict:
    """Homes, exclusive area and owners of the frozen electorate."""
    from django.db.models import Count, Sum

    figures = Voter.objects.filter(vote=vote).aggregate(homes=Sum("homes"), area=Sum("area_m2"), owners=Count("pk"))
    from decimal import Decimal

    return {"homes": figures["homes"] or 0, "area_m2": (figures["area"] or Decimal("0")).quantize(Decimal("0.01")),
            "owners": figures["owners"]}


def digest(vote: Vote) -> str:
    """SHA-256 over the frozen electorate, one line per home in id order: home, its area, its
    owner's key — what anyone holding the notice can recompute."""
    h = hashlib.sha256()
    for home, area, key in (ElectorHome.objects.filter(vote=vote).order_by("home_id")
                            .values_list("home_id", "area_m2", "voter__key").iterator(chunk_size=5000)):
        h.update(f"{home}|{area}|{key}\n".encode())
    return h.hexdigest()
