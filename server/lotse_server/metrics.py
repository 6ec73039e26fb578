"""Prometheus metrics for one app: counters and a latency histogram, nothing personal.

Each app gets its own `CollectorRegistry`, so several apps in one process (the
tests) never share or collide on counters. Labels take values only from fixed
sets (message types, error codes, slot ids from the site file), never from
visitor input, so a client cannot blow up the number of time series.

Under ``lotse serve --workers N`` the figures are the node's, whichever worker
answers (`NodeMetrics`): the supervisor hands every worker one private
directory (``LOTSE_WORKER_METRICS_DIR``); each worker answers on a Unix socket
there with its own samples, and the worker that serves ``/metrics`` (or the
dashboard, or ``/healthz``) asks the others and sums. A single process never
has the directory and renders its own registry, as it always did.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

from .workers import ENV_METRICS

log = logging.getLogger("lotse.metrics")

#: Event types a label may take; anything else is counted as "invalid".
EVENT_TYPES = frozenset(
    {
        "hello",
        "page",
        "slots",
        "click",
        "chat",
        "seen",
        "convert",
        "optout",
        "optin",
        "consent",
        "verify",
    }
)
#: Error codes a label may take; anything else is counted as "other".
ERROR_CODES = frozenset(
    {
        "bad_json",
        "bad_message",
        "bad_field",
        "unknown_type",
        "hello_required",
        "unknown_goal",
        "rate_limited",
        "too_large",
        "bad_assertion",
        "internal",
    }
)

#: Why the edge closed a socket (`Metrics.sockets_closed`).
SOCKET_CLOSE_REASONS = ("handshake_timeout", "evicted", "refused")

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The server's metrics; `render()` gives the Prometheus text format."""

    def __init__(self, node_dir: str | Path | None = None) -> None:
        """`node_dir`: the workers' shared directory (default: ``LOTSE_WORKER_METRICS_DIR``)."""
        self.registry = CollectorRegistry(auto_describe=True)
        if node_dir is None:
            node_dir = os.environ.get(ENV_METRICS) or None
        #: The node's figures when this process is one of several workers, else None.
        self.node = NodeMetrics(self.registry, Path(node_dir)) if node_dir else None
        r = self.registry
        self.connections_open = Gauge(
            "lotse_connections_open", "WebSocket connections open now", registry=r
        )
        self.connections = Counter(
            "lotse_connections",
            "WebSocket handshakes by outcome",
            ["outcome"],
            registry=r,
        )
        self.closes = Counter(
            "lotse_closes", "WebSocket connections closed by the server, by close code",
            ["code"], registry=r,
        )  # fmt: skip
        # Counted for every event, on the event loop: without a lock (`LoopCounter`).
        self.events = LoopCounter("lotse_events", "Client events received, by type", "type")
        self.decision_seconds = LoopHistogram(
            "lotse_decision_seconds",
            "Time to decide on one event (Session.feed), in seconds",
            (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
        )
        self.swaps = LoopCounter("lotse_swaps", "Swaps sent, by slot", "slot")
        for collector in (self.events, self.decision_seconds, self.swaps):
            r.register(collector)
        self.chat = Counter(
            "lotse_chat_answers",
            "Chat answers by result: matched an intent, clarified (nothing matched, the "
            "bot asked back), failed (nothing matched after that), or chosen (a quick reply)",
            ["result"],
            registry=r,
        )
        self.decided = Counter(
            "lotse_visitor_types",
            "Sessions decided as a visitor type (each change of decision counts once)",
            ["visitor_type"],
            registry=r,
        )
        self.intents = Counter(
            "lotse_chat_intents", "Chat answers and quick replies by the intent they named",
            ["intent"], registry=r,
        )  # fmt: skip
        self.errors = Counter(
            "lotse_errors", "error messages sent to clients, by code", ["code"], registry=r
        )
        self.sessions = Counter(
            "lotse_sessions", "Sessions started or resumed at hello", ["how"], registry=r
        )
        self.reloads = Counter(
            "lotse_config_reloads", "Configuration reloads, by result", ["result"], registry=r
        )
        self.ledger_dropped = Counter(
            "lotse_ledger_dropped_records",
            "Experiment records dropped because the ledger writer fell behind",
            registry=r,
        )
        self.ledger_write_failures = Counter(
            "lotse_ledger_write_failures",
            "Ledger writes (batches of experiment records) that failed, e.g. disk full; "
            "their records are lost",
            registry=r,
        )
        # The edge (edge.py): sockets before and beside the app.
        self.sockets_open = Gauge(
            "lotse_sockets_open", "Open client sockets, HTTP and WebSocket", registry=r
        )
        self.sockets_closed = Counter(
            "lotse_sockets_closed",
            "Sockets closed at the edge before reaching the app: handshake_timeout (no "
            "complete request in time), evicted (oldest waiting socket closed to make room), "
            "refused (at the socket limit with none to evict)",
            ["reason"],
            registry=r,
        )
        for reason in SOCKET_CLOSE_REASONS:
            self.sockets_closed.labels(reason)
        for outcome in ("accepted", "refused_origin", "refused_capacity", "refused_shutdown"):
            self.connections.labels(outcome)
        for result in ("matched", "clarified", "failed", "chosen"):
            self.chat.labels(result)

    def stored_sessions(self, count: Callable[[], float]) -> None:
        """Report the number of stored sessions, read when scraped."""
        gauge = Gauge("lotse_sessions_stored", "Sessions held by the store", registry=self.registry)
        gauge.set_function(count)

    def event(self, kind: str) -> None:
        self.events.labels(kind if kind in EVENT_TYPES else "invalid").inc()

    def error(self, code: str) -> None:
        self.errors.labels(code if code in ERROR_CODES else "other").inc()

    def collect(self) -> list[Metric]:
        """The metric families `render` shows: this process's, or the node's under workers.

        Under workers it asks the other workers over their sockets, which blocks for a
        moment: call it in a thread (``asyncio.to_thread``) from the event loop.
        """
        if self.node is None:
            return list(self.registry.collect())
        return self.node.collect()

    def render(self) -> bytes:
        if self.node is None:
            return generate_latest(self.registry)
        return render_families(self.node.collect())

    def close(self) -> None:
        """Stop answering other workers (the process ending does the same)."""
        if self.node is not None:
            self.node.close()


class LoopCounter:
    """A counter with one label, counted on the event loop only, read from any thread.

    `prometheus_client.Counter` takes a lock for every increment (its values may be
    counted from any thread), and its `inc` checks its arguments each time: about a
    microsecond, several times per event. Here a child is a plain number that only
    the event loop adds to; a scrape reads it (a whole number, never half written)
    and shows it as `prometheus_client.Counter` would (``_total``, ``_created``).
    """

    def __init__(self, name: str, documentation: str, label: str) -> None:
        self.name = name
        self.documentation = documentation
        self.label = label
        self._children: dict[str, LoopCount] = {}

    def labels(self, value: str) -> LoopCount:
        child = self._children.get(value)
        if child is None:
            child = self._children[value] = LoopCount()
        return child

    def describe(self) -> list[Metric]:
        return [CounterMetricFamily(self.name, self.documentation, labels=[self.label])]

    def collect(self) -> list[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, child in list(self._children.items()):
            family.add_metric([value], child.value, created=child.created)
        return [family]


class LoopCount:
    """One child of a `LoopCounter`."""

    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.created = time.time()

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class LoopHistogram:
    """A histogram without labels, observed on the event loop only (see `LoopCounter`);
    shown as `prometheus_client.Histogram` shows one."""

    def __init__(self, name: str, documentation: str, buckets: tuple[float, ...]) -> None:
        self.name = name
        self.documentation = documentation
        self._bounds = (*buckets, math.inf)
        self._counts = [0] * len(self._bounds)
        self._sum = 0.0
        self._created = time.time()

    def observe(self, amount: float) -> None:
        self._counts[bisect.bisect_left(self._bounds, amount)] += 1
        self._sum += amount

    def describe(self) -> list[Metric]:
        return [HistogramMetricFamily(self.name, self.documentation)]

    def collect(self) -> list[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation)
        counts, total = list(self._counts), self._sum
        buckets = [
            (floatToGoString(bound), float(cumulative))  # type: ignore[no-untyped-call]
            for bound, cumulative in zip(self._bounds, itertools.accumulate(counts), strict=True)
        ]
        family.add_metric([], buckets, total)
        family.add_sample(f"{self.name}_created", {}, self._created)
        return [family]


def sample_value(
    families: Iterable[Metric], name: str, labels: dict[str, str] | None = None
) -> float | None:
    """The value of one sample (`name` as exposed, e.g. ``lotse_events_total``), or None."""
    wanted = labels or {}
    for family in families:
        for sample in family.samples:
            if sample.name == name and sample.labels == wanted:
                return float(sample.value)
    return None


def render_families(families: Iterable[Metric]) -> bytes:
    """The Prometheus text of families gathered elsewhere (`NodeMetrics.collect`)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(list(families)))
    return generate_latest(registry)


class _Fixed:
    """A collector that yields the families it was given."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


#: Gauges whose node value is the lowest of its workers' (any other gauge is their sum):
#: the store is up for the node only while every worker reaches it.
GAUGES_MIN = frozenset({"lotse_store_up"})
#: Seconds a worker may take to answer another's question before it counts as gone.
PEER_TIMEOUT = 1.0
_instances = itertools.count()


class NodeMetrics:
    """One worker's share of the node's metrics, and the sum over all workers.

    Each worker listens on ``<dir>/<pid>.<n>.sock`` (a thread, so a busy event
    loop still answers) and sends its samples as JSON. Whenever it answers, it
    also leaves them in ``<dir>/<pid>.<n>.json``: if the worker dies, its
    counters and histograms stay in the sum from that file, so the node's
    counters never go down (Prometheus would take a drop for a reset and
    ``rate()`` would jump); its gauges leave with it. A restarted worker counts
    from zero beside them. The directory is new for each start of the
    supervisor, which removes it when it ends.
    """

    def __init__(self, registry: CollectorRegistry, directory: Path) -> None:
        self.registry = registry
        self.directory = directory
        self.name = f"{os.getpid()}.{next(_instances)}"
        self.path = directory / f"{self.name}.sock"
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._listener.bind(str(self.path))
        self._listener.listen(64)
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="lotse-node-metrics", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._thread.join(timeout=2.0)

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(PEER_TIMEOUT)
                conn.sendall(self.own())

    def own(self) -> bytes:
        """This worker's samples as JSON, also left in its file (for after its death)."""
        with self._lock:
            data = json.dumps(_encode(self.registry.collect())).encode()
            temporary = self.directory / f"{self.name}.json.tmp"
            with contextlib.suppress(OSError):
                temporary.write_bytes(data)
                os.replace(temporary, self.directory / f"{self.name}.json")
            return data

    def collect(self) -> list[Metric]:
        """The node's families: the sum over every worker alive, plus the counts of dead ones."""
        parts: list[tuple[list[Any], bool]] = [(json.loads(self.own()), True)]
        names = {path.name.split(".sock")[0] for path in self.directory.glob("*.sock")}
        names |= {path.name.split(".json")[0] for path in self.directory.glob("*.json")}
        names.discard(self.name)
        for name in sorted(names):
            live = self._ask(self.directory / f"{name}.sock")
            if live is not None:
                parts.append((live, True))
                continue
            saved = _read_json(self.directory / f"{name}.json")
            if saved is not None:
                parts.append((saved, False))  # gone: its counts stay, its gauges leave
        return _sum(parts)

    @staticmethod
    def _ask(path: Path) -> list[Any] | None:
        if not path.exists():
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(PEER_TIMEOUT)
                conn.connect(str(path))
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            decoded = json.loads(b"".join(chunks))
        except (OSError, ValueError):
            return None  # gone (a refused or dead socket) or cut short
        return decoded if isinstance(decoded, list) else None


def _read_json(path: Path) -> list[Any] | None:
    try:
        decoded = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return decoded if isinstance(decoded, list) else None


def _encode(families: Iterable[Metric]) -> list[Any]:
    return [
        [f.name, f.type, f.documentation, [[s.name, s.labels, s.value] for s in f.samples]]
        for f in families
    ]


def _sum(parts: list[tuple[list[Any], bool]]) -> list[Metric]:
    """Families summed sample by sample (``_created``: the earliest; `GAUGES_MIN`: the lowest)."""
    families: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]]] = {}
    for encoded, alive in parts:
        for name, kind, documentation, samples in encoded:
            if kind == "gauge" and not alive:
                continue
            if name not in families:
                families[name] = Metric(name, documentation, kind)
                values[name] = {}
            into = values[name]
            for sample_name, labels, value in samples:
                key = (sample_name, tuple(sorted(labels.items())))
                if key not in into:
                    into[key] = [labels, float(value)]
                elif sample_name.endswith("_created") or name in GAUGES_MIN:
                    into[key][1] = min(into[key][1], float(value))
                else:
                    into[key][1] += float(value)
    for name, family in families.items():
        for (sample_name, _), (labels, value) in values[name].items():
            family.add_sample(sample_name, labels, value)
    return list(families.values())
