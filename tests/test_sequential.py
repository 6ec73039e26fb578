"""Always-valid inference: the mSPRT against its defining integral, and what peeking costs.

The simulations feed the pure core seeded binomial data (exact draws, no normal
approximation of the data) and look after every 200 sessions, as a team
refreshing its dashboard would. Run with `-s` to see the figures the README quotes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pytest
from scipy import integrate

import lotse
from lotse import Counts
from lotse._sequential import MIXING_LIFT, relative_confidence_sequence
from lotse._stats import relative_lift_interval

ALPHA = 0.05
PLANNED = 3841  # lotse.sample_size_per_arm(0.10, 0.20): the plan the simulations test
NO_SESSIONS = Counts(0, 0)


def mixture_likelihood_ratio(difference: float, variance: float, tau: float) -> float:
    """Λ by its definition: the likelihood ratio of θ̂, averaged over θ ~ Normal(0, τ²)."""

    def integrand(theta: float) -> float:
        log_ratio = (difference**2 - (difference - theta) ** 2) / (2 * variance)
        return math.exp(log_ratio - theta**2 / (2 * tau**2)) / (tau * math.sqrt(2 * math.pi))

    spread = 12 * max(tau, math.sqrt(variance))
    value, _ = integrate.quad(integrand, -spread, spread, points=[0.0, difference], limit=200)
    return value


EXAMPLES = [
    (Counts(400, 4000), Counts(480, 4000)),
    (Counts(40, 400), Counts(55, 410)),
    (Counts(1200, 10000), Counts(1150, 10000)),
    (Counts(30, 900), Counts(70, 1000)),
    (Counts(500, 20000), Counts(520, 20000)),
]


@pytest.mark.parametrize(("control", "treatment"), EXAMPLES)
def test_always_valid_p_is_one_over_the_mixture_likelihood_ratio(
    control: Counts, treatment: Counts
) -> None:
    pooled = (control.conversions + treatment.conversions) / (control.sessions + treatment.sessions)
    variance = pooled * (1 - pooled) * (1 / control.sessions + 1 / treatment.sessions)
    difference = treatment.rate - control.rate  # type: ignore[operator]
    ratio = mixture_likelihood_ratio(difference, variance, MIXING_LIFT * pooled)
    assert lotse.always_valid_p_value(control, treatment) == pytest.approx(
        min(1.0, 1 / ratio), rel=1e-7
    )


@pytest.mark.parametrize(("control", "treatment"), EXAMPLES)
def test_confidence_sequence_ends_where_the_mixture_ratio_reaches_one_over_alpha(
    control: Counts, treatment: Counts
) -> None:
    cs = lotse.confidence_sequence(control, treatment, alpha=ALPHA)
    assert cs is not None
    low, high = cs
    c, t = control.rate, treatment.rate
    assert c is not None and t is not None
    variance = c * (1 - c) / control.sessions + t * (1 - t) / treatment.sessions
    pooled = (control.conversions + treatment.conversions) / (control.sessions + treatment.sessions)
    tau = MIXING_LIFT * pooled
    # Testing θ = bound: the evidence against it is exactly the threshold 1/α.
    for bound in (low, high):
        ratio = mixture_likelihood_ratio(t - c - bound, variance, tau)
        assert ratio == pytest.approx(1 / ALPHA, rel=1e-7)
    # The same interval in GrowthBook's notation (Waudby-Smith et al., asymptotic CS):
    # half-width σ sqrt(2 (Nρ² + 1) / (N² ρ²) log(sqrt(Nρ² + 1) / α)), σ² = N V, ρ = τ / σ.
    n = control.sessions + treatment.sessions
    sigma = math.sqrt(n * variance)
    rho = tau / sigma
    half = sigma * math.sqrt(
        2 * (n * rho**2 + 1) / (n**2 * rho**2) * math.log(math.sqrt(n * rho**2 + 1) / ALPHA)
    )
    assert (high - low) / 2 == pytest.approx(half, rel=1e-12)


@pytest.mark.parametrize(("control", "treatment"), EXAMPLES)
def test_always_valid_intervals_are_wider_than_fixed_horizon_ones(
    control: Counts, treatment: Counts
) -> None:
    comparison = lotse.compare(control, treatment)
    assert comparison.p_value <= comparison.always_valid_p
    for fixed, always in (
        (comparison.ci, comparison.always_valid_ci),
        (comparison.absolute_ci, comparison.always_valid_absolute_ci),
    ):
        assert fixed is not None and always is not None
        assert always[0] < fixed[0] < fixed[1] < always[1]


def test_relative_confidence_sequence_surrounds_the_lift() -> None:
    control, treatment = Counts(400, 4000), Counts(480, 4000)
    cs = relative_confidence_sequence(control, treatment)
    ci = relative_lift_interval(control, treatment)
    assert cs is not None and ci is not None
    assert cs[0] < ci[0] < 0.2 < ci[1] < cs[1]
    assert relative_confidence_sequence(Counts(0, 400), treatment) is None


def test_running_minimum_never_rises_and_without_history_is_still_valid() -> None:
    looks = [
        (Counts(10, 100), Counts(18, 100)),
        (Counts(20, 200), Counts(40, 200)),
        (Counts(40, 400), Counts(60, 400)),  # the gap narrows: evidence falls
        (Counts(90, 800), Counts(100, 800)),
    ]
    running, history = 1.0, []
    for control, treatment in looks:
        running = lotse.always_valid_p_value(control, treatment, previous=running)
        history.append(running)
    assert history == sorted(history, reverse=True)
    # Only today's counts: the current 1/Λ, larger than the running minimum, still a p-value.
    today = lotse.always_valid_p_value(*looks[-1])
    assert today > history[-1]
    assert history[-1] == min(lotse.always_valid_p_value(*look) for look in looks)


def test_no_evidence_without_conversions_or_sessions() -> None:
    assert lotse.always_valid_p_value(Counts(0, 500), Counts(0, 500)) == 1.0
    assert lotse.always_valid_p_value(Counts(0, 0), Counts(3, 50), previous=0.4) == 0.4
    assert lotse.confidence_sequence(Counts(0, 500), Counts(0, 500)) is None
    with pytest.raises(ValueError):
        lotse.always_valid_p_value(Counts(1, 5), Counts(2, 5), mixing_lift=0.0)


# -- simulation ------------------------------------------------------------------------


def binomial(rng: random.Random, n: int, p: float) -> int:
    """An exact Binomial(n, p) draw by inverting its distribution function.

    One uniform per draw and about n·p steps; Python 3.11 has no binomialvariate.
    """
    u = rng.random()
    k, probability = 0, (1 - p) ** n
    cumulative = probability
    odds = p / (1 - p)
    while cumulative < u and k < n:
        probability *= (n - k) / (k + 1) * odds
        k += 1
        cumulative += probability
    return k


@dataclass
class Arms:
    """Both arms' running counts, filled 100 sessions each at a look (200 per look)."""

    control_rate: float
    treatment_rate: float
    control: Counts = NO_SESSIONS
    treatment: Counts = NO_SESSIONS

    def add(self, rng: random.Random, per_arm: int) -> None:
        self.control = Counts(
            self.control.conversions + binomial(rng, per_arm, self.control_rate),
            self.control.sessions + per_arm,
        )
        self.treatment = Counts(
            self.treatment.conversions + binomial(rng, per_arm, self.treatment_rate),
            self.treatment.sessions + per_arm,
        )


