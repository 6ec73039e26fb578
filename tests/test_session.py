import json

import pytest

import lotse
from _sites import TRUST, VERIFICATION_KEY, hello, page, python_site, start
from lotse import (
    ChatAnswer,
    Click,
    Convert,
    Error,
    OptIn,
    OptOut,
    Restore,
    Say,
    Seen,
    Swap,
    Verify,
    Welcome,
)


@pytest.fixture(scope="module")
def engine() -> lotse.Engine:
    return python_site().engine()


def swaps(outcome: lotse.Outcome) -> dict[str, str]:
    return {m.slot: m.variant for m in outcome.swaps}


def error_code(outcome: lotse.Outcome) -> str:
    (error,) = outcome.messages
    assert isinstance(error, Error)
    return error.code


# -- the protocol's order -----------------------------------------------------------


def test_hello_is_answered_with_welcome_then_the_swaps_of_the_page(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    outcome = session.feed(hello("/de/fachkreise/onkologie"))
    welcome, swap = outcome.messages
    assert isinstance(welcome, Welcome) and welcome.swaps == 1
    assert lotse.read_session_token(b"wrong", welcome.token, 0) is None
    assert isinstance(swap, Swap) and swap.variant == "hero-hcp"
    assert swap.reason == "Seite fachkreise"
    assert outcome.persist == "save" and session.profile.decided == "hcp"


def test_every_event_before_hello_is_refused_and_changes_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    for event in (page("/de/fachkreise"), Click("/karriere"), ChatAnswer(text="Arzt"),
                  Convert("lead"), Seen("hero", "x"), OptOut(), Verify("x")):  # fmt: skip
        outcome = session.feed(event)
        assert error_code(outcome) == "hello_required"
        assert outcome.persist is None and outcome.records == ()
    assert not session.started and session.profile == lotse.Session(engine).profile
    assert isinstance(session.feed(hello()).messages[0], Welcome)


def test_a_second_hello_is_refused(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    again = session.feed(hello("/karriere"))
    assert error_code(again) == "bad_message" and again.persist is None
    assert session.profile.decided == "hcp"


def test_hello_for_another_site_starts_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    outcome = session.feed(lotse.Hello("other-site", "https://pharma.example/"))
    assert error_code(outcome) == "bad_field" and not session.started
    assert isinstance(session.feed(hello()).messages[0], Welcome)


def test_the_token_comes_from_the_adapter(engine: lotse.Engine) -> None:
    issued: list[tuple[str, float]] = []

    def issue(session_id: str, now: float) -> str:
        issued.append((session_id, now))
        return "token-from-the-adapter"

    session = engine.new_session(lotse.Trust(issue_token=issue))
    welcome = session.feed(hello(), now=123.0).messages[0]
    assert isinstance(welcome, Welcome) and welcome.token == "token-from-the-adapter"
    assert issued == [(session.id, 123.0)]


# -- inference and swaps --------------------------------------------------------------


def test_home_page_alone_decides_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    assert swaps(session.feed(hello("/"))) == {}
    assert session.profile.decided is None
    assert session.summary()["visitor_type"] is None


def test_a_weak_hint_needs_support(engine: lotse.Engine) -> None:
    session = start(engine, "/jobs")
    assert session.profile.decided is None
    assert swaps(session.feed(page("/karriere/jobs"))) == {"hero": "hero-applicant"}


def test_referrer_and_campaign_count_as_evidence(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    outcome = session.feed(hello("/de/produkte", referrer="https://www.doccheck.com/login"))
    assert swaps(outcome) == {"hero": "hero-hcp"}
    session = start(engine)
    campaign = page("/jobs?utm_campaign=recruiting-2026&utm_source=newsletter")
    assert swaps(session.feed(campaign)) == {"hero": "hero-applicant"}


def test_only_known_slots_on_the_page_are_ever_swapped(engine: lotse.Engine) -> None:
    session = start(engine)
    assert session.feed(page("/de/fachkreise", "nav-promo", "header")).messages == ()
    assert swaps(session.feed(page("/de/fachkreise/a", "teaser"))) == {}


def test_variants_stick_across_page_views(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    for path in ("/de/produkte", "/", "/de/kontakt"):
        assert swaps(session.feed(page(path))) == {"hero": "hero-hcp"}


def test_a_slot_changes_at_most_max_changes_times(engine: lotse.Engine) -> None:
    session = start(engine)
    shown = []
    for choice in ("hcp", "pharmacist", "applicant", "patient"):
        shown.extend(swaps(session.feed(ChatAnswer(choice=choice))).values())
    assert shown == ["hero-hcp", "hero-pharmacist"]
    assert swaps(session.feed(page("/"))) == {"hero": "hero-pharmacist"}


# -- chat -----------------------------------------------------------------------------


def test_a_chat_answer_outweighs_inferred_clicks(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    session.feed(Click("/de/fachkreise/fachinformation"))
    outcome = session.feed(ChatAnswer(text="Ich bin Apotheker"))
    assert outcome.chat == "matched"
    say = outcome.messages[0]
    assert isinstance(say, Say) and say.text == "Willkommen, Apotheke!"
    assert swaps(outcome) == {"hero": "hero-pharmacist"}
    assert session.profile.decided == "pharmacist"
    assert "Apotheke" in outcome.swaps[0].reason


def test_an_outcome_says_what_it_decided_once(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    assert session.feed(hello("/")).decided is None
    assert session.feed(page("/de/fachkreise")).decided == "hcp"
    assert session.feed(page("/de/fachkreise/x")).decided is None  # still hcp: no news
    answer = session.feed(ChatAnswer(text="Ich bin Apotheker"))
    assert (answer.decided, answer.intent) == ("pharmacist", "pharmacist.role")
    resumed = engine.new_session(TRUST).feed(hello("/"), resume=session.state())
    assert resumed.decided is None  # decided on an earlier connection


def test_chat_results_are_returned_not_kept(engine: lotse.Engine) -> None:
    session = start(engine)
    first = session.feed(ChatAnswer(text="qwertz uiop"))
    assert first.chat == "clarified"
    assert isinstance(first.messages[0], Say)
    assert {c.id for c in first.messages[0].choices} == set(engine.type_ids)
    second = session.feed(ChatAnswer(text="zxcv bnm"))
    assert second.chat == "failed"
    assert isinstance(second.messages[0], Say) and second.messages[0].choices == ()
    chosen = session.feed(ChatAnswer(choice="applicant"))
    assert chosen.chat == "chosen" and swaps(chosen) == {"hero": "hero-applicant"}
    # A later event carries no chat result: nothing stale is left to read.
    assert session.feed(page("/")).chat is None


def test_an_unknown_quick_reply_is_an_error_and_no_chat_result(engine: lotse.Engine) -> None:
    session = start(engine)
    outcome = session.feed(ChatAnswer(choice="astronaut"))
    assert error_code(outcome) == "bad_field"
    assert outcome.chat is None and outcome.persist is None


def test_chat_text_is_never_kept(engine: lotse.Engine) -> None:
    session = start(engine)
    session.feed(ChatAnswer(text="Ich bin Apotheker in Musterstadt, Herr Beispiel"))
    stored = json.dumps(session.state()) + json.dumps(session.summary())
    assert "Musterstadt" not in stored and "Beispiel" not in stored


def test_chat_is_offered_in_the_welcome_once(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    welcome = session.feed(hello()).messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is not None
    assert welcome.chat.prompt == "Was führt Sie zu uns?"
    assert session.chat_offer() is None
    resumed = engine.new_session(TRUST)
    welcome = resumed.feed(hello(), resume=session.state()).messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is None


# -- guardrails -----------------------------------------------------------------------


def test_prescription_content_only_for_verified_professionals(engine: lotse.Engine) -> None:
    session = start(engine, now=1000.0)
    assert swaps(session.feed(page("/de/fachkreise"), now=1000.0)) == {"hero": "hero-hcp"}
    forged = session.feed(Verify("eyJyb2xlIjoiaGNwIn0.AAAA"), now=1001.0)
    assert error_code(forged) == "bad_assertion"
    assertion = lotse.issue_assertion(VERIFICATION_KEY, now=1000.0, ttl=60)
    assert swaps(session.feed(Verify(assertion), now=1002.0)) == {"hero": "hero-rx"}
    # After the assertion expires, the rx variant is never shown again.
    later = swaps(session.feed(page("/de/fachkreise/x"), now=2000.0))
    assert later.get("hero") != "hero-rx"
    assert session.profile.verified_role is None


def test_a_verified_pharmacist_is_not_a_verified_doctor(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise", now=0.0)
    pharmacist = lotse.issue_assertion(VERIFICATION_KEY, now=0.0, role="pharmacist")
    outcome = session.feed(Verify(pharmacist), now=1.0)
    assert session.profile.verified_role == "pharmacist"
    assert swaps(outcome) == {"hero": "hero-pharmacist"}
    assert "Apotheker" in outcome.swaps[0].reason
    for path in ("/de/fachkreise/x", "/"):
        assert "hero-rx" not in swaps(session.feed(page(path), now=2.0)).values()


def test_a_login_counts_at_most_the_configured_time(engine: lotse.Engine) -> None:
    trust = lotse.Trust(verification_key=VERIFICATION_KEY, assertion_max_age=600)
    session = engine.new_session(trust)
    year = lotse.issue_assertion(VERIFICATION_KEY, now=0.0, ttl=365 * 86400)
    session.feed(hello("/de/fachkreise", verified=year), now=0.0)
    assert session.profile.verified_role == "hcp"
    assert session.profile.verified_until == 600.0
    assert swaps(session.feed(page("/de/fachkreise"), now=599.0)) == {"hero": "hero-rx"}
    session.feed(page("/x"), now=601.0)
    assert session.profile.verified_role is None
    assert "hero-rx" not in swaps(session.feed(page("/de/fachkreise"), now=602.0)).values()


def test_inferred_hcp_never_unlocks_rx_even_with_a_careless_rule() -> None:
    site = python_site()
    site.add_rule("hero", "hero-rx", visitor_type="hcp", rule_id="careless")
    errors = [p for p in site.check() if p.severity == "error"]
    assert any("rx" in p.message and "verified = true" in p.fix for p in errors)
    with pytest.raises(lotse.ConfigError):
        site.engine()


def test_sensitive_pages_add_nothing_and_trigger_nothing(engine: lotse.Engine) -> None:
    session = start(engine)
    before = session.state()
    assert session.feed(page("/de/fachkreise/hiv-therapie")).messages == ()
    assert session.feed(page("/privat/fachkreise")).messages == ()
    assert session.feed(Click("/themen/depression/fachkreise")).messages == ()
    assert session.chat_offer() is None
    assert session.state() == before


def test_no_chat_for_a_visitor_whose_type_is_already_clear() -> None:
    clear = hello("/de/fachkreise/fachinformation", referrer="https://www.doccheck.com/")
    site = python_site()
    session = site.engine().new_session(TRUST)
    welcome = session.feed(clear).messages[0]
    assert session.profile.probabilities(site.engine().type_ids)["hcp"] >= 0.9
    assert isinstance(welcome, Welcome) and welcome.chat is None
    # A likely but not clear type is still asked; a site may ask everyone.
    likely = site.engine().new_session(TRUST).feed(hello("/de/fortbildung")).messages[0]
    assert isinstance(likely, Welcome) and likely.chat is not None
    site.tune(chat_confidence=1.0)
    always = site.engine().new_session(TRUST).feed(clear).messages[0]
    assert isinstance(always, Welcome) and always.chat is not None


def test_a_sensitive_entry_page_gets_no_chat_offer(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    welcome = session.feed(hello("/themen/hiv")).messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is None and welcome.swaps == 0


def test_opt_out_restores_defaults_and_forgets(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    outcome = session.feed(OptOut())
    assert outcome.messages == (Restore(("hero", "teaser")),)
    assert outcome.persist == "delete"
    assert session.profile.evidence == {} and session.profile.decided is None
    assert session.targeting.shown == {}
    assert session.feed(page("/de/fachkreise")).messages == ()
    assert session.chat_offer() is None
    session.feed(OptIn())
    assert swaps(session.feed(page("/de/fachkreise"))) == {"hero": "hero-hcp"}


# -- goals, arms and records ------------------------------------------------------------


def test_returning_visitor_rule_needs_consent(engine: lotse.Engine) -> None:
    with_consent = engine.new_session(TRUST)
    assert swaps(with_consent.feed(hello(consent=True, visits=3))) == {"teaser": "whitepaper"}
    without = engine.new_session(TRUST)
    assert swaps(without.feed(hello(consent=False, visits=3))) == {}
    converted = start(engine, consent=True, visits=3)
    converted.feed(Convert("lead"))
    assert converted.profile.stage == "converted"


def test_an_undeclared_goal_is_refused_and_not_recorded(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    session.feed(Seen("hero", "hero-hcp"))
    for goal in ("lead-2", "x" * 64, "newsletter "):
        outcome = session.feed(Convert(goal))
        assert error_code(outcome) == "unknown_goal" and outcome.records == ()
        assert "lead" in outcome.messages[0].to_wire()["message"]
    assert session.profile.converted == set()


def test_professional_persona_from_content_kind(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    assert session.profile.persona is None
    session.feed(page("/de/fachkreise/webinar-reihe"))
    outcome = session.feed(page("/de/fachkreise/webinar-archiv"))
    assert session.profile.persona == "digital"
    assert swaps(outcome)["teaser"] == "webinars"


def test_holdout_is_deterministic_and_counted_per_arm() -> None:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.5, rule_id="hcp-hero")
    engine = site.engine()
    arms = {"control": 0, "hero-hcp": 0}
    for number in range(400):
        session = engine.new_session(TRUST, f"s{number}")
        entry = session.feed(hello("/de/fachkreise")).records
        arm = session.targeting.assignments["hcp-hero"].arm
        arms[arm] += 1
        shown = session.targeting.shown.get("hero", "default")
        assert (shown == "hero-hcp") == (arm == "hero-hcp")
        exposure = session.feed(Seen("hero", shown)).records
        page_view = session.feed(page("/de/fachkreise/x")).records
        conversion = session.feed(Convert("lead")).records
        assert [(r.kind, r.experiment, r.arm, r.visitor_type) for r in entry] == [
            ("assigned", "hcp-hero", arm, "hcp"),
            ("page", "hcp-hero", arm, "hcp"),
        ]
        assert [(r.kind, r.arm) for r in (*exposure, *page_view, *conversion)] == [
            ("exposed", arm),
            ("page", arm),
            ("converted", arm),
        ]
        assert conversion[0].goal == "lead"
        assert session.feed(Convert("lead")).records == ()  # once per goal
        assert session.feed(Seen("hero", shown)).records == ()  # exposed once
        # The arm travels with the page, for the site's analytics.
        hero = [m for m in session.feed(page("/de/x")).messages if m.to_wire()["slot"] == "hero"]
        if arm == "control":
            assert hero == [lotse.ArmNotice("hero", "hcp-hero", "control")]
        else:
            assert [(m.experiment, m.arm) for m in hero] == [("hcp-hero", "hero-hcp")]
        again = start(engine, "/de/fachkreise", session_id=f"s{number}")
        assert again.targeting.assignments["hcp-hero"].arm == arm
    assert 150 < arms["control"] < 250


def test_the_control_arm_is_announced_once_when_assigned_mid_page() -> None:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.999, rule_id="hcp-hero")
    session = start(site.engine(), "/")
    notices = session.feed(Click("/de/fachkreise")).messages
    assert notices == (lotse.ArmNotice("hero", "hcp-hero", "control"),)
    assert session.feed(Click("/de/fachkreise/x")).messages == ()
    assert session.feed(page("/y")).messages == notices  # a new page: announced again
    assert notices[0].to_wire() == {
        "type": "arm", "slot": "hero", "experiment": "hcp-hero", "arm": "control"
    }  # fmt: skip


def test_an_ab_test_splits_sessions_by_weight_and_shows_every_arm() -> None:
    site = python_site()
    site.add_variant("hero", lotse.Variant("hero-hcp-b", "<h2>B</h2>", ("hcp",)))
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule(
        "hero",
        "hero-hcp",
        rule_id="ab",
        visitor_type="hcp",
        arms={"control": 1, "hero-hcp": 1, "hero-hcp-b": 2},
    )
    engine = site.engine()
    shown: dict[str, int] = {}
    for number in range(800):
        session = start(engine, "/de/fachkreise", session_id=f"s{number}")
        arm = session.targeting.assignments["ab"].arm
        assert session.targeting.shown.get("hero", "control") == arm
        shown[arm] = shown.get(arm, 0) + 1
    assert 150 < shown["control"] < 250 and 150 < shown["hero-hcp"] < 250
    assert 330 < shown["hero-hcp-b"] < 470


def test_a_returning_visitor_says_which_arms_came_back() -> None:
    site = python_site()
    site.add_rule("teaser", "webinars", visitor_type="hcp", holdout=0.5, rule_id="webinars")
    engine = site.engine()
    earlier = (("webinars", "control"), ("webinars-gone", "control"), ("teaser", "nonsense"))
    session = engine.new_session(TRUST)
    records = session.feed(hello(consent=True, visits=2, returning=earlier)).records
    assert [(r.kind, r.experiment, r.arm) for r in records] == [("returned", "webinars", "control")]
    without_consent = engine.new_session(TRUST).feed(hello(returning=earlier)).records
    assert [r for r in without_consent if r.kind == "returned"] == []


def test_a_rule_without_a_control_group_records_nothing(engine: lotse.Engine) -> None:
    session = engine.new_session(TRUST)
    outcome = session.feed(hello("/de/fachkreise"))
    assert swaps(outcome) == {"hero": "hero-hcp"} and outcome.records == ()
    assert session.feed(Seen("hero", "hero-hcp")).records == ()


def test_the_global_holdout_sees_no_personalization_at_all() -> None:
    site = python_site()
    site.experiments = lotse.Experiments(global_holdout=0.3)
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.5, rule_id="hcp-hero")
    engine = site.engine()
    arms = {"control": 0, "personalized": 0}
    for number in range(400):
        session = engine.new_session(TRUST, f"g{number}")
        outcome = session.feed(hello("/de/fachkreise"))
        arm = session.targeting.assignments["global"].arm
        arms[arm] += 1
        kinds = {(r.kind, r.experiment) for r in outcome.records}
        assert ("assigned", "global") in kinds
        welcome = outcome.messages[0]
        assert isinstance(welcome, Welcome)
        if arm == "control":
            # Nothing shown, no chat, not in the rule's experiment; the counterfactual
            # exposure still counts for the global experiment.
            assert outcome.swaps == () and welcome.chat is None
            assert lotse.ArmNotice("hero", "global", "control") in outcome.messages
            assert "hcp-hero" not in session.targeting.assignments
            assert swaps(session.feed(ChatAnswer(choice="pharmacist"))) == {}
            seen = session.feed(Seen("hero", "default")).records
            assert [(r.kind, r.experiment) for r in seen] == [("exposed", "global")]
        else:
            assert ("assigned", "hcp-hero") in kinds
            seen = session.feed(Seen("hero", session.targeting.shown.get("hero", "default")))
            assert {(r.kind, r.experiment) for r in seen.records} == {
                ("exposed", "global"),
                ("exposed", "hcp-hero"),
            }
        converted = session.feed(Convert("newsletter")).records
        assert ("converted", "global", arm) in {(r.kind, r.experiment, r.arm) for r in converted}
    assert 90 < arms["control"] < 150


def test_an_opted_out_session_is_not_counted_again(engine: lotse.Engine) -> None:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.5, rule_id="hcp-hero")
    session = start(site.engine(), "/de/fachkreise")
    arm = session.targeting.assignments["hcp-hero"].arm
    session.feed(OptOut())
    session.feed(OptIn())
    again = session.feed(page("/de/fachkreise"))
    assert again.records == () and session.feed(Convert("lead")).records == ()
    assert session.targeting.assignments["hcp-hero"].arm == arm


def dosed_site(dose: lotse.Dose) -> lotse.Engine:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", rule_id="hcp-hero", dose=dose)
    return site.engine()


def heroes(session: lotse.Session, pages: int) -> list[str | None]:
    return [swaps(session.feed(page(f"/de/fachkreise/{n}"))).get("hero") for n in range(pages)]


def test_a_dose_caps_the_page_views_showing_a_rule_per_session() -> None:
    session = start(dosed_site(lotse.Dose(per_session=3)), "/de/fachkreise")
    assert session.targeting.shown["hero"] == "hero-hcp"
    # Shown on the entry page and two more; then the page keeps its own content.
    assert heroes(session, 4) == ["hero-hcp", "hero-hcp", None, None]


def test_a_dose_per_audience_is_tighter_for_that_persona() -> None:
    engine = dosed_site(lotse.Dose(per_session=5, audiences=(("digital", 2),)))
    session = start(engine, "/de/fachkreise")
    session.feed(page("/de/fachkreise/webinar-a"))
    assert session.profile.persona is None  # not yet
    outcome = session.feed(page("/de/fachkreise/webinar-b"))
    assert session.profile.persona == "digital"
    # Entry page and one more page were two impressions already: the digital reader is done.
    assert "hero" not in swaps(outcome)
    other = start(engine, "/de/fachkreise")
    assert heroes(other, 5) == ["hero-hcp"] * 4 + [None]


def test_a_dose_across_visits_counts_only_with_consent() -> None:
    engine = dosed_site(lotse.Dose(per_visitor=3))
    returning = engine.new_session(TRUST)
    first = returning.feed(
        hello("/de/fachkreise", consent=True, visits=2, doses=(("hcp-hero", 2),))
    )
    assert [(m.variant, m.dose) for m in first.swaps] == [("hero-hcp", "hcp-hero")]
    assert heroes(returning, 1) == [None]
    unknown = engine.new_session(TRUST)
    unknown.feed(hello("/de/fachkreise", consent=False, doses=(("hcp-hero", 9), ("x", 1))))
    assert unknown.profile.doses == {} and heroes(unknown, 3) == ["hero-hcp"] * 3


def test_the_chat_is_offered_within_its_dose() -> None:
    site = python_site()
    site.chat_dose = lotse.Dose(per_session=2, per_visitor=3)
    engine = site.engine()
    session = engine.new_session(TRUST)
    welcome = session.feed(hello(consent=True, doses=(("chat", 1),))).messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is not None
    assert welcome.chat.dose == "chat"
    assert session.chat_offer() is not None  # a second offer this session: 1 + 2 = 3
    assert session.chat_offer() is None


# -- saving and resuming --------------------------------------------------------------


def test_state_round_trip_resumes_profile_and_sticky_variants(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    state = json.loads(json.dumps(session.state()))
    resumed = engine.new_session(TRUST)
    outcome = resumed.feed(hello("/"), resume=state)
    assert resumed.id == session.id and resumed.profile.decided == "hcp"
    assert swaps(outcome) == {"hero": "hero-hcp"}
    assert resumed.state()["profile"] == {**state["profile"], "page_views": 2}


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"v": 2},
        {"v": 1, "id": "a"},
        {"v": 2, "id": "a", "profile": {"evidence": "x"}},
        {"v": 2, "id": "a", "targeting": {"shown": []}},
        {"v": 2, "id": "a", "profile": {"page_views": True}},
        {"v": 2, "id": "a", "profile": {"converted": [1]}},
        {"v": 2, "id": "a", "targeting": {"assignments": {"r": "both"}}},
    ],
)
def test_damaged_state_starts_fresh(engine: lotse.Engine, state: dict[str, object]) -> None:
    session = engine.new_session(TRUST, "fresh")
    outcome = session.feed(hello("/"), resume=state)
    assert isinstance(outcome.messages[0], Welcome)
    assert session.id == "fresh" and session.profile.evidence == {}


def test_state_is_bounded_by_the_configuration_not_by_the_client(engine: lotse.Engine) -> None:
    session = start(engine)
    for number in range(300):
        session.feed(page(f"/de/fachkreise/{number}?utm_campaign=recruiting{number}"))
        session.feed(Click(f"/karriere/{number}"))
        session.feed(Convert(f"goal-{number}"))
        session.feed(Seen(f"slot-{number}", "x"))
        session.feed(ChatAnswer(text=f"Ich bin kein Arzt {number}"))
    size = len(json.dumps(session.state()))
    for number in range(300, 3000):
        session.feed(page(f"/de/fachkreise/{number}?utm_campaign=recruiting{number}"))
        session.feed(Click(f"/karriere/{number}"))
        session.feed(Convert(f"goal-{number}"))
    # Only counters grow (page views: a few more digits); no collection does.
    assert len(json.dumps(session.state())) <= size + 4


def test_a_reload_carries_the_conversation_over(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    site = python_site()
    site.slots = [s for s in site.slots if s.id != "teaser"]
    site.rules = [r for r in site.rules if r.slot != "teaser"]
    session.use(site.engine())
    assert session.page.slots == ("hero",)
    assert swaps(session.feed(page("/x"))) == {"hero": "hero-hcp"}


def test_a_sticky_variant_follows_the_visitor_into_another_language() -> None:
    site = python_site()
    site.slots[0] = lotse.Slot(
        "hero",
        tuple(
            lotse.Variant(
                v.id,
                v.html,
                v.audience,
                v.rx,
                {"en": v.html.replace("Für", "For")},
                v.verified_roles,
            )
            for v in site.slots[0].variants
        ),
    )
    engine = site.engine()
    session = engine.new_session(TRUST)
    german = session.feed(hello("/de/fachkreise", "hero"))
    state = session.state()
    english = engine.new_session(TRUST).feed(hello("/en/", "hero", lang="en"), resume=state)
    assert german.swaps[0].html == "<h2>Für Fachkreise</h2>"
    assert [m.html for m in english.swaps] == ["<h2>For Fachkreise</h2>"]
    assert english.swaps[0].reason == "page fachkreise"
    assert session.targeting.changes["hero"] == 1


# -- preview links ----------------------------------------------------------------------

PREVIEW_KEY = b"p" * 32


def previewing(engine: lotse.Engine, token: str) -> tuple[lotse.Session, lotse.Outcome]:
    session = engine.new_session(lotse.Trust(VERIFICATION_KEY, preview_key=PREVIEW_KEY))
    return session, session.feed(hello("/", preview=token), now=100.0)


def test_a_preview_link_shows_the_page_as_that_visitor_sees_it() -> None:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.999, rule_id="hcp-hero")
    engine = site.engine()
    token = lotse.issue_preview(PREVIEW_KEY, 0.0, "hcp", persona="digital", hours=1)
    session, outcome = previewing(engine, token)
    welcome = outcome.messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is None
    assert "Ärztin/Arzt oder Fachkreise (digital)" in (welcome.preview or "")
    # The variant, not the 99.9 % control arm; the digital persona's teaser too.
    assert swaps(outcome) == {"hero": "hero-hcp", "teaser": "webinars"}
    # Nothing is counted and nothing is saved.
    assert outcome.preview and outcome.records == () and outcome.persist is None
    later = session.feed(Convert("lead"))
    assert later.preview and later.records == () and later.persist is None


def test_a_verified_preview_shows_prescription_content() -> None:
    token = lotse.issue_preview(PREVIEW_KEY, 0.0, "hcp", verified_role="hcp")
    _, outcome = previewing(python_site().engine(), token)
    assert swaps(outcome)["hero"] == "hero-rx"


@pytest.mark.parametrize(
    "token",
    [
        lotse.issue_preview(PREVIEW_KEY, 0.0, "hcp", hours=0.01),  # expired at now=100
        lotse.issue_preview(b"someone else's key", 0.0, "hcp"),
        lotse.issue_preview(PREVIEW_KEY, 0.0, "astronaut"),
        lotse.issue_preview(PREVIEW_KEY, 0.0, "hcp") + "x",
        lotse.issue_session_token(PREVIEW_KEY, "a-session", 0.0),
    ],
)
def test_an_altered_or_expired_preview_link_is_ignored(token: str) -> None:
    _, outcome = previewing(python_site().engine(), token)
    welcome = outcome.messages[0]
    assert isinstance(welcome, Welcome) and welcome.preview is None
    assert swaps(outcome) == {} and not outcome.preview and outcome.persist == "save"


# -- saving only what changed (Outcome.persist) --------------------------------------


def counted_site_engine() -> lotse.Engine:
    """The test site with its hcp hero rule as an experiment (half held out)."""
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule("hero", "hero-hcp", visitor_type="hcp", holdout=0.5, rule_id="hcp-hero")
    return site.engine()


def test_a_seen_already_counted_changes_nothing_to_save() -> None:
    session = start(counted_site_engine(), "/de/fachkreise", session_id="s1")
    first = session.feed(Seen("hero", "hero-hcp"))
    assert first.records and first.persist == "save"
    before = session.state()
    again = session.feed(Seen("hero", "hero-hcp"))
    assert again.records == () and again.persist is None
    assert session.state() == before


def test_a_click_that_teaches_nothing_changes_nothing_to_save(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    assert session.feed(Click("/de/fachkreise/preise")).persist == "save"  # evidence
    before = session.state()
    assert session.feed(Click("/de/kontakt")).persist is None
    assert session.feed(Click("/de/fachkreise/preise")).persist is None  # counted already
    assert session.state() == before


def test_a_sensitive_page_changes_nothing_to_save(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    before = session.state()
    assert session.feed(page("/themen/hiv")).persist is None
    assert session.feed(Click("/privat/x")).persist is None
    assert session.state() == before
    assert session.feed(page("/de/kontakt")).persist == "save"  # a page view counts


def test_an_opted_out_session_is_still_deleted_after_every_event(engine: lotse.Engine) -> None:
    session = start(engine, "/de/fachkreise")
    assert session.feed(OptOut()).persist == "delete"
    assert session.feed(Seen("hero", "hero-hcp")).persist == "delete"
    assert session.feed(Click("/de/kontakt")).persist == "delete"


def test_an_expired_login_is_saved_even_by_an_event_that_does_nothing_else(
    engine: lotse.Engine,
) -> None:
    session = start(engine, "/de/fachkreise")
    assertion = lotse.issue_assertion(VERIFICATION_KEY, now=0.0, ttl=60)
    session.feed(Verify(assertion), now=1.0)
    assert session.profile.verified_role == "hcp"
    outcome = session.feed(Seen("teaser", "x"), now=120.0)
    assert session.profile.verified_role is None and outcome.persist == "save"


@pytest.mark.parametrize("engine_kind", ["plain", "counted"])
def test_persist_none_means_the_state_is_what_it_was(engine_kind: str) -> None:
    """Random streams: an outcome that says nothing changed never hides a change."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    engine = python_site().engine() if engine_kind == "plain" else counted_site_engine()
    paths = st.sampled_from(
        ["/de/fachkreise", "/de/fachkreise/studien", "/de/patienten", "/apotheke", "/de/kontakt",
         "/karriere/jobs", "/themen/hiv", "/privat/x", "/de/webinar", "/"]
    )  # fmt: skip
    events = st.one_of(
        paths.map(lambda p: page(p)),
        paths.map(Click),
        st.builds(Seen, slot=st.sampled_from(["hero", "teaser"]), variant=st.just("v")),
        st.builds(ChatAnswer, choice=st.sampled_from(["hcp", "patient"])),
        st.builds(ChatAnswer, text=st.sampled_from(["Ich bin Arzt", "asdf"])),
        st.builds(Convert, goal=st.sampled_from(["lead", "newsletter"])),
        st.just(OptOut()),
        st.just(OptIn()),
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(events, max_size=20), st.integers(0, 50))
    def check(stream: list[lotse.Event], number: int) -> None:
        session = start(engine, "/de/fachkreise", session_id=f"s{number}")
        for event in stream:
            before = session.state()
            outcome = session.feed(event)
            if outcome.persist is None:
                assert session.state() == before, event

    check()


def test_the_state_is_dumped_as_the_generic_walk_would() -> None:
    from lotse._state import dump, dump_any

    engine = counted_site_engine()
    session = start(engine, "/de/fachkreise", session_id="s3", consent=True, visits=2)
    for event in (
        Click("/de/fachkreise/studien"), Seen("hero", "hero-hcp"), ChatAnswer(choice="hcp"),
        Convert("lead"), page("/de/webinar"),
    ):  # fmt: skip
        session.feed(event)
    for part in (session.profile, session.dialogue, session.targeting):
        dumped = dump(part)
        assert dumped == dump_any(part)
        json.dumps(dumped)  # JSON-ready
    # A copy: changing the live session does not change what was dumped.
    dumped = dump(session.profile)
    session.profile.converted |= {"newsletter"}
    session.profile.evidence.clear()
    assert dumped["converted"] == ["lead"] and dumped["evidence"]


# -- slots rendered late ------------------------------------------------------------------


def test_slots_rendered_late_get_their_content_without_a_new_page_view(
    engine: lotse.Engine,
) -> None:
    session = engine.new_session(TRUST)
    first = session.feed(hello("/de/fachkreise", "teaser"))
    assert swaps(first) == {}  # the hero was not on the page yet
    views = session.profile.page_views
    late = session.feed(lotse.SlotsFound(("hero", "hero", "nav-promo", "unknown")))
    assert swaps(late) == {"hero": "hero-hcp"}
    assert session.page.slots == ("teaser", "hero")
    assert session.profile.page_views == views
    assert session.feed(lotse.SlotsFound(("hero",))).messages == ()  # announced already


def test_a_late_slot_gets_its_remembered_variant_on_a_sensitive_page_never() -> None:
    engine = python_site().engine()
    session = start(engine, "/de/fachkreise")
    session.feed(page("/themen/hiv", "teaser"))
    assert session.feed(lotse.SlotsFound(("hero",))).messages == ()


def test_replies_come_in_the_page_language_whatever_language_was_typed(
    engine: lotse.Engine,
) -> None:
    german = start(engine)
    say = german.feed(ChatAnswer(text="I am a pharmacist")).messages[0]
    assert isinstance(say, Say) and say.text == "Willkommen, Apotheke!"
    english = start(engine, lang="en")
    say = english.feed(ChatAnswer(text="Ich bin Apotheker")).messages[0]
    assert isinstance(say, Say) and say.text == "Welcome, pharmacist!"


def test_a_french_page_is_answered_in_french() -> None:
    engine = python_site().engine()
    session = engine.new_session(TRUST)
    welcome = session.feed(hello("/", lang="fr")).messages[0]
    assert isinstance(welcome, Welcome) and welcome.chat is not None
    assert welcome.chat.prompt == "Qu'est-ce qui vous amène chez nous ?"
    assert [c.label for c in welcome.chat.choices][:2] == [
        "Patient·e ou proche",
        "Médecin ou professionnel·le de santé",
    ]
    clarify = session.feed(ChatAnswer(text="qwertz uiop")).messages[0]
    assert isinstance(clarify, Say) and clarify.text.startswith("Pour vous montrer")
