"""Fuzzing two live Lotse nodes (one Redis) with generated protocol frames.

Hypothesis draws sequences of frames — well-formed events, events with fields of the
wrong type, huge and unusual Unicode strings, invalid JSON, binary frames — in any
order, with hellos carrying forged tokens (altered, re-signed with another key,
expired, spliced) and tokens the *other* node issued to earlier fuzz sessions, and
sends each sequence to one of the two nodes over a fresh connection. Then:

- **no crash:** no `error` `internal`, no close 1011, both nodes still answer
  /healthz, and a well-behaved visitor still gets `welcome` and the hero's `swap`;
  neither node logged an internal error;
- **no session reached:** no `welcome` ever hands out a canary session's id, and each
  canary (a pharmacist, one per node) is stored byte for byte as it was, and resumes
  on the other node as a pharmacist who has answered the chat;
- **no exception text:** no frame contains a traceback or a Python exception's class
  name (unless the client itself sent that word, e.g. as an unknown `type` the error
  names).
"""

from __future__ import annotations

import builtins
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import redis
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

import lotse
from conftest import ServerProcess
from lotse_server import Settings
from lotse_server.settings import DEMO_TOKEN_KEY, DEMO_VERIFICATION_KEY

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX processes")

PHARMACY = "hero-pharmacist"
#: Frames per connection: well below the rate limiter's burst (40), so nothing is dropped.
MAX_FRAMES = 12
#: Sent last on every connection: its `unknown_type` error says every reply has come.
END = '{"type":"fuzz-end"}'
#: The nodes' frame size limit (LOTSE_MAX_FRAME_BYTES).
FRAME_LIMIT = Settings().max_frame_bytes
#: Close codes a client may earn: idle, invalid UTF-8, policy (flood), frame too large.
EXPECTED_CLOSES = {1000, 1007, 1008, 1009}

EXCEPTION_NAMES = sorted(
    {name for name, value in vars(builtins).items()
     if isinstance(value, type) and issubclass(value, BaseException)}
    | {"JSONDecodeError", "ProtocolError", "ConfigError", "StoreError", "RedisError",
       "CancelledError", "WebSocketDisconnect", "InvalidStateError", "UnicodeError"}
)  # fmt: skip
EXCEPTION_TEXT = re.compile(
    r"Traceback \(most recent call last\)|File \"|\b(" + "|".join(EXCEPTION_NAMES) + r")\b"
)

TYPES = ["hello", "page", "slots", "click", "chat", "seen", "convert", "optout", "optin",
         "consent", "verify"]  # fmt: skip
#: A plausible value per field, so that events also get past the parser into the session.
GOOD: dict[str, list[Any]] = {
    "site": ["demo"],
    "url": ["/", "/fachkreise/", "/apotheker-service/", "/karriere/?utm_source=x",
            "/gesundheitsthemen/psychische-gesundheit/"],
    "referrer": ["https://www.google.com", "https://www.doccheck.com"],
    "lang": ["de", "en", "fr"],
    "slots": [["hero"], ["hero", "teaser"], ["nav-cta"]],
    "consent": [True, False],
    "visits": [1, 3],
    "doses": [{"chat": 1}],
    "returning": [{"hero-pharmacist-rule": "control"}],
    "title": ["Fachinformationen"],
    "heading": ["Studien"],
    "href": ["/fachkreise/studien", "/karriere/"],
    "text": ["Ich bin Apothekerin", "Ich bin Arzt", "kein Arzt", "asdf", "Bewerbung"],
    "choice": ["patient", "hcp", "pharmacist", "applicant", "nope"],
    "slot": ["hero", "teaser"],
    "variant": [PHARMACY, "hero-hcp", "default"],
    "goal": ["lead", "newsletter", "nope"],
    "granted": [True, False],
}  # fmt: skip
FIELDS = [*GOOD, "token", "verified", "assertion", "preview"]


@dataclass(frozen=True)
class TokenRef:
    """A token chosen when the frame is sent: a forged one, or one the other node issued."""

    kind: str  # "forged" or "other-node"
    index: int


# -- strategies ----------------------------------------------------------------------------

