"""`lotse.analyse`: an experiment's report, its contract keys and its verdict."""

from __future__ import annotations

import json

import pytest

import lotse
from lotse import ArmTally, Counts

EVEN = {"control": 0.5, "treatment": 0.5}


def tallies(control: tuple[int, int], treatment: tuple[int, int]) -> dict[str, ArmTally]:
    """Two arms of one goal, "lead": (conversions, sessions) each."""
    return {
        "control": ArmTally(control[1], control[1], {"lead": control[0]}),
        "treatment": ArmTally(treatment[1], treatment[1], {"lead": treatment[0]}),
    }


def test_report_has_the_contract_keys() -> None:
    report = lotse.analyse("hero-hcp", tallies((400, 4000), (480, 4000)), EVEN)
    assert report["id"] == "hero-hcp"
    control = report["arms"]["control"]
    assert (control["sessions"], control["exposed"], control["conversions"]) == (
        4000,
        4000,
        {"lead": 400},
    )
    assert report["arms"]["treatment"]["conversions"] == {"lead": 480}
    assert {"p_value", "always_valid_p", "lift", "ci"} <= set(report["goals"]["lead"])
    assert isinstance(report["srm_p"], float)
    assert report["status"] in {"collecting", "significant", "no_difference", "srm"}
    assert report["arms"]["control"]["rates"]["lead"]["rate"] == 0.1
    assert report["arms"]["control"]["rates"]["lead"]["ci"] == pytest.approx(
        lotse.wilson_interval(Counts(400, 4000))
    )
    json.dumps(report)  # plain JSON data all the way down


def test_fixed_horizon_figures_are_null_until_the_plan_is_reached() -> None:
    arms = tallies((400, 4000), (480, 4000))
    early = lotse.analyse("x", arms, EVEN, planned_per_arm=5000)
    goal = early["goals"]["lead"]
    assert goal["p_value"] is None and goal["ci"] is None and goal["absolute_ci"] is None
    assert goal["always_valid_p"] == pytest.approx(
        lotse.always_valid_p_value(Counts(400, 4000), Counts(480, 4000))
    )
    assert goal["lift"] == pytest.approx(0.2)
    assert goal["always_valid_ci"][0] < 0.2 < goal["always_valid_ci"][1]
    assert lotse.analyse("x", arms, EVEN)["goals"]["lead"]["p_value"] is None  # no plan at all

    done = lotse.analyse("x", arms, EVEN, planned_per_arm=4000)["goals"]["lead"]
    assert round(done["p_value"], 4) == 0.0043
    assert done["ci"] == pytest.approx(lotse.compare(Counts(400, 4000), Counts(480, 4000)).ci)


def test_status_follows_the_always_valid_p_value() -> None:
    # The fixed-horizon p (0.004) is below alpha at the plan, the always-valid one (0.08)
    # is not: the experiment was watched, so it keeps collecting.
    watched = lotse.analyse("x", tallies((400, 4000), (480, 4000)), EVEN, planned_per_arm=3841)
    assert watched["goals"]["lead"]["p_value"] < 0.05 < watched["goals"]["lead"]["always_valid_p"]
    assert watched["status"] == "collecting"

    clear = lotse.analyse("x", tallies((400, 4000), (560, 4000)), EVEN)
    assert clear["goals"]["lead"]["always_valid_p"] < 0.05
    assert clear["status"] == "significant"

    flat = tallies((400, 4000), (405, 4000))
    assert lotse.analyse("x", flat, EVEN, planned_per_arm=3841)["status"] == "no_difference"
    assert lotse.analyse("x", flat, EVEN, planned_per_arm=5000)["status"] == "collecting"


def test_a_sample_ratio_mismatch_suspends_everything_else() -> None:
    report = lotse.analyse("x", tallies((500, 5000), (700, 4500)), EVEN)
    assert report["srm_p"] < 0.001
    assert report["goals"]["lead"]["always_valid_p"] < 0.05
    assert report["status"] == "srm"
    # The same counts with the split they were configured with are fine.
    uneven = lotse.analyse("x", tallies((500, 5000), (700, 4500)), {"control": 10, "treatment": 9})
    assert uneven["srm_p"] > 0.001 and uneven["status"] == "significant"


def test_no_conversion_in_the_control_is_an_undefined_lift_not_a_crash() -> None:
    report = lotse.analyse("x", tallies((0, 300), (4, 300)), EVEN, planned_per_arm=300)
    goal = report["goals"]["lead"]
    assert goal["lift"] is None and goal["ci"] is None and goal["always_valid_ci"] is None
    assert goal["absolute_lift"] == pytest.approx(4 / 300)
    assert 0 < goal["p_value"] < 1
    nothing = lotse.analyse("x", {"control": ArmTally(0), "treatment": ArmTally(0)}, EVEN)
    assert nothing["goals"] == {} and nothing["status"] == "collecting"
    assert nothing["srm_p"] == 1.0


