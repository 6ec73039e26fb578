"""`lotse bench`: its figures and its JSON contract (never timed assertions).

The server bench starts real processes (Lotse, the echo, load generators) and
runs for a few seconds; the figures are only checked to be there and sane.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from lotse_server import bench, loadgen

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = (
    "events_per_s", "echo_events_per_s", "cpu_us_per_event", "echo_cpu_us_per_event",
    "p50_ms", "p99_ms", "rss_kb_per_session", "echo_rss_kb_per_session", "sessions",
)  # fmt: skip


def lotse_bench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "sdk"), str(ROOT / "server")])
    return subprocess.run(
        [sys.executable, "-c", "import sys; from lotse_server.cli import main; sys.exit(main())",
         "bench", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT,
    )  # fmt: skip


def test_engine_figures_cover_pages_clicks_and_a_thousand_phrases() -> None:
    figures = bench.engine_figures(events=300, answers=50)
    for name in ("page_event", "click_event", "chat_match", "chat_event"):
        assert figures[name]["n"] > 0
        assert 0 < figures[name]["p50_us"] <= figures[name]["p99_us"] <= figures[name]["max_us"]
    assert figures["chat_match"]["phrases"] >= 1000
    assert figures["machine"]["cores"]


def test_a_short_bench_prints_the_contract_as_its_last_line() -> None:
    # Enough sessions that their memory shows: twenty fit in what the server's
    # allocator already holds about one run in four, and measured 0 KB each.
    done = lotse_bench("--sessions", "100", "--seconds", "2", "--paced-seconds", "1", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    report = orjson.loads(done.stdout.strip().splitlines()[-1])
    for key in CONTRACT:
        assert key in report, key
    assert report["sessions"] == 100
    for key in CONTRACT[:-1]:
        assert report[key] > 0, (key, report[key])
    assert report["p50_ms"] <= report["p99_ms"]
    # Each server in its own process, measured by its own accounting.
    assert report["server_pid"] != report["echo_pid"]
    assert os.getpid() not in (report["server_pid"], report["echo_pid"])
    for name in ("lotse", "echo"):
        run = report[name]
        assert run["connected"] >= 100 and run["connect_failures"] == 0, run
        assert run["stalled_sessions"] == 0 and run["error_replies"] == 0, run
        assert run["paced_samples"] > 0
    assert report["mix"]["page"] == loadgen.MIX["page"]
    assert report["machine"]["cores"] >= 1
    assert report["cpu_ratio"] > 0 and report["events_ratio"] > 0
    assert report["warnings"] == []


def test_bad_numbers_are_refused() -> None:
    done = lotse_bench("--sessions", "0", "--json")
    assert done.returncode == 2 and "positive" in done.stderr


def test_frames_are_masked_and_framed_as_a_client_must() -> None:
    import random

    for size in (0, 5, 125, 126, 1000, 70_000):
        payload = bytes(random.Random(size).randrange(256) for _ in range(size))
        frame = loadgen.client_frame(payload, rng=random.Random(1))
        assert frame[0] == 0x81 and frame[1] & 0x80  # final text frame, masked
        length, start = frame[1] & 0x7F, 2
        if length == 126:
            length, start = int.from_bytes(frame[2:4], "big"), 4
        elif length == 127:
            length, start = int.from_bytes(frame[2:10], "big"), 10
        mask, data = frame[start : start + 4], frame[start + 4 :]
        assert length == size == len(data)
        assert bytes(b ^ mask[i % 4] for i, b in enumerate(data)) == payload


@pytest.mark.parametrize("kind", ["page", "click", "seen", "chat", "convert"])
def test_the_mix_is_made_of_events_the_protocol_accepts(kind: str) -> None:
    import random

    import lotse

    rng = random.Random(3)
    for _ in range(50):
        event = loadgen._event(kind, rng, "demo")
        assert event["type"] == kind
        lotse.parse_event(event)  # raises if the load sent something the server refuses
