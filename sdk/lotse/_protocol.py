"""Wire protocol v1: typed events in, typed messages out, and the parser between.

`parse_event` turns one decoded JSON value from a client into an event or
raises `ProtocolError` with the `error` code the server sends back. It is pure
so the server, the CLI's `simulate` and the tests share one reading of the
protocol. See docs/protocol.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Longest string accepted in any field; URLs and chat answers included.
MAX_STRING = 2048
#: Most dose counters one hello may carry, and the largest count.
MAX_DOSES = 32
MAX_DOSE = 10_000
#: Longest page title, first heading and link text used (extension); longer ones
#: are cut, not refused: they are optional hints, never stored or logged.
MAX_TEXT = 300
#: Most slot ids one page may announce (more are left out), and the longest slot id
#: (a longer one is left out: it names no slot a site file can declare).
MAX_SLOTS = 64
MAX_SLOT_ID = 64
#: Longest `keep` value (extension) a hello or consent may carry; a longer one is ignored.
MAX_KEEP = 4096
#: Longest `lang` used; a longer one is cut (only its first two letters count).
MAX_LANG = 35


class ProtocolError(ValueError):
    """A client message that cannot be used; `code` goes into the error reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- client -> server ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    site: str
    url: str
    referrer: str | None = None
    lang: str | None = None
    slots: tuple[str, ...] = ()
    token: str | None = None
    consent: bool = False
    verified: str | None = None
    visits: int | None = None
    #: Extension: what a returning visitor (with consent) was shown on earlier visits,
    #: counted by the snippet per dose key (a rule id, or "chat").
    doses: tuple[tuple[str, int], ...] = ()
    #: Extension: a signed preview token from the page URL (`lotse_preview`): show the
    #: page as a given visitor type sees it, for medical-legal review.
    preview: str | None = None
    #: Extension: the arms a returning visitor (with consent) was counted in on their
    #: previous visit, sent once, so each arm's sessions that came back can be counted.
    returning: tuple[tuple[str, str], ...] = ()
    #: Extension: the page's <title> and first <h1>, as evidence for pages whose
    #: address says nothing (/p/4711); cut at MAX_TEXT, never stored or logged.
    title: str | None = None
    heading: str | None = None
    #: Extension: what this server kept in the browser across visits (a `keep`
    #: message's value), sent back as it came, with consent only. Anything but a
    #: string of at most MAX_KEEP characters reads as none (`_keep.read_keep` checks
    #: the rest); it replaces `visits`, `doses` and `returning`, which older snippets send.
    keep: str | None = None


@dataclass(frozen=True, slots=True)
class PageView:
    url: str
    slots: tuple[str, ...] = ()
    referrer: str | None = None
    #: Extension: as in `Hello`.
    title: str | None = None
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class SlotsFound:
    """Extension: slots that appeared on the current page after it was announced
    (rendered late by a single-page app); not a new page view."""

    slots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Click:
    href: str
    #: Extension: the visible text of the followed link; cut at MAX_TEXT.
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    text: str | None = None
    choice: str | None = None


@dataclass(frozen=True, slots=True)
class Seen:
    slot: str
    variant: str


@dataclass(frozen=True, slots=True)
class Convert:
    goal: str


@dataclass(frozen=True, slots=True)
class OptOut:
    pass


@dataclass(frozen=True, slots=True)
class OptIn:
    pass


@dataclass(frozen=True, slots=True)
class Consent:
    """Extension: the site's consent manager changed its answer mid-session."""

    granted: bool
    #: Extension: as `Hello.keep`, when consent is granted after hello.
    keep: str | None = None


@dataclass(frozen=True, slots=True)
class Verify:
    """Extension: a professional logged in; `assertion` is the site-signed proof."""

    assertion: str


Event = (
    Hello
    | PageView
    | SlotsFound
    | Click
    | ChatAnswer
    | Seen
    | Convert
    | OptOut
    | OptIn
    | Consent
    | Verify
)


def _string(msg: dict[str, Any], key: str, *, required: bool, limit: int = MAX_STRING) -> Any:
    value = msg.get(key)
    if value is None:
        if required:
            raise ProtocolError("bad_field", f"'{key}' is required and must be a string")
        return None
    if not isinstance(value, str):
        raise ProtocolError("bad_field", f"'{key}' must be a string")
    if len(value) > limit:
        raise ProtocolError("bad_field", f"'{key}' is longer than {limit} characters")
    return value


