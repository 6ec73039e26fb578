import json

import pytest

import lotse
from _sites import VERIFICATION_KEY, context, page, python_site
from lotse import ChatAnswer, Click, Convert, OptIn, OptOut, Restore, Say, Seen, Swap, Verify


@pytest.fixture(scope="module")
def engine() -> lotse.Engine:
    return python_site().engine()


def swaps(messages: list[lotse.Message]) -> dict[str, str]:
    return {m.slot: m.variant for m in messages if isinstance(m, Swap)}


def test_professional_entry_page_swaps_hero_with_a_reason(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    messages = session.feed(page("/de/fachkreise/onkologie"))
    assert swaps(messages) == {"hero": "hero-hcp"}
    swap = next(m for m in messages if isinstance(m, Swap))
    assert swap.reason == "Seite fachkreise"
    assert session.decided == "hcp"


def test_home_page_alone_decides_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    assert session.feed(page("/")) == []
    assert session.decided is None
    assert session.summary()["visitor_type"] is None


def test_a_weak_hint_needs_support(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    assert swaps(session.feed(page("/jobs"))) == {}
    assert swaps(session.feed(page("/karriere/jobs"))) == {"hero": "hero-applicant"}


def test_referrer_and_campaign_count_as_evidence(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    messages = session.feed(page("/de/produkte", referrer="https://www.doccheck.com/login"))
    assert swaps(messages) == {"hero": "hero-hcp"}
    session = engine.new_session(context())
    campaign = page("/jobs?utm_campaign=recruiting-2026&utm_source=newsletter")
    assert swaps(session.feed(campaign)) == {"hero": "hero-applicant"}


def test_only_known_slots_on_the_page_are_ever_swapped(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    assert session.feed(page("/de/fachkreise", "nav-promo", "header")) == []
    assert swaps(session.feed(page("/de/fachkreise/a", "teaser"))) == {}


def test_variants_stick_across_page_views(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/de/fachkreise"))
    for path in ("/de/produkte", "/", "/de/kontakt"):
        assert swaps(session.feed(page(path))) == {"hero": "hero-hcp"}


def test_a_slot_changes_at_most_max_changes_times(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/"))
    shown = []
    for choice in ("hcp", "pharmacist", "applicant", "patient"):
        shown.extend(swaps(session.feed(ChatAnswer(choice=choice))).values())
    assert shown == ["hero-hcp", "hero-pharmacist"]
    assert swaps(session.feed(page("/"))) == {"hero": "hero-pharmacist"}


def test_a_chat_answer_outweighs_inferred_clicks(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/de/fachkreise"))
    session.feed(Click("/de/fachkreise/fachinformation"))
    messages = session.feed(ChatAnswer(text="Ich bin Apotheker"))
    assert isinstance(messages[0], Say) and messages[0].text == "Willkommen, Apotheke!"
    assert swaps(messages) == {"hero": "hero-pharmacist"}
    assert session.decided == "pharmacist"
    assert "Apotheke" in next(m for m in messages if isinstance(m, Swap)).reason


def test_unclear_answers_get_one_clarifying_question(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/"))
    first = session.feed(ChatAnswer(text="qwertz uiop"))
    assert isinstance(first[0], Say) and {c.id for c in first[0].choices} == {
        "patient", "hcp", "pharmacist", "applicant"
    }  # fmt: skip
    assert session.last_chat == "clarify"
    second = session.feed(ChatAnswer(text="zxcv bnm"))
    assert isinstance(second[0], Say) and second[0].choices == ()
    assert session.last_chat == "fallback"
    assert swaps(session.feed(ChatAnswer(choice="applicant"))) == {"hero": "hero-applicant"}
    assert session.last_chat == "choice"


def test_unknown_quick_reply_is_an_error_not_a_crash(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    messages = session.feed(ChatAnswer(choice="astronaut"))
    assert messages[0].to_wire()["code"] == "bad_field"


def test_chat_text_is_never_kept(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(ChatAnswer(text="Ich bin Apotheker in Musterstadt, Herr Beispiel"))
    stored = json.dumps(session.to_state()) + json.dumps(session.summary())
    assert "Musterstadt" not in stored and "Beispiel" not in stored


def test_prescription_content_only_for_verified_professionals(engine: lotse.Engine) -> None:
    session = engine.new_session(context(now=1000.0))
    assert swaps(session.feed(page("/de/fachkreise"), now=1000.0)) == {"hero": "hero-hcp"}
    forged = session.feed(Verify("eyJyb2xlIjoiaGNwIn0.AAAA"), now=1001.0)
    assert forged[0].to_wire()["code"] == "bad_assertion"
    assertion = lotse.issue_assertion(VERIFICATION_KEY, now=1000.0, ttl=60)
    assert swaps(session.feed(Verify(assertion), now=1002.0)) == {"hero": "hero-rx"}
    # After the assertion expires, the rx variant is never shown again.
    later = swaps(session.feed(page("/de/fachkreise/x"), now=2000.0))
    assert later.get("hero") != "hero-rx"


def test_inferred_hcp_never_unlocks_rx_even_with_a_careless_rule() -> None:
    site = python_site()
    site.add_rule("hero", "hero-rx", visitor_type="hcp", rule_id="careless")
    errors = [p for p in site.check() if p.severity == "error"]
    assert any("rx" in p.message and "verified = true" in p.fix for p in errors)
    with pytest.raises(lotse.ConfigError):
        site.engine()


def test_sensitive_pages_add_nothing_and_trigger_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/"))
    before = session.to_state()
    assert session.feed(page("/de/fachkreise/hiv-therapie")) == []
    assert session.feed(page("/privat/fachkreise")) == []
    assert session.feed(Click("/themen/depression/fachkreise")) == []
    assert session.chat_offer() is None
    after = session.to_state()
    assert after == before


def test_opt_out_restores_defaults_and_forgets(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/de/fachkreise"))
    messages = session.feed(OptOut())
    assert messages == [Restore(("hero", "teaser"))]
    assert session.evidence == {} and session.decided is None and session.shown == {}
    assert session.feed(page("/de/fachkreise")) == []
    assert session.chat_offer() is None
    session.feed(OptIn())
    assert swaps(session.feed(page("/de/fachkreise"))) == {"hero": "hero-hcp"}


def test_chat_is_offered_once(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/"))
    offer = session.chat_offer()
    assert offer is not None and offer.prompt == "Was führt Sie zu uns?"
    assert session.chat_offer() is None


def test_returning_visitor_rule_needs_consent(engine: lotse.Engine) -> None:
    with_consent = engine.new_session(context(consent=True, visits=3))
    assert swaps(with_consent.feed(page("/"))) == {"teaser": "whitepaper"}
    without = engine.new_session(context(consent=False, visits=3))
    assert swaps(without.feed(page("/"))) == {}
    converted = engine.new_session(context(consent=True, visits=3))
    converted.feed(Convert("lead"))
    assert converted.stage == "converted"


def test_professional_persona_from_content_kind(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/de/fachkreise"))
    assert session.persona is None
    session.feed(page("/de/fachkreise/webinar-reihe"))
    messages = session.feed(page("/de/fachkreise/webinar-archiv"))
    assert session.persona == "digital"
    assert swaps(messages)["teaser"] == "webinars"


def test_holdout_is_deterministic_and_counted_per_arm() -> None:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.5, rule_id="hcp-hero")
    engine = site.engine()
    arms = {"control": 0, "treatment": 0}
    for number in range(400):
        session = engine.new_session(context(), session_id=f"s{number}")
        shown = swaps(session.feed(page("/de/fachkreise")))
        arm = session.assignments["hcp-hero"]
        arms[arm] += 1
        assert (shown.get("hero") == "hero-hcp") == (arm == "treatment")
        session.feed(Seen("hero", shown.get("hero", "default")))
        session.feed(Convert("lead"))
        kinds = [(r.kind, r.arm) for r in session.take_records()]
        assert kinds == [("exposure", arm), ("conversion", arm)]
        again = engine.new_session(context(), session_id=f"s{number}")
        again.feed(page("/de/fachkreise"))
        assert again.assignments["hcp-hero"] == arm
    assert 150 < arms["control"] < 250


def test_state_round_trip_resumes_profile_and_sticky_variants(engine: lotse.Engine) -> None:
    session = engine.new_session(context())
    session.feed(page("/de/fachkreise"))
    state = json.loads(json.dumps(session.to_state()))
    resumed = engine.resume_session(state, context())
    assert resumed.id == session.id and resumed.decided == "hcp"
    assert swaps(resumed.feed(page("/"))) == {"hero": "hero-hcp"}


@pytest.mark.parametrize("state", [{}, {"evidence": "x"}, {"id": "a", "shown": []}, {"v": 1}])
def test_damaged_state_starts_fresh(engine: lotse.Engine, state: dict[str, object]) -> None:
    session = engine.resume_session(state, context())
    assert session.decided is None and session.evidence == {}


def test_a_sticky_variant_follows_the_visitor_into_another_language() -> None:
    site = python_site()
    site.slots[0] = lotse.Slot(
        "hero",
        tuple(
            lotse.Variant(v.id, v.html, v.audience, v.rx, {"en": v.html.replace("Für", "For")})
            for v in site.slots[0].variants
        ),
    )
    engine = site.engine()
    session = engine.new_session(context(lang="de"))
    (german,) = session.feed(page("/de/fachkreise"))
    english = session.feed(lotse.Hello("test", "https://pharma.example/en/", lang="en",
                                       slots=("hero",)))  # fmt: skip
    assert german.to_wire()["html"] == "<h2>Für Fachkreise</h2>"
    assert [m.to_wire()["html"] for m in english] == ["<h2>For Fachkreise</h2>"]
    assert english[0].to_wire()["reason"] == "page fachkreise"
    assert session.changes["hero"] == 1
