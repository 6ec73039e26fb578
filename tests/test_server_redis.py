"""Lotse beyond one process, against a real redis-server: nodes, workers and the faults.

- Redis unreachable at start: one line with the fix, exit code 4.
- Redis lost while serving: visitors are served from memory, failed writes are
  counted, and the writes land once Redis is back on the same port.
- A node killed: its visitors resume on another node with their profile.
- SIGHUP on one node reloads every node (pub/sub).
- ``--workers 2``: sessions resume on whichever worker takes the connection;
  SIGTERM drains every worker with 1001. With the memory store it is refused.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

import lotse
from _clients import HERO_HEADING
from conftest import free_port
from lotse_server import Settings
from lotse_server.demo import SITE_PATH
from lotse_server.settings import DEMO_TOKEN_KEY

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals and /proc")

PHARMACY = "hero-pharmacist"


async def receive_until(ws: ClientConnection, wanted: str, timeout: float = 10.0) -> dict[str, Any]:
    """Read messages until one of type `wanted`; returns it."""
    async with asyncio.timeout(timeout):
        while True:
            message = orjson.loads(await ws.recv())
            assert message["type"] != "error", message
            if message["type"] == wanted:
                return dict(message)


class Visitor:
    """One browser tab: it keeps its resume token (sessionStorage) from connection to connection."""

    def __init__(self) -> None:
        self.token: str | None = None

    async def hello(self, ws: ClientConnection, url: str = "/") -> dict[str, Any]:
        hello: dict[str, Any] = {
            "type": "hello", "site": "demo", "url": url, "slots": ["hero"], "lang": "de",
        }  # fmt: skip
        if self.token:
            hello["token"] = self.token
        await ws.send(orjson.dumps(hello).decode())
        welcome = await receive_until(ws, "welcome")
        self.token = welcome["token"]
        return welcome

    async def becomes_a_pharmacist(self, ws: ClientConnection) -> None:
        await self.hello(ws)
        await ws.send(orjson.dumps({"type": "chat", "text": "Ich bin Apothekerin"}).decode())
        assert (await receive_until(ws, "swap"))["variant"] == PHARMACY

    async def resume(self, ws: ClientConnection) -> str:
        """Hello with the token on the home page; the hero variant it is sent."""
        await self.hello(ws)
        return str((await receive_until(ws, "swap"))["variant"])

    @property
    def session_id(self) -> str:
        assert self.token is not None
        session_id = lotse.read_session_token(DEMO_TOKEN_KEY, self.token, time.time())
        assert session_id is not None
        return session_id


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# -- start-up ------------------------------------------------------------------------------


def test_more_than_one_worker_with_the_memory_store_is_refused(
    start_process: Callable[..., Any],
) -> None:
    server = start_process("--workers", "2")
    assert server.process.wait(timeout=30) == 2
    (line,) = server.text().splitlines()
    assert "refusing --workers 2 with the in-memory session store" in line
    assert "would start over" in line and "--store redis://" in line


@pytest.mark.parametrize("fault", ["refused", "no such host", "password"])
def test_redis_unreachable_at_start_is_one_line_with_the_fix(
    fault: str, start_process: Callable[..., Any], own_redis: Callable[..., Any]
) -> None:
    if fault == "refused":
        url, expected = f"redis://127.0.0.1:{free_port()}/0", "refused the connection"
    elif fault == "no such host":
        url, expected = "redis://lotse-no-such-host.invalid:6379/0", "does not resolve"
    else:
        guarded = own_redis("--requirepass", "right")
        url, expected = f"redis://:wrong@127.0.0.1:{guarded.port}/0", "refused the password"
    server = start_process("--store", url)
    assert server.process.wait(timeout=30) == 4
    (line,) = server.text().splitlines()
    assert line.startswith("lotse serve: the session store: ") and expected in line
    assert "Fix: " in line and "wrong" not in line


# -- faults while serving ------------------------------------------------------------------


async def test_redis_lost_while_serving_visitors_go_on_and_writes_land_when_it_returns(
    serve_app: Callable[..., Any], own_redis: Callable[..., Any], log_lines: Any
) -> None:
    store = own_redis()
    settings = Settings(demo_pages=True, store_url=store.url, store_write_interval=0.1)
    server = serve_app(settings=settings)
    raw = redis.Redis.from_url(store.url)
    visitor = Visitor()
    async with (
        httpx.AsyncClient(base_url=server.http) as http,
        connect(server.ws, origin=Origin(server.origin)) as ws,
    ):
        await visitor.hello(ws, "/fachkreise/")
        await receive_until(ws, "swap")
        store.kill()
        # Served from memory: the chat still answers and swaps, with no error.
        await ws.send(orjson.dumps({"type": "chat", "text": "Ich bin Apothekerin"}).decode())
        assert (await receive_until(ws, "swap"))["variant"] == PHARMACY
        # A new visitor is served too (a fresh session: the store cannot be asked), and
        # the patients' teaser experiment counts them.
        async with connect(server.ws, origin=Origin(server.origin)) as patient:
            hello = {"type": "hello", "site": "demo", "url": "/patienten/",
                     "slots": ["hero", "teaser"], "lang": "de"}  # fmt: skip
            await patient.send(orjson.dumps(hello).decode())
            assert (await receive_until(patient, "swap"))["variant"] == "hero-patient"
        deadline = time.monotonic() + 10
        while metric(text := (await http.get("/metrics")).text, "lotse_store_up") != 0:
            assert time.monotonic() < deadline, "the store was never found down"
            await asyncio.sleep(0.05)
        assert metric(text, "lotse_store_write_failures_total") > 0
        assert metric(text, "lotse_errors_total") == 0
        store.start()  # the same port, empty
        await ws.send(orjson.dumps({"type": "click", "href": "/apotheke/"}).decode())
        deadline = time.monotonic() + 15
        while not raw.exists(f"lotse:s:{visitor.session_id}"):
            assert time.monotonic() < deadline, "the session was never written after Redis returned"
            await asyncio.sleep(0.05)
        state = orjson.loads(raw.hget(f"lotse:s:{visitor.session_id}", "s") or b"{}")
        assert state["profile"]["stated"] == "pharmacist"
        assert metric((await http.get("/metrics")).text, "lotse_store_up") == 1
        # The reload channel is subscribed again too.
        while '"reload_channel_back"' not in log_lines.getvalue():
            assert time.monotonic() < deadline, "the reload channel never came back"
            await asyncio.sleep(0.05)
    lines = log_lines.getvalue()
    assert lines.count('"store_unreachable"') == 1 and '"store_reachable_again"' in lines
    # The patient's experiment records came during the outage: kept, and written now.
    ledger = server.hub.ledger
    deadline = time.monotonic() + 15
    while not (await asyncio.to_thread(ledger.flush)) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    rows = await asyncio.to_thread(ledger.rows, "demo")
    assert {(row.experiment, row.kind, row.n) for row in rows} >= {
        ("teaser-patient", "assigned", 1)
    }
    raw.close()


async def test_a_killed_node_its_visitors_resume_on_another_with_their_profile(
    start_nodes: Callable[..., Any],
) -> None:
    first, second = start_nodes(2)
    visitor = Visitor()
    async with connect(first.ws, origin=Origin(first.origin)) as ws:
        await visitor.becomes_a_pharmacist(ws)
        await asyncio.sleep(1.0)  # the write-back bound: about a second
        first.process.kill()  # kill -9: no drain, no write at the connection's end
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    async with connect(second.ws, origin=Origin(second.origin)) as ws:
        assert await visitor.resume(ws) == PHARMACY
    async with httpx.AsyncClient(base_url=second.origin) as http:
        text = (await http.get("/metrics")).text
    assert 'lotse_sessions_total{how="resumed"} 1.0' in text


async def test_sighup_on_one_node_reloads_every_node(
    start_nodes: Callable[..., Any], tmp_path: Path
) -> None:
    # Two machines, each with its own copy of the site file; the operator deploys the
    # new file to both and signals one.
    files = [tmp_path / "a.toml", tmp_path / "b.toml"]
    for file in files:
        shutil.copy(SITE_PATH, file)
    (first,) = start_nodes(1, "--site", str(files[0]))
    (second,) = start_nodes(1, "--site", str(files[1]))
    for file in files:
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace(HERO_HEADING, "<h2>Neu auf allen Knoten</h2>", 1))
    first.process.send_signal(signal.SIGHUP)
    assert first.wait_for('"config_reloaded"'), first.text()
    assert second.wait_for('"config_reloaded"'), second.text()
    assert '"why":"node ' in second.text()
    async with connect(second.ws, origin=Origin(second.origin)) as ws:
        await Visitor().hello(ws, "/fachkreise/")
        assert "Neu auf allen Knoten" in (await receive_until(ws, "swap"))["html"]


# -- several workers ---------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def serving_process(ws: ClientConnection, server_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the server's end of this WebSocket (from /proc/net/tcp)."""
    client_port = ws.transport.get_extra_info("sockname")[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (int(local.split(":")[1], 16), int(remote.split(":")[1], 16)) == (
            server_port,
            client_port,
        ):
            inode = fields[9]
    for pid in pids:
        with_fds = Path(f"/proc/{pid}/fd")
        for fd in with_fds.iterdir() if with_fds.exists() else []:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


async def test_two_workers_share_sessions_and_drain_with_1001(
    start_process: Callable[..., Any], redis_url: str, redis_prefix: str
) -> None:
    server = start_process(
        "--store", redis_url, "--workers", "2", extra_env={"LOTSE_STORE_PREFIX": redis_prefix}
    )
    assert server.wait_for("Lotse is serving", timeout=30), server.text()
    assert "2 workers share sessions in redis://" in server.text()
    workers = children(server.process.pid)
    assert len(workers) == 2
    visitor = Visitor()
    async with connect(server.ws, origin=Origin(server.origin)) as ws:
        await visitor.becomes_a_pharmacist(ws)
        served_by = {serving_process(ws, server.port, workers)}
    await asyncio.sleep(0.3)  # as a browser's reconnect delay would
    for _attempt in range(40):
        async with connect(server.ws, origin=Origin(server.origin)) as ws:
            assert await visitor.resume(ws) == PHARMACY  # whichever worker took it
            served_by.add(serving_process(ws, server.port, workers))
        if served_by == set(workers):
            break
    assert served_by == set(workers), "every connection reached the same worker"
    # SIGHUP to the supervisor: one worker reloads and tells the other over Redis (whose
    # files did not change: it skips reading them again).
    server.process.send_signal(signal.SIGHUP)
    assert server.wait_for('"config_reloaded","why":"SIGHUP"'), server.text()
    assert server.wait_for('"reload_skipped","why":"node '), server.text()
    # A worker killed outright is replaced; its visitors resume on the other meanwhile.
    os.kill(workers[0], signal.SIGKILL)
    async with connect(server.ws, origin=Origin(server.origin)) as ws:
        assert await visitor.resume(ws) == PHARMACY
    deadline = time.monotonic() + 30
    while len(now := children(server.process.pid)) < 2 or workers[0] in now:
        assert time.monotonic() < deadline, server.text()
        await asyncio.sleep(0.1)
    assert server.wait_for('"worker_died"'), server.text()
    while server.text().count("Application startup complete") < 3:  # the new one serves
        assert time.monotonic() < deadline, server.text()
        await asyncio.sleep(0.1)
    workers = now
    # SIGTERM: each worker closes its WebSockets with 1001, then the supervisor ends.
    async with connect(server.ws, origin=Origin(server.origin)) as ws:
        await visitor.hello(ws)
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert await asyncio.to_thread(server.process.wait, 30) == -signal.SIGTERM
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
