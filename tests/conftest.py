"""Shared test fixtures: import paths, free ports, and real servers to talk to.

`serve_app` runs a real uvicorn server (Lotse's `LotseServer`) in a
background thread on a free loopback port, so WebSocket tests use a real
client over a real socket. `start_process` runs ``python -m lotse_server.serve``
as a subprocess, for signals (SIGHUP, SIGTERM) and start-up refusals.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A checkout without `pip install -e .` still runs the tests.
for source in (ROOT / "sdk", ROOT / "server"):
    if str(source) not in sys.path:
        sys.path.insert(0, str(source))


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A server started by `serve_app`: where it listens and the app behind it."""

    host: str
    port: int
    app: Any
    server: Any

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def http(self) -> str:
        return self.origin

    @property
    def ws(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def hub(self) -> Any:
        return self.app.state.hub

    def stop(self) -> None:
        self.server.should_exit = True


@pytest.fixture
def serve_app(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start a real server: ``serve_app(site, settings=..., store=...)`` -> RunningServer.

    `site` defaults to the bundled demo site; settings default to the demo
    settings with the ledger in a temporary directory. Servers are stopped
    (gracefully, through uvicorn's shutdown) when the test ends.
    """
    from lotse_server import Settings, create_app
    from lotse_server.demo import SITE_PATH
    from lotse_server.serve import LotseServer, uvicorn_config

    started: list[tuple[RunningServer, threading.Thread]] = []

    def start(site: Any = None, *, settings: Any = None, **app_options: Any) -> RunningServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        base = settings or Settings(demo_pages=site is None)
        base = replace(base, host="127.0.0.1", port=port)
        if base.data_dir == Path("lotse-data"):
            base = replace(base, data_dir=tmp_path / f"data-{port}")
        app = create_app(site if site is not None else SITE_PATH, settings=base, **app_options)
        server = LotseServer(uvicorn_config(app, base), app)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        running = RunningServer("127.0.0.1", port, app, server)
        started.append((running, thread))
        return running

    yield start
    for running, _thread in started:
        running.stop()
    for _, thread in started:
        thread.join(timeout=15)


@dataclass
class ServerProcess:
    """A `python -m lotse_server.serve` subprocess and its captured output."""

    process: subprocess.Popen[str]
    port: int
    output: list[str]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, needle: str, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the reader threads catch the last lines
                return needle in self.text()
            time.sleep(0.05)
        return False


def server_env(**extra: str) -> dict[str, str]:
    """The environment for a server subprocess: source paths, no inherited LOTSE_ secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "sdk"), str(ROOT / "server"), env.get("PYTHONPATH", "")]
    )
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Run ``python -m lotse_server.serve ARGS`` on a free port; killed when the test ends."""
    processes: list[ServerProcess] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ) -> ServerProcess:
        """`extra_env` adds to `server_env()`; `preexec_fn` runs in the child before exec."""
        port = port or free_port()
        argv = [sys.executable, "-m", "lotse_server.serve", "--port", str(port), *args]
        if "--data-dir" not in args:
            argv += ["--data-dir", str(tmp_path / "data")]
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env or server_env(**(extra_env or {})),
            cwd=tmp_path,
            preexec_fn=preexec_fn,
        )
        output: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                output.append(line)

        threading.Thread(target=read, daemon=True).start()
        running = ServerProcess(process, port, output)
        processes.append(running)
        return running

    yield start
    for running in processes:
        if running.process.poll() is None:
            running.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.process.wait(timeout=10)
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the server logs while the test runs (in-process servers), as it formats it."""
    from lotse_server.logs import JsonFormatter, PrivacyFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PrivacyFilter())
    # Only the server's own lines: the test's clients (httpx, websockets) log too.
    handler.addFilter(lambda record: record.name.startswith(("lotse", "uvicorn", "asyncio")))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
def built_snippet() -> Path:
    """The built browser snippet; skips the test while the front-end build has not made it."""
    from lotse_server.snippet import snippet_candidates

    path = next((p for p in snippet_candidates() if p.is_file()), None)
    if path is None:
        pytest.skip("js_snippet/dist/lotse.min.js is not built yet (run the build in js_snippet/)")
    return path
