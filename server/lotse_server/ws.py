"""The WebSocket endpoint `/ws`: wire protocol v1 on top of `lotse.Session`.

This module is the I/O adapter and nothing more: it checks the handshake,
reads frames, turns each into a `lotse` event, feeds the session and carries
out the `lotse.Outcome` it returns — send the messages, save or delete the
state, hand the experiment records to the ledger, count the chat result.
Every rule about the conversation lives in the core, the order of events
included (hello first, one hello per connection). The adapter owns what the
core must not: the clock, the token key and the session store.

Limits are enforced here: the Origin allow-list (HTTP 403 at the handshake),
the connection maximum (close 1013), the per-connection token bucket
(`error` rate_limited, then close 1008), the idle timeout (close 1000), the
frame size (close 1009, by uvicorn's ``ws_max_size``, checked again here), and
every unusable message gets an `error` while the connection stays open.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

import lotse

from .coalesce import FRAMES, MORE
from .ledger import ExperimentLedger
from .limits import TokenBucket, Verdict
from .metrics import EVENT_TYPES, Metrics
from .reload import SiteHolder
from .settings import Settings
from .snippet import WhyControl
from .store import LiveSessions

log = logging.getLogger("lotse.ws")

# Close codes (RFC 6455 section 7.4.1); see docs/protocol.md.
CLOSE_NORMAL = 1000  # idle timeout
CLOSE_GOING_AWAY = 1001  # server shutting down: reconnect and resume
CLOSE_POLICY = 1008  # kept flooding after rate_limited
CLOSE_TOO_BIG = 1009  # frame larger than the limit
CLOSE_TRY_AGAIN = 1013  # too many connections

#: Swaps whose JSON text a process remembers (`Hub.wire_text`).
SWAP_TEXTS = 4096


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port or a trailing slash."""
    parts = urlsplit(origin.strip().rstrip("/").lower())
    if not parts.scheme or not parts.hostname:
        return origin.strip().lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return origin.strip().lower()
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


