"""`lotse bench`: measure the engine, or a running server under load.

- ``lotse bench --engine``: micro-benchmarks of the pure core, no server.
- ``lotse bench --url ws://host:port/ws``: a load generator. Many simulated
  visitors connect, say hello, browse and answer the chat; the figure is the
  round trip from a chat answer to the bot's reply. ``--baseline`` runs the
  same load against a bare echo WebSocket server in this process first, so
  what Lotse adds over the network and the event loop is visible.

Timings are reported, never asserted in tests: they depend on the machine.
Each figure is the distribution of single operations (not an average over a
batch), so p99 says what a visitor's slowest events cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

import lotse

_PATH_WORDS = (
    "de", "en", "fachkreise", "patienten", "ratgeber", "karriere", "jobs", "apotheke",
    "produkte", "onkologie", "kardiologie", "diabetes", "studien", "beipackzettel", "service",
    "ueber-uns", "presse", "healthcare-professionals", "patients", "careers", "pharmacy",
    "news", "kontakt", "downloads", "webinar", "fachinformation", "lieferfaehigkeit",
)  # fmt: skip

_ANSWERS = (
    "Ich bin Apothekerin", "bin hausarzt und suche die fachinfo",
    "Nebenwirkungen meines Medikaments",
    "I am looking for a job", "asdf", "keine Ahnung", "Ich bin kein Arzt, sondern Patient",
    "need the package leaflet", "Ausbildung als Pharmakant", "wie ist das wetter",
    "Lieferengpass PZN", "I'm a GP interested in the latest trial data",
)  # fmt: skip


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1e6

    return {
        "n": len(ordered),
        "p50_us": round(at(0.50), 2),
        "p99_us": round(at(0.99), 2),
        "max_us": round(ordered[-1] * 1e6, 2),
    }


def _time_each(operation: Callable[[int], object], count: int) -> list[float]:
    samples = []
    clock = time.perf_counter
    for index in range(count):
        start = clock()
        operation(index)
        samples.append(clock() - start)
    return samples


def _random_path(rng: random.Random) -> str:
    return "/" + "/".join(rng.choice(_PATH_WORDS) for _ in range(rng.randint(1, 4)))


def _site_with_phrases(target: int) -> lotse.Site:
    """The catalogue, topped up with further intents until it holds `target` phrases."""
    site = lotse.load_site(None)
    count = sum(len(p) for i in site.intents for p in i.phrases.values())
    rng = random.Random(7)
    number = 0
    while count < target:
        number += 1
        words = [rng.choice(_PATH_WORDS).replace("-", " ") for _ in range(8)]
        phrases = [" ".join(rng.sample(words, 4)) for _ in range(10)]
        site.add_intent(f"bench.filler{number}", None, {"de": phrases})
        count += len(phrases)
    return site


def _started(engine: lotse.Engine) -> lotse.Session:
    """A session past its hello, as every session on the wire is."""
    session = engine.new_session()
    session.feed(lotse.Hello(engine.site_id, "https://example.com/", lang="de"))
    return session


def engine_figures(events: int = 20_000, answers: int = 3_000) -> dict[str, Any]:
    """Per-event latency of page views, clicks and chat answers."""
    rng = random.Random(42)
    engine = lotse.load_site(None).engine()
    paths = [_random_path(rng) for _ in range(events)]
    sessions = [_started(engine) for _ in range(200)]
    page = _time_each(
        lambda i: sessions[i % 200].feed(lotse.PageView(f"https://example.com{paths[i]}", ())),
        events,
    )
    click = _time_each(lambda i: sessions[i % 200].feed(lotse.Click(paths[-i - 1])), events)
    chat_site = _site_with_phrases(1000)
    chat_engine = chat_site.engine()
    phrase_count = sum(len(p) for i in chat_site.intents for p in i.phrases.values())
    matcher = chat_engine.chat
    match = _time_each(lambda i: matcher.match(_ANSWERS[i % len(_ANSWERS)]), answers)
    chat_sessions = [_started(chat_engine) for _ in range(100)]
    chat = _time_each(
        lambda i: chat_sessions[i % 100].feed(lotse.ChatAnswer(text=_ANSWERS[i % len(_ANSWERS)])),
        answers,
    )
    return {
        "machine": machine(),
        "page_event": _percentiles(page),
        "click_event": _percentiles(click),
        "chat_match": {**_percentiles(match), "phrases": phrase_count},
        "chat_event": {**_percentiles(chat), "phrases": phrase_count},
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.system(),
    }


# -- load generator ----------------------------------------------------------


async def _visitor(
    url: str, origin: str, site: str, rounds: int, pause: float, rng: random.Random
) -> list[float]:
    """One simulated visitor: hello, then page view + chat answer, `rounds` times."""
    from websockets.asyncio.client import connect

    samples: list[float] = []
    async with connect(url, origin=origin, max_size=2**20) as websocket:  # type: ignore[arg-type]

        async def reply_to(frame: dict[str, Any], wanted: set[str]) -> float:
            start = time.perf_counter()
            await websocket.send(orjson.dumps(frame).decode())
            while True:
                answer = orjson.loads(await websocket.recv())
                # An echo server sends our own frame back; Lotse answers with its type.
                if answer.get("type") in wanted:
                    return time.perf_counter() - start

        hello = {"type": "hello", "site": site, "url": "/", "slots": ["hero"]}
        await reply_to(hello, {"welcome", "hello"})
        for _ in range(rounds):
            page = {"type": "page", "url": _random_path(rng), "slots": ["hero"]}
            await websocket.send(orjson.dumps(page).decode())
            answer = {"type": "chat", "text": rng.choice(_ANSWERS)}
            samples.append(await reply_to(answer, {"say", "chat"}))
            await asyncio.sleep(pause * rng.uniform(0.5, 1.5))
    return samples


async def _load(
    url: str, origin: str, site: str, clients: int, rounds: int, pause: float
) -> dict[str, Any]:
    rng = random.Random(3)
    start = time.perf_counter()
    results = await asyncio.gather(
        *(
            _visitor(url, origin, site, rounds, pause, random.Random(rng.random()))
            for _ in range(clients)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - start
    samples = [s for r in results if isinstance(r, list) for s in r]
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    report: dict[str, Any] = {
        "clients": clients,
        "round_trips_per_second": round(len(samples) / elapsed, 1),
        "failed_clients": len(failures),
    }
    if samples:
        report["chat_round_trip"] = _percentiles(samples)
    if failures:
        report["first_failure"] = failures[0][:300]
    return report


@contextlib.asynccontextmanager
async def _echo_server() -> Any:
    """A bare WebSocket echo server: the floor any WebSocket service stands on."""
    from websockets.asyncio.server import ServerConnection, serve

    async def echo(connection: ServerConnection) -> None:
        async for frame in connection:
            await connection.send(frame)

    async with serve(echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


async def load_figures(args: argparse.Namespace) -> dict[str, Any]:
    origin = args.origin or args.url.replace("ws", "http", 1).rsplit("/ws", 1)[0]
    figures: dict[str, Any] = {"machine": machine()}
    if args.baseline:
        async with _echo_server() as echo_url:
            figures["echo_baseline"] = await _load(
                echo_url, origin, args.site, args.clients, args.rounds, args.pause
            )
    figures["lotse"] = await _load(
        args.url, origin, args.site, args.clients, args.rounds, args.pause
    )
    return figures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", action="store_true", help="micro-benchmark the pure core (no server)"
    )
    parser.add_argument("--events", type=int, default=20_000, help="page/click events to time")
    parser.add_argument("--answers", type=int, default=3_000, help="chat answers to time")
    parser.add_argument("--url", help="load-test a running server, e.g. ws://127.0.0.1:8000/ws")
    parser.add_argument("--origin", help="Origin header to send (default: the URL's host)")
    parser.add_argument("--site", default="demo", help="site id for hello (default: demo)")
    parser.add_argument("--clients", type=int, default=50, help="simultaneous visitors")
    parser.add_argument("--rounds", type=int, default=20, help="chat answers per visitor")
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds between a visitor's answers"
    )
    parser.add_argument(
        "--baseline", action="store_true", help="first run the same load against an echo server"
    )


def run(args: argparse.Namespace) -> int:
    if args.engine:
        figures = engine_figures(args.events, args.answers)
    elif args.url:
        figures = asyncio.run(load_figures(args))
    else:
        sys.stderr.write(
            "lotse bench: pass --engine (the core) or --url ws://HOST:PORT/ws (a server)\n"
        )
        return 2
    sys.stdout.write(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
