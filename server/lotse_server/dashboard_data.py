"""What the dashboard shows, gathered in one `Snapshot`: live counters and the experiments.

The live figures are read from the app's own Prometheus registry (its public
``collect()``), so the dashboard and ``/metrics`` can never disagree; they
count since this process started, or under ``--workers`` they are the node's
(`Metrics.collect`: the sum over the workers, as ``/metrics`` shows it). The
experiments come from the ledger through `experiments.site_report`, the same
reading ``lotse report`` prints; the ledger is read in a worker thread (SQLite
blocks), and it lags the visits by about a second (the writer's batches).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

import lotse

from .experiments import site_report
from .ledger import Row
from .metrics import sample_value
from .ws import Hub

log = logging.getLogger("lotse.dashboard")

#: Intents shown, the most named first.
TOP_INTENTS = 10
#: `Outcome.chat` results (lotse_chat_answers_total{result}), in the order they are shown.
CHAT_RESULTS = ("matched", "chosen", "clarified", "failed")
#: Results where the bot did not understand the answer: the fallback rate's numerator.
FALLBACK_RESULTS = ("clarified", "failed")


@dataclass(frozen=True, slots=True)
class Count:
    """One label of a counter: its id (from the site file), a name for people, the count."""

    id: str
    name: str
    n: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one rendering of the dashboard shows, taken at `taken` (Unix time)."""

    site_id: str
    site_name: str
    taken: float
    live_sessions: int
    visitor_types: tuple[Count, ...]
    intents: tuple[Count, ...]
    chat: Mapping[str, float]
    swaps: tuple[Count, ...]
    #: `experiments.site_report`; None when it failed, and `experiments_error` says why.
    experiments: Mapping[str, Any] | None
    experiments_error: str | None
    goal_names: Mapping[str, str]

    @property
    def chat_answers(self) -> float:
        return sum(self.chat.values())

    @property
    def fallback_rate(self) -> float | None:
        """Share of chat answers not understood (clarified or failed); None before any."""
        total = self.chat_answers
        if total <= 0:
            return None
        return sum(self.chat.get(result, 0.0) for result in FALLBACK_RESULTS) / total


async def gather(hub: Hub, now: float) -> Snapshot:
    """A snapshot of the running server: the live counters now, the ledger as last written."""
    engine = hub.holder.engine
    site = engine.site
    # The node's figures under --workers (the workers asked over sockets: off the loop).
    metrics = hub.metrics
    families = (
        metrics.collect() if metrics.node is None else await asyncio.to_thread(metrics.collect)
    )
    experiments: Mapping[str, Any] | None = None
    error = None
    try:
        experiments = await asyncio.to_thread(read_experiments, hub.ledger, engine, now)
    except Exception as exc:
        # A ledger that cannot be read (sqlite3.Error, or a network store's own errors), or
        # counts the statistics refuse (ValueError, e.g. an A/B rule without a control arm):
        # the live half of the page is still worth showing, and the reason goes on it. A
        # known class needs no traceback; anything else may be a bug and gets one.
        known = isinstance(exc, sqlite3.Error | ValueError)
        log.error("dashboard_experiments_failed", extra={"error": str(exc)}, exc_info=not known)
        error = str(exc) or type(exc).__name__
    decided = counter_by_label(families, "lotse_visitor_types", "visitor_type")
    intents = counter_by_label(families, "lotse_chat_intents", "intent")
    chat = counter_by_label(families, "lotse_chat_answers", "result")
    swaps = counter_by_label(families, "lotse_swaps", "slot")
    live = len(hub.connections)
    if metrics.node is not None:
        live = int(sample_value(families, "lotse_connections_open") or 0)
    types = {kind.id: _name(kind.label, kind.id) for kind in site.visitor_types}
    return Snapshot(
        site_id=site.id,
        site_name=site.name or site.id,
        taken=now,
        live_sessions=live,
        visitor_types=_every(types, decided),
        intents=tuple(
            Count(intent, intent, n)
            for intent, n in sorted(intents.items(), key=lambda item: (-item[1], item[0]))
            if n > 0
        )[:TOP_INTENTS],
        chat={result: chat.get(result, 0.0) for result in CHAT_RESULTS},
        swaps=_every({slot.id: slot.id for slot in site.slots}, swaps),
        experiments=experiments,
        experiments_error=error,
        goal_names={goal.id: _name(goal.name, goal.id) for goal in site.goals},
    )


class LedgerReader(Protocol):
    """What the dashboard reads of a ledger (blocking calls), whichever store keeps it."""

    def rows(self, site_id: str) -> list[Row]: ...

    def started(self, site_id: str) -> dict[str, float]: ...


def read_experiments(ledger: LedgerReader, engine: lotse.Engine, now: float) -> dict[str, Any]:
    """Every experiment of the engine's site from the ledger (blocking: run it in a thread)."""
    site_id = engine.site_id
    return site_report(engine, ledger.rows(site_id), ledger.started(site_id), now)


def counter_by_label(
    source: CollectorRegistry | Iterable[Metric], name: str, label: str
) -> dict[str, float]:
    """A counter's value per value of its one label, exactly as ``/metrics`` shows it.

    `source` is a registry or the families `Metrics.collect` gave; `name` is the
    family name, without the ``_total`` the exposition adds.
    """
    families = source.collect() if isinstance(source, CollectorRegistry) else source
    for family in families:
        if family.name == name:
            return {
                sample.labels[label]: sample.value
                for sample in family.samples
                if sample.name == f"{name}_total" and label in sample.labels
            }
    return {}


def _every(configured: Mapping[str, str], counted: Mapping[str, float]) -> tuple[Count, ...]:
    """Every configured id in the site's order (0 if never counted), then any other counted one.

    Others exist after a reload removed an id that was counted before.
    """
    others = sorted(set(counted) - set(configured))
    ids: Iterable[str] = [*configured, *others]
    return tuple(Count(key, configured.get(key, key), counted.get(key, 0.0)) for key in ids)


def _name(text: Mapping[str, str], fallback: str) -> str:
    """A configured name in English if there is one (the dashboard is in English)."""
    return text.get("en") or text.get("de") or next(iter(text.values()), "") or fallback
