"""The demo's plans: the 十四五 plan with every annex indicator (the records it is measured from
come from ``development.demo``)."""

from .services import plan_load_fourteenth


def load(*, homes: str = "sample", out=None) -> dict[str, int]:
    plan = plan_load_fourteenth()
    return {"plans": 1, "indicators": plan.indicators.count()}
