"""Anyone holding a vote's notice can check it: recompute the electorate's digest from the frozen
homes, the figures from each owner's latest ballot, the result's digest from both — and compare
them with the stored result and with the digest the audit chain sealed at the close."""

from __future__ import annotations

from dataclasses import dataclass, field

from fangguan.core.models import ChangeLog

from . import electorate
from .choices import Status
from .counting import Tally
from .models import Vote


@dataclass
class Report:
    vote: int
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def check(self, label: str, stored, recomputed) -> None:
        same = stored == recomputed
        self.ok &= same
        self.lines.append(f"{'✓' if same else '✗'} {label}: {stored}" + ("" if same else f" ≠ {recomputed}"))


def verify(vote_id: int) -> Report:
    from .services import ballots_digest, figures_of, seal_of

    vote = Vote.objects.select_related("rule").get(pk=vote_id)
    report = Report(vote_id)
    if vote.status != Status.CLOSED:
        report.ok = False
        report.lines.append("the vote is not closed")
        return report
    result = vote.result
    report.check("electorate digest", vote.electorate_digest, electorate.digest(vote))
    figures = figures_of(vote)
    stored = {"participating": Tally(result.participating_area_m2, result.participating_owners),
              "yes": Tally(result.yes_area_m2, result.yes_owners), "no": Tally(result.no_area_m2, result.no_owners),
              "abstain": Tally(result.abstain_area_m2, result.abstain_owners)}
    for name, tally in stored.items():
        report.check(f"{name} (area ㎡, owners)", (str(tally.area), tally.owners),
                     (str(figures[name].area), figures[name].owners))
    report.check("quorum met", result.quorum_met, figures["quorum_met"])
    report.check("passed", result.passed, figures["passed"])
    ballots = ballots_digest(vote)
    report.check("ballots digest", result.ballots_digest, ballots)
    report.check("result digest", result.digest, seal_of(vote, figures, ballots))
    sealed = (ChangeLog.objects.filter(object_type="voteresult", object_id=result.pk, action="create")
              .values_list("after__digest", flat=True).first())
    report.check("digest in the audit chain", sealed, result.digest)
    return report
