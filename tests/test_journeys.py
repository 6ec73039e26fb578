"""The default signal catalogue, measured on realistic visitor journeys.

`tests/data/journeys.jsonl` holds journeys modelled on how German and English
pharma websites name their URLs: a large German corporate site (/de/fachkreise,
/de/patienten, /de/karriere) with section subdomains, a UK site (/hcp,
/patients, /careers), a generic-drug maker (/apotheke, /produkte), a mid-size
German company (/medizinisches-fachpersonal, /patienten-angehoerige, /jobs), a
US corporate and brand site (/healthcare-professionals, /hcp, DTC pages), a
global site with /de-de/, /de-ch/ and /en/ prefixes, an OTC brand and a herbal
maker (/aerzte, /apotheker, /verbraucher). Every site is fictional.

`tests/data/tuning_journeys.jsonl` adds journeys of issue 10's classes on
other fictional sites: compound section names (/aerztecenter/, /pta-portal/),
opaque CMS addresses with page titles, site search, campaign compounds, and
Swiss, Belgian and French sites. Both files are the tuning set: the catalogue,
the evidence weights and the calibration were fitted on them, so their figures
are optimistic. The honest figures come from the held-out set, which nothing
was fitted on (tests/test_heldout.py).

Each journey is labelled with what a careful person would conclude from the
same evidence: a visitor type, or null where nobody could tell (home page,
product page, press, contact, a sensitive page). A null counts as right only
if Lotse stays undecided. The measure follows the product's priority: missing
a visitor is tolerable, a confident wrong guess is not.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest

import lotse
from _accuracy import (
    FURTHER_JOURNEYS,
    RETIRED_JOURNEYS,
    on_the_wire,
    read_all,
    read_jsonl,
    replay_journeys,
    score_journeys,
)
from lotse._signals import page_facts

VISITOR_TYPES = ("patient", "hcp", "pharmacist", "applicant")
EVENT_TYPES = {"page", "click", "convert"}

#: Share of journeys that must end with the expected answer (null: undecided).
MIN_RIGHT = 0.95
#: Share of decided journeys that may decide a wrong type: 1 in 100.
MAX_WRONG = 0.01

#: The tuning set: the project's journeys, and those written for issue 10's classes
#: (compound sections, titles, site search, French) on other fictional sites.
JOURNEYS = read_jsonl("journeys.jsonl") + read_jsonl("tuning_journeys.jsonl")


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict[str, Any]]:
    """Lotse's final verdict per journey, with only the bundled catalogue loaded."""
    return replay_journeys(JOURNEYS)


def _site_of(journey: dict[str, Any]) -> str:
    """The registrable part of the landing host: fachkreise.x.de and www.x.de are one site."""
    host = urlsplit(journey["events"][0]["url"]).hostname or ""
    return ".".join(host.split(".")[-2:])


def test_journey_file_is_well_formed() -> None:
    assert len(JOURNEYS) >= 80
    ids = Counter(journey["id"] for journey in JOURNEYS)
    assert not [i for i, n in ids.items() if n > 1], "journey ids must be unique"
    for journey in JOURNEYS:
        where = f"line {journey['line']} ({journey['id']})"
        assert journey["expect"] in (*VISITOR_TYPES, None), where
        events = journey["events"]
        assert events and events[0]["type"] == "page", f"{where}: start with a page view"
        for event in events:
            assert event["type"] in EVENT_TYPES, f"{where}: no chat events here"
            if event["type"] == "page":
                assert urlsplit(event["url"]).scheme == "https", where
            elif event["type"] == "click":
                assert event["href"], where
    # Enough differently built sites, and every answer represented.
    assert len({_site_of(journey) for journey in JOURNEYS}) >= 6
    expected = Counter(journey["expect"] for journey in JOURNEYS)
    assert all(expected[t] >= 10 for t in (*VISITOR_TYPES, None)), expected


