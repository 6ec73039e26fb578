"""Replaying recorded protocol events through sessions, without a server.

This is what `lotse simulate` runs and what the journey tests measure: the
same `parse_event` and `Session.feed` the server uses, fed from a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ._context import Context
from ._protocol import Event, Hello, Message, PageView, ProtocolError, parse_event
from ._session import Session
from ._site import Site


def _context_for(event: Event, lang: str) -> Context:
    if isinstance(event, Hello | PageView):
        return Context(url=event.url, referrer=event.referrer, lang=lang)
    return Context(lang=lang)


def replay_events(
    site: Site, events: Iterable[dict[str, Any]], *, lang: str = "de"
) -> Iterator[tuple[Session, dict[str, Any], list[Message] | ProtocolError]]:
    """Feed protocol event dicts to one session per ``session`` key, yielding each step.

    Pages without a ``slots`` list are taken to show every slot of the site,
    so a simulation shows what a fully marked page would get.
    """
    engine = site.engine()
    sessions: dict[str, Session] = {}
    all_slots = list(engine.slots)

    def session_for(key: str, context: Context) -> Session:
        if key not in sessions:
            sessions[key] = engine.new_session(context, key)
        return sessions[key]

    for raw in events:
        key = str(raw.get("session", "default"))
        message = dict(raw)
        if message.get("type") == "page":
            message.setdefault("slots", all_slots)
        try:
            event = parse_event(message)
        except ProtocolError as exc:
            yield session_for(key, Context(lang=lang)), raw, exc
            continue
        session = session_for(key, _context_for(event, lang))
        yield session, raw, session.feed(event)


def replay(
    site: Site, events: Iterable[dict[str, Any]], *, trace: bool = False, lang: str = "de"
) -> list[dict[str, Any]]:
    """One summary per session, in order of first appearance (with `trace`: one per event).

    A summary is the session's profile (`Session.summary`) plus every swap it
    sent and any protocol errors its events caused.
    """
    sessions: dict[str, Session] = {}
    swaps: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, list[dict[str, Any]]] = {}
    steps: list[dict[str, Any]] = []
    for session, raw, outcome in replay_events(site, events, lang=lang):
        sessions.setdefault(session.id, session)
        if isinstance(outcome, ProtocolError):
            wire = [{"type": "error", "code": outcome.code, "message": outcome.message}]
            errors.setdefault(session.id, []).extend(wire)
        else:
            wire = [m.to_wire() for m in outcome]
            swaps.setdefault(session.id, []).extend(m for m in wire if m["type"] == "swap")
        if trace:
            steps.append({**session.summary(), "event": raw.get("type"), "messages": wire})
    if trace:
        return steps
    reports = []
    for session_id, session in sessions.items():
        report = {**session.summary(), "swaps": swaps.get(session_id, [])}
        if session_id in errors:
            report["errors"] = errors[session_id]
        reports.append(report)
    return reports
