"""Calibration: a reported 0.8 should be right about four times in five.

The reported probabilities scale the summed evidence (compressed by
`EXPONENT`) by `SCALE`, less `CONFLICT` times the evidence for the other types,
against an "unknown" of log-odds `UNKNOWN` (`lotse._inference`). The three
weights are fitted by maximum likelihood on the tuning journeys, where a journey
nobody could tell is "unknown"; this test refits them, checks the shipped values
are that fit,
and prints the reliability table on the tuning journeys (the held-out table
is printed by tests/test_heldout.py). Run with ``-s`` to see it.
"""

from __future__ import annotations

import math

from scipy.optimize import minimize
from scipy.stats import binomtest

import lotse
from _accuracy import (
    FURTHER_JOURNEYS,
    RETIRED_JOURNEYS,
    journey_site,
    on_the_wire,
    read_all,
    reliability,
    replay_journeys,
)
from lotse import _inference
from lotse._inference import logits

#: Every tuning journey, the earlier held-out sets included: each was retired into
#: tuning once a fresh held-out set was written (see tests/test_heldout.py).
TUNING = read_all(("journeys.jsonl", "tuning_journeys.jsonl", *FURTHER_JOURNEYS, *RETIRED_JOURNEYS))


def _final_logits() -> list[tuple[dict[str, float], str | None]]:
    site = journey_site()
    events = [e for j in TUNING for e in on_the_wire(site, j["id"], j["events"])]
    sessions = {step.session.id: step.session for step in lotse.replay_steps(site, events)}
    types = site.engine().type_ids
    return [
        (logits(sessions[j["id"]].profile.evidence.values(), types), j["expect"]) for j in TUNING
    ]


def _negative_log_likelihood(params: list[float], data: list) -> float:  # type: ignore[type-arg]
    scale, conflict, unknown = params
    total = 0.0
    for totals, expected in data:
        everything = sum(totals.values())
        scaled = {
            t: scale * _inference.shaped(v) - conflict * (everything - v) for t, v in totals.items()
        }
        top = max(unknown, *scaled.values())
        log_z = top + math.log(
            math.exp(unknown - top) + sum(math.exp(v - top) for v in scaled.values())
        )
        total -= (unknown if expected is None else scaled[expected]) - log_z
    return total


def test_the_shipped_calibration_is_the_maximum_likelihood_fit() -> None:
    data = _final_logits()
    start = [1.0, 0.0, 0.0]
    fitted = minimize(_negative_log_likelihood, start, args=(data,), method="Nelder-Mead")
    scale, conflict, unknown = fitted.x
    shipping = [_inference.SCALE, _inference.CONFLICT, _inference.UNKNOWN]
    shipped = _negative_log_likelihood(shipping, data)
    raw = _negative_log_likelihood(start, data)
    print(f"\nfit: scale {scale:.2f}, conflict {conflict:.2f}, unknown {unknown:.2f} "
          f"(shipped {shipping}); log-loss {fitted.fun:.1f}, shipped {shipped:.1f}, "
          f"uncalibrated {raw:.1f}")  # fmt: skip
    assert all(abs(fit - ship) < 0.3 for fit, ship in zip(fitted.x, shipping, strict=True))
    assert shipped <= fitted.fun * 1.02 < raw


def test_reliability_on_the_tuning_journeys() -> None:
    """Overall, confidence and accuracy agree closely. A well-filled bin may stray
    only as far as chance allows: what it delivers must be a plausible draw of
    its size at its mean confidence (a two-sided binomial test at 1 %; twenty
    journeys at 0.85 deliver 70 % or less one time in seven by chance alone)."""
    table = reliability(TUNING, replay_journeys(TUNING))
    print("\ntuning journeys", f"(calibration error {table.error:.3f})", table.table(), sep="\n")
    assert table.error < 0.05
    for _, _, n, confidence, accuracy in table.rows:
        if n >= 20:
            assert abs(confidence - accuracy) < 0.2
            assert binomtest(round(accuracy * n), n, confidence).pvalue > 0.01