def test_binomial_draws_have_the_right_mean_and_variance() -> None:
    rng = random.Random(11)
    draws = [binomial(rng, 100, 0.1) for _ in range(20_000)]
    mean = sum(draws) / len(draws)
    variance = sum((d - mean) ** 2 for d in draws) / len(draws)
    assert mean == pytest.approx(10, abs=0.1)
    assert variance == pytest.approx(9, rel=0.05)


def test_peeking_every_200_sessions_without_effect_stays_under_alpha() -> None:
    """No true effect, 10 % in both arms, a look after every 200 sessions up to 20,000."""
    rng = random.Random(20240601)
    runs, looks = 2000, 100
    always_valid_declared = naive_declared = 0
    for _ in range(runs):
        arms = Arms(0.10, 0.10)
        running, naive = 1.0, False
        for _ in range(looks):
            arms.add(rng, 100)
            running = lotse.always_valid_p_value(arms.control, arms.treatment, previous=running)
            naive = naive or lotse.two_proportion_z_test(arms.control, arms.treatment)[1] < ALPHA
        always_valid_declared += running < ALPHA
        naive_declared += naive
    always_valid_rate, naive_rate = always_valid_declared / runs, naive_declared / runs
    print(
        f"\nno effect, {looks} looks up to {looks * 200:,} sessions, {runs} runs: "
        f"always-valid p < 0.05 in {always_valid_rate:.1%}, "
        f"fixed-horizon p < 0.05 at some look in {naive_rate:.1%}"
    )
    assert always_valid_rate <= ALPHA
    assert naive_rate > 3 * ALPHA  # peeking at the fixed-horizon p-value is not 5 %


def test_a_true_lift_is_found_and_what_always_valid_costs() -> None:
    """10 % -> 12 % (a 20 % lift): the plan says 3,841 sessions per arm for 80 % power."""
    assert lotse.sample_size_per_arm(0.10, 0.20) == PLANNED
    rng = random.Random(20240602)
    runs = 4000
    fixed_at_plan = by_plan = by_twice = wrong_way = 0
    for _ in range(runs):
        arms = Arms(0.10, 0.12)
        running, declared_at = 1.0, None
        while arms.control.sessions < 2 * PLANNED:
            # Looks every 200 sessions, and one exactly at the plan (3,841 per arm).
            sessions = arms.control.sessions
            step = min(100, PLANNED - sessions) if sessions < PLANNED else 100
            arms.add(rng, min(step, 2 * PLANNED - sessions))
            running = lotse.always_valid_p_value(arms.control, arms.treatment, previous=running)
            if declared_at is None and running < ALPHA:
                declared_at = arms.control.sessions
                wrong_way += arms.treatment.conversions <= arms.control.conversions
            if arms.control.sessions == PLANNED:
                z, p = lotse.two_proportion_z_test(arms.control, arms.treatment)
                fixed_at_plan += p < ALPHA and z > 0
        by_plan += declared_at is not None and declared_at <= PLANNED
        by_twice += declared_at is not None
    print(
        f"\n20 % lift at 10 %, {runs} runs: fixed-horizon test once at {PLANNED:,} per arm "
        f"finds it in {fixed_at_plan / runs:.1%}; always-valid, looking every 200 sessions, "
        f"by {2 * PLANNED:,} sessions ({PLANNED:,} per arm) in {by_plan / runs:.1%}, "
        f"by {2 * PLANNED:,} per arm in {by_twice / runs:.1%}; wrong direction {wrong_way}"
    )
    # The sample size formula delivers the power it promises, for a single look.
    assert 0.76 <= fixed_at_plan / runs <= 0.84
    # Always valid costs power at the planned size: about half the runs get there by then ...
    assert 0.40 <= by_plan / runs <= 0.65
    # ... and most by twice the plan per arm (2 x 3,841 sessions in each arm).
    assert by_twice / runs >= 0.80
    assert wrong_way == 0
