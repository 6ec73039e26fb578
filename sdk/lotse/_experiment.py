"""An experiment's report: its arms, each goal's comparisons, and a verdict.

`compare` puts one treatment arm against the control on one goal, with both
the fixed-horizon figures (`_stats.py`) and the always-valid ones
(`_sequential.py`). `analyse` does that for every goal and treatment arm of an
experiment, adjusts for the number of comparisons, checks the split, and says
where the experiment stands. Its output is a plain dict whose keys are a
contract (`lotse report`, the dashboard); README "Reading the statistics"
documents them.

The denominator is the sessions assigned to an arm. The exposure design logs
both arms whenever the rule would apply (the control's exposure is
counterfactual: it would have seen the variant), so assigned sessions of the
arms are comparable, and a conversion is counted for its session once per
goal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._sequential import (
    MIXING_LIFT,
    always_valid_p_value,
    confidence_sequence,
    relative_confidence_sequence,
)
from ._stats import (
    SRM_THRESHOLD,
    Counts,
    benjamini_hochberg,
    check_alpha,
    days_needed,
    difference_interval,
    holm,
    normalised,
    rate_difference,
    relative_lift,
    relative_lift_interval,
    srm_p_value,
    two_proportion_z_test,
    wilson_interval,
)

Status = Literal["collecting", "significant", "no_difference", "srm"]
Adjustment = Literal["holm", "bh", "none"]
Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class ArmTally:
    """What the ledger counted for one arm of an experiment."""

    #: Sessions assigned to the arm (the denominator of every rate).
    sessions: int
    #: Sessions that saw the slot (in the control: would have seen the variant).
    exposed: int = 0
    #: goal -> sessions that converted on it (each session at most once per goal).
    conversions: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.sessions < 0 or not 0 <= self.exposed <= self.sessions:
            raise ValueError(
                f"an arm needs 0 <= exposed ({self.exposed}) <= sessions ({self.sessions})"
            )
        for goal, converted in self.conversions.items():
            if not 0 <= converted <= self.sessions:
                raise ValueError(
                    f"goal {goal!r}: {converted} conversions in {self.sessions} sessions; a "
                    "session converts at most once per goal"
                )

    def counts(self, goal: str) -> Counts:
        return Counts(self.conversions.get(goal, 0), self.sessions)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One treatment arm against the control on one goal."""

    control: Counts
    treatment: Counts
    #: Fixed horizon: the pooled z statistic and its two-sided p-value.
    z: float
    p_value: float
    #: Always valid: the mSPRT p-value (running minimum if the last one was given).
    always_valid_p: float
    #: Relative lift (treatment / control - 1), None while the control has no conversion,
    #: with its fixed-horizon (delta method) and always-valid intervals.
    lift: float | None
    ci: Interval | None
    always_valid_ci: Interval | None
    #: Absolute lift (difference of rates) with Newcombe's and the always-valid interval.
    absolute_lift: float | None
    absolute_ci: Interval | None
    always_valid_absolute_ci: Interval | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready figures (intervals as [low, high] lists)."""
        return {
            "z": self.z,
            "p_value": self.p_value,
            "always_valid_p": self.always_valid_p,
            "lift": self.lift,
            "ci": _listed(self.ci),
            "always_valid_ci": _listed(self.always_valid_ci),
            "absolute_lift": self.absolute_lift,
            "absolute_ci": _listed(self.absolute_ci),
            "always_valid_absolute_ci": _listed(self.always_valid_absolute_ci),
        }


def compare(
    control: Counts,
    treatment: Counts,
    *,
    alpha: float = 0.05,
    mixing_lift: float = MIXING_LIFT,
    previous_always_valid_p: float = 1.0,
) -> Comparison:
    """Every figure of one treatment against the control on one goal."""
    check_alpha(alpha)
    z, p_value = two_proportion_z_test(control, treatment)
    return Comparison(
        control=control,
        treatment=treatment,
        z=z,
        p_value=p_value,
        always_valid_p=always_valid_p_value(
            control, treatment, mixing_lift=mixing_lift, previous=previous_always_valid_p
        ),
        lift=relative_lift(control, treatment),
        ci=relative_lift_interval(control, treatment, alpha=alpha),
        always_valid_ci=relative_confidence_sequence(
            control, treatment, alpha=alpha, mixing_lift=mixing_lift
        ),
        absolute_lift=rate_difference(control, treatment),
        absolute_ci=difference_interval(control, treatment, alpha=alpha),
        always_valid_absolute_ci=confidence_sequence(
            control, treatment, alpha=alpha, mixing_lift=mixing_lift
        ),
    )


#: Figures valid only at the planned sample: null in an experiment's report before it.
FIXED_HORIZON_KEYS = ("z", "p_value", "ci", "absolute_ci")


def analyse(
    experiment_id: str,
    arms: Mapping[str, ArmTally],
    split: Mapping[str, float],
    *,
    control: str = "control",
    alpha: float = 0.05,
    planned_per_arm: int | None = None,
    sessions_per_day: float | None = None,
    adjustment: Adjustment = "holm",
    mixing_lift: float = MIXING_LIFT,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report of one experiment: arms, goals, sample-ratio check and status.

    `split` is the configured share of each arm (any scale: 0.9/0.1 or 90/10); an
    arm in the split without a tally has had no session yet. Every (goal,
    treatment arm) pair is one comparison against `control`, and p-values are
    adjusted for their number (`adjustment`: "holm" keeps the chance of any false
    positive below alpha, "bh" the expected share of false discoveries, "none").
    `previous` is an earlier report of this experiment (this function's output,
    or the same read back from JSON): its unadjusted always-valid p-values are
    carried as a running minimum, so they never rise between reports.

    The fixed-horizon figures (z, p_value, ci, absolute_ci) are null until every
    arm has `planned_per_arm` sessions (always, without a plan): read earlier,
    they would name winners that are not there.
    """
    check_alpha(alpha)
    if adjustment not in ("holm", "bh", "none"):
        raise ValueError(f"adjustment must be 'holm', 'bh' or 'none', not {adjustment!r}")
    tallies = _all_arms(experiment_id, arms, split, control)
    shares = normalised(split)
    goals = sorted({goal for tally in tallies.values() for goal in tally.conversions})
    treatments = [arm for arm in tallies if arm != control]
    planned_reached = planned_per_arm is not None and all(
        tally.sessions >= planned_per_arm for tally in tallies.values()
    )

    comparisons = {
        (goal, arm): compare(
            tallies[control].counts(goal),
            tallies[arm].counts(goal),
            alpha=alpha,
            mixing_lift=mixing_lift,
            previous_always_valid_p=_previous_p(previous, goal, arm),
        )
        for goal in goals
        for arm in treatments
    }
    always_valid = _adjusted(
        {pair: c.always_valid_p for pair, c in comparisons.items()}, adjustment
    )
    fixed = _adjusted({pair: c.p_value for pair, c in comparisons.items()}, adjustment)

    goal_reports = {
        goal: _goal_report(
            {arm: comparisons[goal, arm] for arm in treatments},
            {arm: fixed[goal, arm] for arm in treatments},
            {arm: always_valid[goal, arm] for arm in treatments},
            planned_reached,
        )
        for goal in (goals if treatments else ())  # a control alone has nothing to compare
    }
    srm_p = srm_p_value({arm: tally.sessions for arm, tally in tallies.items()}, split)
    return {
        "id": experiment_id,
        "control": control,
        "arms": {
            arm: _arm_report(tally, goals, shares.get(arm, 0.0), alpha)
            for arm, tally in tallies.items()
        },
        "goals": goal_reports,
        "srm_p": srm_p,
        "status": _status(srm_p, always_valid, fixed, alpha, planned_reached),
        "alpha": alpha,
        "adjustment": adjustment,
        "comparisons": len(comparisons),
        "mixing_lift": mixing_lift,
        "planned_per_arm": planned_per_arm,
        "planned_reached": planned_reached,
        "days_needed": (
            days_needed(
                planned_per_arm,
                sessions_per_day,
                shares,
                {arm: tally.sessions for arm, tally in tallies.items()},
            )
            if planned_per_arm is not None and sessions_per_day is not None
            else None
        ),
    }


