import math
import random

import lotse
from lotse._inference import Evidence, decide, decide_on, logits, probabilities, weighed
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


# -- conflicting evidence ---------------------------------------------------------------


def _journey(*paths: str) -> lotse.Session:
    engine = lotse.load_site(None).engine()
    session = engine.new_session()
    session.feed(lotse.Hello(engine.site_id, f"https://www.example.de{paths[0]}", lang="de"))
    for path in paths[1:]:
        session.feed(lotse.PageView(f"https://www.example.de{path}", ()))
    return session


def test_strong_evidence_for_two_types_on_different_pages_decides_nothing() -> None:
    """Doctors' pages, then careers: a doctor looking for a job, or a job seeker
    reading about the products? Nobody could tell."""
    assert _journey("/fuer-aerzte/", "/karriere/").profile.decided is None
    assert _journey("/patienten/", "/fachkreise/", "/karriere/").profile.decided is None


def test_one_page_for_two_types_is_no_conflict() -> None:
    """The pharmacists' part of the professionals' area is for pharmacists."""
    assert _journey("/fachkreise/apotheken/").profile.decided == "pharmacist"


def test_a_clear_lead_survives_a_look_elsewhere() -> None:
    session = _journey(
        "/fachkreise/", "/fachkreise/dosierung", "/fachkreise/studien", "/fachkreise/muster",
        "/karriere/",
    )  # fmt: skip
    assert session.profile.decided == "hcp"


def _ranked(totals: dict[str, float], current: str | None, tuning: Tuning) -> str | None:
    """The rule by its definition: the weighed probabilities sorted, highest first."""
    top_value = max(0.0, *totals.values())
    weights = {t: math.exp(v - top_value) for t, v in totals.items()}
    total = math.exp(-top_value)
    for weight in weights.values():
        total += weight
    shares = {t: w / total for t, w in weights.items()}
    ranked = sorted(shares.items(), key=lambda item: item[1], reverse=True)
    top, p_top = ranked[0]
    p_second = ranked[1][1] if len(ranked) > 1 else 0.0
    if current is None or current not in shares:
        return top if p_top >= tuning.threshold and p_top - p_second >= tuning.margin else None
    if top == current:
        return current
    p_current = shares[current]
    if p_top >= tuning.flip_threshold and p_top - p_current >= tuning.margin:
        return top
    return current if p_top - p_current < tuning.margin else None


def test_deciding_on_sums_is_the_rule_on_the_ranked_probabilities() -> None:
    """`decide_on` (a profile's way) and `decide` find the leader and runner-up without
    sorting: the same answer as the sorted ranking, ties included."""
    rng = random.Random(3)
    tuning = Tuning()
    values = [-1.0, 0.0, 0.7, 1.5, 2.0, 3.0, 4.5, 9.0]
    for _ in range(2000):
        totals = {t: rng.choice(values) for t in TYPES[: rng.randint(1, len(TYPES))]}
        current = rng.choice([None, "unknown", *TYPES])
        expected = _ranked(totals, current, tuning)
        assert decide_on(tuple(totals), tuple(totals.values()), current, tuning) == expected
        assert decide(weighed(totals), current, tuning) == expected
