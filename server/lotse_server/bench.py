"""`lotse bench`: Lotse's server against a bare WebSocket echo, or the core alone.

``lotse bench --sessions N --seconds S [--target ws://…] [--workers W] --json``
starts, each in a process of its own, Lotse's server on the demo site (or
uses ``--target``) and a bare echo server on the same stack (uvicorn and
Starlette with `serve.uvicorn_config`'s options, `echo.py`). Load processes
(`loadgen.py`) then do the same to each in turn:

1. connect N sessions that say hello and wait for the first reply; the
   server's resident memory before and after, over N, is its memory per idle
   connected session (``/proc/PID/status`` VmRSS);
2. saturate it for S seconds: some of the sessions send bursts of ten events
   in the mix (`loadgen.MIX`) back to back, each waiting for its burst to be
   answered; events per second, and the server's own CPU time per event
   (``/proc/PID/stat`` utime + stime, every process of the server);
3. pace it: up to 1,000 sessions send one event each about once a second;
   the round trip from an event to its first reply, p50 and p99.

The last line printed is one JSON object (a contract; see README "Speed").
``lotse bench --engine`` times the pure core's operations one by one.

Timings are reported, never asserted in tests: they depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import orjson

import lotse

from . import loadgen
from .serve import settle_heap

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


@contextlib.contextmanager
def _as_served() -> Iterator[None]:
    """The collector as a serving process has it, for the figures' duration."""
    thresholds = gc.get_threshold()
    settle_heap()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def engine_figures(events: int = 20_000, answers: int = 3_000) -> dict[str, Any]:
    """Per-event latency of page views, clicks and chat answers, with the heap
    settled once everything is built, as `lotse serve` settles it once started
    (`settle_heap`)."""
    rng = random.Random(42)
    engine = lotse.load_site(None).engine()
    paths = [_random_path(rng) for _ in range(events)]
    sessions = [_started(engine) for _ in range(200)]
    chat_site = _site_with_phrases(1000)
    chat_engine = chat_site.engine()
    phrase_count = sum(len(p) for i in chat_site.intents for p in i.phrases.values())
    matcher = chat_engine.chat
    chat_sessions = [_started(chat_engine) for _ in range(100)]
    with _as_served():
        page = _time_each(
            lambda i: sessions[i % 200].feed(lotse.PageView(f"https://example.com{paths[i]}", ())),
            events,
        )
        click = _time_each(lambda i: sessions[i % 200].feed(lotse.Click(paths[-i - 1])), events)
        # The matcher's own work (`ChatMatcher.match`, past the engine's memory of answers)...
        match = _time_each(
            lambda i: lotse.ChatMatcher.match(matcher, _ANSWERS[i % len(_ANSWERS)]), answers
        )
        # ...and an answer the engine has seen before (`Engine.chat` remembers matches).
        remembered = _time_each(lambda i: matcher.match(_ANSWERS[i % len(_ANSWERS)]), answers)
        chat = _time_each(
            lambda i: chat_sessions[i % 100].feed(
                lotse.ChatAnswer(text=_ANSWERS[i % len(_ANSWERS)])
            ),
            answers,
        )
    return {
        "machine": machine(),
        "page_event": _percentiles(page),
        "click_event": _percentiles(click),
        "chat_match": {**_percentiles(match), "phrases": phrase_count},
        "chat_match_remembered": _percentiles(remembered),
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


# -- servers under test -----------------------------------------------------------

#: Limits lifted for the servers under test: the load is one machine's, not a flood.
BENCH_ENV = {"LOTSE_RATE_PER_SECOND": "1000000", "LOTSE_RATE_BURST": "1000000"}


@dataclass(eq=False)
class Server:
    """A server under test: where it listens and the processes whose time and memory count."""

    name: str
    url: str
    echo: bool
    roots: list[int]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        scheme = "https" if parts.scheme == "wss" else "http"
        return f"{scheme}://{parts.netloc}"

    def pids(self) -> list[int]:
        """The root processes and all their descendants (workers), as they are now."""
        return process_tree(self.roots)

    def cpu_seconds(self) -> float | None:
        return cpu_seconds(self.pids()) if self.roots else None

    def rss_kb(self) -> int | None:
        return rss_kb(self.pids()) if self.roots else None

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def process_tree(roots: list[int]) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                parents[int(entry)] = int(stat[1])
    found = [pid for pid in roots if pid in parents]
    for pid in found:  # grows while it is walked: breadth first
        found += [child for child, parent in parents.items() if parent == pid]
    return found


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User plus system time the processes have used, from their own accounting."""
    ticks = 0
    for pid in pids:
        stat = _stat(pid)
        if stat is not None:
            ticks += int(stat[11]) + int(stat[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
                total += next(
                    (int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0
                )
        except OSError:
            continue
    return total


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(sessions: int) -> dict[str, str]:
    """The servers' environment: this one, lifted limits, and where the packages are."""
    env = dict(os.environ)
    env.update(BENCH_ENV)
    env["LOTSE_MAX_CONNECTIONS"] = str(sessions + 1_000)
    env["PYTHONUNBUFFERED"] = "1"
    here = [
        str(Path(lotse.__file__).resolve().parents[1]),
        str(Path(__file__).resolve().parents[1]),
    ]
    env["PYTHONPATH"] = os.pathsep.join([*here, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _start(
    argv: list[str], env: dict[str, str], banner: str, log: Path, cwd: Path
) -> subprocess.Popen[str]:
    """Start a server process and wait until it prints `banner` (it then serves)."""
    with open(log, "w", encoding="utf-8") as err:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=cwd
        )
    ready = threading.Event()

    def read(stream: TextIO) -> None:
        for line in stream:
            if banner in line:
                ready.set()

    assert process.stdout is not None
    threading.Thread(target=read, args=(process.stdout,), daemon=True).start()
    deadline = time.monotonic() + 60
    while not ready.wait(0.05):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv[1:4])} did not start:\n{tail}")
    return process