def test_several_arms_and_goals_are_adjusted_together() -> None:
    arms = {
        "control": ArmTally(5000, 4800, {"lead": 500, "newsletter": 150}),
        "short": ArmTally(5000, 4700, {"lead": 520, "newsletter": 160}),
        "long": ArmTally(5000, 4900, {"lead": 640, "newsletter": 140}),
    }
    split = {"control": 1, "short": 1, "long": 1}
    report = lotse.analyse("hero", arms, split)
    assert report["comparisons"] == 4 and report["adjustment"] == "holm"
    assert list(report["arms"]) == ["control", "short", "long"]
    lead = report["goals"]["lead"]
    assert set(lead["by_arm"]) == {"short", "long"}
    # The headline is the comparison with the strongest evidence, and says which arm it is.
    assert lead["arm"] == "long"
    assert lead["always_valid_p"] == lead["by_arm"]["long"]["always_valid_p"]
    pairs = [(goal, arm) for goal in ("lead", "newsletter") for arm in ("short", "long")]
    raw = [report["goals"][g]["by_arm"][a]["always_valid_p_unadjusted"] for g, a in pairs]
    adjusted = [report["goals"][g]["by_arm"][a]["always_valid_p"] for g, a in pairs]
    assert adjusted == pytest.approx(lotse.holm(raw))
    assert report["status"] == "significant"

    bh = lotse.analyse("hero", arms, split, adjustment="bh")
    bh_adjusted = [bh["goals"][g]["by_arm"][a]["always_valid_p"] for g, a in pairs]
    assert bh["adjustment"] == "bh" and bh_adjusted == pytest.approx(lotse.benjamini_hochberg(raw))
    with pytest.raises(ValueError, match="adjustment"):
        lotse.analyse("hero", arms, split, adjustment="bonferroni")  # type: ignore[arg-type]


def test_an_earlier_report_keeps_the_always_valid_p_value_from_rising() -> None:
    earlier = lotse.analyse("x", tallies((100, 1000), (150, 1000)), EVEN)
    earlier = json.loads(json.dumps(earlier))  # as stored and read back
    later_counts = tallies((210, 2000), (250, 2000))
    fresh = lotse.analyse("x", later_counts, EVEN)
    later = lotse.analyse("x", later_counts, EVEN, previous=earlier)
    before = earlier["goals"]["lead"]["by_arm"]["treatment"]["always_valid_p_unadjusted"]
    assert fresh["goals"]["lead"]["always_valid_p"] > before
    assert later["goals"]["lead"]["always_valid_p"] == before
    # Anything unusable in `previous` counts as no history.
    assert lotse.analyse("x", later_counts, EVEN, previous={"goals": []}) == fresh


def test_days_needed_at_the_observed_traffic() -> None:
    arms = tallies((100, 1000), (110, 1000))
    report = lotse.analyse("x", arms, EVEN, planned_per_arm=3841, sessions_per_day=1000)
    assert report["days_needed"] == 6  # 2,841 more per arm at 500 a day each
    assert report["planned_reached"] is False
    assert lotse.analyse("x", arms, EVEN, sessions_per_day=1000)["days_needed"] is None


def test_configured_arms_without_sessions_and_a_missing_control() -> None:
    arms = {"control": ArmTally(1000, 900, {"lead": 100})}
    report = lotse.analyse("x", arms, EVEN)
    assert report["arms"]["treatment"]["sessions"] == 0
    assert report["arms"]["treatment"]["conversions"] == {"lead": 0}
    assert report["srm_p"] < 0.001 and report["status"] == "srm"
    alone = lotse.analyse("x", arms, {"control": 1})
    assert alone["goals"] == {} and alone["comparisons"] == 0 and alone["status"] == "collecting"
    assert alone["arms"]["control"]["rates"]["lead"]["rate"] == 0.1
    with pytest.raises(ValueError, match="no control arm"):
        lotse.analyse("x", {"a": ArmTally(10), "b": ArmTally(10)}, {"a": 1, "b": 1})


def test_arm_tallies_refuse_impossible_counts() -> None:
    with pytest.raises(ValueError, match="at most once per goal"):
        ArmTally(10, 10, {"lead": 11})
    with pytest.raises(ValueError, match="exposed"):
        ArmTally(10, 11)
