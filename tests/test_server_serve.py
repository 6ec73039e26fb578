"""`python -m lotse_server.serve` as a process: start-up, refusals, SIGHUP and SIGTERM."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from _clients import HERO_HEADING, hero_on_fachkreise
from lotse_server.demo import SITE_PATH

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

READY = "Application startup complete."


def test_demo_secrets_on_all_interfaces_are_refused(start_process: Callable[..., Any]) -> None:
    server = start_process("--host", "0.0.0.0")
    assert server.process.wait(timeout=30) == 2
    output = server.text()
    assert "refusing to listen on 0.0.0.0" in output
    assert "LOTSE_TOKEN_KEY" in output and "LOTSE_VERIFICATION_KEY" in output
    assert "127.0.0.1" in output  # how to fix it
    assert READY not in output


def test_a_broken_site_file_stops_start_up_with_every_problem(
    start_process: Callable[..., Any], tmp_path: Path
) -> None:
    site = tmp_path / "broken.toml"
    site.write_text('[site]\nid = "x"\n[[rule]]\nslot = "nope"\nvariant = "v"\n')
    server = start_process("--site", str(site))
    assert server.process.wait(timeout=30) == 1
    assert "unknown slot 'nope'" in server.text()


async def test_the_demo_starts_with_no_arguments_and_says_where_to_click(
    start_process: Callable[..., Any], tmp_path: Path
) -> None:
    server = start_process()
    # The banner follows uvicorn's "startup complete" line once the socket listens.
    assert server.wait_for(f"{server.origin}/fachkreise/"), server.text()
    async with httpx.AsyncClient(base_url=server.origin) as http:
        page = await http.get("/fachkreise/")
    assert page.status_code == 200 and 'data-lotse-slot="hero"' in page.text
    assert "hero-hcp" not in page.text  # the variant comes over the WebSocket
    assert HERO_HEADING in await hero_on_fachkreise(server.ws, server.origin)
    assert (tmp_path / "data" / "ledger.sqlite3").exists()


async def test_sighup_with_a_broken_file_keeps_serving_then_a_fixed_file_applies(
    start_process: Callable[..., Any], tmp_path: Path
) -> None:
    site = tmp_path / "site.toml"
    shutil.copy(SITE_PATH, site)
    good = site.read_text(encoding="utf-8")
    server = start_process("--site", str(site))
    assert server.wait_for(READY), server.text()
    assert HERO_HEADING in await hero_on_fachkreise(server.ws, server.origin)

    site.write_text(good.replace('[[slot]]\nid = "hero"', '[[slot]\nid = "hero"', 1))
    server.process.send_signal(signal.SIGHUP)
    assert server.wait_for('"reload_failed"'), server.text()
    assert '"config_rejected"' in server.text() and "not valid TOML" in server.text()
    assert HERO_HEADING in await hero_on_fachkreise(server.ws, server.origin)

    site.write_text(good.replace(HERO_HEADING, "<h2>Nach dem Reload</h2>", 1))
    server.process.send_signal(signal.SIGHUP)
    assert server.wait_for('"config_reloaded"'), server.text()
    assert "<h2>Nach dem Reload</h2>" in await hero_on_fachkreise(server.ws, server.origin)
    assert server.process.poll() is None


async def test_sigterm_closes_open_websockets_with_1001(start_process: Callable[..., Any]) -> None:
    server = start_process()
    assert server.wait_for(READY), server.text()
    async with connect(server.ws, origin=server.origin) as ws:
        hello = {"type": "hello", "site": "demo", "url": "/", "slots": ["hero"]}
        await ws.send(orjson.dumps(hello).decode())
        await ws.recv()
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    await asyncio.to_thread(server.process.wait, 15)