def serve_supports_workers() -> bool:
    """Whether `lotse serve` takes ``--workers`` (it is being added next to this bench)."""
    from . import serve

    parser = argparse.ArgumentParser(add_help=False)
    serve.add_arguments(parser)
    _known, unknown = parser.parse_known_args(["--workers", "2"])
    return not unknown


def start_redis(workdir: Path) -> tuple[str, Server]:
    """A private redis-server (no persistence) for ``--workers`` without ``--store``."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "--workers needs a shared session store: pass --store redis://HOST:6379/0, "
            "or install redis-server (apt-get install redis-server) for a private one"
        )
    port = free_port()
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir)]  # fmt: skip
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 0.5) as sock,
        ):
            sock.sendall(b"PING\r\n")
            if sock.recv(64):
                url = f"redis://127.0.0.1:{port}/0"
                return url, Server("redis", url, False, [process.pid], [process])
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the private redis-server did not start")


def start_lotse(workers: int, sessions: int, workdir: Path, store: str | None = None) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "lotse_server.serve", "--port", str(port)]
    argv += ["--data-dir", str(workdir / "lotse-data")]
    if store:
        argv += ["--store", store]
    if workers > 1:
        argv += ["--workers", str(workers)]
    log = workdir / "lotse.log"
    process = _start(argv, _environment(sessions), "Lotse is serving", log, workdir)
    return Server("lotse", f"ws://127.0.0.1:{port}/ws", False, [process.pid], [process], [log])


def start_echo(workers: int, sessions: int, workdir: Path) -> Server:
    """`workers` echo processes sharing one port (SO_REUSEPORT), like uvicorn's workers."""
    port = free_port()
    argv = [sys.executable, "-m", "lotse_server.echo", "--port", str(port)]
    if workers > 1:
        argv.append("--reuse-port")
    processes, logs = [], []
    for number in range(workers):
        log = workdir / f"echo-{number}.log"
        processes.append(_start(argv, _environment(sessions), "echo serving", log, workdir))
        logs.append(log)
    pids = [p.pid for p in processes]
    return Server("echo", f"ws://127.0.0.1:{port}/ws", True, pids, processes, logs)


def target_server(url: str) -> Server:
    """A running server named by ``--target``; its process is found when it is local."""
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    pid = loadgen.pid_listening(port) if local else None
    return Server("lotse", url, False, [pid] if pid else [])


