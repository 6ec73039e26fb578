"""The Python SDK: building a site in code, as the README shows."""

import pytest

import lotse
from lotse import Variant


def test_building_a_site_in_python_and_running_a_session() -> None:
    site = lotse.Site("shop", origins=["https://shop.example"])
    site.add_visitor_type("investor", {"de": "Investor/in", "en": "Investor"})
    site.add_signal("path", "investor-relations", "investor", 3.0, {"en": "Investor pages"})
    site.add_slot("hero", [Variant("hero-ir", "<h2>Investor Relations</h2>", ("investor",))])
    site.add_rule("hero", "hero-ir", visitor_type="investor")
    site.add_intent("investor.report", "investor", {"en": ["annual report", "shareholder"]})
    session = site.new_session()
    hello = lotse.Hello(
        "shop", "https://shop.example/investor-relations", lang="en", slots=("hero",)
    )
    assert [m.to_wire() for m in session.feed(hello, now=0.0).swaps] == [
        {"type": "swap", "slot": "hero", "variant": "hero-ir",
         "html": "<h2>Investor Relations</h2>", "reason": "Investor pages"}
    ]  # fmt: skip


def test_changing_a_site_rebuilds_its_engine() -> None:
    site = lotse.Site("x")
    first = site.engine()
    site.add_slot("hero")
    assert site.engine() is not first
    assert site.engine() is site.engine()


def test_unknown_rule_conditions_fail_early_with_the_known_ones() -> None:
    site = lotse.Site("x")
    with pytest.raises(TypeError, match="visitor_type"):
        site.add_rule("hero", "v", visitortype="hcp")


def test_adding_a_variant_to_a_missing_slot_says_how() -> None:
    site = lotse.Site("x")
    with pytest.raises(KeyError, match="add_slot"):
        site.add_variant("hero", Variant("v", "<p/>"))
    site.add_slot("hero")
    site.add_variant("hero", Variant("v", "<p/>"))
    assert site.slot("hero") is not None and site.slot("hero").variant("v") is not None  # type: ignore[union-attr]


def test_invalid_site_refuses_to_build_an_engine() -> None:
    site = lotse.Site("x")
    site.add_rule("nowhere", "nothing")
    with pytest.raises(lotse.ConfigError, match="unknown slot 'nowhere'"):
        site.new_session()


def test_a_signal_is_named_by_kind_and_match_unless_given_an_id() -> None:
    site = lotse.Site("x")
    assert site.add_signal("path", "karriere", "applicant").id == "path:karriere"
    assert site.add_signal("referrer", "doccheck.com", "hcp").id == "referrer:doccheck.com"
    named = site.add_signal(
        "path", "fachkreis", "pharmacist", signal_id="path:fachkreis:pharmacist"
    )
    assert named.id == "path:fachkreis:pharmacist"


def test_a_python_site_takes_the_catalogue_under_its_own_definitions() -> None:
    site = lotse.Site("x")
    site.add_intent("patient.side_effects", "patient", {"de": ["Mir ist schwindelig"]})
    unknown = site.add_catalogue(lotse.load_site(None), off=["path:karriere", "path:nowhere"])
    assert unknown == ["path:nowhere"]
    assert [i.phrases for i in site.intents if i.id == "patient.side_effects"] == [
        {"de": ("Mir ist schwindelig",)}
    ]
    assert site.intents[-1].id == "patient.side_effects"  # the catalogue's come first
    assert "path:karriere" not in {s.id for s in site.signals} and site.sensitivity.words
    changes = [(c.kind, c.item_id, c.switched_off) for c in site.catalogue_changes]
    assert changes == [
        ("intent", "patient.side_effects", False),
        ("signal", "path:karriere", True),
    ]
    assert all(
        c.catalogue.file.endswith(".toml") and c.catalogue.line for c in site.catalogue_changes
    )