def _goal_report(
    comparisons: Mapping[str, Comparison],
    fixed: Mapping[str, float],
    always_valid: Mapping[str, float],
    planned_reached: bool,
) -> dict[str, Any]:
    """One goal: every treatment arm's comparison (adjusted p-values) and the headline."""
    by_arm: dict[str, dict[str, Any]] = {}
    for arm, comparison in comparisons.items():
        figures = comparison.to_dict()
        figures["p_value"] = fixed[arm]
        figures["p_value_unadjusted"] = comparison.p_value
        figures["always_valid_p"] = always_valid[arm]
        figures["always_valid_p_unadjusted"] = comparison.always_valid_p
        if not planned_reached:
            figures.update(dict.fromkeys((*FIXED_HORIZON_KEYS, "p_value_unadjusted")))
        by_arm[arm] = figures
    # The headline is the comparison with the strongest evidence, then the best rate.
    headline = min(
        comparisons,
        key=lambda arm: (always_valid[arm], -(comparisons[arm].treatment.rate or 0.0)),
    )
    return {**by_arm[headline], "arm": headline, "by_arm": by_arm}


def _status(
    srm_p: float,
    always_valid: Mapping[tuple[str, str], float],
    fixed: Mapping[tuple[str, str], float],
    alpha: float,
    planned_reached: bool,
) -> Status:
    if srm_p < SRM_THRESHOLD:
        return "srm"  # a broken split makes every other figure suspect
    if any(p < alpha for p in always_valid.values()):
        return "significant"
    if planned_reached and fixed and all(p >= alpha for p in fixed.values()):
        return "no_difference"
    # Also when the plan is reached with a fixed-horizon p below alpha but an always-valid
    # one above it: the experiment was looked at before, so only the latter counts.
    return "collecting"


