"""The load side of `lotse bench`: simulated visitors in processes of their own.

Each load process holds many WebSocket sessions on one asyncio loop, written
against the raw protocol (RFC 6455) rather than a client library, so that a
session costs the load process far less than it costs the server under test:
its frames are built and masked once, up front, and a reply is recognised by
its first bytes. Like a browser it offers permessage-deflate and inflates
what comes back compressed.

The parent (`bench.py`) drives a process through phases over a pipe:

- ``connect``: open sessions and say hello, each waiting for its first reply;
- ``saturate``: some sessions send their events as fast as they are answered
  (closed loop) for a while; then what is in flight drains;
- ``paced``: sessions send one event at a time, about once per interval each;
- ``close``.

A session sends its events one frame and one write each, and waits for an
answer after a page view or a chat answer ("awaited" events); clicks, seen
and conversions go out right before the next page view or chat answer, as a
snippet sends them. Lotse answers a chat answer with a ``say`` first and a
page view of a personalised page with its swaps (once a visitor's hero slot
was swapped, every later page view gets it again, the variant sticking); a
connection's events are handled in order, so that answer also says that the
events sent before it were handled. The echo answers every frame, so there
the reply to the awaited frame says it. Round trips are timed from sending an
awaited event to its answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import orjson

from .edge import raise_fd_limit

#: Share of each event type in the mix (after each session's hello).
MIX = {"page": 0.40, "click": 0.30, "seen": 0.15, "chat": 0.10, "convert": 0.05}
#: What a chat answer is: a quick reply, a common free-text answer, or one never seen before.
CHAT_MIX = {"quick_reply": 0.5, "common_text": 0.375, "unique_text": 0.125}

_ENTRIES = (
    ("/fachkreise/", "https://www.doccheck.com/", "de"),
    ("/patienten/", "https://www.google.de/", "de"),
    ("/apotheker-service/", None, "de"),
    ("/karriere/", "https://www.stepstone.de/", "de"),
    ("/", "https://www.google.de/", "de"),
    ("/en/", None, "en"),
    ("/en/healthcare-professionals/", "https://www.medscape.com/", "en"),
    ("/patienten/beipackzettel?utm_campaign=leaflet", None, "de"),
)
_PAGES = (
    "/", "/patienten/", "/patienten/beipackzettel", "/fachkreise/", "/apotheker-service/",
    "/karriere/", "/kontakt/", "/datenschutz", "/themen/psychische-gesundheit", "/en/",
    "/en/patients/", "/en/healthcare-professionals/", "/en/pharmacists/", "/en/careers/",
)  # fmt: skip
#: The demo's pages on mental health: no evidence, no swaps, no answer.
SENSITIVE_PAGES = frozenset({"/themen/psychische-gesundheit"})
_WORDS = (
    "fachkreise", "patienten", "ratgeber", "karriere", "jobs", "produkte", "onkologie",
    "kardiologie", "diabetes", "studien", "beipackzettel", "service", "presse", "news",
    "downloads", "webinar", "fachinformation", "lieferfaehigkeit", "ausbildung", "kontakt",
)  # fmt: skip
_ANSWERS = (
    "Ich bin Apothekerin", "bin hausarzt und suche die fachinfo", "Ich bin Arzt",
    "Nebenwirkungen meines Medikaments", "I am looking for a job", "keine Ahnung",
    "Ich bin kein Arzt, sondern Patient", "need the package leaflet", "Ausbildung als Pharmakant",
    "Lieferengpass PZN", "I'm a GP interested in the latest trial data", "Beipackzettel",
    "Ich suche einen Job", "Ich bin Patientin", "Studiendaten", "Fachinformation bitte",
    "Angehöriger eines Patienten", "PTA in einer Apotheke", "Ich bin Ärztin", "Bewerbung",
    "pharmacist", "I'm a nurse", "Dosierung", "wo bekomme ich das Medikament",
)  # fmt: skip
_CHOICES = ("hcp", "patient", "pharmacist", "applicant")
_SLOTS = ["hero", "teaser", "nav-cta"]
_GOALS = ("lead", "newsletter", "download")


# -- frames ------------------------------------------------------------------


def client_frame(payload: bytes, opcode: int = 0x1, rng: random.Random | None = None) -> bytes:
    """One final, masked client frame (RFC 6455 section 5.2)."""
    mask = (rng or random).randbytes(4)
    length = len(payload)
    if length < 126:
        head = bytes([0x80 | opcode, 0x80 | length])
    elif length < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
    key = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
    masked = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big") if length else b""
    return head + mask + masked


def _event(kind: str, rng: random.Random, site: str) -> dict[str, Any]:
    if kind == "page":
        if rng.random() < 0.5:
            url = rng.choice(_PAGES)
        else:
            url = "/" + "/".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
        return {"type": "page", "url": url, "slots": _SLOTS}
    if kind == "click":
        href = "/" + "/".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
        return {"type": "click", "href": href}
    if kind == "seen":
        return {"type": "seen", "slot": rng.choice(("hero", "teaser")), "variant": "shown"}
    if kind == "convert":
        return {"type": "convert", "goal": rng.choice(_GOALS)}
    share = rng.random()
    if share < CHAT_MIX["quick_reply"]:
        return {"type": "chat", "choice": rng.choice(_CHOICES)}
    text = rng.choice(_ANSWERS)
    if share > 1 - CHAT_MIX["unique_text"]:
        text = f"{text} {rng.choice(_WORDS)} {rng.randrange(10**6)}"
    return {"type": "chat", "text": text}


def _frame(event: dict[str, Any], rng: random.Random) -> bytes:
    return client_frame(orjson.dumps(event), rng=rng)


def hello_frames(site: str, rng: random.Random, count: int = 32) -> list[bytes]:
    frames = []
    for _ in range(count):
        url, referrer, lang = rng.choice(_ENTRIES)
        hello = {"type": "hello", "site": site, "url": url, "lang": lang, "slots": _SLOTS}
        if referrer:
            hello["referrer"] = referrer
        frames.append(_frame(hello, rng))
    return frames


def event_frames(site: str, rng: random.Random, count: int = 4096) -> list[tuple[bytes, str]]:
    """Events in the mix (`MIX`), each with its type, for sessions to walk through.

    A page view of a sensitive page is typed "sensitive_page": Lotse answers it
    with nothing, so it is not awaited.
    """
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    frames = []
    for kind in rng.choices(kinds, weights, k=count):
        event = _event(kind, rng, site)
        if kind == "page" and event["url"] in SENSITIVE_PAGES:
            kind = "sensitive_page"
        frames.append((_frame(event, rng), kind))
    return frames


# -- one session ---------------------------------------------------------------

SAY = b'{"type":"say"'
HERO = b'{"type":"swap","slot":"hero"'
ERROR = b'{"type":"error"'
PONG = 0xA
AWAITED = ("page", "chat")


class Session(asyncio.Protocol):
    """One WebSocket session of a simulated visitor."""

    def __init__(self, load: Load, request: bytes, position: int) -> None:
        self.load = load
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.inflate: Any = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.first_reply: asyncio.Future[None] | None = None
        self.closed = False
        #: Where this session is in the load's list of events.
        self.position = position
        #: Events sent and not yet known to be handled.
        self.unanswered = 0
        #: The type of the awaited event in flight (None: none), and when it was sent.
        self.waiting: str | None = None
        self.sent_at = 0.0
        #: Lotse swapped this visitor's hero slot, so every page view will be answered.
        self.hero = False
        #: Closed loop: send the next events as soon as the awaited one is answered.
        self.looping = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if self.first_reply is not None and not self.first_reply.done():
            self.first_reply.set_exception(ConnectionError("closed before the first reply"))
        self.load.lost(self)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            del buffer[: end + 4]
            if not head.startswith(b"http/1.1 101"):
                self.opened.set_exception(ConnectionError(head.split(b"\r\n")[0].decode()))
                assert self.transport is not None
                self.transport.close()
                return
            if b"permessage-deflate" in head:
                self.inflate = zlib.decompressobj(-15)
            self.upgraded = True
            self.opened.set_result(None)
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, length = buffer[position], buffer[position + 1] & 0x7F
            start = position + 2
            if length == 126:
                if size - position < 4:
                    break
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - position < 10:
                    break
                length = int.from_bytes(buffer[start : start + 8], "big")
                start += 8
            if size - start < length:
                break
            payload = bytes(buffer[start : start + length])
            position = start + length
            opcode = first & 0x0F
            if opcode in (0x0, 0x1):
                if first & 0x40 and self.inflate is not None:
                    payload = self.inflate.decompress(payload + b"\x00\x00\xff\xff")
                self.message(payload)
            elif opcode == 0x9 and self.transport is not None:
                self.transport.write(client_frame(payload, PONG))
            elif opcode == 0x8:
                self.closed = True
        if position:
            del buffer[:position]

    # what a reply means

    def message(self, payload: bytes) -> None:
        load = self.load
        if self.first_reply is not None and not self.first_reply.done():
            self.first_reply.set_result(None)
        if load.echo:
            self.unanswered -= 1
            answered = self.waiting is not None and self.unanswered == 0
        else:
            if payload.startswith(HERO):
                self.hero = True
            elif payload.startswith(ERROR):
                load.errors += 1
                load.first_error = load.first_error or payload[:200].decode(errors="replace")
            waiting = self.waiting
            answered = waiting == "page" or (waiting == "chat" and payload.startswith(SAY))
        if answered:
            load.samples.append(time.perf_counter() - self.sent_at)
            self.unanswered = 0
            self.waiting = None
            if self.looping:
                if load.running:
                    self.send_until_awaited()
                else:
                    self.looping = False
                    load.one_less_looping()

    def awaits(self, kind: str) -> bool:
        if kind == "chat":
            return True
        return kind == "page" and (self.load.echo or self.hero)

    def send_next(self) -> None:
        """Send this session's next event (one frame, one write)."""
        if self.transport is None or self.closed:
            return
        events = self.load.events
        frame, kind = events[self.position % len(events)]
        self.position += 1
        self.transport.write(frame)
        self.load.sent += 1
        self.unanswered += 1
        if self.waiting is None and self.awaits(kind):
            self.waiting = kind
            self.sent_at = time.perf_counter()

    def send(self, frame: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(frame)

    def send_until_awaited(self) -> None:
        while not self.closed:
            self.send_next()
            if self.waiting is not None:
                return

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(client_frame(b"\x03\xe8", 0x8))
            self.transport.close()
        self.closed = True


# -- one load process ------------------------------------------------------------


@dataclass(eq=False)
class Load:
    """All sessions of one load process and what they measured."""

    url: str
    origin: str
    site: str
    echo: bool
    seed: int
    sessions: list[Session] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    lost_count: int = 0
    running: bool = False
    #: Events sent in the current phase.
    sent: int = 0
    events: list[tuple[bytes, str]] = field(default_factory=list)
    hellos: list[bytes] = field(default_factory=list)
    looping: int = 0
    drained: asyncio.Future[None] | None = None

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.rng = rng
        self.hellos = hello_frames(self.site, rng)
        self.events = event_frames(self.site, rng)
        parts = urlsplit(self.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "wss" else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def request(self) -> bytes:
        key = base64.b64encode(self.rng.randbytes(16)).decode()
        return (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {self.origin}\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            "User-Agent: lotse-bench\r\n\r\n"
        ).encode()

    def lost(self, session: Session) -> None:
        self.lost_count += 1
        if session.looping:
            session.looping = False
            self.one_less_looping()

    # phases

    async def connect(self, count: int, wave: int = 64) -> dict[str, Any]:
        """Open `count` sessions and say hello; each waits for its first reply."""
        loop = asyncio.get_running_loop()
        failures: list[str] = []
        started = time.perf_counter()

        async def one() -> None:
            session = Session(self, self.request(), self.rng.randrange(len(self.events)))
            try:
                await loop.create_connection(lambda: session, self.host, self.port)
                await asyncio.wait_for(session.opened, 30)
                session.first_reply = loop.create_future()
                session.unanswered = 1
                session.send(self.rng.choice(self.hellos))
                await asyncio.wait_for(session.first_reply, 30)
            except (OSError, ConnectionError, TimeoutError) as exc:
                failures.append(repr(exc)[:200])
                session.close()
                return
            self.sessions.append(session)

        for first in range(0, count, wave):
            await asyncio.gather(*(one() for _ in range(min(wave, count - first))))
        await asyncio.sleep(0.2)  # the rest of each hello's answer (its swaps)
        for session in self.sessions:
            session.unanswered = 0
        return {
            "connected": len(self.sessions),
            "failed": len(failures),
            "first_failure": failures[0] if failures else None,
            "seconds": round(time.perf_counter() - started, 3),
        }

    def one_less_looping(self) -> None:
        self.looping -= 1
        if self.looping <= 0 and self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def _begin(self, count: int) -> list[Session]:
        self.sent = 0
        self.samples = []
        return [s for s in self.sessions if not s.closed][:count]

    async def saturate(self, seconds: float, active: int, drain_timeout: float) -> dict[str, Any]:
        """`active` sessions send events as fast as they are answered, for `seconds`."""
        loop = asyncio.get_running_loop()
        chosen = self._begin(active)
        self.running = True
        self.looping = len(chosen)
        self.drained = loop.create_future()
        started = time.perf_counter()
        for session in chosen:
            session.looping = True
            session.send_until_awaited()
        await asyncio.sleep(seconds)
        self.running = False
        stalled = 0
        if self.looping > 0:
            try:
                await asyncio.wait_for(asyncio.shield(self.drained), drain_timeout)
            except TimeoutError:
                stalled = self.looping
        return {
            "events": self.sent,
            "seconds": round(time.perf_counter() - started, 4),
            "active": len(chosen),
            "stalled": stalled,
        }

    async def paced(self, seconds: float, interval: float, count: int) -> dict[str, Any]:
        """`count` sessions each send an event about every `interval` seconds."""
        loop = asyncio.get_running_loop()
        chosen = self._begin(count)
        deadline = loop.time() + seconds
        rng = self.rng
        late = 0

        def tick(session: Session) -> None:
            nonlocal late
            if loop.time() >= deadline or session.closed:
                return
            if session.waiting is not None:
                late += 1  # the previous awaited event is still unanswered: no sample
                session.waiting = None
            session.send_next()
            loop.call_later(interval * (0.5 + rng.random()), tick, session)

        for session in chosen:
            loop.call_later(interval * rng.random(), tick, session)
        await asyncio.sleep(seconds + min(1.0, interval))
        return {
            "events": self.sent,
            "samples": self.samples,
            "sessions": len(chosen),
            "late": late,
        }

    def close(self) -> None:
        for session in self.sessions:
            session.close()


async def _serve_parent(pipe: Connection, load: Load) -> None:
    loop = asyncio.get_running_loop()
    commands: dict[str, Callable[..., Any]] = {
        "connect": load.connect,
        "saturate": load.saturate,
        "paced": load.paced,
    }
    while True:
        command, options = await loop.run_in_executor(None, pipe.recv)
        if command == "close":
            load.close()
            await asyncio.sleep(0.2)
            pipe.send({"errors": load.errors, "first_error": load.first_error})
            return
        result = await commands[command](**options)
        result.update(errors=load.errors, lost=load.lost_count, first_error=load.first_error)
        pipe.send(result)


def load_process(pipe: Connection, url: str, origin: str, site: str, echo: bool, seed: int) -> None:
    """Entry point of a load process (multiprocessing target)."""
    raise_fd_limit()
    load = Load(url, origin, site, echo, seed)
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        asyncio.run(_serve_parent(pipe, load))


def pid_listening(port: int) -> int | None:
    """The process listening on local TCP `port`, if it is ours to see (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(fields[9])
        except OSError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                if os.readlink(f"/proc/{entry}/fd/{fd}") in wanted:
                    return int(entry)
        except OSError:
            continue
    return None
