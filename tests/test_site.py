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
    session = site.new_session(lotse.Context(lang="en"))
    messages = session.feed(lotse.PageView("https://shop.example/investor-relations", ("hero",)))
    assert [m.to_wire() for m in messages] == [
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
        site.new_session(lotse.Context())