def test_every_journey_replays_without_protocol_errors(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    assert set(outcomes) == {journey["id"] for journey in JOURNEYS}
    assert {i: r["errors"] for i, r in outcomes.items() if r.get("errors")} == {}


def test_default_catalogue_gets_journeys_right_and_rarely_guesses_wrong(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    score = score_journeys(JOURNEYS, outcomes)
    summary = score.line("tuning journeys")
    print(summary, *score.misses, sep="\n")
    assert score.wrong_per_decided <= MAX_WRONG, "\n".join([summary, *score.misses])
    assert score.right_rate >= MIN_RIGHT, "\n".join([summary, *score.misses])


@pytest.fixture(scope="module")
def catalogue_site() -> lotse.Site:
    """The catalogue alone, built once for the module (each replay is a new session)."""
    return lotse.load_site(None)


@pytest.mark.parametrize(
    "path",
    [
        "/de/produkte/cardiovel",
        "/de/medikamente",
        "/de/forschung/klinische-studien",
        "/de/service",
        "/de/kontakt",
        "/de/presse/pressemitteilungen",
        "/de/unternehmen/ueber-uns",
        "/de/service/broschueren-bestellen",
        "/de/presse/forschungswettbewerb",
        "/en/our-medicines/product-list",
        "/en/news/phase-iii-results",
        "/en/contact-us",
    ],
)
def test_words_everyone_reads_are_no_evidence(catalogue_site: lotse.Site, path: str) -> None:
    site = catalogue_site
    event = {"type": "page", "url": f"https://www.example-pharma.de{path}"}
    (outcome,) = lotse.replay(site, on_the_wire(site, "s", [event]))
    assert outcome["visitor_type"] is None
    assert outcome["evidence"] == []


def _catalogue(name: str) -> dict[str, Any]:
    with (lotse.catalogue_dir() / name).open("rb") as file:
        return tomllib.load(file)


def test_catalogue_entries_are_unique_and_explained_in_both_languages() -> None:
    signals = _catalogue("signals.toml")["signal"]
    keys = Counter((s["kind"], lotse.normalise(s["match"]), s["visitor_type"]) for s in signals)
    assert [key for key, n in keys.items() if n > 1] == []
    for signal in signals:
        assert signal["visitor_type"] in VISITOR_TYPES, signal
        # A negative weight takes back what an entry inside the word says
        # ("hausapotheke" is the household's medicine chest, no pharmacy).
        assert 0 < abs(signal["weight"]) <= 5.0, signal
        assert signal["reason"].get("de") and signal["reason"].get("en"), signal
    kinds = Counter(s["kind"] for s in signals)
    assert all(kinds[kind] >= 25 for kind in ("path", "referrer", "utm")), kinds

    words = _catalogue("sensitive.toml")["sensitive"]["words"]
    normalised = Counter(lotse.normalise(word) for word in words)
    assert [word for word, n in normalised.items() if n > 1] == []

    personas = _catalogue("personas.toml")["persona"]
    persona_keys = Counter((lotse.normalise(p["match"]), p["persona"]) for p in personas)
    assert [key for key, n in persona_keys.items() if n > 1] == []


#: Typed journeys whose writers sent them through a sensitive page on purpose (the rule
#: is per page: their other pages decide), though neither id nor class says so.
SENSITIVE_ON_PURPOSE = {
    "mlt-gotthelf-professionnels-then-vih",
    "mlt-rennsteig-konto-then-verhuetung",
    "a-mlt-emmerling-fachkreise-substitution",
    "b-mlt-rb-fachkreise-depression",
    "b-mul-sauveniere-prof-sante-vih",
}


#: Pages muted by an entry the catalogue keeps knowing it over-matches: muting an
#: ordinary page costs a missed decision, missing a sensitive one costs trust.
MUTED_BY_CHOICE = {
    # "aids" (AIDS) also blanks "sleep aids", "hearing aids" and "consultation aids"
    # (intents/sensitive.toml).
    "b-enus-rosscarbery-iiop-cpd",
    "b-conf-ventry-gp-handouts",
}


def test_no_sensitive_topic_mutes_an_ordinary_tuning_page() -> None:
    """A sensitive-topic entry of six letters or more also matches inside words
    ("cialis" in "specialist"): none may mute a page of a typed tuning journey,
    except the pages those journeys visit on purpose (their ids or classes say so,
    or `SENSITIVE_ON_PURPOSE`)."""

    engine = lotse.load_site(None).engine()
    journeys = read_all(
        ("journeys.jsonl", "tuning_journeys.jsonl", *FURTHER_JOURNEYS, *RETIRED_JOURNEYS)
    )
    muted = [
        (journey["id"], event["url"])
        for journey in journeys
        if journey["expect"] is not None
        and "sensitive" not in journey["id"]
        and journey.get("class") != "sensitive"
        and journey["id"] not in SENSITIVE_ON_PURPOSE | MUTED_BY_CHOICE
        for event in journey["events"]
        if event["type"] == "page" and engine.is_sensitive(page_facts(event["url"]))
    ]
    assert muted == []
