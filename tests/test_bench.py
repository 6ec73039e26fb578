"""`lotse bench`: both modes run and report their figures (never timed assertions)."""

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from lotse_server import bench


def test_engine_figures_cover_pages_clicks_and_a_thousand_phrases() -> None:
    figures = bench.engine_figures(events=300, answers=50)
    for name in ("page_event", "click_event", "chat_match", "chat_event"):
        assert figures[name]["n"] > 0
        assert 0 < figures[name]["p50_us"] <= figures[name]["p99_us"] <= figures[name]["max_us"]
    assert figures["chat_match"]["phrases"] >= 1000
    assert figures["machine"]["cores"]


def test_load_generator_against_a_real_server_and_the_echo_baseline(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    args = argparse.Namespace(
        url=server.ws, origin=None, site="demo", clients=3, rounds=2, pause=0.0, baseline=True
    )
    figures = asyncio.run(bench.load_figures(args))
    for run in ("echo_baseline", "lotse"):
        assert figures[run]["failed_clients"] == 0, figures[run]
        assert figures[run]["chat_round_trip"]["n"] == 6


def test_bench_without_a_mode_explains_itself() -> None:
    args = argparse.Namespace(engine=False, url=None)
    assert bench.run(args) == 2
