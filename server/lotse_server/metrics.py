"""Prometheus metrics for one app: counters and a latency histogram, nothing personal.

Each app gets its own `CollectorRegistry`, so several apps in one process (the
tests) never share or collide on counters. Labels take values only from fixed
sets (message types, error codes, slot ids from the site file), never from
visitor input, so a client cannot blow up the number of time series.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

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

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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
        self.events = Counter(
            "lotse_events", "Client events received, by type", ["type"], registry=r
        )
        self.decision_seconds = Histogram(
            "lotse_decision_seconds",
            "Time to decide on one event (Session.feed), in seconds",
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
            registry=r,
        )
        self.swaps = Counter("lotse_swaps", "Swaps sent, by slot", ["slot"], registry=r)
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
