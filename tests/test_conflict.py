"""The conflict rule's index gives what a scan of the whole evidence gives."""

from __future__ import annotations

import random

import pytest

from lotse._conflict import PageIndex, page_of
from lotse._inference import Evidence
from lotse._model import Tuning
from lotse._profile import Profile

TYPES = ("patient", "hcp", "pharmacist", "applicant")


def scanned(evidence: list[Evidence], leader: str) -> float:
    """The definition: the other types' positive weight from pages with no
    evidence for the leader (of any weight)."""
    leaders_pages = {page_of(e.key) for e in evidence if e.visitor_type == leader}
    return sum(
        e.weight
        for e in evidence
        if e.visitor_type != leader and e.weight > 0.0 and page_of(e.key) not in leaders_pages
    )


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
    assert profile._conflicted("hcp", {"hcp": 3.4, "pharmacist": 4.8}, tuning)
    assert profile._pages is not None  # built on first need, then kept
    profile.put(Evidence("hcp", 1.0, "path:arzt:hcp@/apo1", {}))  # added: the index updates
    assert profile._pages is not None
    assert not profile._conflicted("hcp", {"hcp": 4.4, "pharmacist": 4.8}, tuning)
    profile.drop("path:arzt")
    assert profile._pages is None
    assert profile._conflicted("hcp", {"hcp": 2.4, "pharmacist": 4.8}, tuning)
    profile.put(Evidence("pharmacist", 0.1, pharmacy[0].key, {}))  # replaced: afresh
    assert profile._pages is None
