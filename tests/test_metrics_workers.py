"""Metrics under ``lotse serve --workers N``: the node's figures, whichever worker answers.

The unit tests run two `Metrics` in one process, each as one worker would
(`NodeMetrics` with a shared directory); the last test runs real workers.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.typing import Origin

from conftest import ServerProcess
from lotse_server import workers
from lotse_server.metrics import Metrics, sample_value
from test_server_redis import Visitor, metric


def text_families(text: str) -> list[Metric]:
    return list(text_string_to_metric_families(text))


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Metrics, Metrics]]:
    """Two workers' metrics sharing one directory, as the supervisor hands them."""
    one, two = Metrics(node_dir=tmp_path), Metrics(node_dir=tmp_path)
    yield one, two
    one.close()
    two.close()


def test_a_single_process_renders_its_own_registry_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(workers.ENV_METRICS, raising=False)
    metrics = Metrics()
    metrics.event("hello")
    metrics.connections_open.inc()
    assert metrics.node is None
    assert metrics.render() == generate_latest(metrics.registry)
    assert metrics.collect()[0].name == "lotse_connections_open"


def test_the_worker_dir_in_the_environment_makes_the_metrics_a_nodes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(workers.ENV_METRICS, str(tmp_path))
    metrics = Metrics()
    try:
        assert metrics.node is not None
        assert list(tmp_path.glob("*.sock")) == [metrics.node.path]
    finally:
        metrics.close()
    assert list(tmp_path.glob("*.sock")) == []


def test_counters_gauges_and_histograms_are_summed_whichever_worker_answers(
    node: tuple[Metrics, Metrics],
) -> None:
    one, two = node
    one.event("hello")
    one.event("page")
    two.event("hello")
    one.connections_open.inc()
    two.connections_open.inc(2)
    one.decision_seconds.observe(0.0002)
    two.decision_seconds.observe(0.02)
    for answering in (one, two):
        families = answering.collect()
        assert sample_value(families, "lotse_events_total", {"type": "hello"}) == 2
        assert sample_value(families, "lotse_events_total", {"type": "page"}) == 1
        assert sample_value(families, "lotse_connections_open") == 3
        assert sample_value(families, "lotse_decision_seconds_count") == 2
        assert sample_value(families, "lotse_decision_seconds_bucket", {"le": "0.00025"}) == 1
        text = answering.render().decode()
        assert metric(text, "lotse_connections_open") == 3
        assert 'lotse_events_total{type="hello"} 2.0' in text
        assert "# TYPE lotse_events_total counter" in text
    # No pid or worker label: the same series as one process has.
    assert "pid=" not in one.render().decode()
    created = [s for f in one.collect() for s in f.samples if s.name == "lotse_events_created"]
    own = {s.labels["type"]: s.value for f in one.registry.collect() for s in f.samples
           if s.name == "lotse_events_created"}  # fmt: skip
    assert all(s.value <= own.get(s.labels["type"], s.value) for s in created)


def test_callback_gauges_are_read_live_in_each_worker(node: tuple[Metrics, Metrics]) -> None:
    one, two = node
    sockets = {id(one): 3.0, id(two): 4.0}
    one.sockets_open.set_function(lambda: sockets[id(one)])
    two.sockets_open.set_function(lambda: sockets[id(two)])
    assert sample_value(one.collect(), "lotse_sockets_open") == 7
    sockets[id(two)] = 1.0
    assert sample_value(one.collect(), "lotse_sockets_open") == 4


def test_the_store_is_up_for_the_node_only_while_every_worker_reaches_it(
    node: tuple[Metrics, Metrics],
) -> None:
    from prometheus_client import Gauge

    one, two = node
    up = [Gauge("lotse_store_up", "up", registry=m.registry) for m in (one, two)]
    up[0].set(1)
    up[1].set(1)
    assert sample_value(one.collect(), "lotse_store_up") == 1
    up[1].set(0)
    assert sample_value(one.collect(), "lotse_store_up") == 0


def test_a_dead_workers_counts_stay_and_its_gauges_leave(
    node: tuple[Metrics, Metrics], tmp_path: Path
) -> None:
    one, two = node
    one.event("hello")
    two.event("hello")
    two.event("hello")
    two.connections_open.inc()
    before = sample_value(one.collect(), "lotse_events_total", {"type": "hello"})
    assert before == 3
    # kill -9: its socket file stays but refuses; the file it last answered with stays.
    assert two.node is not None
    two.close()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(two.node.path))  # bound, not listening: connect() is refused
    after = one.collect()
    assert sample_value(after, "lotse_events_total", {"type": "hello"}) == 3
    assert sample_value(after, "lotse_connections_open") == 0
    # Its successor counts from zero beside it: the node's counter never goes down.
    successor = Metrics(node_dir=tmp_path)
    try:
        successor.event("hello")
        assert sample_value(one.collect(), "lotse_events_total", {"type": "hello"}) == 4
    finally:
        successor.close()
        stale.close()


def test_the_supervisor_hands_its_workers_a_fresh_private_dir_and_removes_it(
    tmp_path: Path,
) -> None:
    seen = tmp_path / "seen"
    code = (
        "import os, pathlib, stat; d = os.environ['LOTSE_WORKER_METRICS_DIR'];"
        f"pathlib.Path({str(seen)!r}).write_text(d + ' ' + oct(stat.S_IMODE(os.stat(d).st_mode)));"
        "raise SystemExit(3)"
    )
    supervisor = workers.Supervisor(
        [sys.executable, "-c", code], dict(os.environ), [], 1, lambda: None
    )
    assert supervisor.run() == 3  # it failed its start-up
    directory, mode = seen.read_text().split()
    assert mode == "0o700"
    assert not Path(directory).exists()


@pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals")
async def test_healthz_and_counters_of_a_node_are_the_same_from_every_worker(
    start_process: Callable[..., ServerProcess], redis_url: str, redis_prefix: str
) -> None:
    server = start_process(
        "--store", redis_url, "--workers", "2", extra_env={"LOTSE_STORE_PREFIX": redis_prefix}
    )
    assert server.wait_for("Lotse is serving", timeout=30), server.text()
    connections: set[int] = set()
    hellos: set[float] = set()
    async with connect(server.ws, origin=Origin(server.origin)) as ws:
        await Visitor().hello(ws, "/fachkreise/")
        for _ in range(30):  # a new connection each time: the kernel picks the worker
            async with httpx.AsyncClient() as http:
                health = (await http.get(f"{server.origin}/healthz")).json()
                connections.add(health["connections"])
                text = (await http.get(f"{server.origin}/metrics")).text
                hellos.add(
                    sample_value(text_families(text), "lotse_events_total", {"type": "hello"}) or 0
                )
    assert connections == {1}
    assert hellos == {1.0}
