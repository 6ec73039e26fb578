"""The edge (edge.py): idle sockets time out, sockets are capped, bad frames close quietly.

Every test runs a real uvicorn and talks to it over real sockets; the flood
test runs `lotse serve` as a process with a low file-handle limit, so the cap
derived from that limit is what protects it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import resource
import sys
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from _clients import (
    HERO_HEADING,
    RawWebSocket,
    ensure_fd_limit,
    hero_on_fachkreise,
    open_idle_sockets,
    wait_until_closed_by_server,
)
from lotse_server import Settings
from lotse_server.edge import FD_RESERVE, socket_budget

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")

READY = "Application startup complete."
SERVER_FD_LIMIT = 1024  # the flood test's server: 1024 - 64 reserved - 256 backlog = 704 sockets
FLOOD = 2_000


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)"
    found = re.search(r"^" + pattern + "$", text, re.MULTILINE)
    assert found, f"{name} {labels} not in metrics"
    return float(found.group(1))


def test_the_socket_cap_stays_below_the_file_handle_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    budget = socket_budget()
    if soft != resource.RLIM_INFINITY:
        assert budget.fd_limit == soft
        assert budget.max_sockets == soft - FD_RESERVE - budget.backlog
    assert socket_budget(100).max_sockets == 100
    with pytest.raises(ValueError, match=r"LOTSE_MAX_SOCKETS=.* Fix: raise the limit"):
        socket_budget(budget.max_sockets + 1)


async def test_a_flood_of_idle_sockets_is_closed_and_the_server_keeps_serving(
    start_process: Callable[..., Any],
) -> None:
    if not ensure_fd_limit(FLOOD + 500):
        pytest.skip(f"this test process may not open {FLOOD + 500} files")

    def low_fd_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FD_LIMIT, SERVER_FD_LIMIT))

    server = start_process(extra_env={"LOTSE_HANDSHAKE_TIMEOUT": "5"}, preexec_fn=low_fd_limit)
    assert server.wait_for(READY), server.text()

    idle = await asyncio.to_thread(open_idle_sockets, server.port, FLOOD)
    try:
        # Far more idle sockets than the server may hold, yet a visitor gets through ...
        assert HERO_HEADING in await hero_on_fachkreise(server.ws, server.origin)
        async with httpx.AsyncClient(base_url=server.origin, timeout=10) as http:
            health = await http.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            # ... and every idle socket is closed: at the cap (oldest first) or at the deadline.
            still_open = await asyncio.to_thread(wait_until_closed_by_server, idle, 10.0)
            assert not still_open, f"{len(still_open)} idle sockets were never closed"
            text = (await http.get("/metrics")).text
    finally:
        for sock in idle:
            sock.close()
    assert metric(text, "lotse_sockets_closed_total", reason="evicted") > 0  # the cap worked
    assert metric(text, "lotse_sockets_closed_total", reason="handshake_timeout") > 0
    assert server.process.poll() is None

    # The log stays small: no traceback per failed accept, one throttled line for the cap.
    output = server.text()
    assert "Traceback" not in output and "out of system resource" not in output, output[:3000]
    assert len(output) < 10_000 and output.count("\n") < 40, output[:3000]
    assert output.count('"socket_limit_reached"') <= 4


async def test_a_request_head_sent_too_slowly_is_closed_at_the_deadline(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app(settings=Settings(demo_pages=True, handshake_timeout=1.0))
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def silent() -> float:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
        return loop.time() - started

    async def trickling(first: bytes = b"") -> float:
        # slowloris: a byte of the head at a time, never the blank line that ends it
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        if first:
            writer.write(first)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 200"), head
            length = re.search(rb"(?i)content-length: (\d+)", head)
            assert length is not None
            await reader.readexactly(int(length.group(1)))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        closed = asyncio.ensure_future(reader.read())
        while not closed.done():
            writer.write(b"X")
            await asyncio.wait([closed], timeout=0.2)
            assert loop.time() - started < 10, "never closed"
        assert closed.result() == b""
        writer.close()
        return loop.time() - started

    kept_alive = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    times = await asyncio.gather(silent(), trickling(), trickling(kept_alive))
    assert all(t >= 0.9 for t in times), times  # not before the deadline ...
    async with httpx.AsyncClient(base_url=server.http) as http:
        assert (await http.get("/healthz")).status_code == 200  # ... and others are served
        text = (await http.get("/metrics")).text
    assert metric(text, "lotse_sockets_closed_total", reason="handshake_timeout") == 3


async def test_at_the_cap_the_oldest_waiting_socket_makes_room_else_new_ones_are_refused(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app(settings=Settings(demo_pages=True, max_sockets=3))
    open_sockets = server.server.server_state.connections

    async def settle(count: int) -> None:  # the server has seen closes from the client side
        for _ in range(250):
            if len(open_sockets) == count:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{len(open_sockets)} sockets open, expected {count}")

    hello = orjson.dumps({"type": "hello", "site": "demo", "url": "/", "slots": ["hero"]})
    origin = server.origin
    async with connect(server.ws, origin=origin) as first, connect(server.ws, origin=origin) as ws:
        for visitor in (first, ws):
            await visitor.send(hello.decode())
            await visitor.recv()
        # Two WebSockets and one idle socket: at the cap. A new request closes the idle one.
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", server.port)
        await settle(3)
        async with httpx.AsyncClient(base_url=server.http) as http:
            assert (await http.get("/healthz")).status_code == 200
        assert await asyncio.wait_for(idle_reader.read(), 5) == b""
        idle_writer.close()
        await settle(2)

        # Three WebSockets, none waiting for a request: a fourth socket is closed at once.
        third = await RawWebSocket.open("127.0.0.1", server.port)
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            # No answer at all; a reset if the request arrived before the close.
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 5) == b""
            assert loop.time() - started < 0.9  # at once, not after the deadline
            writer.close()
            await asyncio.wait_for(await ws.ping(), 5)  # the open ones are untouched
        finally:
            await third.close()
    await settle(0)
    async with httpx.AsyncClient(base_url=server.http) as http:  # room again
        text = (await http.get("/metrics")).text
    assert metric(text, "lotse_sockets_closed_total", reason="evicted") == 1
    assert metric(text, "lotse_sockets_closed_total", reason="refused") == 1


async def test_invalid_utf8_closes_with_1007_without_a_traceback(
    serve_app: Callable[..., Any], log_lines: io.StringIO
) -> None:
    server = serve_app()
    for payload in (b"\xff\xfe", b'{"type":"hello","url":"/\xc3"}', b"ok \xed\xa0\x80 surrogate"):
        raw = await RawWebSocket.open("127.0.0.1", server.port)
        raw.send_frame(0x1, payload)  # a text frame that is not UTF-8
        assert await raw.close_code() == 1007
        await raw.close()
    assert HERO_HEADING in await hero_on_fachkreise(server.ws, server.origin)  # still serving
    async with httpx.AsyncClient(base_url=server.http) as http:
        text = (await http.get("/metrics")).text
    assert metric(text, "lotse_closes_total", code="1007") == 3
    entries = [orjson.loads(line) for line in log_lines.getvalue().splitlines()]
    assert not [e for e in entries if e["level"] in ("error", "critical") or "exc" in e], entries
