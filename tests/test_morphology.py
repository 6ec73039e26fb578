"""Morphology: known concepts inside compounds, other word forms, joined phrases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotse._morphology import HEAD, UNKNOWN_REST, Morphology
from lotse._signals import WordMatcher

VOCABULARY = ("arzt", "patient", "apotheke", "pharmacist", "fachperson", "pzn", "gp", "karriere")


@pytest.fixture(scope="module")
def morphology() -> Morphology:
    return Morphology(VOCABULARY, known=("mediziner",))


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("arzt", "arzt"),
        ("apotheken", "apotheke"),  # plural
        ("pharmacists", "pharmacist"),
        ("gps", "gp"),  # short plurals too
        ("pzns", "pzn"),
    ],
)
def test_other_forms_find_the_word(morphology: Morphology, word: str, found: str) -> None:
    assert morphology.lookup(word) == found


@pytest.mark.parametrize(
    ("word", "reading"),
    [
        ("aerztebereich", ("arzt", 1.0, "part")),  # a concept and a generic part
        ("patientenservice", ("patient", 1.0, "part")),  # with a linking element
        ("apothekenportal", ("apotheke", 1.0, "part")),
        ("aerztemailing", ("arzt", 1.0, "part")),  # a campaign word is a generic part too
        ("aerztefoobar", ("arzt", UNKNOWN_REST, "rest")),  # the rest is unknown: less sure
        ("dorfarzt", ("arzt", HEAD, "head")),  # an unknown modifier before a known head
        ("spitalarzt", ("arzt", 1.0, "part")),  # a regional word ([aliases]) is known
        ("karrieremediziner", ("karriere", 1.0, "part")),  # both known
    ],
)
def test_compounds(morphology: Morphology, word: str, reading: tuple[str, float, str]) -> None:
    assert reading in morphology.analyse(word)


@pytest.mark.parametrize(
    "word",
    [
        "arztxy",
        "bestellen",
        "stiftung",
        "hepta",
        "xyz",
        "",
        "preparing",
        "preparation",
        "anesthesia",
    ],
)
def test_no_concept_by_chance(morphology: Morphology, word: str) -> None:
    found = {concept for concept, _, _ in morphology.analyse(word)}
    assert "pzn" not in found and "gp" not in found  # short words are never heads
    if word in ("bestellen", "stiftung", "xyz", ""):
        assert found == set()
    # A short word's other ending is no form of it ("ane" is no "an").
    assert not any(len(concept) < 3 for concept in found)
    # A short alias ("prepa": a préparateur) is no compound's start before an unknown rest.
    assert "preparateur" not in found


@pytest.mark.parametrize(
    ("label", "found"),
    [
        ("arztnotes", ("arzt", "notes")),
        ("medkarrierezone", ("med", "karriere", "zone")),
        ("karrierechat", ("karriere", "chat")),  # `also`: the caller's words
        ("similkameen", ("similkameen",)),  # no known word inside
        ("apothekex", ("apothekex",)),  # a letter left over
        ("patientics", ("patientics",)),  # an ending after the last word
        ("arzt", ("arzt",)),  # too short to split
    ],
)
def test_a_host_labels_words(morphology: Morphology, label: str, found: tuple[str, ...]) -> None:
    assert morphology.label_words(label, also={"chat"}) == found


def test_section_compounds(morphology: Morphology) -> None:
    assert morphology.is_section_compound("apothekenportal")
    assert morphology.is_section_compound("aerztebereich")
    assert not morphology.is_section_compound("fachinformation")  # "fach" is no concept
    assert morphology.is_part("hub") and morphology.is_part("bereiche")


def test_matchers_weigh_what_they_find() -> None:
    matcher = WordMatcher(
        [("arzt", "hcp"), ("fachperson", "hcp2"), ("healthcare professional", "hcp3")],
        morphology=Morphology(("arzt", "fachperson", "healthcare", "professional")),
    )
    assert matcher.find_weighted(["aerztebereich"]) == [("hcp", 1.0)]
    assert matcher.find_weighted(["fachpersonal"]) == [("hcp2", 1.0)]  # a short rest
    assert matcher.find_weighted(["health", "care", "professionals"]) == [("hcp3", 1.0)]
    assert matcher.find_weighted(["for", "healthcare", "professionals"]) == [("hcp3", 1.0)]
    strict = WordMatcher([("praxis", "hcp")], morphology=Morphology(("praxis",)), strict=True)
    assert strict.find_weighted(["praxissemester"]) == []  # no hit before an unknown rest
    assert strict.find_weighted(["praxisservice"]) == [("hcp", 1.0)]


def test_phrases_claim_their_words_from_other_entries() -> None:
    matcher = WordMatcher([("arzt", "hcp"), ("zum-arzt", "patient")])
    both = matcher.find_weighted(["wann", "zum", "arzt"])
    assert {payload for payload, _ in both} == {"hcp", "patient"}
    claimed = matcher.find_weighted(["wann", "zum", "arzt"], claims=lambda a, b: a != b)
    assert claimed == [("patient", 1.0)]


def test_a_phrases_last_word_may_be_a_compounds_start_or_head() -> None:
    matcher = WordMatcher([("zum-arzt", "patient"), ("leben-mit", "patient")])
    assert matcher.find(["wann", "zum", "arztbesuch"]) == ["patient"]
    assert matcher.find(["wann", "zum", "kinderarzt"]) == ["patient"]
    assert matcher.find(["zum", "xarzt"]) == []  # too short a modifier for a compound
    assert matcher.find(["leben", "limit"]) == []  # too short a word for a head


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöü", max_size=40))
def test_any_word_is_analysed_quickly_and_sanely(word: str) -> None:
    morphology = Morphology(VOCABULARY)
    for concept, factor, kind in morphology.analyse(word):
        assert concept in VOCABULARY
        assert 0.0 < factor <= 1.0
        assert kind in ("form", "part", "rest", "head")