# -- measuring -----------------------------------------------------------------------


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@dataclass(frozen=True, slots=True)
class Plan:
    sessions: int
    seconds: float
    paced_seconds: float
    paced_sessions: int
    interval: float
    active: int
    load_processes: int
    site: str
    warmup: int = 20


@contextlib.contextmanager
def _load_processes(server: Server, plan: Plan) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    processes = []
    for number in range(plan.load_processes):
        parent, child = context.Pipe()
        process = context.Process(
            target=loadgen.load_process,
            args=(child, server.url, server.origin, plan.site, server.echo, 1000 + number),
            daemon=True,
        )
        process.start()
        pipes.append(parent)
        processes.append(process)

    def ask(command: str, **shares: Any) -> list[dict[str, Any]]:
        """Send `command` to every load process; list-valued options are split among them."""
        for number, pipe in enumerate(pipes):
            options = {k: v[number] if isinstance(v, list) else v for k, v in shares.items()}
            pipe.send((command, options))
        return [pipe.recv() for pipe in pipes]

    try:
        yield ask
    finally:
        with contextlib.suppress(OSError, EOFError):
            ask("close")
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def _note(text: str) -> None:
    sys.stderr.write(f"lotse bench: {text}\n")
    sys.stderr.flush()


def measure(server: Server, plan: Plan, store: Server | None = None) -> dict[str, Any]:
    """Memory per idle session, saturated throughput and CPU per event, paced round trips.

    `store` is a session store's process (a private redis-server), whose CPU
    time at saturation is reported apart (``store_cpu_us_per_event``).
    """
    share = plan.load_processes
    with _load_processes(server, plan) as ask:
        # Warm-up: imports, caches and allocator pools of a running server are its baseline.
        ask("connect", count=_split(min(plan.warmup, plan.sessions), share))
        ask("saturate", seconds=1.0, active=_split(plan.warmup, share), drain_timeout=30.0)
        time.sleep(0.5)
        rss_before = server.rss_kb()
        _note(f"{server.name}: connecting {plan.sessions} sessions")
        connected = ask("connect", count=_split(plan.sessions, share))
        time.sleep(1.0)
        rss_after = server.rss_kb()
        _note(f"{server.name}: saturating for {plan.seconds:g} s")
        store_before = store.cpu_seconds() if store else None
        cpu_before, started = server.cpu_seconds(), time.perf_counter()
        saturated = ask(
            "saturate",
            seconds=plan.seconds,
            active=_split(min(plan.active, plan.sessions), share),
            drain_timeout=10.0,
        )
        elapsed, cpu_after = time.perf_counter() - started, server.cpu_seconds()
        store_after = store.cpu_seconds() if store else None
        _note(f"{server.name}: pacing {plan.paced_sessions} sessions for {plan.paced_seconds:g} s")
        paced_cpu_before, paced_started = server.cpu_seconds(), time.perf_counter()
        paced = ask(
            "paced",
            seconds=plan.paced_seconds,
            interval=plan.interval,
            count=_split(min(plan.paced_sessions, plan.sessions), share),
        )
        paced_elapsed, paced_cpu_after = time.perf_counter() - paced_started, server.cpu_seconds()
        pids = server.pids()
    events = sum(r["events"] for r in saturated)
    paced_events = sum(r["events"] for r in paced)
    samples = sorted(s for r in paced for s in r["samples"])
    ok = sum(r["connected"] for r in connected)
    figures: dict[str, Any] = {
        "pids": pids,
        "connected": ok,
        "connect_failures": sum(r["failed"] for r in connected),
        "events": events,
        "events_per_s": round(events / elapsed, 1),
        "saturation_sessions": sum(r["active"] for r in saturated),
        "stalled_sessions": sum(r["stalled"] for r in saturated),
        "paced_events": paced_events,
        "paced_events_per_s": round(paced_events / plan.paced_seconds, 1),
        "paced_samples": len(samples),
        "p50_ms": _ms(samples, 0.50),
        "p99_ms": _ms(samples, 0.99),
        "max_ms": round(samples[-1] * 1e3, 3) if samples else None,
        "error_replies": max(r["errors"] for r in paced),
        "first_error": next((r["first_error"] for r in paced if r["first_error"]), None),
        "first_connect_failure": next(
            (r["first_failure"] for r in connected if r["first_failure"]), None
        ),
    }
    if cpu_before is not None and cpu_after is not None and events:
        figures["cpu_us_per_event"] = round((cpu_after - cpu_before) / events * 1e6, 2)
        # Near 1.0 per process: the server, not the load, was the limit.
        figures["server_busy"] = round((cpu_after - cpu_before) / elapsed / max(1, len(pids)), 3)
    if store_before is not None and store_after is not None and events:
        figures["store_cpu_us_per_event"] = round((store_after - store_before) / events * 1e6, 2)
    if paced_cpu_before is not None and paced_cpu_after is not None and paced_events:
        figures["paced_cpu_us_per_event"] = round(
            (paced_cpu_after - paced_cpu_before) / paced_events * 1e6, 2
        )
        figures["paced_server_busy"] = round(
            (paced_cpu_after - paced_cpu_before) / paced_elapsed, 3
        )
    if rss_before is not None and rss_after is not None and ok:
        figures["rss_kb_per_session"] = round((rss_after - rss_before) / ok, 2)
        figures["rss_kb"] = rss_after
    return figures


