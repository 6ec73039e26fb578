"""What a consenting visitor's browser keeps across visits (`hello.keep`, `Keep`).

The server writes one signed value; the browser stores it and sends it back as it
came. These tests play the browser: they keep the last `Keep` message's value and
hand it to the next session, as a new visit (a new session) or a page of the same
visit (the same session resumed).
"""

import pytest

import lotse
from _sites import TRUST, hello, page, python_site
from lotse import Consent, OptOut
from lotse._keep import Kept, read_keep, session_digest, write_keep

KEY = b"k" * 32


def kept_value(outcome: lotse.Outcome) -> str | None:
    """The value the browser stores after this outcome (the last `Keep`), if any."""
    values = [m.keep for m in outcome.messages if isinstance(m, lotse.Keep)]
    return values[-1] if values else None


def dosed() -> lotse.Engine:
    site = python_site()
    site.rules = [r for r in site.rules if r.variant != "hero-hcp"]
    site.add_rule(
        "hero", "hero-hcp", visitor_type="hcp", rule_id="hcp-hero", dose=lotse.Dose(per_visitor=3)
    )
    site.add_rule("teaser", "webinars", visitor_type="hcp", holdout=0.5, rule_id="webinars")
    return site.engine()


def visit(engine: lotse.Engine, keep: str | None, name: str, **fields: object) -> lotse.Session:
    session = engine.new_session(lotse.Trust(keep_key=KEY), name)
    session.feed(hello("/de/fachkreise", consent=True, keep=keep, **fields))
    return session


def test_visits_doses_and_arms_travel_in_one_value_from_visit_to_visit() -> None:
    engine = dosed()
    first = engine.new_session(lotse.Trust(keep_key=KEY), "one")
    outcome = first.feed(hello("/de/fachkreise", consent=True))
    value = kept_value(outcome)
    assert value is not None and first.profile.visits == 1
    assert outcome.messages[-1] == lotse.Keep(value)  # after the welcome and the swaps
    kept = read_keep(KEY, "test", value, 0.0)
    assert kept is not None and kept.visits == 1 and kept.shown == (("hcp-hero", 1),)
    arm = first.targeting.assignments["webinars"].arm
    assert kept.arms == (("webinars", arm),)
    # Another page of the visit: one more show, a new value.
    value = kept_value(first.feed(page("/de/fachkreise/a"))) or value
    # The next visit: counted once, the doses added up, the arm came back.
    second = engine.new_session(lotse.Trust(keep_key=KEY), "two")
    outcome = second.feed(hello("/de/fachkreise", consent=True, keep=value))
    assert second.profile.visits == 2 and second.profile.doses == {"hcp-hero": 2}
    assert [(r.kind, r.experiment, r.arm) for r in outcome.records if r.kind == "returned"] == [
        ("returned", "webinars", arm)
    ]
    assert second.profile.stage == "returning"
    # Three shows across visits: the cap (3) is reached after this visit's first.
    assert [s.variant for s in outcome.swaps if s.slot == "hero"] == ["hero-hcp"]
    assert "hero" not in {s.slot for s in second.feed(page("/de/fachkreise/b")).swaps}


def test_a_page_of_the_same_visit_counts_nothing_twice() -> None:
    engine = dosed()
    session = visit(engine, None, "one")
    value = session._kept and write_keep(KEY, "test", session._kept, 0.0)
    assert value
    # The same session resumed (a later page): its own value, taken as it is.
    again = engine.new_session(lotse.Trust(keep_key=KEY), "one")
    outcome = again.feed(hello("/de/fachkreise", consent=True, keep=value))
    assert again.profile.visits == 1
    assert not [r for r in outcome.records if r.kind == "returned"]
    # Consent given again on the page (the consent manager answered late): still one visit.
    again.feed(Consent(True, value))
    assert again.profile.visits == 1


