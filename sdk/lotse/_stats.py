"""Fixed-horizon statistics on binomial counts: sessions and the conversions among them.

Everything here is the textbook version, stdlib only (`statistics.NormalDist`,
`math`), and cross-checked against scipy and statsmodels in the tests:

- a rate with its Wilson score interval, which stays inside [0, 1] and is
  honest at 0 % and 100 % and for small samples, where the Wald interval is not;
- the absolute lift (difference of rates) with Newcombe's hybrid score interval,
  built from the two Wilson intervals for the same reasons;
- the relative lift (treatment / control - 1) with the delta-method interval on
  the log of the ratio (Katz), undefined while either arm has no conversion;
- the two-sided two-proportion z-test with pooled variance;
- the sample size per arm for a relative minimum detectable effect, and the days
  still needed at the observed traffic;
- the sample-ratio-mismatch check: a chi-square goodness-of-fit test of assigned
  sessions against the configured split, for any number of arms;
- Holm and Benjamini-Hochberg adjustments for several goals or arms.

These p-values and intervals are valid for one look at a sample size fixed in
advance; `_sequential.py` has the ones that may be read every day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()

#: Below this p-value the split is considered broken (the common industry threshold:
#: an SRM check runs on every look, so it must rarely fire by chance).
SRM_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class Counts:
    """One arm's sessions and how many of them converted on one goal."""

    conversions: int
    sessions: int

    def __post_init__(self) -> None:
        if self.sessions < 0 or self.conversions < 0:
            raise ValueError(f"counts cannot be negative: {self.conversions}/{self.sessions}")
        if self.conversions > self.sessions:
            raise ValueError(
                f"{self.conversions} conversions in {self.sessions} sessions: a session "
                "converts at most once per goal"
            )

    @property
    def rate(self) -> float | None:
        """The conversion rate, or None before the first session."""
        return self.conversions / self.sessions if self.sessions else None


def z_value(alpha: float) -> float:
    """The two-sided critical value: 1.96 for alpha = 0.05."""
    check_alpha(alpha)
    return _NORMAL.inv_cdf(1 - alpha / 2)


def check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")


def wilson_interval(counts: Counts, *, alpha: float = 0.05) -> tuple[float, float] | None:
    """The Wilson score interval of the rate, or None before the first session."""
    n = counts.sessions
    if n == 0:
        return None
    z = z_value(alpha)
    rate = counts.conversions / n
    shrink = 1 + z * z / n
    centre = (rate + z * z / (2 * n)) / shrink
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / shrink
    # At 0 % (100 %) the bound is exactly 0 (1); elsewhere clamp away rounding error.
    low = 0.0 if counts.conversions == 0 else max(0.0, centre - half)
    high = 1.0 if counts.conversions == n else min(1.0, centre + half)
    return low, high


def two_proportion_z_test(control: Counts, treatment: Counts) -> tuple[float, float]:
    """The pooled two-proportion z-test: (z, two-sided p-value).

    With no variance to measure (an arm without sessions, or no conversion at all,
    or every session converted) there is no evidence either way: (0.0, 1.0).
    """
    difference = rate_difference(control, treatment)
    _, variance = pooled(control, treatment)
    if difference is None or variance <= 0:
        return 0.0, 1.0
    z = difference / math.sqrt(variance)
    # erfc keeps its precision far into the tail, where 1 - cdf would round to 0.
    return z, math.erfc(abs(z) / math.sqrt(2))


def rate_difference(control: Counts, treatment: Counts) -> float | None:
    """treatment rate - control rate (the absolute lift); None while an arm has no session."""
    if control.sessions == 0 or treatment.sessions == 0:
        return None
    return treatment.conversions / treatment.sessions - control.conversions / control.sessions


def pooled(control: Counts, treatment: Counts) -> tuple[float, float]:
    """The pooled rate, and the variance of the rate difference if both rates were it.

    That is the variance under "no difference"; (0.0, 0.0) while an arm has no session.
    """
    if control.sessions == 0 or treatment.sessions == 0:
        return 0.0, 0.0
    rate = (control.conversions + treatment.conversions) / (control.sessions + treatment.sessions)
    return rate, rate * (1 - rate) * (1 / control.sessions + 1 / treatment.sessions)


