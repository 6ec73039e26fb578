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
import signal
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


# -- Redis: a real redis-server for the shared session store and ledger -----------------


@dataclass
class RedisServer:
    """A redis-server process on 127.0.0.1 (Debian's), which a test may kill and start again."""

    port: int
    directory: Path
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start it (again, on the same port) and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited at start")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(64):  # +PONG, or -NOAUTH with a password
                    return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not answer")

    def kill(self) -> None:
        """Kill it outright (SIGKILL), as a crash or a lost machine would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _need_redis_server() -> None:
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip(
            "redis-server is not installed (scripts/test installs it: apt-get install redis-server)"
        )


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for the whole test run: ``REDIS_URL`` when set, else a redis-server started here.

    Tests share it and keep apart by key prefix (`redis_prefix`); tests that kill
    Redis use `own_redis` instead.
    """
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    _need_redis_server()
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own (``LOTSE_STORE_PREFIX``); its keys are removed after."""
    import secrets

    import redis

    prefix = f"lotse-test-{secrets.token_hex(4)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Private redis-servers (``own_redis(*extra_args)``) to kill and restart; stopped after."""
    _need_redis_server()
    servers: list[RedisServer] = []

    def start(*extra: str) -> RedisServer:
        directory = tmp_path / f"redis-{len(servers)}"
        directory.mkdir()
        server = RedisServer(free_port(), directory, extra).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_nodes(
    start_process: Callable[..., ServerProcess], redis_url: str, redis_prefix: str
) -> Callable[..., list[ServerProcess]]:
    """Start N Lotse processes (``lotse serve --store redis://…``) on one Redis, each on its port.

    ``start_nodes(2, "--site", path, url=..., extra_env={...})`` returns them once each
    serves. They share sessions and the ledger under this test's key prefix, like the
    nodes of one deployment behind a load balancer.
    """

    def start(
        count: int = 2,
        *args: str,
        url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> list[ServerProcess]:
        env = {"LOTSE_STORE_PREFIX": redis_prefix, **(extra_env or {})}
        nodes = [
            start_process("--store", url or redis_url, *args, extra_env=env) for _ in range(count)
        ]
        for node in nodes:
            if not node.wait_for("Application startup complete.", timeout=30):
                raise RuntimeError(f"a Lotse node did not start:\n{node.text()}")
        return nodes

    return start


# -- nginx: a real reverse proxy in front of the nodes --------------------------------------


def need_tool(name: str, package: str) -> str:
    """The path of the program `name` (also looked for in /usr/sbin, where Debian puts nginx).

    Missing, the test is skipped with the command that installs it — or fails when
    ``CI`` is set, where scripts/test must have installed it.
    """
    import shutil

    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        reason = f"{name} is not installed (scripts/test installs it: apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    return found


@dataclass
class Nginx:
    """An nginx master process run by a test, with its own prefix directory."""

    process: subprocess.Popen[bytes]
    directory: Path

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for_port(port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Wait until something accepts TCP connections on 127.0.0.1:`port` (while `alive`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[..., Nginx]]:
    """Run Debian's nginx in the foreground, not as a service and needing no root.

    ``nginx(config_text, ports)`` writes the configuration into a directory of its
    own (use `nginx_dir` for its pid, log and temporary paths) and runs
    ``nginx -p DIR -c DIR/nginx.conf -e DIR/error.log -g 'daemon off;'``; it returns
    once every port in `ports` accepts connections. Stopped (SIGQUIT, a graceful
    stop) when the test ends.
    """
    binary = need_tool("nginx", "nginx")
    started: list[Nginx] = []

    def start(config: str, ports: list[int]) -> Nginx:
        directory = nginx_dir(tmp_path)
        conf = directory / "nginx.conf"
        conf.write_text(config, encoding="utf-8")
        process = subprocess.Popen(
            [binary, "-p", f"{directory}/", "-c", str(conf), "-e", str(directory / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        running = Nginx(process, directory)
        started.append(running)
        for port in ports:
            if not wait_for_port(port, 15, lambda: process.poll() is None):
                raise RuntimeError(f"nginx did not listen on {port}:\n{running.error_log()}")
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGQUIT)
            try:
                running.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()


def nginx_dir(tmp_path: Path) -> Path:
    """The `nginx` fixture's directory under `tmp_path`: its config, pid, logs, temp files."""
    directory = tmp_path / "nginx"
    directory.mkdir(exist_ok=True)
    return directory


# -- Chromium ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright for one test module (imported here only when a browser test asks for it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium (a browser download fails on closed networks), one per test module."""
    from e2e_support import CHROMIUM, CHROMIUM_ARGS

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`lotse serve` (its own process) with the bundled demo site, one per test module; its
    origin. Skipped when the snippet is not built (cd js_snippet && npm run build)."""
    from e2e_support import LotseProcess, free_port

    dist = ROOT / "js_snippet" / "dist"
    for name in ("lotse.min.js", "lotse-chat.min.js"):
        if not (dist / name).is_file():
            pytest.skip(f"js_snippet/dist/{name} is not built (cd js_snippet && npm run build)")
    server = LotseProcess(free_port(), tmp_path_factory.mktemp("lotse-data"))
    server.start()
    yield server.origin
    server.stop()
