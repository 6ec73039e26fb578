"""`Engine.read_address`: what an address says, read once and remembered per address."""

import pytest

import lotse
from lotse import _engine
from lotse._signals import page_facts


def test_a_remembered_address_says_what_a_fresh_reading_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Addresses without a query are remembered (bounded: a full memory is emptied);
    a remembered one is read as a fresh engine reads it; one with a query is split
    afresh each time."""
    monkeypatch.setattr(_engine, "PAGES_REMEMBERED", 4)
    engine = lotse.load_site(None).engine()
    fresh = lotse.load_site(None).engine()  # reads by its page and path memories
    paths = ["/fachkreise/onkologie", "/karriere", "/patienten/ratgeber", "/de/hiv/prep"]
    urls = [f"https://www.x.de{path}" for path in paths * 3] + ["/apotheke/service"]
    for url in urls:
        read = engine.read_address(url)
        assert len(engine._addresses) <= 4
        facts = page_facts(url)
        assert read.facts == facts
        assert read.sensitive == fresh.is_sensitive(facts)
        assert read.personas == fresh.read_address(f"{url}?x=1").personas
        expected = () if read.sensitive else fresh.reader.path_signals(facts.segments)
        assert [s.id for s in read.signals] == [s.id for s in expected]
        assert [s.weight for s in read.signals] == [s.weight for s in expected]
        assert engine.read_address(url) is read  # remembered
    assert engine.read_address("https://www.x.de/de/hiv/prep").sensitive
    campaign = "https://www.x.de/karriere?utm_campaign=herbst"
    assert engine.read_address(campaign) is not engine.read_address(campaign)
    assert campaign not in engine._addresses
