"""Evidence to visitor type: log-odds, probabilities, a threshold and hysteresis.

Each piece of evidence is a log-likelihood ratio for one visitor type. Summed
per type they give scores; "unknown" is an extra outcome with score 0, so with
no evidence every type and unknown share the probability, and a single weak
hint never decides. A type is decided only above a confidence threshold *and*
a margin over the runner-up, because a confident wrong guess costs more trust
than no guess. Once decided, the type flips only on clearly stronger evidence.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ._model import Tuning


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to believe the visitor is of `visitor_type`.

    `key` identifies the source (signal and page), so the same page counted
    twice (a click, then its page view) adds evidence once.
    """

    visitor_type: str
    weight: float
    key: str
    reason: dict[str, str]


def logits(evidence: Iterable[Evidence], types: Sequence[str]) -> dict[str, float]:
    """Summed evidence weight per visitor type."""
    totals = dict.fromkeys(types, 0.0)
    for item in evidence:
        if item.visitor_type in totals:
            totals[item.visitor_type] += item.weight
    return totals


#: Calibration of the reported probabilities: the summed evidence for a type,
#: compressed by `EXPONENT` (the tenth piece of evidence says less than the
#: first), counts `SCALE` times, less `CONFLICT` times the evidence for the other
#: types, against `UNKNOWN`, the log-odds of "none of these". `SCALE`,
#: `CONFLICT` and `UNKNOWN` are fitted by maximum likelihood on the tuning
#: journeys, where a journey nobody could tell is "unknown"; `EXPONENT` is the
#: one of 0.6, 0.7, …, 1.0 whose fit is likeliest among those that keep every
#: well-filled bin of the reliability table within chance of what it delivers
#: (tests/test_calibration.py refits them and prints the table), so that a
#: reported 0.8 is right about four times in five. The conflict term is why a
#: single strong page (right nearly always) and a page of one type after a page
#: of another (right half the time) with the same lead get the confidence each
#: deserves.
EXPONENT = 0.6
SCALE = 4.6
CONFLICT = 2.1
UNKNOWN = 4.9


def shaped(value: float) -> float:
    """Summed evidence as the calibration counts it (`EXPONENT`); negative evidence
    (a denied role) as it is."""
    return value**EXPONENT if value > 0.0 else value


class Probabilities(dict[str, float]):
    """Calibrated probability per visitor type (what is missing to 1.0 is
    "unknown"), carrying in `weighed` the probabilities the decision rule uses:
    the evidence as weighed, against an "unknown" of weight 1."""

    weighed: dict[str, float]


def probabilities(totals: Mapping[str, float]) -> Probabilities:
    """Calibrated probability per visitor type; what is missing to 1.0 is "unknown".

    The decision (`decide`) uses the evidence as weighed instead: a threshold
    and a lead on those were fitted on the tuning journeys too, and they keep
    "no type" for conflicting evidence, which a calibration of single
    signals would call confident.
    """
    shares, total = _calibrated_shares(totals.values())
    result = Probabilities(zip(totals, [share / total for share in shares], strict=True))
    result.weighed = weighed(totals)
    return result


def calibrated(types: Sequence[str], sums: Sequence[float], visitor_type: str) -> float:
    """`probabilities(dict(zip(types, sums)))[visitor_type]`, without the other
    types' probabilities or the weighed ones: a profile asks this of its leader on
    every new piece of mixed evidence (`Profile._doubted`)."""
    shares, total = _calibrated_shares(sums)
    return shares[types.index(visitor_type)] / total


def _calibrated_shares(totals: Collection[float]) -> tuple[list[float], float]:
    """Each type's share before normalising, in the order of `totals`, and their
    sum with "unknown"'s: a type's probability is its share over the sum."""
    exp = math.exp
    everything = sum(totals)
    # `shaped`, written out: a call per type cost more than its arithmetic.
    scaled = [SCALE * (v**EXPONENT if v > 0.0 else v) - CONFLICT * (everything - v) for v in totals]
    # Subtracting the maximum keeps exp() finite for any number of events.
    scaled_top = max(UNKNOWN, *scaled) if scaled else UNKNOWN
    return _shares(scaled, scaled_top, exp(UNKNOWN - scaled_top))


def weighed(totals: Mapping[str, float]) -> dict[str, float]:
    """The probabilities the decision rule uses: the evidence as weighed, against an
    "unknown" of weight 1 (`Probabilities.weighed`). On their own for deciding,
    which needs nothing else: half the work of `probabilities`."""
    return dict(zip(totals, _weighed_values(totals.values()), strict=True))


def _weighed_values(totals: Collection[float]) -> list[float]:
    """`weighed`'s probabilities in the order of `totals`."""
    if not totals:
        return []
    top = max(0.0, *totals)
    shares, total = _shares(totals, top, math.exp(-top))
    return [share / total for share in shares]


def _shares(values: Iterable[float], top: float, total: float) -> tuple[list[float], float]:
    """exp(value - top) of each value, in order, and their sum added to `total`
    one by one, in order: the same sum to the last bit however it is called."""
    exp = math.exp
    shares = []
    for value in values:
        share = exp(value - top)
        shares.append(share)
        total += share
    return shares, total


def decide(probabilities: dict[str, float], current: str | None, tuning: Tuning) -> str | None:
    """The decided visitor type given the probabilities and the current decision.

    Given `Probabilities`, the rule reads their `weighed` probabilities.
    """
    weighed: dict[str, float] = getattr(probabilities, "weighed", probabilities)
    return _decided(tuple(weighed), tuple(weighed.values()), current, tuning)


def decide_on(
    types: Sequence[str], sums: Sequence[float], current: str | None, tuning: Tuning
) -> str | None:
    """`decide(weighed(dict(zip(types, sums))), current, tuning)` without a dict of
    probabilities in between: a profile decides again whenever its evidence grows."""
    return _decided(types, _weighed_values(sums), current, tuning)


def _decided(
    types: Sequence[str], shares: Sequence[float], current: str | None, tuning: Tuning
) -> str | None:
    """The rule itself, on each type's probability (`shares`, in the order of `types`).

    The leader is the first of the most probable types, the runner-up the most
    probable of the others: the first two of the types sorted by probability.
    """
    if not shares:
        return None
    p_top = max(shares)
    leader = shares.index(p_top)
    top = types[leader]
    others = [*shares[:leader], *shares[leader + 1 :]]
    p_second = max(others) if others else 0.0
    if current is None or current not in types:
        if p_top >= tuning.threshold and p_top - p_second >= tuning.margin:
            return top
        return None
    if top == current:
        return current
    p_current = shares[types.index(current)]
    if p_top >= tuning.flip_threshold and p_top - p_current >= tuning.margin:
        return top
    # Hold the decision while no other type clearly leads; when one does but
    # not yet strongly enough to flip to it, fall back to "no guess".
    return current if p_top - p_current < tuning.margin else None
