"""Reading the experiments: ledger counters to `lotse.analyse` reports.

The ledger counts records per experiment, arm, visitor type, kind and goal;
this module adds them up per arm (over every visitor type, and per type),
takes each experiment's configured split and the site's plan from the site
file, and asks the core's statistics for the verdict. `lotse report` and the
dashboard both read experiments through `site_report`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import lotse

from .ledger import Row

#: Traffic is extrapolated from at least this much running time (seconds).
MIN_RUNNING = 3600.0


@dataclass
class _Counter:
    """Everything one arm counted (for one visitor type, or all of them)."""

    sessions: int = 0
    exposed: int = 0
    pages: int = 0
    returned: int = 0
    conversions: dict[str, int] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        if row.kind == "assigned":
            self.sessions += row.n
        elif row.kind == "exposed":
            self.exposed += row.n
        elif row.kind == "page":
            self.pages += row.n
        elif row.kind == "returned":
            self.returned += row.n
        elif row.kind == "converted" and row.goal:
            self.conversions[row.goal] = self.conversions.get(row.goal, 0) + row.n

    def tally(self) -> lotse.ArmTally:
        # A batch lost to a crash can leave an exposure or conversion without its
        # assignment; clamp so one lost second never makes a report impossible.
        sessions = max(self.sessions, self.exposed, *self.conversions.values(), 0)
        return lotse.ArmTally(sessions, self.exposed, dict(self.conversions))

    def wire(self) -> dict[str, Any]:
        tally = self.tally()
        return {
            "sessions": tally.sessions,
            "exposed": tally.exposed,
            "conversions": dict(sorted(tally.conversions.items())),
            "pages_per_session": round(self.pages / tally.sessions, 3) if tally.sessions else None,
            # Known only for visitors with consent, whose browser says they came back.
            "came_back": min(self.returned, tally.sessions),
        }


def site_report(
    engine: lotse.Engine,
    rows: Iterable[Row],
    started: Mapping[str, float],
    now: float,
    *,
    visitor_type: str | None = None,
) -> dict[str, Any]:
    """`{"experiments": [...], "retired": [...]}` for one site, from its ledger.

    With `visitor_type`, only sessions assigned while of that type are counted
    (``"unknown"``: while no type was decided).
    """
    arms: dict[str, dict[str, _Counter]] = defaultdict(lambda: defaultdict(_Counter))
    by_type: dict[str, dict[str, dict[str, _Counter]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(_Counter))
    )
    for row in rows:
        kind = row.visitor_type or "unknown"
        if visitor_type is None or kind == visitor_type:
            arms[row.experiment][row.arm].add(row)
            by_type[row.experiment][kind][row.arm].add(row)
    plan = engine.site.experiments
    planned = lotse.sample_size_per_arm(plan.baseline, plan.mde, alpha=plan.alpha, power=plan.power)
    reports, retired = [], []
    for experiment in sorted(arms):
        split = engine.split(experiment)
        if split is None:
            retired.append(experiment)
            continue
        counters = arms[experiment]
        running = max(now - started.get(experiment, now), MIN_RUNNING)
        total = sum(counter.sessions for counter in counters.values())
        if not total:
            continue  # e.g. only returning visitors of this visitor type: nothing assigned
        report = lotse.analyse(
            experiment,
            {arm: counter.tally() for arm, counter in counters.items()},
            split,
            # An A/B test between variants without a control arm compares with its first arm.
            control="control" if "control" in split else next(iter(split)),
            alpha=plan.alpha,
            planned_per_arm=planned,
            sessions_per_day=total / running * 86400,
            mixing_lift=plan.mde,  # tuned to the effect the site planned to detect
        )
        for arm, entry in report["arms"].items():
            engagement = counters[arm].wire()
            entry["pages_per_session"] = engagement["pages_per_session"]
            entry["came_back"] = engagement["came_back"]
        report["planned_per_arm"] = planned
        report["started"] = started.get(experiment)
        report["visitor_types"] = {
            kind: {arm: counter.wire() for arm, counter in sorted(type_arms.items())}
            for kind, type_arms in sorted(by_type[experiment].items())
        }
        reports.append(report)
    return {"site": engine.site_id, "experiments": reports, "retired": retired}
