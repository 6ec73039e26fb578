"""Replaying recorded protocol events through sessions, without a server.

This is what `lotse simulate` runs and what the journey tests measure: the
same `parse_event` and `Session.feed` the server uses, in the same order — a
session's first event must be `hello` for the replayed site, exactly as on
the wire — fed from a list instead of a socket.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._protocol import Error, ProtocolError, parse_event
from ._session import Outcome, Session
from ._site import Site


@dataclass(frozen=True, slots=True)
class Step:
    """One replayed event: its 1-based position in the input, its session and outcome."""

    position: int
    session: Session
    event: dict[str, Any]
    outcome: Outcome

    @property
    def errors(self) -> list[Error]:
        return [m for m in self.outcome.messages if isinstance(m, Error)]


def replay_steps(site: Site, events: Iterable[dict[str, Any]]) -> Iterator[Step]:
    """Feed protocol event dicts to one session per ``session`` key, yielding each step.

    A `hello` or `page` without a ``slots`` list is taken to show every slot of
    the site, so a simulation shows what a fully marked page would get.
    """
    engine = site.engine()
    sessions: dict[str, Session] = {}
    all_slots = list(engine.slots)
    for position, raw in enumerate(events, 1):
        key = str(raw.get("session", "default"))
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = engine.new_session(session_id=key)
        message = {name: value for name, value in raw.items() if name != "session"}
        if message.get("type") in ("hello", "page"):
            message.setdefault("slots", all_slots)
        try:
            outcome = session.feed(parse_event(message))
        except ProtocolError as exc:
            outcome = Outcome((Error(exc.code, exc.message),))
        yield Step(position, session, raw, outcome)


def replay(
    site: Site, events: Iterable[dict[str, Any]], *, trace: bool = False
) -> list[dict[str, Any]]:
    """One report per session, in order of first appearance (with `trace`: one per event).

    A report is the session's profile (`Session.summary`) plus every swap it
    was sent and the errors its events caused, each error with the `event`
    position (1-based) that caused it.
    """
    sessions: dict[str, Session] = {}
    swaps: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, list[dict[str, Any]]] = {}
    steps: list[dict[str, Any]] = []
    for step in replay_steps(site, events):
        session = step.session
        sessions.setdefault(session.id, session)
        wire = [m.to_wire() for m in step.outcome.messages]
        swaps.setdefault(session.id, []).extend(m for m in wire if m["type"] == "swap")
        errors.setdefault(session.id, []).extend(
            {**error.to_wire(), "event": step.position} for error in step.errors
        )
        if trace:
            steps.append({**session.summary(), "event": step.event.get("type"), "messages": wire})
    if trace:
        return steps
    reports = []
    for session_id, session in sessions.items():
        report = {**session.summary(), "swaps": swaps[session_id]}
        if errors[session_id]:
            report["errors"] = errors[session_id]
        reports.append(report)
    return reports
