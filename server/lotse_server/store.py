"""Session stores: where a session's state waits between connections.

A store keeps `Session.to_state()` dicts by session id. The interface is
async so a network store (Redis) fits behind it without changing the
endpoint; the in-memory store answers at once. State holds no personal data
(see `lotse.Session.to_state`), and sensitive pages never reach it.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, runtime_checkable

from cachetools import TTLCache

State = dict[str, Any]


@runtime_checkable
class SessionStore(Protocol):
    """Async get/put/delete of session state dicts, with an idle time-to-live."""

    async def get(self, session_id: str) -> State | None:
        """The saved state, or None if unknown or expired."""
        ...

    async def put(self, session_id: str, state: State) -> None:
        """Save (replace) the state; restarts the idle time-to-live."""
        ...

    async def delete(self, session_id: str) -> None:
        """Forget the session (opt-out); no error if it is not there."""
        ...

    async def close(self) -> None:
        """Release connections; called once on shutdown."""
        ...


class MemoryStore:
    """Sessions in this process's memory: no setup, lost on restart.

    A `cachetools.TTLCache`: an entry expires `ttl` seconds after its last
    `put`; when `max_sessions` are held the least recently used goes first, so
    memory stays bounded whatever the traffic.
    """

    def __init__(self, *, ttl: float = 1800.0, max_sessions: int = 100_000) -> None:
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._cache: TTLCache[str, State] = TTLCache(
            maxsize=max_sessions, ttl=ttl, timer=time.monotonic
        )

    def __len__(self) -> int:
        self._cache.expire()
        return len(self._cache)

    async def get(self, session_id: str) -> State | None:
        return self._cache.get(session_id)

    async def put(self, session_id: str, state: State) -> None:
        self._cache[session_id] = state

    async def delete(self, session_id: str) -> None:
        self._cache.pop(session_id, None)

    async def close(self) -> None:
        self._cache.clear()
