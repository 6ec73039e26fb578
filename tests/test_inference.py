from lotse._inference import Evidence, decide, logits, probabilities
from lotse._model import Tuning

TYPES = ("patient", "hcp", "pharmacist", "applicant")


def scores(evidence: list[Evidence], types: tuple[str, ...]) -> dict[str, float]:
    return probabilities(logits(evidence, types))


def _evidence(*pairs: tuple[str, float]) -> list[Evidence]:
    return [Evidence(t, w, f"k{i}", {}) for i, (t, w) in enumerate(pairs)]


def test_no_evidence_leaves_room_for_unknown() -> None:
    probabilities = scores([], TYPES)
    # Calibrated: with no evidence at all, "unknown" is by far the likeliest.
    assert all(p < 0.05 for p in probabilities.values())
    assert len(set(probabilities.values())) == 1
    assert decide(probabilities, None, Tuning()) is None


def test_one_weak_hint_does_not_decide_but_strong_evidence_does() -> None:
    assert decide(scores(_evidence(("hcp", 1.5)), TYPES), None, Tuning()) is None
    assert decide(scores(_evidence(("hcp", 3.0)), TYPES), None, Tuning()) == "hcp"


def test_conflicting_evidence_stays_undecided() -> None:
    probabilities = scores(_evidence(("hcp", 3.0), ("applicant", 3.0)), TYPES)
    assert decide(probabilities, None, Tuning()) is None


def test_hysteresis_keeps_a_decision_against_slightly_stronger_evidence() -> None:
    probabilities = scores(_evidence(("hcp", 3.0), ("applicant", 3.5)), TYPES)
    assert decide(probabilities, "hcp", Tuning()) == "hcp"
    overwhelming = scores(_evidence(("hcp", 3.0), ("applicant", 9.0)), TYPES)
    assert decide(overwhelming, "hcp", Tuning()) == "applicant"


def test_scores_stay_finite_for_huge_weights() -> None:
    probabilities = scores(_evidence(*[("hcp", 50.0)] * 100), TYPES)
    assert 0.99 < probabilities["hcp"] <= 1.0