def test_a_later_value_of_another_session_is_not_a_second_visit() -> None:
    engine = dosed()
    earlier = visit(engine, None, "a")
    value = write_keep(KEY, "test", earlier._kept or Kept("x", 1), 0.0)
    session = visit(engine, value, "b")
    assert session.profile.visits == 2
    other = write_keep(KEY, "test", Kept(session_digest("c"), 5), 0.0)
    session.feed(Consent(True, other))
    assert session.profile.visits == 2


def test_consent_after_hello_takes_the_value_then() -> None:
    engine = dosed()
    value = write_keep(KEY, "test", Kept(session_digest("old"), 3, (("hcp-hero", 1),)), 0.0)
    session = engine.new_session(lotse.Trust(keep_key=KEY), "new")
    outcome = session.feed(hello("/de/fachkreise", keep=value))  # no consent: not read
    assert session.profile.visits == 1 and kept_value(outcome) is None
    outcome = session.feed(Consent(True, value))
    assert session.profile.visits == 4 and session.profile.doses == {"hcp-hero": 1}
    assert kept_value(outcome) is not None


@pytest.mark.parametrize(
    "value",
    [
        "not a value",
        "a.b.c",
        write_keep(b"another key" * 3, "test", Kept("x", 7), 0.0),  # not ours
        write_keep(KEY, "other-site", Kept("x", 7), 0.0),  # another site's
        write_keep(KEY, "test", Kept("x", 7), -500 * 24 * 3600.0),  # expired
        lotse.issue_session_token(KEY, "x", 0.0),  # a resume token is no kept value
    ],
)
def test_a_forged_broken_or_foreign_value_is_a_first_visit(value: str) -> None:
    session = visit(dosed(), value, "s")
    assert session.profile.visits == 1 and session.profile.doses == {}


def test_a_signed_value_that_holds_anything_else_is_ignored() -> None:
    from lotse._signing import sign

    good = {"k": "keep", "site": "test", "s": "x", "v": 2, "d": {}, "n": {}, "a": {}, "exp": 99}
    assert read_keep(KEY, "test", sign(KEY, good), 0.0) == Kept("x", 2)
    for bad in (
        {"v": 0},
        {"v": True},
        {"v": 10_001},
        {"d": {"k": -1}},
        {"n": {"k": "2"}},
        {"a": {"e": 5}},
        {"a": {"e": "x" * 129}},
        {"d": {"x" * 65: 1}},
        {"d": {f"k{i}": 1 for i in range(33)}},
        {"s": 5},
        {"d": []},
    ):
        assert read_keep(KEY, "test", sign(KEY, {**good, **bad}), 0.0) is None, bad


def test_without_consent_withdrawn_or_opted_out_nothing_is_kept() -> None:
    engine = dosed()
    value = write_keep(KEY, "test", Kept(session_digest("old"), 3), 0.0)
    none = engine.new_session(lotse.Trust(keep_key=KEY), "s")
    assert kept_value(none.feed(hello("/de/fachkreise", keep=value))) is None
    session = visit(engine, value, "t")
    assert session.profile.visits == 4
    session.feed(Consent(False))
    assert session.profile.visits == 1 and session.profile.doses == {}
    assert kept_value(session.feed(page("/de/fachkreise/x"))) is None
    out = visit(engine, value, "u")
    assert kept_value(out.feed(OptOut())) is None


def test_a_value_too_long_for_a_hello_leaves_entries_out() -> None:
    many = tuple((f"experiment-{i:02}", "a" * 120) for i in range(32))
    doses = tuple((f"rule-{i:02}-" + "r" * 50, 10_000) for i in range(32))
    value = write_keep(KEY, "test", Kept("x", 2, doses, doses, many), 0.0)
    assert len(value) <= lotse._protocol.MAX_KEEP
    kept = read_keep(KEY, "test", value, 0.0)
    assert kept is not None and kept.visits == 2 and kept.doses


def test_an_older_snippets_counts_are_still_read() -> None:
    engine = dosed()
    session = engine.new_session(TRUST)
    session.feed(hello("/de/fachkreise", consent=True, visits=3, doses=(("hcp-hero", 2),)))
    assert session.profile.visits == 3 and session.profile.doses == {"hcp-hero": 2}
