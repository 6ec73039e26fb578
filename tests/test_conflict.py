"""The conflict rule's index gives what a scan of the whole evidence gives; a
decision the conflict or the calibration finds doubtful is dropped."""

from __future__ import annotations

import random

import pytest

from lotse._conflict import PageIndex, page_of
from lotse._inference import Evidence
from lotse._model import Tuning
from lotse._profile import Profile

TYPES = ("patient", "hcp", "pharmacist", "applicant")


def strongest(evidence: list[Evidence]) -> dict[str, dict[str, float]]:
    """Per page, each type's strongest positive weight there."""
    pages: dict[str, dict[str, float]] = {}
    for e in evidence:
        on_page = pages.setdefault(page_of(e.key), {})
        on_page[e.visitor_type] = max(on_page.get(e.visitor_type, 0.0), e.weight, 0.0)
    return pages


def scanned(evidence: list[Evidence], leader: str) -> float:
    """The definition: the strongest positive weight of each page with no
    evidence for the leader (of any weight), summed."""
    return sum(
        max(on_page.values()) for on_page in strongest(evidence).values() if leader not in on_page
    )


def scanned_strength(evidence: list[Evidence], kind: str) -> float:
    return sum(on_page.get(kind, 0.0) for on_page in strongest(evidence).values())


def random_evidence(rng: random.Random, count: int) -> list[Evidence]:
    pages = [f"/page{n}" for n in range(8)]
    pieces = []
    for n in range(count):
        where = rng.choice([*pages, ""])  # "" : evidence of no page (a chat answer)
        key = f"path:word{n}:{rng.choice(TYPES)}" + (f"@{where}" if where else "")
        weight = rng.choice([-1.0, 0.5, 1.0, 1.6, 2.4])
        pieces.append(Evidence(rng.choice(TYPES), weight, key, {}))
    return pieces


@pytest.mark.parametrize("seed", range(40))
def test_index_gives_what_a_scan_gives(seed: int) -> None:
    rng = random.Random(seed)
    evidence = random_evidence(rng, rng.randint(0, 40))
    index = PageIndex()
    for count, piece in enumerate(evidence, 1):
        index.add(piece)
        for leader in TYPES:
            assert index.others(leader) == pytest.approx(scanned(evidence[:count], leader))
            assert index.strength(leader) == pytest.approx(
                scanned_strength(evidence[:count], leader)
            )


def test_page_of_a_key() -> None:
    assert page_of("path:fachkreise:hcp@/de/fachkreise") == "/de/fachkreise"
    assert page_of("chat:hcp") == "chat:hcp"  # evidence of no page is its own


def test_profile_keeps_its_index_right_through_replace_and_drop() -> None:
    """A replaced or dropped piece builds the index afresh; added ones update it."""
    tuning = Tuning()
    profile = Profile()
    pharmacy = [
        Evidence("pharmacist", 1.6, f"path:apotheke{n}:pharmacist@/apo{n}", {}) for n in range(3)
    ]
    for piece in pharmacy:
        profile.put(piece)
    profile.put(Evidence("hcp", 2.4, "path:fachkreise:hcp@/fk", {}))
    profile.put(Evidence("hcp", 1.0, "path:arzt:hcp@/apo0", {}))
    assert profile._conflicted("hcp", 4.8, tuning)  # the pharmacist pages
    assert profile._pages is not None  # built on first need, then kept
    profile.put(Evidence("hcp", 1.0, "path:arzt:hcp@/apo1", {}))  # added: the index updates
    assert profile._pages is not None
    assert not profile._conflicted("hcp", 4.8, tuning)
    profile.drop("path:arzt")
    assert profile._pages is None
    assert profile._conflicted("hcp", 4.8, tuning)
    profile.put(Evidence("pharmacist", 0.1, pharmacy[0].key, {}))  # replaced: afresh
    assert profile._pages is None


def test_a_page_counts_once_however_many_of_its_words_agree() -> None:
    """ "/karriere/stellenangebote" is one careers page: after a doctors' page
    nobody could tell, though its two words outweigh the doctors' one."""
    tuning = Tuning()
    profile = Profile()
    profile.put(Evidence("hcp", 3.0, "path:fachkreis:hcp@/fachkreise", {}))
    profile.put(Evidence("pharmacist", 1.0, "path:fachkreis:pharmacist@/fachkreise", {}))
    jobs = "/karriere/stellenangebote"
    profile.put(Evidence("applicant", 3.45, f"path:karriere:applicant@{jobs}", {}))
    profile.put(Evidence("applicant", 3.9, f"path:stellenangebot:applicant@{jobs}", {}))
    rivals = 3.0 + 1.0  # the evidence for professionals and pharmacists
    assert profile._conflicted("applicant", rivals, tuning)
    # A second careers page is a second page: the careers reading now leads clearly.
    profile.put(Evidence("applicant", 2.4, "path:bewerbung:applicant@/karriere/bewerbung", {}))
    assert not profile._conflicted("applicant", rivals, tuning)


def test_a_decision_the_calibration_finds_unlikely_is_dropped() -> None:
    """Doctors' pages decide; a careers page after them, below the conflict level,
    leaves "professional" with a calibrated chance of about one in five: no
    guess then, unless `min_confidence` is 0."""
    profile = Profile()
    profile.put(Evidence("hcp", 2.4, "path:fachkreise:hcp@/fachkreise", {}))
    profile.redecide(TYPES, Tuning())
    assert profile.decided == "hcp"
    profile.put(Evidence("applicant", 2.0, "path:karriere:applicant@/karriere", {}))
    assert profile.probabilities(TYPES)["hcp"] < 0.4
    assert not profile._conflicted("hcp", 2.0, Tuning())
    kept = Profile()
    for piece in profile.evidence.values():
        kept.put(piece)
    kept.decided = "hcp"
    profile.redecide(TYPES, Tuning())
    assert profile.decided is None
    kept.redecide(TYPES, Tuning(min_confidence=0.0))
    assert kept.decided == "hcp"
