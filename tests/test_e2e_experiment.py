"""An experiment end to end: a real server, hundreds of visitors, a kill -9, `lotse report`.

A site whose rule keeps half of the professionals on the default content runs
as `python -m lotse_server.serve`. Visitors arrive over real WebSockets, see the
hero slot and some of them sign up. The server is killed outright in between
and started again on the same data directory; then `lotse report --json` must
show exactly the sessions, exposures and conversions that were sent: records
older than the ledger's batch window (about a second, see README "Experiments")
survive a `kill -9`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

READY = "Application startup complete."
SITE = """
[site]
id = "trial"

[experiments]
baseline = 0.10
mde = 0.20

[[goal]]
id = "lead"
name = "Contact request"

[[slot]]
id = "hero"
[[slot.variant]]
id = "hero-hcp"
audience = ["hcp"]
html = "<h2>For healthcare professionals</h2>"

[[rule]]
id = "hero-hcp"
slot = "hero"
variant = "hero-hcp"
when = { visitor_type = "hcp" }
holdout = 0.5
"""
#: The ledger writes a batch at most this long after its first record (README).
BATCH_WINDOW = 1.0


async def visit(ws_url: str, number: int, tally: Counter[tuple[str, str]]) -> None:
    """One professional's visit: hello on the professionals' page, the hero seen, maybe a lead."""
    async with connect(ws_url) as ws:
        hello = {"type": "hello", "site": "trial", "url": "/fachkreise/", "slots": ["hero"]}
        await ws.send(orjson.dumps(hello).decode())
        welcome = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        announced = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        assert welcome["type"] == "welcome", welcome
        # The treatment gets the swap, the control arm is announced as such.
        assert announced["type"] in ("swap", "arm") and announced["experiment"] == "hero-hcp"
        arm = announced["arm"]
        variant = announced.get("variant", "default")
        await ws.send(orjson.dumps({"type": "seen", "slot": "hero", "variant": variant}).decode())
        tally[(arm, "sessions")] += 1
        tally[(arm, "exposed")] += 1
        if number % 3 == 0:
            await ws.send(orjson.dumps({"type": "convert", "goal": "lead"}).decode())
            tally[(arm, "lead")] += 1
        # Everything sent is handled before the reply to this marker comes back.
        await ws.send('{"type": "sync"}')
        assert orjson.loads(await asyncio.wait_for(ws.recv(), 10))["code"] == "unknown_type"


async def visits(ws_url: str, numbers: range, tally: Counter[tuple[str, str]]) -> None:
    limit = asyncio.Semaphore(25)

    async def one(number: int) -> None:
        async with limit:
            await visit(ws_url, number, tally)

    await asyncio.gather(*(one(number) for number in numbers))


def report(site: Path, data: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "lotse_server.cli", "report", "--site", str(site),
         "--data-dir", str(data), "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def test_the_report_counts_what_was_sent_across_a_kill_9(
    start_process: Callable[..., Any], tmp_path: Path
) -> None:
    site = tmp_path / "trial.toml"
    site.write_text(SITE)
    data = tmp_path / "data"
    tally: Counter[tuple[str, str]] = Counter()

    first = start_process("--site", str(site), "--data-dir", str(data))
    assert first.wait_for(READY), first.text()
    await visits(first.ws, range(0, 240), tally)
    time.sleep(BATCH_WINDOW + 1.0)  # older than one batch window: written
    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(timeout=10) == -signal.SIGKILL

    second = start_process("--site", str(site), "--data-dir", str(data), port=first.port)
    assert second.wait_for(READY), second.text()
    await visits(second.ws, range(240, 400), tally)
    second.process.send_signal(signal.SIGTERM)  # a clean stop writes what is queued
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert second.process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Finished server process" in second.text()

    (experiment,) = report(site, data)["experiments"]
    assert experiment["id"] == "hero-hcp"
    arms = experiment["arms"]
    assert set(arms) == {"control", "hero-hcp"}
    for arm, counts in arms.items():
        assert counts["sessions"] == tally[(arm, "sessions")], arm
        assert counts["exposed"] == tally[(arm, "exposed")], arm
        assert counts["conversions"] == {"lead": tally[(arm, "lead")]}, arm
    assert sum(arms[arm]["sessions"] for arm in arms) == 400
    # Half and half, as configured: no sample-ratio mismatch.
    assert experiment["srm_p"] > 0.001 and experiment["status"] != "srm"
    assert set(experiment["goals"]["lead"]) >= {"p_value", "always_valid_p", "lift", "ci"}