@dataclass
class Hub:
    """What all connections share: the site, the store, the ledger, metrics and limits."""

    holder: SiteHolder
    store: LiveSessions
    ledger: ExperimentLedger  # SQLite's or Redis's
    metrics: Metrics
    settings: Settings
    connections: set[Connection] = field(default_factory=set)
    closing: bool = False
    #: What every session is lent (one for all: it holds only settings).
    trust: lotse.Trust = field(init=False)
    #: Closes connections that sent nothing within their deadline (`keep_deadlines`).
    _sweeper: asyncio.Task[None] | None = field(default=None, init=False)
    #: Counters per event type and per slot, looked up once (`labels()` is slow).
    _event_counters: dict[str, Any] = field(default_factory=dict, init=False)
    _swap_counters: dict[str, Any] = field(default_factory=dict, init=False)
    #: id(swap) -> (the swap, its JSON text), at most `SWAP_TEXTS` (`wire_text`).
    _swap_texts: dict[int, tuple[lotse.Swap, str]] = field(default_factory=dict, init=False)
    #: The snippet's "why" control, sent with every `welcome` (`welcome_text`).
    why: WhyControl = field(default_factory=WhyControl)

    def __post_init__(self) -> None:
        settings = self.settings
        self.trust = lotse.Trust(
            verification_key=settings.verification_key,
            assertion_max_age=settings.assertion_max_age,
            issue_token=self._issue_token,
            preview_key=settings.token_key,
            keep_key=settings.token_key,
        )

    def _issue_token(self, session_id: str, now: float) -> str:
        settings = self.settings
        return lotse.issue_session_token(
            settings.token_key, session_id, now, ttl=settings.token_ttl
        )

    def count_event(self, kind: str) -> None:
        """`Metrics.event`, for a type `lotse.parse_event` accepted (a bounded set)."""
        counter = self._event_counters.get(kind)
        if counter is None:
            counter = self._event_counters[kind] = self.metrics.events.labels(
                kind if kind in EVENT_TYPES else "invalid"
            )
        counter.inc()

    def count_swap(self, slot: str) -> None:
        """One more swap sent for `slot` (a slot of the site file)."""
        counter = self._swap_counters.get(slot)
        if counter is None:
            counter = self._swap_counters[slot] = self.metrics.swaps.labels(slot)
        counter.inc()

    def wire_text(self, message: lotse.Message) -> str:
        """A message as JSON text; a `Swap`'s is remembered, since the core hands out one
        object per swap content (`_targeting.swap_message`) and page views repeat them."""
        if not isinstance(message, lotse.Swap):
            return orjson.dumps(message.to_wire()).decode()
        texts = self._swap_texts
        known = texts.get(id(message))
        # The entry holds the message itself, so its id is not reused while it is there.
        if known is not None and known[0] is message:
            return known[1]
        text = orjson.dumps(message.to_wire()).decode()
        if len(texts) >= SWAP_TEXTS:
            texts.clear()
        texts[id(message)] = (message, text)
        return text

    def welcome_text(self, welcome: lotse.Welcome, lang: str) -> str:
        """A `welcome` as JSON text, with the core's "why" control in `lang` (`why`):
        every connection gets it, since the snippet needs it for the swaps that follow
        and keeps it only for the browser session."""
        wire = welcome.to_wire()
        why = self.why.for_lang(lang)
        if why is not None:
            wire["why"] = why
        return orjson.dumps(wire).decode()

    def allowed_origins(self) -> set[str]:
        origins = [*self.holder.engine.site.origins, *self.settings.own_origins()]
        return {normalise_origin(origin) for origin in origins}

    async def close_all(self, code: int = CLOSE_GOING_AWAY, reason: str = "") -> None:
        """Close every open connection (shutdown) and wait a moment for them to finish."""
        self.closing = True
        connections = list(self.connections)
        if connections:
            log.info("ws_closing_all", extra={"connections": len(connections), "code": code})
        grace = self.settings.shutdown_grace
        deadline = time.monotonic() + grace
        if connections:
            # A client that stopped reading cannot hold up the shutdown: close frames
            # get the grace period, then uvicorn drops what is left.
            closing = [asyncio.ensure_future(c.close(code, reason)) for c in connections]
            await asyncio.wait(closing, timeout=grace)
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._sweeper is not None:
            self._sweeper.cancel()

    def keep_deadlines(self) -> None:
        """Make sure open connections are held to their deadlines (`_sweep`)."""
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        """While connections are open, end the wait of those past their deadline.

        One task looks at every connection a few times per shortest deadline
        (at most once a second), instead of a timer armed and cancelled around
        every message of every connection: a message only notes the time, and
        an idle connection holds no timer. A deadline is kept to within that
        tick (a second by default).
        """
        settings = self.settings
        tick = min(1.0, settings.handshake_timeout / 4, settings.idle_timeout / 4)
        loop = asyncio.get_running_loop()
        while self.connections:
            await asyncio.sleep(tick)
            now = loop.time()
            for connection in list(self.connections):
                connection.expire_if_due(now)


async def websocket_endpoint(websocket: WebSocket) -> None:
    hub: Hub = websocket.app.state.hub
    origin = websocket.headers.get("origin")
    # Browsers always send Origin; a missing one is a non-browser client, which
    # could claim any Origin anyway. The check protects visitors' browsers
    # from cross-site WebSocket hijacking, so it refuses foreign browser pages.
    if origin is not None and normalise_origin(origin) not in hub.allowed_origins():
        hub.metrics.connections.labels("refused_origin").inc()
        log.warning("ws_refused", extra={"reason": "origin"})
        await _deny(websocket, 403, "origin not allowed for this site")
        return
    await websocket.accept()
    if hub.closing:
        hub.metrics.connections.labels("refused_shutdown").inc()
        await websocket.close(CLOSE_GOING_AWAY, "server shutting down")
        return
    if len(hub.connections) >= hub.settings.max_connections:
        hub.metrics.connections.labels("refused_capacity").inc()
        hub.metrics.closes.labels(str(CLOSE_TRY_AGAIN)).inc()
        log.warning("ws_refused", extra={"reason": "capacity"})
        await websocket.close(CLOSE_TRY_AGAIN, "too many connections, try again later")
        return
    hub.metrics.connections.labels("accepted").inc()
    connection = Connection(hub, websocket)
    hub.connections.add(connection)
    hub.metrics.connections_open.inc()
    try:
        await connection.run()
    finally:
        hub.connections.discard(connection)
        hub.metrics.connections_open.dec()