def _adjusted(
    p_values: Mapping[tuple[str, str], float], adjustment: Adjustment
) -> dict[tuple[str, str], float]:
    """The p-values adjusted for the number of comparisons in the experiment."""
    if adjustment == "none":
        return dict(p_values)
    adjust = holm if adjustment == "holm" else benjamini_hochberg
    return dict(zip(p_values, adjust(list(p_values.values())), strict=True))


def _all_arms(
    experiment_id: str, arms: Mapping[str, ArmTally], split: Mapping[str, float], control: str
) -> dict[str, ArmTally]:
    """The control first, then the other arms, including configured arms with no session."""
    names = [*arms, *(arm for arm in split if arm not in arms)]
    if control not in names:
        raise ValueError(f"experiment {experiment_id!r}: no control arm {control!r} in {names}")
    ordered = [control, *(arm for arm in names if arm != control)]
    return {arm: arms.get(arm) or ArmTally(sessions=0) for arm in ordered}


def _arm_report(
    tally: ArmTally, goals: Sequence[str], share: float, alpha: float
) -> dict[str, Any]:
    conversions = {goal: tally.conversions.get(goal, 0) for goal in goals}
    return {
        "sessions": tally.sessions,
        "exposed": tally.exposed,
        "conversions": conversions,
        "share": share,
        "rates": {
            goal: {
                "rate": tally.counts(goal).rate,
                "ci": _listed(wilson_interval(tally.counts(goal), alpha=alpha)),
            }
            for goal in goals
        },
    }


def _previous_p(previous: Mapping[str, Any] | None, goal: str, arm: str) -> float:
    """The unadjusted always-valid p-value an earlier report gave this comparison, or 1."""
    if previous is None:
        return 1.0
    try:
        value = previous["goals"][goal]["by_arm"][arm]["always_valid_p_unadjusted"]
    except (KeyError, TypeError):
        return 1.0
    is_p = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
    return float(value) if is_p else 1.0


def _listed(interval: Interval | None) -> list[float] | None:
    return None if interval is None else [interval[0], interval[1]]
