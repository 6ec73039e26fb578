"""Always-valid inference: p-values and intervals that may be read after every session.

A fixed-horizon p-value is valid for one look at a sample size chosen in
advance. Read every day, and stopped on the first p < 0.05, it declares a
difference that is not there in a third of experiments or more (see the
simulation in tests/test_sequential.py). The mixture sequential probability
ratio test (mSPRT) of Johari, Koomen, Pekelis and Walsh ("Always valid
inference", Operations Research 2022; the statistics behind Optimizely's Stats
Engine) does not have that problem.

The difference of rates θ = treatment - control is estimated by θ̂ with
variance V (normal approximation). Against θ = 0 the likelihood ratio of θ̂,
averaged over alternatives θ ~ Normal(0, τ²), is

    Λ = sqrt(V / (V + τ²)) · exp(θ̂² τ² / (2 V (V + τ²)))

Under the null Λ is a nonnegative martingale with mean 1, so by Ville's
inequality P(Λ ever reaches 1/α) ≤ α: `1 / Λ` is a p-value that stays valid
whenever it is read and whatever rule stops the experiment. Inverting the same
test around every θ gives the confidence sequence θ̂ ± w with

    w² = V (V + τ²) / τ² · (2 log(1/α) + log((V + τ²) / V))

which is GrowthBook's asymptotic confidence sequence in another notation.

The mixing variance τ² is the prior spread of effects worth finding: τ is
`mixing_lift` (20 % by default) of the pooled conversion rate, an absolute
effect of the size the experiment is planned for. At α = 0.05 the boundary
is tightest where the standard error is τ / 2.9, close to where a test planned
for that relative lift ends (alpha 0.05, power 0.80: effect / 2.8); effects of
other sizes cost only a logarithmic term. See docs/decisions.md.
"""

from __future__ import annotations

import math

from ._stats import (
    Counts,
    check_alpha,
    log_ratio_variance,
    pooled,
    rate_difference,
    relative_lift,
)

#: The relative lift the mixing distribution is centred on the scale of (its SD).
MIXING_LIFT = 0.2


def _log_mixture_ratio(z_squared: float, ratio: float) -> float:
    """log Λ from z² = θ̂² / V and ratio = τ² / V."""
    return 0.5 * (z_squared * ratio / (1 + ratio) - math.log1p(ratio))


def _half_width(variance: float, tau_squared: float, alpha: float) -> float:
    """Half-width of the confidence sequence: where log Λ reaches log(1/α)."""
    ratio = tau_squared / variance
    return math.sqrt(variance * (1 + ratio) / ratio * (2 * math.log(1 / alpha) + math.log1p(ratio)))


def always_valid_p_value(
    control: Counts,
    treatment: Counts,
    *,
    mixing_lift: float = MIXING_LIFT,
    previous: float = 1.0,
) -> float:
    """The mSPRT p-value of "the two rates are equal", valid at any look.

    `previous` is the value the last look returned, if the caller kept it: the
    result is the running minimum, so it never rises from one look to the next.
    A caller with only the current counts passes nothing and still gets a valid
    p-value: `min(1, 1/Λ)` now crosses α only if the running minimum does, so
    the guarantee is the same; it may merely rise again later.

    The variance is the pooled one (the null's, as in the z-test), so the value
    stays sound with few conversions and unequal arms.
    """
    _check_mixing(mixing_lift)
    if not 0 <= previous <= 1:
        raise ValueError(f"previous must be a p-value in [0, 1], not {previous}")
    difference = rate_difference(control, treatment)
    rate, variance = pooled(control, treatment)
    tau_squared = (mixing_lift * rate) ** 2
    if difference is None or variance <= 0 or tau_squared <= 0:
        return previous  # no session or no conversion yet, or all converted: no evidence
    log_ratio = _log_mixture_ratio(difference * difference / variance, tau_squared / variance)
    return min(previous, math.exp(-log_ratio) if log_ratio > 0 else 1.0)


def confidence_sequence(
    control: Counts,
    treatment: Counts,
    *,
    alpha: float = 0.05,
    mixing_lift: float = MIXING_LIFT,
) -> tuple[float, float] | None:
    """An always-valid interval of treatment rate - control rate.

    Covers the true difference at every look at once with probability 1 - α.
    The variance is the unpooled one (the interval is about θ ≠ 0 too). None
    while there is nothing to estimate a variance from.
    """
    check_alpha(alpha)
    _check_mixing(mixing_lift)
    difference = rate_difference(control, treatment)
    if difference is None:
        return None
    variance = sum(
        counts.conversions * (counts.sessions - counts.conversions) / counts.sessions**3
        for counts in (control, treatment)
    )  # p (1 - p) / n for each arm
    tau_squared = (mixing_lift * pooled(control, treatment)[0]) ** 2
    if variance <= 0 or tau_squared <= 0:
        return None
    half = _half_width(variance, tau_squared, alpha)
    # Early on the boundary is wide (τ is small next to the standard error); a difference
    # of rates lies in [-1, 1] whatever the boundary says.
    return max(-1.0, difference - half), min(1.0, difference + half)


def relative_confidence_sequence(
    control: Counts,
    treatment: Counts,
    *,
    alpha: float = 0.05,
    mixing_lift: float = MIXING_LIFT,
) -> tuple[float, float] | None:
    """An always-valid interval of the relative lift (treatment / control - 1).

    The same mixture boundary on the log of the ratio, whose delta-method variance
    is the one of the fixed-horizon interval; on that scale effects are relative
    already, so τ is `mixing_lift` itself. None while either arm has no conversion.
    """
    check_alpha(alpha)
    _check_mixing(mixing_lift)
    lift = relative_lift(control, treatment)
    variance = log_ratio_variance(control, treatment)
    if lift is None or variance is None or variance <= 0:
        return None
    half = _half_width(variance, mixing_lift * mixing_lift, alpha)
    log_ratio = math.log1p(lift)
    return math.expm1(log_ratio - half), math.expm1(log_ratio + half)


def _check_mixing(mixing_lift: float) -> None:
    if not mixing_lift > 0:
        raise ValueError(f"mixing_lift must be positive, not {mixing_lift}")