huge_strings = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["x", "ä", "😀", "\u202e", "\x00", "<script>", "\\u0000", "a" * 7]),
    st.sampled_from([35, 36, 64, 65, 300, 301, 500, 501, 2048, 2049, 9000]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # inf and nan become `Infinity`/`NaN`: not JSON
    st.text(max_size=40),
    huge_strings,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=5),
    max_leaves=12,
)  # fmt: skip
token_refs = st.builds(
    TokenRef, st.sampled_from(["forged", "other-node"]), st.integers(min_value=0, max_value=999)
)
#: In a proper hello: forged, or issued by the other node.
hello_tokens = token_refs
tokens = st.one_of(token_refs, st.text(max_size=600), json_values)


def field_value(name: str) -> st.SearchStrategy[Any]:
    if name in ("token", "preview"):
        return tokens
    if name in ("verified", "assertion"):
        return st.one_of(st.sampled_from(ASSERTIONS), st.text(max_size=80), json_values)
    return st.one_of(st.sampled_from(GOOD[name]), json_values)


ASSERTIONS = [
    lotse.issue_assertion(DEMO_VERIFICATION_KEY, time.time(), role="hcp"),  # valid: rx content
    lotse.issue_assertion(b"not the verification key", time.time()),
    lotse.issue_assertion(DEMO_VERIFICATION_KEY, time.time() - 10**6),  # long expired
]


def good(name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(GOOD[name])


#: Events as the snippet sends them, so that a sequence gets into the session.
valid_hellos = st.fixed_dictionaries(
    {"type": st.just("hello"), "site": good("site"), "url": good("url")},
    optional={"token": hello_tokens, "slots": good("slots"), "lang": good("lang"),
              "consent": good("consent"), "referrer": good("referrer"),
              "title": good("title"), "visits": good("visits")},
)  # fmt: skip
valid_events = st.one_of(
    valid_hellos,
    st.fixed_dictionaries({"type": st.just("page"), "url": good("url")},
                          optional={"slots": good("slots"), "heading": good("heading")}),
    st.fixed_dictionaries({"type": st.just("slots"), "slots": good("slots")}),
    st.fixed_dictionaries({"type": st.just("click"), "href": good("href")},
                          optional={"text": good("text")}),
    st.fixed_dictionaries({"type": st.just("chat"), "text": good("text")}),
    st.fixed_dictionaries({"type": st.just("chat"), "choice": good("choice")}),
    st.fixed_dictionaries({"type": st.just("seen"), "slot": good("slot"),
                           "variant": good("variant")}),
    st.fixed_dictionaries({"type": st.just("convert"), "goal": good("goal")}),
    st.fixed_dictionaries({"type": st.sampled_from(["optout", "optin"])}),
    st.fixed_dictionaries({"type": st.just("consent"), "granted": good("granted")}),
    st.fixed_dictionaries({"type": st.just("verify"), "assertion": st.sampled_from(ASSERTIONS)}),
)  # fmt: skip
#: A valid event with one of its fields (or its type) replaced by anything, or one added.
mutated_events = valid_events.flatmap(
    lambda event: st.builds(
        lambda key, value: {**event, key: value},
        st.sampled_from(sorted(event)) | st.sampled_from(FIELDS),
        st.one_of(json_values, tokens, st.sampled_from(TYPES)),
    )
)
#: Anything shaped like an event: any type, any subset of the fields, any values.
chaos_events = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(TYPES), st.text(max_size=20), json_values)},
    optional={name: field_value(name) for name in FIELDS},
)
raw_texts = st.one_of(
    st.text(max_size=100),
    st.sampled_from(["", " ", "{", "}", "[]", "null", "1", '"hello"', "NaN", "Infinity",
                     "[" * 5000 + "]" * 5000, '{"type":"hello"', '{"type":"hello","type":"chat"}',
                     '{"type":"chat","text":"\\ud800"}', "\ufeff{}", '{"type":"hello"}' * 3]),
)  # fmt: skip
frames = st.one_of(
    valid_events, valid_events, mutated_events, mutated_events, chaos_events, raw_texts,
    st.binary(max_size=64),
)  # fmt: skip
#: Half the sequences start with a proper hello, so that what follows reaches the session.
sequences = st.builds(
    lambda first, rest: [*first, *rest],
    st.one_of(st.just([]), st.lists(valid_hellos, min_size=1, max_size=1)),
    st.lists(frames, min_size=1, max_size=MAX_FRAMES - 1),
)  # fmt: skip


# -- a fuzz client -------------------------------------------------------------------------