def _text(msg: dict[str, Any], key: str) -> str | None:
    """An optional descriptive text (title, heading, link text): cut, not refused."""
    value = msg.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError("bad_field", f"'{key}' must be a string")
    return value[:MAX_TEXT] or None


#: Slot lists already checked, as they came and as read: every page view of a site sends
#: one of a few. Bounded (`_KNOWN_SLOTS_MAX`): cleared when full.
_known_slots: dict[tuple[str, ...], tuple[str, ...]] = {}
_KNOWN_SLOTS_MAX = 256


def _keep(msg: dict[str, Any]) -> str | None:
    """An optional `keep`: a string within MAX_KEEP, else none (never refused: a browser
    sends back whatever its storage held)."""
    value = msg.get("keep")
    return value if isinstance(value, str) and 0 < len(value) <= MAX_KEEP else None


def _slots(msg: dict[str, Any]) -> tuple[str, ...]:
    value = msg.get("slots", [])
    if value is None:
        return ()
    if type(value) is list:
        try:
            known = _known_slots.get(tuple(value))
        except TypeError:  # a list or an object in the list: refused below
            known = None
        if known is not None:
            return known
    slots = _check_slots(value)
    if len(_known_slots) >= _KNOWN_SLOTS_MAX:
        _known_slots.clear()
    _known_slots[tuple(value)] = slots
    return slots


def _check_slots(value: object) -> tuple[str, ...]:
    """The slot ids, each once: an id longer than MAX_SLOT_ID is left out (a site file
    declares none), and only the first MAX_SLOTS count. The snippet sends the ids it
    finds on the page as they are; only a list of anything but strings is refused."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ProtocolError("bad_field", "'slots' must be a list of slot id strings")
    return tuple(dict.fromkeys(s for s in value if len(s) <= MAX_SLOT_ID))[:MAX_SLOTS]


def _doses(msg: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    value = msg.get("doses")
    if value is None:
        return ()
    if not isinstance(value, dict) or len(value) > MAX_DOSES:
        raise ProtocolError("bad_field", f"'doses' must be an object of at most {MAX_DOSES} counts")
    for key, count in value.items():
        if len(key) > MAX_SLOT_ID or not isinstance(count, int) or isinstance(count, bool):
            raise ProtocolError("bad_field", "'doses' maps short keys to whole numbers")
        if not 0 <= count <= MAX_DOSE:
            raise ProtocolError("bad_field", f"a dose count must be 0..{MAX_DOSE}")
    return tuple(sorted(value.items()))


def _returning(msg: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    value = msg.get("returning")
    if value is None:
        return ()
    if (
        not isinstance(value, dict)
        or len(value) > MAX_DOSES
        or not all(
            len(key) <= MAX_SLOT_ID and isinstance(arm, str) and len(arm) <= 128
            for key, arm in value.items()
        )
    ):
        raise ProtocolError(
            "bad_field", f"'returning' maps at most {MAX_DOSES} experiment ids to arm names"
        )
    return tuple(sorted(value.items()))


def _lang(msg: dict[str, Any]) -> str | None:
    """`<html lang>` as the page has it (the snippet sends it whole): cut, not refused."""
    value = msg.get("lang")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError("bad_field", "'lang' must be a string")
    return value[:MAX_LANG] or None


def _bool(msg: dict[str, Any], key: str) -> bool:
    value = msg.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ProtocolError("bad_field", f"'{key}' must be true or false")
    return value


def parse_event(msg: object) -> Event:
    """Read one decoded JSON value from a client; raise `ProtocolError` if unusable."""
    if not isinstance(msg, dict):
        raise ProtocolError("bad_message", "a message must be a JSON object with a 'type'")
    kind = msg.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", "a message needs a string 'type'")
    match kind:
        case "hello":
            visits = msg.get("visits")
            if visits is not None and (
                not isinstance(visits, int) or isinstance(visits, bool) or visits < 1
            ):
                raise ProtocolError("bad_field", "'visits' must be a positive integer")
            return Hello(
                site=_string(msg, "site", required=True, limit=64),
                url=_string(msg, "url", required=True),
                referrer=_string(msg, "referrer", required=False),
                lang=_lang(msg),
                slots=_slots(msg),
                token=_string(msg, "token", required=False, limit=512),
                consent=_bool(msg, "consent"),
                verified=_string(msg, "verified", required=False, limit=1024),
                visits=visits,
                doses=_doses(msg),
                returning=_returning(msg),
                preview=_string(msg, "preview", required=False, limit=1024),
                title=_text(msg, "title"),
                heading=_text(msg, "heading"),
                keep=_keep(msg),
            )
        case "page":
            return PageView(
                url=_string(msg, "url", required=True),
                slots=_slots(msg),
                referrer=_string(msg, "referrer", required=False),
                title=_text(msg, "title"),
                heading=_text(msg, "heading"),
            )
        case "slots":
            return SlotsFound(slots=_slots(msg))
        case "click":
            return Click(href=_string(msg, "href", required=True), text=_text(msg, "text"))
        case "chat":
            text = _string(msg, "text", required=False, limit=500)
            choice = _string(msg, "choice", required=False, limit=64)
            if text is None and choice is None:
                raise ProtocolError("bad_field", "'chat' needs 'text' or 'choice'")
            return ChatAnswer(text=text, choice=choice)
        case "seen":
            return Seen(
                slot=_string(msg, "slot", required=True, limit=MAX_SLOT_ID),
                variant=_string(msg, "variant", required=True, limit=128),
            )
        case "convert":
            return Convert(goal=_string(msg, "goal", required=True, limit=64))
        case "optout":
            return OptOut()
        case "optin":
            return OptIn()
        case "consent":
            return Consent(granted=_bool(msg, "granted"), keep=_keep(msg))
        case "verify":
            return Verify(assertion=_string(msg, "assertion", required=True, limit=1024))
        case _:
            raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}")


# -- server -> client ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """A quick reply: `id` is sent back as `chat.choice`, `label` is shown."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class ChatOffer:
    """Whether and when the snippet offers the reason-for-visit chat."""

    prompt: str
    choices: tuple[Choice, ...]
    delay_ms: int
    #: The counter a snippet with consent increments when it offers the chat.
    dose: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "prompt": self.prompt,
            "choices": [{"id": c.id, "label": c.label} for c in self.choices],
            "delay_ms": self.delay_ms,
        }
        if self.dose is not None:
            wire["dose"] = self.dose
        return wire


