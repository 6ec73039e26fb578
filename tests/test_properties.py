"""Random event streams: the session never crashes and never touches a non-slot."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lotse
from _sites import TRUST, hello, python_site, start
from lotse import ChatAnswer, Click, Convert, OptIn, OptOut, PageView, Seen, Swap, Welcome

ENGINE = python_site().engine()
SITE_SLOTS = set(ENGINE.slots)

path_words = st.sampled_from(
    ["de", "fachkreise", "patienten", "apotheke", "karriere", "jobs", "hiv", "studien",
     "webinar", "privat", "", "x" * 40, "ärzte", "%20", "..", "?utm_campaign=recruiting"]
)  # fmt: skip
paths = st.lists(path_words, max_size=5).map(lambda parts: "/" + "/".join(parts))
slot_ids = st.sampled_from(["hero", "teaser", "nav-promo", "header", "footer", "unknown"])
events = st.one_of(
    st.builds(
        PageView,
        url=paths.map(lambda p: "https://pharma.example" + p),
        slots=st.lists(slot_ids, max_size=4).map(tuple),
        referrer=st.none() | st.just("https://www.doccheck.com/") | st.text(max_size=30),
    ),
    st.builds(Click, href=paths | st.text(max_size=60)),
    st.builds(ChatAnswer, text=st.text(max_size=80)),
    st.builds(ChatAnswer, choice=st.sampled_from(["hcp", "patient", "nope", "pharmacist.role"])),
    st.builds(Seen, slot=slot_ids, variant=st.text(max_size=10)),
    st.builds(Convert, goal=st.sampled_from(["lead", "newsletter", "unknown"])),
    st.builds(hello, paths, st.sampled_from(["hero", "teaser", "nav-promo"])),
    st.just(OptOut()),
    st.just(OptIn()),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, max_size=25))
def test_random_streams_never_crash_or_swap_a_non_slot(stream: list[lotse.Event]) -> None:
    session = start(ENGINE)
    for event in stream:
        for message in session.feed(event).messages:
            if isinstance(message, Swap):
                assert message.slot in SITE_SLOTS
                assert message.slot in session.page.slots
                assert message.reason
                assert not ENGINE.variants[(message.slot, message.variant)].rx
        changes = session.targeting.changes
        assert all(count <= ENGINE.slots[s].max_changes for s, count in changes.items())
    resumed = ENGINE.new_session(TRUST)
    welcome = resumed.feed(hello(), resume=session.state()).messages[0]
    assert isinstance(welcome, Welcome) and resumed.id == session.id
    assert resumed.profile.evidence == session.profile.evidence


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, max_size=15))
def test_nothing_before_hello_changes_a_session(stream: list[lotse.Event]) -> None:
    session = ENGINE.new_session(TRUST, "s")
    fresh = session.state()
    for event in stream:
        if isinstance(event, lotse.Hello):
            break
        outcome = session.feed(event)
        assert [m.to_wire()["code"] for m in outcome.messages] == ["hello_required"]
    assert session.state() == fresh


sensitive_paths = st.sampled_from(
    ["/themen/hiv", "/de/fachkreise/hiv", "/privat/x", "/ratgeber/depression-hilfe", "/hiv"]
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, max_size=10), st.lists(sensitive_paths, min_size=1, max_size=5))
def test_sensitive_pages_change_nothing_in_a_profile(
    before: list[lotse.Event], visits: list[str]
) -> None:
    session = start(ENGINE)
    for event in before:
        session.feed(event)
    snapshot = session.state()
    for path in visits:
        assert session.feed(PageView("https://pharma.example" + path, ("hero",))).messages == ()
        assert session.feed(Click(path)).messages == ()
    assert session.state() == snapshot