class Fuzzer:
    """Sends sequences to the nodes, checks every reply, and collects the tokens handed out."""

    def __init__(self, nodes: list[ServerProcess], canaries: dict[str, str]) -> None:
        self.nodes = nodes
        self.canary_ids = set(canaries.values())
        # Tokens each node issued to fuzz sessions: the other node gets them in hellos.
        self.issued: list[list[str]] = [[] for _ in nodes]
        self.forged = forged_tokens(canaries)
        # What the fuzzing reached (message types, error codes, closes), so that a change
        # that made every frame fail early would not pass unnoticed.
        self.reached: Counter[str] = Counter()
        self.resumed_sid: str | None = None

    def token(self, ref: TokenRef, node: int) -> str:
        if ref.kind == "forged":
            return self.forged[ref.index % len(self.forged)]
        pool = self.issued[1 - node] or self.forged
        return pool[ref.index % len(pool)]

    def encode(self, frame: Any, node: int, ascii_only: bool) -> str | bytes:
        if isinstance(frame, str | bytes):
            return frame
        message = {
            key: self.token(value, node) if isinstance(value, TokenRef) else value
            for key, value in frame.items()
        }
        token = frame.get("token")
        if isinstance(token, TokenRef) and token.kind == "other-node" and self.issued[1 - node]:
            self.resumed_sid = lotse.read_session_token(
                DEMO_TOKEN_KEY, message["token"], time.time()
            )
        return json.dumps(message, ensure_ascii=ascii_only)

    def run(self, node: int, sequence: list[Any], ascii_only: bool) -> None:
        sent: list[str] = []
        received: list[str | bytes] = []
        close_code: int | None = None
        with connect(self.nodes[node].ws, open_timeout=10, max_size=2**22) as ws:
            try:
                for frame in sequence:
                    data = self.encode(frame, node, ascii_only)
                    sent.append(data if isinstance(data, str) else data.decode("latin-1"))
                    ws.send(data)
                ws.send(END)
                sent.append(END)
            except ConnectionClosed:
                pass
            close_code = drain(ws, received)
        note(f"node {node} got {[str(m)[:300] for m in received]}, close {close_code}")
        self.reached[f"close {close_code}"] += 1
        # Over the frame limit the server closes (1009) at once; the rest of the frame still
        # arriving makes its kernel reset the connection, which may overtake the close frame.
        oversized = any(len(text.encode("utf-8", "replace")) > FRAME_LIMIT for text in sent)
        expected = EXPECTED_CLOSES | ({1006} if oversized else set())
        assert close_code is None or close_code in expected, close_code
        for raw in received:
            self.check(raw, node, "".join(sent))

    def check(self, raw: str | bytes, node: int, sent: str) -> None:
        assert isinstance(raw, str), f"a binary frame from the server: {raw!r}"
        for found in EXCEPTION_TEXT.finditer(raw):
            assert found.group(0) in sent, f"exception text {found.group(0)!r} in {raw[:500]}"
        message = orjson.loads(raw)
        assert isinstance(message, dict) and isinstance(message.get("type"), str), raw
        self.reached[message["type"] + " " + str(message.get("code", ""))] += 1
        if message["type"] == "error":
            assert message["code"] != "internal", raw
        if message["type"] == "welcome":
            sid = lotse.read_session_token(DEMO_TOKEN_KEY, message["token"], time.time())
            assert sid is not None and sid not in self.canary_ids, "a canary's session reached"
            if sid == self.resumed_sid:
                self.reached["resumed across nodes"] += 1
            if len(self.issued[node]) < 1000:
                self.issued[node].append(message["token"])


def drain(ws: ClientConnection, received: list[str | bytes]) -> int | None:
    """Read until the END marker's error (None) or the server's close (its code)."""
    try:
        while True:
            message = ws.recv(timeout=10)
            received.append(message)
            if isinstance(message, str) and "fuzz-end" in message:
                return None
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006


def forged_tokens(canaries: dict[str, str]) -> list[str]:
    """Tokens that must never resume a canary: altered, padded, re-signed, expired, spliced."""
    forged: list[str] = []
    now = time.time()
    for token, sid in canaries.items():
        payload, signature = token.split(".")
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        forged += [
            payload + "." + flipped,
            token + "=",
            token[:10] + "\n" + token[10:],
            " " + token,
            token.upper(),
            payload + ".",
            payload,
            signature + "." + payload,
            lotse.issue_session_token(b"another deployment's key", sid, now),
            lotse.issue_session_token(DEMO_TOKEN_KEY, sid, now - 10**5, ttl=1),  # expired
        ]
        other = lotse.issue_session_token(DEMO_TOKEN_KEY, "someone-else", now)
        forged.append(payload + "." + other.split(".")[1])  # the canary's id, another's MAC
    forged.append(lotse.issue_session_token(DEMO_TOKEN_KEY, "*", now))
    forged.append(lotse.issue_session_token(DEMO_TOKEN_KEY, "x\r\nFLUSHALL\r\n", now))
    return forged