async def _deny(websocket: WebSocket, status: int, text: str) -> None:
    """Refuse the handshake with an HTTP status (or a close, if the server cannot)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(text, status_code=status))
    else:
        await websocket.close(CLOSE_POLICY, text)


class Connection:
    """One visitor's WebSocket: decode each frame, feed the session, carry out the outcome."""

    # Thousands are open at once, mostly idle: no per-instance dict.
    __slots__ = (
        "_expired", "_receiving", "_task", "_waiting_since", "bucket", "close_code", "closed",
        "events", "hub", "id", "session", "websocket",
    )  # fmt: skip

    def __init__(self, hub: Hub, websocket: WebSocket) -> None:
        self.hub = hub
        self.websocket = websocket
        # For log lines before the session is resumed: a number (28 bytes), written as
        # 8 hex digits only when a line is logged (a string would be 57 bytes).
        self.id = secrets.randbits(32)
        settings = hub.settings
        self.session = hub.holder.engine.new_session(hub.trust)
        self.bucket = TokenBucket(rate=settings.rate_per_second, burst=settings.rate_burst)
        self.closed = False
        self.close_code: int | None = None
        self.events = 0
        # Waiting for the next message since when, held to a deadline (`expire_if_due`).
        self._task: asyncio.Task[Any] | None = None
        self._waiting_since = 0.0
        self._receiving = False
        self._expired = False

    def _log_extra(self, **fields: Any) -> dict[str, Any]:
        extra: dict[str, Any] = {"conn": f"{self.id:08x}"}
        if self.session.started:
            extra["session"] = self.session.id
        extra.update(fields)
        return extra

    async def close(self, code: int, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.hub.metrics.closes.labels(str(code)).inc()
        try:
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.close(code, reason)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass

    async def send(self, wire: dict[str, Any]) -> None:
        """Send one message as a text frame."""
        await self.websocket_send({"type": "websocket.send", "text": orjson.dumps(wire).decode()})

    async def send_texts(self, texts: list[str]) -> None:
        """Send JSON texts as frames of their own, all in one write: one ASGI message
        with the frames before the last (`coalesce.FRAMES`) where the server takes it."""
        if self.closed:
            return
        message: dict[str, Any] = {"type": "websocket.send", "text": texts[-1]}
        if len(texts) > 1:
            if FRAMES not in self.websocket.scope.get("extensions", ()):
                for text in texts[:-1]:
                    await self.websocket_send({"type": "websocket.send", "text": text, MORE: True})
                if self.closed:
                    return
            else:
                message[FRAMES] = texts[:-1]
        try:
            await self.websocket.send(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            # The client left, or a shutdown close raced us; the read loop ends next.
            self.closed = True

    async def websocket_send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self.websocket.send(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True  # as in `send_texts`

    async def send_error(self, code: str, message: str) -> None:
        self.hub.metrics.error(code)
        log.info("ws_error", extra=self._log_extra(code=code))
        await self.send(lotse.Error(code, message).to_wire())

    async def run(self) -> None:
        log.info("ws_open", extra=self._log_extra())
        settings = self.hub.settings
        loop = asyncio.get_running_loop()
        self._task = task = asyncio.current_task()
        self.hub.keep_deadlines()
        try:
            while not self.closed:
                self._waiting_since = loop.time()
                self._receiving = True
                try:
                    message = await self.websocket.receive()
                except asyncio.CancelledError:
                    if not self._expired or task is None:
                        raise
                    task.uncancel()  # the deadline's cancellation (`expire_if_due`)
                    if self.session.started:
                        await self.close(CLOSE_NORMAL, "idle timeout")
                    else:
                        await self.close(CLOSE_POLICY, "no hello within the handshake deadline")
                    break
                finally:
                    self._receiving = False
                if message["type"] == "websocket.disconnect":
                    self.close_code = self.close_code or int(message.get("code", 1005))
                    break
                verdict = self.bucket.take(loop.time())
                if verdict is Verdict.CLOSE:
                    await self.send_error("rate_limited", "too many messages; closing")
                    await self.close(CLOSE_POLICY, "rate limit exceeded")
                    break
                if verdict is not Verdict.ACCEPT:
                    if verdict is Verdict.DROP_AND_WARN:
                        await self.send_error(
                            "rate_limited",
                            f"more than {settings.rate_per_second:g} messages per second; "
                            "messages are being dropped",
                        )
                    else:
                        self.hub.metrics.error("rate_limited")
                    continue
                await self.receive_frame(message)
                del message  # not kept while waiting for the next one
        except WebSocketDisconnect as exc:
            self.close_code = self.close_code or exc.code
        finally:
            self.closed = True
            self.hub.store.release(self.session)  # its state is written now
            log.info("ws_close", extra=self._log_extra(code=self.close_code, events=self.events))

    # -- the deadline for the next message -----------------------------------------------

    def expire_if_due(self, now: float) -> None:
        """End the wait for a message that did not come in time (called by `Hub._sweep`).

        A socket that opened a WebSocket but never says hello holds a file
        handle for nothing: it gets the handshake deadline, not the idle one.
        """
        if not self._receiving or self.closed or self._task is None:
            return
        settings = self.hub.settings
        limit = settings.idle_timeout if self.session.started else settings.handshake_timeout
        if now - self._waiting_since >= limit:
            self._expired = True
            self._task.cancel()

    async def receive_frame(self, message: Mapping[str, Any]) -> None:
        """Decode one frame into an event and feed it; anything unusable gets an `error`."""
        text = message.get("text")
        if text is None:
            await self.send_error("bad_message", "send JSON text frames, not binary frames")
            return
        if len(text) > self.hub.settings.max_frame_bytes:
            await self.send_error("too_large", "message too large")
            await self.close(CLOSE_TOO_BIG, "message too large")
            return
        try:
            decoded = orjson.loads(text)
        except orjson.JSONDecodeError:
            await self.send_error("bad_json", "a message must be valid JSON")
            return
        try:
            event = lotse.parse_event(decoded)
        except lotse.ProtocolError as exc:
            self.hub.metrics.event("invalid")
            await self.send_error(exc.code, exc.message)
            return
        kind = str(decoded["type"])
        self.events += 1
        try:
            await self.feed(event, kind)
        except Exception:
            # A bug in a rule or in the core must not end the visit: log it, answer, go on.
            log.exception("ws_internal_error", extra=self._log_extra(type=kind))
            await self.send_error("internal", "the server could not handle this message")

    async def feed(self, event: lotse.Event, kind: str) -> None:
        """Feed one event: resume by token first if it opens the conversation."""
        hub = self.hub
        session = self.session
        engine = hub.holder.engine
        if session.engine is not engine:
            session.use(engine)  # the configuration was reloaded
        now = time.time()
        resume = None
        if isinstance(event, lotse.Hello) and event.token and not session.started:
            session_id = lotse.read_session_token(hub.settings.token_key, event.token, now)
            if session_id is not None:
                resume = await hub.store.get(session_id)
        started = time.perf_counter()
        outcome = session.feed(event, now, resume=resume)
        if not outcome.preview:  # a reviewer's preview is in no metric
            hub.metrics.decision_seconds.observe(time.perf_counter() - started)
            hub.count_event(kind)
        if isinstance(event, lotse.Hello) and session.started and outcome.persist:
            hub.metrics.sessions.labels("resumed" if resume is not None else "new").inc()
            log.info("ws_hello", extra=self._log_extra(resumed=resume is not None))
        await self.carry_out(outcome)

    async def carry_out(self, outcome: lotse.Outcome) -> None:
        """Send the messages, then persist the state and hand records to the ledger."""
        hub = self.hub
        session = self.session
        texts = self.count(outcome)
        if texts:
            await self.send_texts(texts)
        if outcome.persist == "save":
            # Marked, not written: the store builds the state when it writes it back.
            hub.store.changed(session)
        elif outcome.persist == "delete":
            await hub.store.delete(session.id)
        if outcome.records:
            hub.ledger.add(session.engine.site_id, outcome.records)

    def count(self, outcome: lotse.Outcome) -> list[str]:
        """Count the outcome in the metrics; its messages as JSON texts."""
        hub = self.hub
        if outcome.chat is not None:
            hub.metrics.chat.labels(outcome.chat).inc()
        # Labels come from the site file (visitor types, intent ids), never from a client.
        if outcome.decided is not None:
            hub.metrics.decided.labels(outcome.decided).inc()
        if outcome.intent is not None:
            hub.metrics.intents.labels(outcome.intent).inc()
        texts = []
        for message in outcome.messages:
            if isinstance(message, lotse.Swap):
                if not outcome.preview:
                    hub.count_swap(message.slot)
            elif isinstance(message, lotse.Error):
                hub.metrics.error(message.code)
            elif isinstance(message, lotse.Welcome):
                texts.append(hub.welcome_text(message, self.session.profile.lang))
                continue
            texts.append(hub.wire_text(message))
        return texts