def difference_interval(
    control: Counts, treatment: Counts, *, alpha: float = 0.05
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval of treatment rate - control rate."""
    control_interval = wilson_interval(control, alpha=alpha)
    treatment_interval = wilson_interval(treatment, alpha=alpha)
    if control_interval is None or treatment_interval is None:
        return None
    control_rate = control.conversions / control.sessions
    treatment_rate = treatment.conversions / treatment.sessions
    (control_low, control_high), (treatment_low, treatment_high) = (
        control_interval,
        treatment_interval,
    )
    difference = treatment_rate - control_rate
    below = math.hypot(treatment_rate - treatment_low, control_high - control_rate)
    above = math.hypot(treatment_high - treatment_rate, control_rate - control_low)
    return difference - below, difference + above


def relative_lift(control: Counts, treatment: Counts) -> float | None:
    """treatment rate / control rate - 1; None while the control has no conversion."""
    if control.conversions == 0 or treatment.sessions == 0:
        return None
    return (treatment.conversions / treatment.sessions) / (
        control.conversions / control.sessions
    ) - 1


def log_ratio_variance(control: Counts, treatment: Counts) -> float | None:
    """The delta-method variance of log(treatment rate / control rate); None with a zero."""
    if control.conversions == 0 or treatment.conversions == 0:
        return None
    return (
        1 / treatment.conversions
        - 1 / treatment.sessions
        + 1 / control.conversions
        - 1 / control.sessions
    )


def relative_lift_interval(
    control: Counts, treatment: Counts, *, alpha: float = 0.05
) -> tuple[float, float] | None:
    """The delta-method (Katz) interval of the relative lift, from the log of the ratio.

    None while either arm has no conversion: the log of the ratio is undefined, and
    any interval would come from a made-up correction rather than from the data.
    """
    lift = relative_lift(control, treatment)
    variance = log_ratio_variance(control, treatment)
    if lift is None or variance is None:
        return None
    log_ratio = math.log1p(lift)
    half = z_value(alpha) * math.sqrt(variance)
    return math.expm1(log_ratio - half), math.expm1(log_ratio + half)


# -- planning -------------------------------------------------------------------------


def sample_size_per_arm(
    baseline: float, mde: float, *, alpha: float = 0.05, power: float = 0.80
) -> int:
    """Sessions per arm to detect a relative lift `mde` over `baseline`.

    The two-sided pooled normal approximation (Fleiss, without continuity correction):
    n = (z_{1-alpha/2} sqrt(2 p q) + z_{power} sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2,
    with p2 = baseline (1 + mde) and p the mean of p1 and p2.
    baseline 0.10, mde 0.20, alpha 0.05, power 0.80 gives 3,841.
    """
    if not 0 < baseline < 1:
        raise ValueError(f"baseline must be a rate between 0 and 1, not {baseline}")
    if not 0 < power < 1:
        raise ValueError(f"power must be between 0 and 1, not {power}")
    target = baseline * (1 + mde)
    if mde == 0 or not 0 < target < 1:
        raise ValueError(
            f"mde {mde} is a relative lift: baseline x (1 + mde) = {target:g} must be a rate "
            "between 0 and 1 and differ from the baseline"
        )
    mean = (baseline + target) / 2
    spread = z_value(alpha) * math.sqrt(2 * mean * (1 - mean)) + _NORMAL.inv_cdf(power) * math.sqrt(
        baseline * (1 - baseline) + target * (1 - target)
    )
    n = (spread / (target - baseline)) ** 2
    # The formula is continuous; round up, but not a float's last bit above an integer.
    return math.ceil(n - 1e-9)


def days_needed(
    per_arm: int,
    sessions_per_day: float,
    split: Mapping[str, float],
    assigned: Mapping[str, int] | None = None,
) -> int | None:
    """Whole days until every arm of `split` has `per_arm` sessions.

    `sessions_per_day` is the experiment's whole traffic, shared by the split;
    `assigned` the sessions each arm has so far. 0 when every arm is there; None
    if some arm would never get there (no traffic, or no share for it).
    """
    shares = normalised(split)
    assigned = assigned or {}
    days = 0
    for arm, share in shares.items():
        missing = per_arm - assigned.get(arm, 0)
        if missing <= 0:
            continue
        daily = sessions_per_day * share
        if daily <= 0:
            return None
        days = max(days, math.ceil(missing / daily - 1e-9))
    return days


def normalised(split: Mapping[str, float]) -> dict[str, float]:
    """The split's shares summing to 1 (a split may be written as 50/50 or 0.9/0.1)."""
    if any(share < 0 for share in split.values()):
        raise ValueError(f"a split cannot have negative shares: {dict(split)}")
    total = sum(split.values())
    if total <= 0:
        raise ValueError(f"a split needs a positive share: {dict(split)}")
    return {arm: share / total for arm, share in split.items()}


# -- sample-ratio mismatch ------------------------------------------------------------


def srm_p_value(sessions: Mapping[str, int], split: Mapping[str, float]) -> float:
    """Chi-square goodness-of-fit p-value of assigned sessions against the split.

    A small p-value (below `SRM_THRESHOLD`) means the assignment or the logging is
    broken, so every other figure of the experiment is suspect. Arms missing from
    `sessions` have none; sessions in an arm the split gives no share make it 0.
    """
    shares = normalised(split)
    unknown = [arm for arm, n in sessions.items() if n and arm not in shares]
    total = sum(sessions.values())
    if total == 0:
        return 1.0
    if unknown or any(sessions.get(arm, 0) and share == 0 for arm, share in shares.items()):
        return 0.0  # sessions where none can be: a mismatch whatever the numbers
    cells = [(sessions.get(arm, 0), total * share) for arm, share in shares.items() if share > 0]
    if len(cells) < 2:
        return 1.0
    statistic = sum((observed - expected) ** 2 / expected for observed, expected in cells)
    return chi_square_sf(statistic, len(cells) - 1)


def chi_square_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for X chi-square with `df` degrees of freedom."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    return _upper_regularized_gamma(df / 2, statistic / 2)


def _upper_regularized_gamma(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a), as in Numerical Recipes (gammq).

    The power series converges fast below x = a + 1 and the continued fraction
    above it; each is used where it does, so the tail keeps its relative precision.
    """
    if x <= 0:
        return 1.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        denominator = a
        for _ in range(10_000):
            denominator += 1
            term *= x / denominator
            total += term
            if term < total * 1e-16:
                return max(0.0, 1 - total * math.exp(log_prefactor))
    else:
        # Modified Lentz's method for the continued fraction of Γ(a, x).
        tiny = 1e-300
        b = x + 1 - a
        c = 1 / tiny
        d = 1 / b
        fraction = d
        for i in range(1, 10_000):
            an = -i * (i - a)
            b += 2
            d = an * d + b
            d = d if abs(d) > tiny else tiny
            c = b + an / c
            c = c if abs(c) > tiny else tiny
            d = 1 / d
            step = d * c
            fraction *= step
            if abs(step - 1) < 1e-16:
                return min(1.0, math.exp(log_prefactor) * fraction)
    raise ArithmeticError(f"incomplete gamma did not converge for a={a}, x={x}")


# -- multiple comparisons -------------------------------------------------------------


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: controls the chance of any false positive (FWER)."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(_smallest_first(p_values)):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg step-up adjustment: controls the false discovery rate."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 1.0
    for rank, index in reversed(list(enumerate(_smallest_first(p_values)))):
        running = min(running, m * p_values[index] / (rank + 1))
        adjusted[index] = running
    return adjusted


def _smallest_first(p_values: Sequence[float]) -> list[int]:
    """The positions of the p-values, smallest first (after checking they are p-values)."""
    bad = [p for p in p_values if not 0 <= p <= 1]
    if bad:
        raise ValueError(f"p-values must lie in [0, 1], not {bad}")
    return sorted(range(len(p_values)), key=p_values.__getitem__)