# -- the canaries and the well-behaved visitor ---------------------------------------------


def hello(ws: ClientConnection, url: str, token: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "hello", "site": "demo", "url": url, "slots": ["hero"]}
    if token:
        message["token"] = token
    ws.send(json.dumps(message))
    welcome = orjson.loads(ws.recv(timeout=10))
    assert welcome["type"] == "welcome", welcome
    return dict(welcome)


def become_a_pharmacist(node: ServerProcess) -> str:
    """A canary: a session that states it is a pharmacy; its token."""
    with connect(node.ws, open_timeout=10) as ws:
        token = str(hello(ws, "/")["token"])
        ws.send(json.dumps({"type": "chat", "text": "Ich bin Apothekerin"}))
        while (message := orjson.loads(ws.recv(timeout=10)))["type"] != "swap":
            assert message["type"] == "say", message
        assert message["variant"] == PHARMACY
    return token


def well_behaved_visitor(node: ServerProcess) -> None:
    with connect(node.ws, open_timeout=10) as ws:
        hello(ws, "/fachkreise/")
        swap = orjson.loads(ws.recv(timeout=10))
        assert (swap["type"], swap["variant"]) == ("swap", "hero-hcp"), swap


def stored(client: redis.Redis, prefix: str, sid: str) -> dict[bytes, bytes]:
    deadline = time.monotonic() + 10
    while not (state := client.hgetall(f"{prefix}s:{sid}")):
        assert time.monotonic() < deadline, f"session {sid} never reached Redis"
        time.sleep(0.05)
    return dict(state)


def test_fuzzed_frames_never_crash_a_node_reach_another_session_or_echo_an_exception(
    start_nodes: Callable[..., list[ServerProcess]], redis_url: str, redis_prefix: str
) -> None:
    nodes = start_nodes(2)
    client = redis.Redis.from_url(redis_url)
    canary_tokens = [become_a_pharmacist(node) for node in nodes]
    canaries = {
        token: lotse.read_session_token(DEMO_TOKEN_KEY, token, time.time()) or ""
        for token in canary_tokens
    }
    before = {sid: stored(client, redis_prefix, sid) for sid in canaries.values()}
    fuzzer = Fuzzer(nodes, canaries)

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,  # the same examples on every run: CI stays stable
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(node=st.integers(0, 1), sequence=sequences, ascii_only=st.booleans())
    def fuzz(node: int, sequence: list[Any], ascii_only: bool) -> None:
        fuzzer.run(node, sequence, ascii_only)

    fuzz()
    # The frames got everywhere: past the parser into sessions, across nodes, into each error.
    wanted = {"welcome ", "swap ", "say ", "restore ", "resumed across nodes"} | {
        f"error {code}"
        for code in ("bad_json", "bad_message", "bad_field", "unknown_type", "hello_required")
    }
    assert wanted <= set(fuzzer.reached), fuzzer.reached

    # Nothing crashed: both nodes serve, a well-behaved visitor is personalised as ever.
    for node in nodes:
        assert node.process.poll() is None, node.text()
        assert httpx.get(f"{node.origin}/healthz").json()["status"] == "ok"
        well_behaved_visitor(node)
        metrics = httpx.get(f"{node.origin}/metrics").text
        assert 'lotse_errors_total{code="internal"}' not in metrics
        assert '"ws_internal_error"' not in node.text() and "Traceback" not in node.text()
    # No canary was reached: stored exactly as before (a touched one would have been
    # written back within 0.5 s), and each resumes on the other node as it was.
    time.sleep(1.0)
    assert {sid: stored(client, redis_prefix, sid) for sid in canaries.values()} == before
    for token, node in zip(canary_tokens, reversed(nodes), strict=True):
        with connect(node.ws, open_timeout=10) as ws:
            welcome = hello(ws, "/", token)
            assert welcome["chat"] is None  # the chat was answered, not offered again
            swap = orjson.loads(ws.recv(timeout=10))
            assert (swap["type"], swap["variant"]) == ("swap", PHARMACY), swap
    client.close()
