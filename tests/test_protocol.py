import pytest

import lotse
from lotse import ProtocolError, parse_event


def test_parses_every_client_message() -> None:
    hello = parse_event(
        {"type": "hello", "site": "demo", "url": "/", "slots": ["hero", "hero"], "extra": 1}
    )
    assert hello == lotse.Hello(site="demo", url="/", slots=("hero",))
    assert parse_event({"type": "page", "url": "/a", "slots": []}) == lotse.PageView("/a")
    assert parse_event({"type": "click", "href": "/b"}) == lotse.Click("/b")
    assert parse_event({"type": "chat", "text": "hi"}) == lotse.ChatAnswer(text="hi")
    assert parse_event({"type": "chat", "choice": "hcp"}) == lotse.ChatAnswer(choice="hcp")
    assert parse_event({"type": "seen", "slot": "hero", "variant": "x"}) == lotse.Seen("hero", "x")
    assert parse_event({"type": "convert", "goal": "lead"}) == lotse.Convert("lead")
    assert parse_event({"type": "optout"}) == lotse.OptOut()
    assert parse_event({"type": "optin"}) == lotse.OptIn()
    assert parse_event({"type": "consent", "granted": True}) == lotse.Consent(True)
    assert parse_event({"type": "verify", "assertion": "a.b"}) == lotse.Verify("a.b")


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ([], "bad_message"),
        ("hello", "bad_message"),
        ({"no": "type"}, "bad_message"),
        ({"type": 3}, "bad_message"),
        ({"type": "nonsense"}, "unknown_type"),
        ({"type": "page"}, "bad_field"),
        ({"type": "page", "url": 5}, "bad_field"),
        ({"type": "page", "url": "/", "slots": "hero"}, "bad_field"),
        ({"type": "page", "url": "/", "slots": ["x", 3]}, "bad_field"),
        ({"type": "hello", "site": "demo", "url": "/", "lang": 5}, "bad_field"),
        ({"type": "click", "href": "x" * 5000}, "bad_field"),
        ({"type": "chat"}, "bad_field"),
        ({"type": "chat", "text": "x" * 501}, "bad_field"),
        ({"type": "hello", "site": "demo", "url": "/", "consent": "yes"}, "bad_field"),
        ({"type": "hello", "site": "demo", "url": "/", "visits": True}, "bad_field"),
    ],
)
def test_malformed_messages_raise_protocol_errors(message: object, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_event(message)
    assert caught.value.code == code
    assert caught.value.message


def test_outgoing_messages_have_the_wire_shape() -> None:
    swap = lotse.Swap("hero", "v", "<p>x</p>", "why").to_wire()
    assert swap == {"type": "swap", "slot": "hero", "variant": "v", "html": "<p>x</p>",
                    "reason": "why"}  # fmt: skip
    say = lotse.Say("Hallo", (lotse.Choice("hcp", "Arzt"),)).to_wire()
    assert say == {"type": "say", "text": "Hallo", "choices": [{"id": "hcp", "label": "Arzt"}]}
    welcome = lotse.Welcome("t", False, None).to_wire()
    assert welcome == {"type": "welcome", "token": "t", "optout": False, "chat": None}
    assert lotse.Restore(("hero",)).to_wire() == {"type": "restore", "slots": ["hero"]}
    assert lotse.Error("bad_json", "m").to_wire()["code"] == "bad_json"


def test_welcome_announces_the_swaps_that_follow() -> None:
    wire = lotse.Welcome("t", False, None, swaps=2).to_wire()
    assert wire["swaps"] == 2


def test_slots_are_bounded_not_refused() -> None:
    """The snippet sends the ids it finds as they are: the first 64 distinct ids of at
    most 64 characters count (a longer one names no slot a site file declares)."""
    ids = ["x" * 65, "hero", *(f"s{i}" for i in range(100)), "hero"]
    page = parse_event({"type": "page", "url": "/", "slots": ids})
    assert isinstance(page, lotse.PageView)
    assert page.slots == ("hero", *(f"s{i}" for i in range(63)))


def test_lang_is_cut_not_refused() -> None:
    hello = parse_event({"type": "hello", "site": "demo", "url": "/", "lang": "de-" + "x" * 60})
    assert isinstance(hello, lotse.Hello)
    assert hello.lang == ("de-" + "x" * 60)[:35]
    assert parse_event({"type": "hello", "site": "demo", "url": "/", "lang": ""}) == lotse.Hello(
        site="demo", url="/"
    )


@pytest.mark.parametrize("value", [None, 5, True, "", "x" * 4097, {"v": 2}, ["a"]])
def test_a_keep_that_is_no_short_string_is_ignored_never_refused(value: object) -> None:
    hello = parse_event({"type": "hello", "site": "demo", "url": "/", "keep": value})
    assert hello == lotse.Hello(site="demo", url="/")
    consent = parse_event({"type": "consent", "granted": True, "keep": value})
    assert consent == lotse.Consent(True)


def test_keep_is_read_as_sent_and_written_as_a_message() -> None:
    hello = parse_event({"type": "hello", "site": "demo", "url": "/", "keep": "a.b"})
    assert isinstance(hello, lotse.Hello) and hello.keep == "a.b"
    assert parse_event({"type": "consent", "granted": True, "keep": "a.b"}) == lotse.Consent(
        True, "a.b"
    )
    assert lotse.Keep("a.b").to_wire() == {"type": "keep", "keep": "a.b"}