def _ms(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1e3, 3)


def _ratio(ours: Any, theirs: Any) -> float | None:
    if not isinstance(ours, int | float) or not isinstance(theirs, int | float) or not theirs:
        return None
    return round(ours / theirs, 3)


def server_figures(args: argparse.Namespace) -> dict[str, Any]:
    """Run the whole bench (both servers) and return the report."""
    cores = os.cpu_count() or 1
    workers = args.workers
    plan = Plan(
        sessions=args.sessions,
        seconds=args.seconds,
        paced_seconds=args.paced_seconds or max(2.0, args.seconds / 2),
        paced_sessions=args.paced_sessions,
        interval=args.interval,
        active=args.active,
        load_processes=args.load_processes or max(1, min(4, cores - workers)),
        site=args.site,
    )
    store = args.store
    with tempfile.TemporaryDirectory(prefix="lotse-bench-") as tmp:
        workdir = Path(tmp)
        servers: list[Server] = []
        redis: Server | None = None
        try:
            if not args.target and (store == "redis" or (workers > 1 and not store)):
                store, redis = start_redis(workdir)
            echo = start_echo(workers, plan.sessions, workdir)
            servers.append(echo)
            if args.target:
                ours = target_server(args.target)
            else:
                ours = start_lotse(workers, plan.sessions, workdir, store)
            servers.append(ours)
            echo_figures = measure(echo, plan)
            lotse_figures = measure(ours, plan, redis)
        finally:
            for server in servers:
                server.stop()
            if redis is not None:
                redis.stop()
    report: dict[str, Any] = {
        "sessions": plan.sessions,
        "seconds": plan.seconds,
        "workers": workers,
        "load_processes": plan.load_processes,
        "target": args.target,
        "store": "redis (private redis-server)" if redis else (args.store or "memory"),
    }
    for key in (
        "events_per_s", "cpu_us_per_event", "paced_cpu_us_per_event", "p50_ms", "p99_ms",
        "rss_kb_per_session", "server_busy",
    ):  # fmt: skip
        report[key] = lotse_figures.get(key)
        report[f"echo_{key}"] = echo_figures.get(key)
    report["store_cpu_us_per_event"] = lotse_figures.get("store_cpu_us_per_event")
    # What one fully busy server CPU handles: on a machine where the load generator
    # shares the cores, the echo may not be driven to saturation (see `server_busy`).
    for prefix in ("", "echo_"):
        cpu = report[f"{prefix}cpu_us_per_event"]
        report[f"{prefix}events_per_cpu_s"] = round(1e6 / cpu) if cpu else None
    report["events_ratio"] = _ratio(report["events_per_s"], report["echo_events_per_s"])
    report["cpu_ratio"] = _ratio(report["cpu_us_per_event"], report["echo_cpu_us_per_event"])
    rss, echo_rss = report["rss_kb_per_session"], report["echo_rss_kb_per_session"]
    report["rss_kb_over_echo"] = (
        round(rss - echo_rss, 2) if rss is not None and echo_rss is not None else None
    )
    report["server_pid"] = (lotse_figures["pids"] or [None])[0]
    report["echo_pid"] = (echo_figures["pids"] or [None])[0]
    report["paced_sessions"] = min(plan.paced_sessions, plan.sessions)
    report["paced_interval_s"] = plan.interval
    report["mix"] = {**loadgen.MIX, "chat_answers": loadgen.CHAT_MIX}
    report["machine"] = machine()
    report["lotse"] = lotse_figures
    report["echo"] = echo_figures
    warnings = []
    if "rate_limited" in (lotse_figures["first_error"] or ""):
        warnings.append(
            "the server rate-limited the load, so its figures are not its capacity: run it "
            "with LOTSE_RATE_PER_SECOND=1000000 LOTSE_RATE_BURST=1000000 (as lotse bench does)"
        )
    if lotse_figures["stalled_sessions"] or echo_figures["stalled_sessions"]:
        warnings.append("some sessions got no answer to an awaited event (stalled_sessions)")
    report["warnings"] = warnings
    for warning in warnings:
        _note(f"warning: {warning}")
    return report


