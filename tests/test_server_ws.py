"""Acceptance tests for `/ws`: a real uvicorn server, a real `websockets` client.

Each test starts the bundled demo site (site id ``demo``) on a free loopback
port. After sending something, a test calls `Client.sync()`: it sends a message
of an unknown type and collects everything up to the `error` answering it, so
tests never wait for "silence" and never depend on timing.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

import lotse
from lotse_server import Settings

SLOTS = ["hero", "teaser"]
TIMEOUT = 5.0


class Client:
    """A thin test client speaking wire protocol v1."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        if isinstance(message, dict):
            message = orjson.dumps(message).decode()
        await self.ws.send(message)

    async def recv(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        decoded: dict[str, Any] = orjson.loads(raw)
        return decoded

    async def sync(self) -> list[dict[str, Any]]:
        """Everything the server sent before answering a marker message."""
        await self.send({"type": "test-sync-marker"})
        messages: list[dict[str, Any]] = []
        while True:
            message = await self.recv()
            if message == {
                "type": "error",
                "code": "unknown_type",
                "message": "unknown message type 'test-sync-marker'",
            }:
                return messages
            messages.append(message)

    async def hello(
        self, url: str = "/", **fields: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Send hello; return the welcome and the messages after it."""
        await self.send(
            {"type": "hello", "site": "demo", "url": url, "slots": SLOTS, "lang": "de", **fields}
        )
        welcome, *rest = await self.sync()
        assert welcome["type"] == "welcome", welcome
        return welcome, rest

    async def roundtrip(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        await self.send(message)
        return await self.sync()


def open_client(url: str, origin: str | None = None, **options: Any) -> Any:
    return connect(url, origin=Origin(origin) if origin else None, open_timeout=TIMEOUT, **options)


def swaps(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["slot"]: m for m in messages if m["type"] == "swap"}


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else None


# -- the session flows ---------------------------------------------------------------------


async def test_hello_is_answered_with_a_welcome_and_a_resume_token(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        welcome, rest = await Client(ws).hello("/")
    assert isinstance(welcome["token"], str) and welcome["token"]
    assert welcome["optout"] is False
    assert welcome["chat"]["prompt"]
    assert {c["id"] for c in welcome["chat"]["choices"]} >= {"patient", "hcp", "pharmacist"}
    assert swaps(rest) == {}  # nothing known yet: the home page keeps its defaults
    # The snippet's "why" control, in the page's language (hello.lang "de").
    assert set(welcome["why"]) == {"css", "html"}
    assert "Warum sehe ich das?" in welcome["why"]["html"]


async def test_with_consent_the_browser_keeps_one_value_and_a_new_visit_counts(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/", consent=True)
    kept = [m["keep"] for m in rest if m["type"] == "keep"]
    assert len(kept) == 1 and isinstance(kept[0], str)
    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/", consent=True, keep=kept[0])
    again = [m["keep"] for m in rest if m["type"] == "keep"]
    assert again and again[-1] != kept[0], "a new visit: counted, and a new value to keep"
    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/", consent=True, keep="forged.value")
    assert [m for m in rest if m["type"] == "error"] == [], "a bad value is no error"


async def test_chat_answer_swaps_the_hero_with_a_reason(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/")
        replies = await client.roundtrip({"type": "chat", "text": "Ich bin Apothekerin"})
    assert replies[0]["type"] == "say" and replies[0]["text"]
    hero = swaps(replies)["hero"]
    assert hero["variant"] == "hero-pharmacist"
    assert hero["reason"].strip()
    assert "<h2>" in hero["html"]


async def test_landing_on_the_professionals_area_swaps_the_hero(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        welcome, rest = await Client(ws).hello("/fachkreise/")
    hero = swaps(rest)["hero"]
    assert hero["variant"] == "hero-hcp"
    assert "Fachkreise" in hero["reason"]
    assert welcome["type"] == "welcome"
    assert welcome["swaps"] == sum(m["type"] == "swap" for m in rest)


async def test_english_pages_get_the_english_variant(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/en/healthcare-professionals/", lang="en")
    hero = swaps(rest)["hero"]
    assert hero["variant"] == "hero-hcp"
    assert "healthcare professionals" in hero["html"].lower() or "For " in hero["html"]
    assert "Fachkreise" not in hero["html"]


async def test_click_then_page_view_flow(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        _, rest = await client.hello("/")
        assert swaps(rest) == {}
        clicked = await client.roundtrip({"type": "click", "href": "/karriere/"})
        assert swaps(clicked)["hero"]["variant"] == "hero-applicant"
        page = await client.roundtrip({"type": "page", "url": "/karriere/", "slots": SLOTS})
        # A new page arrives with its defaults: the sticky variant is sent again.
        assert swaps(page)["hero"]["variant"] == "hero-applicant"


async def test_resuming_by_token_keeps_the_sticky_variant(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        welcome, rest = await Client(ws).hello("/fachkreise/")
        assert swaps(rest)["hero"]["variant"] == "hero-hcp"
    token = welcome["token"]

    async with open_client(server.ws, server.origin) as ws:
        again, rest = await Client(ws).hello("/", token=token)
    assert swaps(rest)["hero"]["variant"] == "hero-hcp"
    assert again["token"]
    assert lotse.read_session_token(
        server.app.state.settings.token_key, again["token"], time.time()
    ) == lotse.read_session_token(server.app.state.settings.token_key, token, time.time())

    async with open_client(server.ws, server.origin) as ws:
        _, fresh = await Client(ws).hello("/")
    assert swaps(fresh) == {}  # without the token the home page stays as it is


@pytest.mark.parametrize("damage", ["forged", "altered", "expired", "garbage"])
async def test_a_bad_token_silently_starts_a_fresh_session(
    serve_app: Callable[..., Any], damage: str
) -> None:
    server = serve_app()
    key = server.app.state.settings.token_key
    async with open_client(server.ws, server.origin) as ws:
        welcome, _ = await Client(ws).hello("/fachkreise/")
    session_id = lotse.read_session_token(key, welcome["token"], time.time())
    assert session_id is not None
    token = {
        "forged": lotse.issue_session_token(b"not the key", session_id, time.time()),
        "altered": welcome["token"][:-3] + ("AAA" if welcome["token"][-3:] != "AAA" else "BBB"),
        "expired": lotse.issue_session_token(key, session_id, time.time() - 7200, ttl=60),
        "garbage": "x" * 300,
    }[damage]
    async with open_client(server.ws, server.origin) as ws:
        again, rest = await Client(ws).hello("/", token=token)
    assert not any(m["type"] == "error" for m in rest)
    assert swaps(rest) == {}
    assert lotse.read_session_token(key, again["token"], time.time()) != session_id


async def test_verified_professional_sees_the_rx_variant(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with httpx.AsyncClient(base_url=server.http) as http:
        response = await http.post("/demo/login")
    assertion = response.json()["assertion"]
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        _, rest = await client.hello("/fachkreise/")
        assert swaps(rest)["hero"]["variant"] == "hero-hcp"
        verified = await client.roundtrip({"type": "verify", "assertion": assertion})
    assert swaps(verified)["hero"]["variant"] == "hero-hcp-rx"

    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/fachkreise/", verified=assertion)
    assert swaps(rest)["hero"]["variant"] == "hero-hcp-rx"


async def test_a_forged_assertion_never_unlocks_rx(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    forged = lotse.issue_assertion(b"someone else's key", time.time())
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/fachkreise/")
        replies = await client.roundtrip({"type": "verify", "assertion": forged})
    assert [m["code"] for m in replies if m["type"] == "error"] == ["bad_assertion"]
    assert "hero" not in swaps(replies)


async def test_sensitive_pages_get_no_swaps_and_no_chat(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        welcome, rest = await client.hello("/themen/psychische-gesundheit")
        assert welcome["chat"] is None
        assert swaps(rest) == {}


async def test_optout_restores_defaults_and_deletes_the_stored_profile(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        welcome, _ = await client.hello("/fachkreise/")
        session_id = lotse.read_session_token(
            server.app.state.settings.token_key, welcome["token"], time.time()
        )
        assert await server.app.state.store.get(session_id) is not None
        replies = await client.roundtrip({"type": "optout"})
    assert replies == [{"type": "restore", "slots": SLOTS}]
    assert await server.app.state.store.get(session_id) is None


async def test_exposures_and_conversions_reach_the_ledger(serve_app: Callable[..., Any]) -> None:
    from lotse_server.demo import SITE_PATH

    site = lotse.load_site(SITE_PATH)
    site.rules = [replace(r, holdout=0.5) if r.id == "hero-hcp" else r for r in site.rules]
    server = serve_app(site)
    arms = []
    for _ in range(6):
        async with open_client(server.ws, server.origin) as ws:
            client = Client(ws)
            _, rest = await client.hello("/fachkreise/")
            hero = swaps(rest).get("hero", {"variant": "default"})
            arms.append("control" if hero["variant"] == "default" else hero["variant"])
            await client.roundtrip({"type": "seen", "slot": "hero", "variant": hero["variant"]})
            assert await client.roundtrip({"type": "convert", "goal": "lead"}) == []
            # Goals the site does not declare are refused and never reach the ledger.
            replies = await client.roundtrip({"type": "convert", "goal": "invented"})
            assert [m.get("code") for m in replies] == ["unknown_goal"]
    ledger = server.hub.ledger
    assert await asyncio.to_thread(ledger.flush)
    counted: dict[tuple[str, str, str | None], int] = {}
    for row in await asyncio.to_thread(ledger.rows, "demo"):
        if row.experiment == "hero-hcp":
            key = (row.arm, row.kind, row.goal)
            counted[key] = counted.get(key, 0) + row.n
    for arm in set(arms):
        n = arms.count(arm)
        assert counted[(arm, "assigned", None)] == n
        assert counted[(arm, "exposed", None)] == n
        assert counted[(arm, "converted", "lead")] == n
    assert not [key for key in counted if key[2] == "invented"]


# -- bad input ---------------------------------------------------------------------------------

BAD_INPUT: list[tuple[str, str | bytes, str]] = [
    ("not JSON", "{not json", "bad_json"),
    ("empty frame", "", "bad_json"),
    ("JSON but not an object", "[1, 2, 3]", "bad_message"),
    ("a bare number", "42", "bad_message"),
    ("no type", '{"url": "/"}', "bad_message"),
    ("type not a string", '{"type": 7}', "bad_message"),
    ("unknown type", '{"type": "dance"}', "unknown_type"),
    ("wrong field type", '{"type": "click", "href": 5}', "bad_field"),
    ("missing field", '{"type": "seen", "slot": "hero"}', "bad_field"),
    ("over-long string", orjson.dumps({"type": "click", "href": "/" + "x" * 5000}).decode(),
     "bad_field"),
    ("slots not a list", '{"type": "page", "url": "/", "slots": "hero"}', "bad_field"),
    ("chat with nothing", '{"type": "chat"}', "bad_field"),
    ("over-long chat", orjson.dumps({"type": "chat", "text": "a" * 600}).decode(), "bad_field"),
    ("unknown quick reply", '{"type": "chat", "choice": "astronaut"}', "bad_field"),
    ("binary frame", b"\x00\x01binary", "bad_message"),
    ("hello twice", '{"type": "hello", "site": "demo", "url": "/"}', "bad_message"),
]  # fmt: skip


async def test_events_before_hello_or_for_another_site_get_an_error(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        replies = await client.roundtrip({"type": "click", "href": "/fachkreise/"})
        assert replies == [
            {"type": "error", "code": "hello_required", "message": "send hello first"}
        ]
        other_site = {"type": "hello", "site": "other", "url": "/"}
        assert [m["code"] for m in await client.roundtrip(other_site)] == ["bad_field"]
        welcome, _ = await client.hello("/")  # and the connection is still usable
        assert welcome["token"]


async def test_every_kind_of_bad_input_gets_an_error_and_the_connection_stays_usable(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/")
        for label, frame, code in BAD_INPUT:
            await client.send(frame)
            reply = await client.recv()
            assert reply["type"] == "error", label
            assert reply["code"] == code, (label, reply)
            assert isinstance(reply["message"], str) and reply["message"], label
        # Still the same, working session.
        replies = await client.roundtrip({"type": "page", "url": "/fachkreise/", "slots": SLOTS})
        assert swaps(replies)["hero"]["variant"] == "hero-hcp"


@pytest.mark.parametrize("change", ["==", "=", "\n", " "])
async def test_a_token_written_differently_is_not_the_token(
    serve_app: Callable[..., Any], change: str
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        welcome, _ = await Client(ws).hello("/fachkreise/")
    body, mac = welcome["token"].split(".")
    token = f"{body}.{mac[:5]}{change}{mac[5:]}" if change == " " else welcome["token"] + change
    async with open_client(server.ws, server.origin) as ws:
        _, rest = await Client(ws).hello("/", token=token)
    assert swaps(rest) == {}  # a fresh session: nothing known, the home page stays as it is


async def test_a_verified_pharmacist_does_not_see_content_for_verified_doctors(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    key = server.app.state.settings.verification_key
    pharmacist = lotse.issue_assertion(key, time.time(), role="pharmacist")
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        _, rest = await client.hello("/fachkreise/", verified=pharmacist)
        assert swaps(rest)["hero"]["variant"] == "hero-pharmacist"
        page = await client.roundtrip({"type": "page", "url": "/fachkreise/", "slots": SLOTS})
    assert swaps(page)["hero"]["variant"] == "hero-pharmacist"


async def test_chat_results_are_counted_as_the_core_reports_them(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/")
        refused = await client.roundtrip({"type": "chat", "choice": "astronaut"})
        assert [m.get("code") for m in refused] == ["bad_field"]
        await client.roundtrip({"type": "chat", "text": "qwertz uiop"})
        await client.roundtrip({"type": "chat", "choice": "hcp"})
    async with httpx.AsyncClient(base_url=server.http) as http:
        metrics = (await http.get("/metrics")).text
    counted = {
        line.split('"')[1]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("lotse_chat_answers_total{")
    }
    assert counted == {"matched": 0.0, "clarified": 1.0, "failed": 0.0, "chosen": 1.0}


async def test_a_bug_in_the_core_is_answered_and_the_visit_goes_on(
    serve_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = lotse.Session.feed

    def broken_on_clicks(
        self: lotse.Session, event: lotse.Event, now: float | None = None, **kwargs: Any
    ) -> lotse.Outcome:
        if isinstance(event, lotse.Click):
            raise RuntimeError("a bug in a rule")
        return feed(self, event, now, **kwargs)

    monkeypatch.setattr(lotse.Session, "feed", broken_on_clicks)
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/")
        replies = await client.roundtrip({"type": "click", "href": "/fachkreise/"})
        assert [(m["type"], m["code"]) for m in replies] == [("error", "internal")]
        page = await client.roundtrip({"type": "page", "url": "/fachkreise/", "slots": SLOTS})
    assert swaps(page)["hero"]["variant"] == "hero-hcp"


async def test_a_one_megabyte_frame_closes_with_1009(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        await Client(ws).hello("/")
        await ws.send("x" * (1 << 20))
        assert await close_code(ws) == 1009


async def test_a_foreign_origin_is_refused_at_the_handshake(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    with pytest.raises(InvalidStatus) as refused:
        async with open_client(server.ws, "https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    for allowed in ("http://localhost:8000", server.origin, None):
        async with open_client(server.ws, allowed) as ws:
            welcome, _ = await Client(ws).hello("/")
            assert welcome["token"]


async def test_connections_over_the_maximum_are_closed_with_1013(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app(settings=Settings(demo_pages=True, max_connections=2))
    async with (
        open_client(server.ws, server.origin) as one,
        open_client(server.ws, server.origin) as two,
    ):
        await Client(one).hello("/")
        await Client(two).hello("/")
        async with open_client(server.ws, server.origin) as three:
            assert await close_code(three) == 1013


async def test_an_idle_connection_is_closed(serve_app: Callable[..., Any]) -> None:
    server = serve_app(settings=Settings(demo_pages=True, idle_timeout=0.3))
    async with open_client(server.ws, server.origin) as ws:
        await Client(ws).hello("/")
        assert await close_code(ws) == 1000


async def test_a_websocket_that_never_says_hello_is_closed_at_the_handshake_deadline(
    serve_app: Callable[..., Any],
) -> None:
    settings = Settings(demo_pages=True, handshake_timeout=0.3, idle_timeout=60)
    server = serve_app(settings=settings)
    async with (
        open_client(server.ws, server.origin) as silent,
        open_client(server.ws, server.origin) as visitor,
    ):
        await Client(visitor).hello("/")
        started = time.monotonic()
        assert await close_code(silent) == 1008
        assert time.monotonic() - started < 5
        # The visitor who said hello is held to the idle timeout, not the deadline.
        replies = await Client(visitor).roundtrip({"type": "page", "url": "/", "slots": SLOTS})
        assert replies == []


async def test_shutdown_closes_open_connections_with_1001(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    async with open_client(server.ws, server.origin) as ws:
        await Client(ws).hello("/")
        server.stop()
        assert await close_code(ws) == 1001


# -- one misbehaving client never slows the others -----------------------------------------------


async def _flood(url: str, origin: str, seconds: float) -> tuple[int, list[int | None]]:
    """Flood from fresh connections for `seconds`; rate_limited errors seen, close codes."""
    errors = 0
    codes: list[int | None] = []
    deadline = time.monotonic() + seconds
    click = orjson.dumps({"type": "click", "href": "/fachkreise/"}).decode()
    while time.monotonic() < deadline:
        async with open_client(url, origin) as ws:
            await Client(ws).hello("/")

            async def reader(ws: ClientConnection = ws) -> int | None:
                nonlocal errors
                try:
                    async for raw in ws:
                        message = orjson.loads(raw)
                        if message.get("code") == "rate_limited":
                            errors += 1
                except ConnectionClosed:
                    pass
                return ws.close_code

            reading = asyncio.create_task(reader())
            try:
                for _ in range(5000):
                    await ws.send(click)
            except ConnectionClosed:
                pass
            codes.append(await asyncio.wait_for(reading, TIMEOUT))
    return errors, codes


async def _latencies(client: Client, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await client.roundtrip({"type": "page", "url": "/fachkreise/", "slots": SLOTS})
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.03)
    return times


async def test_a_flooding_client_is_rate_limited_and_others_stay_fast(
    serve_app: Callable[..., Any],
) -> None:
    # 100 messages a second: the polite client (about 60) stays under it, the flood does not.
    server = serve_app(settings=Settings(demo_pages=True, rate_per_second=100, rate_burst=50))

    async with open_client(server.ws, server.origin) as ws:
        client = Client(ws)
        await client.hello("/")
        baseline = await _latencies(client, 15)
        flooding = asyncio.create_task(_flood(server.ws, server.origin, seconds=1.5))
        await asyncio.sleep(0.05)
        during = await _latencies(client, 30)
        errors, codes = await flooding
        assert not [m for m in await client.sync() if m.get("code") == "rate_limited"]

    assert errors >= 1, "the flooding client was never told rate_limited"
    assert codes and all(code == 1008 for code in codes), codes
    # Generous bounds: the polite client is not starved (no fragile timing).
    assert statistics.median(during) < statistics.median(baseline) * 10 + 0.05, (baseline, during)
    assert max(during) < 1.0


@pytest.mark.parametrize(
    ("origin", "normal"),
    [
        ("https://WWW.Example.DE", "https://www.example.de"),
        ("https://www.example.de:443", "https://www.example.de"),
        ("http://localhost:80/", "http://localhost"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("null", "null"),
    ],
)
def test_origins_are_compared_in_normal_form(origin: str, normal: str) -> None:
    from lotse_server.ws import normalise_origin

    assert normalise_origin(origin) == normal
