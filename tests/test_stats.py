"""Fixed-horizon statistics: textbook values, and scipy/statsmodels as the reference."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

import lotse
from lotse import Counts
from lotse._stats import (
    chi_square_sf,
    difference_interval,
    relative_lift,
    relative_lift_interval,
)


def random_pairs(count: int, seed: int) -> list[tuple[Counts, Counts]]:
    """Control/treatment counts from tiny to large samples, rates from rare to common."""
    rng = random.Random(seed)

    def arm(rate: float) -> Counts:
        sessions = rng.choice((20, 150, 1_000, 25_000)) + rng.randrange(50)
        converted = round(sessions * rate * rng.uniform(0.7, 1.4))
        return Counts(max(1, min(sessions - 1, converted)), sessions)

    rates = [rng.choice((0.02, 0.1, 0.3, 0.6)) for _ in range(count)]
    return [(arm(rate), arm(rate)) for rate in rates]


# -- rates ----------------------------------------------------------------------------


def test_wilson_interval_textbook_values() -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", 81/263.
    low, high = lotse.wilson_interval(Counts(81, 263))
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # 0 % and 100 %: the interval stays inside [0, 1] and is not degenerate.
    assert lotse.wilson_interval(Counts(0, 10)) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert lotse.wilson_interval(Counts(10, 10)) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert lotse.wilson_interval(Counts(0, 0)) is None


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_wilson_interval_matches_statsmodels(alpha: float) -> None:
    for control, treatment in random_pairs(40, seed=1):
        for counts in (control, treatment, Counts(0, control.sessions), Counts(7, 7)):
            reference = proportion_confint(
                counts.conversions, counts.sessions, alpha=alpha, method="wilson"
            )
            assert lotse.wilson_interval(counts, alpha=alpha) == pytest.approx(reference, abs=1e-12)


def test_counts_refuse_impossible_numbers() -> None:
    with pytest.raises(ValueError, match="at most once per goal"):
        Counts(11, 10)
    with pytest.raises(ValueError, match="negative"):
        Counts(-1, 10)
    assert Counts(0, 0).rate is None


# -- two arms -------------------------------------------------------------------------


def test_z_test_textbook_value() -> None:
    # 10 % vs 12 % of 4,000 sessions each: pooled rate 0.11, z = 0.02 / sqrt(0.11·0.89·2/4000).
    z, p = lotse.two_proportion_z_test(Counts(400, 4000), Counts(480, 4000))
    assert z == pytest.approx(0.02 / math.sqrt(0.11 * 0.89 * 2 / 4000), rel=1e-12)
    assert round(p, 4) == 0.0043


def test_z_test_matches_statsmodels_and_the_chi_square_test() -> None:
    for control, treatment in random_pairs(60, seed=2):
        z, p = lotse.two_proportion_z_test(control, treatment)
        ref_z, ref_p = proportions_ztest(
            [treatment.conversions, control.conversions], [treatment.sessions, control.sessions]
        )
        assert z == pytest.approx(ref_z, rel=1e-9)
        assert p == pytest.approx(ref_p, rel=1e-9, abs=1e-300)
        # The pooled z-test is Pearson's chi-square test of the 2x2 table without correction.
        table = [
            [control.conversions, control.sessions - control.conversions],
            [treatment.conversions, treatment.sessions - treatment.conversions],
        ]
        chi2 = scipy_stats.chi2_contingency(table, correction=False)
        assert p == pytest.approx(chi2.pvalue, rel=1e-7, abs=1e-300)


def test_z_test_without_variance_is_no_evidence() -> None:
    assert lotse.two_proportion_z_test(Counts(0, 100), Counts(0, 120)) == (0.0, 1.0)
    assert lotse.two_proportion_z_test(Counts(0, 0), Counts(5, 120)) == (0.0, 1.0)


def test_difference_interval_textbook_value() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", example (a): 56/70 - 48/80, method 10 (hybrid score): 0.0524 to 0.3339.
    low, high = difference_interval(Counts(48, 80), Counts(56, 70))
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_difference_interval_matches_statsmodels() -> None:
    for control, treatment in random_pairs(40, seed=3):
        reference = confint_proportions_2indep(
            treatment.conversions,
            treatment.sessions,
            control.conversions,
            control.sessions,
            method="newcomb",
            compare="diff",
        )
        assert difference_interval(control, treatment) == pytest.approx(reference, abs=1e-12)


def test_relative_lift_interval_matches_statsmodels_log_ratio() -> None:
    for control, treatment in random_pairs(40, seed=4):
        low, high = confint_proportions_2indep(
            treatment.conversions,
            treatment.sessions,
            control.conversions,
            control.sessions,
            method="log",
            compare="ratio",
        )
        interval = relative_lift_interval(control, treatment)
        assert interval == pytest.approx((low - 1, high - 1), rel=1e-10)
        lift = relative_lift(control, treatment)
        assert lift is not None and interval[0] < lift < interval[1]


def test_relative_lift_with_zero_conversions_is_undefined_not_a_crash() -> None:
    assert relative_lift(Counts(0, 500), Counts(12, 500)) is None
    assert relative_lift_interval(Counts(0, 500), Counts(12, 500)) is None
    # No conversion in the treatment: the lift is -100 %, its log-scale interval undefined.
    assert relative_lift(Counts(10, 500), Counts(0, 500)) == -1.0
    assert relative_lift_interval(Counts(10, 500), Counts(0, 500)) is None
    assert difference_interval(Counts(0, 500), Counts(0, 500)) is not None


# -- planning -------------------------------------------------------------------------


def test_sample_size_per_arm_textbook_value() -> None:
    assert lotse.sample_size_per_arm(0.10, 0.20, alpha=0.05, power=0.80) == 3841


@pytest.mark.parametrize(
    ("baseline", "mde", "alpha", "power"),
    [(0.10, 0.20, 0.05, 0.80), (0.02, 0.10, 0.05, 0.90), (0.30, -0.15, 0.01, 0.80),
     (0.50, 0.05, 0.10, 0.95), (0.001, 1.0, 0.05, 0.80)],
)  # fmt: skip
def test_sample_size_matches_statsmodels(
    baseline: float, mde: float, alpha: float, power: float
) -> None:
    n = lotse.sample_size_per_arm(baseline, mde, alpha=alpha, power=power)
    difference = baseline * mde
    reference = samplesize_proportions_2indep_onetail(
        difference, baseline, power, alpha=alpha, alternative="two-sided"
    )
    assert n == math.ceil(reference)
    # The smallest n with the power asked for (statsmodels' power of the same test).
    assert (
        power_proportions_2indep(
            difference, baseline, n, alpha=alpha, alternative="two-sided", return_results=False
        )
        >= power
    )
    assert (
        power_proportions_2indep(
            difference, baseline, n - 1, alpha=alpha, alternative="two-sided", return_results=False
        )
        < power
    )


def test_sample_size_refuses_impossible_plans() -> None:
    for baseline, mde in ((0.0, 0.2), (1.0, 0.2), (0.6, 1.0), (0.1, 0.0), (0.1, -1.0)):
        with pytest.raises(ValueError):
            lotse.sample_size_per_arm(baseline, mde)


def test_days_needed_follows_the_smallest_share() -> None:
    even = {"control": 1, "treatment": 1}
    assert lotse.days_needed(3841, 1000, even) == 8  # 500 a day per arm
    assert lotse.days_needed(3841, 1000, even, {"control": 3500, "treatment": 3600}) == 1
    assert lotse.days_needed(3841, 1000, even, {"control": 3841, "treatment": 4000}) == 0
    # A 10 % control group fills ten times more slowly than an even split would.
    assert lotse.days_needed(3841, 1000, {"control": 0.1, "treatment": 0.9}) == 39
    assert lotse.days_needed(3841, 0, even) is None
    assert lotse.days_needed(100, 1000, {"control": 0, "treatment": 1}) is None


# -- sample-ratio mismatch ------------------------------------------------------------


def test_chi_square_survival_function_textbook_values() -> None:
    assert chi_square_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-10)
    assert chi_square_sf(10.827566170662733, 1) == pytest.approx(0.001, rel=1e-9)
    # With two degrees of freedom the survival function is exp(-x / 2).
    for x in (0.0, 0.5, 5.991, 40.0, 700.0):
        assert chi_square_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-12)


def test_chi_square_survival_function_matches_scipy() -> None:
    for df in (1, 2, 3, 4, 5, 7, 10, 19, 50):
        for x in (0.001, 0.1, 0.9, df - 0.5, df + 0.5, df * 2.0, 15.0, 60.0, 150.0, 400.0):
            reference = scipy_stats.chi2.sf(x, df)
            assert chi_square_sf(x, df) == pytest.approx(reference, rel=1e-9, abs=1e-300), (x, df)


def test_srm_p_value_matches_scipy_for_any_number_of_arms() -> None:
    rng = random.Random(5)
    for arms in (2, 3, 5):
        for _ in range(10):
            split = {f"arm{i}": rng.uniform(0.1, 1.0) for i in range(arms)}
            sessions = {arm: rng.randrange(50, 5000) for arm in split}
            total = sum(sessions.values())
            weight = sum(split.values())
            expected = [total * split[arm] / weight for arm in split]
            reference = scipy_stats.chisquare(list(sessions.values()), expected).pvalue
            assert lotse.srm_p_value(sessions, split) == pytest.approx(reference, rel=1e-9)


def test_srm_flags_a_broken_split() -> None:
    even = {"control": 0.5, "treatment": 0.5}
    assert lotse.srm_p_value({"control": 4000, "treatment": 4000}, even) == 1.0
    assert lotse.srm_p_value({"control": 5000, "treatment": 4700}, even) > 0.001
    assert lotse.srm_p_value({"control": 5000, "treatment": 4500}, even) < 0.001
    assert lotse.srm_p_value({"control": 900, "treatment": 100}, {"control": 9, "treatment": 1})
    assert lotse.srm_p_value({}, even) == 1.0
    # Sessions where the split has none (an arm dropped from the configuration) are a mismatch.
    assert lotse.srm_p_value({"control": 10, "treatment": 10, "old": 1}, even) == 0.0
    assert lotse.srm_p_value({"control": 10, "treatment": 1}, {"control": 1, "treatment": 0}) == 0.0


# -- multiple comparisons -------------------------------------------------------------


def test_holm_and_benjamini_hochberg_textbook_example() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.06 (monotone).
    assert lotse.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted times 4/1, 4/2, 4/3, 4/4 -> 0.02, 0.02, 0.04, 0.04 (monotone from the top).
    assert lotse.benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert lotse.holm([]) == []


def test_adjustments_match_statsmodels() -> None:
    rng = random.Random(6)
    for size in (1, 2, 3, 8, 20):
        for _ in range(10):
            p = [rng.choice((rng.random(), rng.random() / 50, 1.0)) for _ in range(size)]
            assert lotse.holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]))
            assert lotse.benjamini_hochberg(p) == pytest.approx(
                list(multipletests(p, method="fdr_bh")[1])
            )
    with pytest.raises(ValueError):
        lotse.holm([0.5, 1.5])