@dataclass(frozen=True, slots=True)
class Welcome:
    """The answer to `hello`. `swaps` (an extension) says how many swaps follow at
    once, so the snippet can stop hiding slots the moment the batch is in."""

    token: str
    optout: bool
    chat: ChatOffer | None = None
    swaps: int | None = None
    #: Extension: this is a preview link's session; the snippet shows a banner saying so.
    preview: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = {
            "type": "welcome",
            "token": self.token,
            "optout": self.optout,
            "chat": self.chat.to_wire() if self.chat else None,
        }
        if self.swaps is not None:
            wire["swaps"] = self.swaps
        if self.preview is not None:
            wire["preview"] = self.preview
        return wire


@dataclass(frozen=True, slots=True)
class Swap:
    """Content for one slot. `dose` (an extension) names the counter a snippet with
    consent increments when it shows the variant, for caps across visits."""

    slot: str
    variant: str
    html: str
    reason: str
    dose: str | None = None
    #: Extensions for the site's analytics: the experiment (rule id) and the arm.
    experiment: str | None = None
    arm: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = {
            "type": "swap",
            "slot": self.slot,
            "variant": self.variant,
            "html": self.html,
            "reason": self.reason,
        }
        for name in ("dose", "experiment", "arm"):
            value = getattr(self, name)
            if value is not None:
                wire[name] = value
        return wire


@dataclass(frozen=True, slots=True)
class ArmNotice:
    """Extension: `slot` keeps its default content as `arm` (the control arm) of
    `experiment`, so a snippet can tell the site's analytics which arm it saw."""

    slot: str
    experiment: str
    arm: str

    def to_wire(self) -> dict[str, Any]:
        return {"type": "arm", "slot": self.slot, "experiment": self.experiment, "arm": self.arm}


@dataclass(frozen=True, slots=True)
class Keep:
    """Extension: what the browser of a consenting visitor keeps for the next visits
    (`_keep.write_keep`): it stores `keep` as it is and sends it back in `hello.keep`."""

    keep: str

    def to_wire(self) -> dict[str, Any]:
        return {"type": "keep", "keep": self.keep}


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    choices: tuple[Choice, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"type": "say", "text": self.text}
        if self.choices:
            wire["choices"] = [{"id": c.id, "label": c.label} for c in self.choices]
        return wire


@dataclass(frozen=True, slots=True)
class Restore:
    slots: tuple[str, ...] = field(default_factory=tuple)

    def to_wire(self) -> dict[str, Any]:
        return {"type": "restore", "slots": list(self.slots)}


@dataclass(frozen=True, slots=True)
class Error:
    code: str
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message}


Message = Welcome | Swap | ArmNotice | Keep | Say | Restore | Error