def _table(report: dict[str, Any]) -> str:
    rows = [
        ("events/s at saturation", "events_per_s", "events_ratio"),
        ("server CPU µs per event", "cpu_us_per_event", "cpu_ratio"),
        ("  … at the paced load", "paced_cpu_us_per_event", None),
        ("round trip p50 ms (paced)", "p50_ms", None),
        ("round trip p99 ms (paced)", "p99_ms", None),
        ("KB per idle session", "rss_kb_per_session", None),
    ]
    lines = [f"{'':28} {'Lotse':>10} {'echo':>10} {'ratio':>7}"]
    for label, key, ratio in rows:
        ours, echo = report.get(key), report.get(f"echo_{key}")
        factor = report.get(ratio) if ratio else _ratio(ours, echo)
        lines.append(f"{label:28} {ours!s:>10} {echo!s:>10} {factor!s:>7}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", action="store_true", help="micro-benchmark the pure core (no server)"
    )
    parser.add_argument("--events", type=int, default=20_000, help="--engine: page/click events")
    parser.add_argument("--answers", type=int, default=3_000, help="--engine: chat answers")
    parser.add_argument("--sessions", type=int, default=500, help="sessions to connect (500)")
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="seconds of saturated load per server (8)"
    )
    parser.add_argument(
        "--target", metavar="URL", help="measure a running server, e.g. ws://127.0.0.1:8000/ws"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (lotse serve --workers; 1)"
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="lotse serve --store URL; 'redis' (and --workers without --store): a private "
        "redis-server for the run",
    )
    parser.add_argument("--site", default="demo", help="site id said in hello (default: demo)")
    parser.add_argument(
        "--active", type=int, default=250, help="sessions sending bursts at saturation (250)"
    )
    parser.add_argument(
        "--paced-sessions", type=int, default=1_000, help="sessions in the paced phase (1000)"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=None, help="length of the paced phase (seconds/2)"
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a paced session's events"
    )
    parser.add_argument(
        "--load-processes",
        type=int,
        default=None,
        help="load generator processes (cores - workers)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    if args.engine:
        figures = engine_figures(args.events, args.answers)
        option = 0 if args.json else orjson.OPT_INDENT_2
        sys.stdout.write(orjson.dumps(figures, option=option).decode() + "\n")
        return 0
    if args.sessions < 1 or args.seconds <= 0 or args.workers < 1:
        sys.stderr.write("lotse bench: --sessions, --seconds and --workers must be positive\n")
        return 2
    if args.workers > 1 and not args.target and not serve_supports_workers():
        sys.stderr.write(
            "lotse bench: --workers needs `lotse serve --workers`, which this version of "
            "lotse serve does not have yet; run with --workers 1\n"
        )
        return 2
    try:
        report = server_figures(args)
    except RuntimeError as exc:
        sys.stderr.write(f"lotse bench: {exc}\n")
        return 1
    if not args.json:
        sys.stdout.write(_table(report) + "\n")
    sys.stdout.write(orjson.dumps(report).decode() + "\n")
    return 0
