"""Session stores: where a session's state waits between connections.

Two layers:

- A `SessionStore` keeps `Session.state()` dicts by session id: `MemoryStore`
  in this process's memory, `redis_store.RedisStore` shared by every process
  and node of a deployment. The interface is four async calls, so any store
  fits behind it.
- `LiveSessions`, in front of it, holds the sessions whose connections are
  open in this process. An event only marks its session changed (`changed`, a
  dict assignment): the state dict, which takes several times as long to build
  as the decision itself, is built when it is written — for a shared store
  every `Settings.store_write_interval` (0.5 s) for the sessions that changed
  since, and at once when a connection ends (`release`). A resume (`get`) looks
  at the live sessions first, then at those waiting to be written, then asks
  the store. So the store is off each event's path, and a resume on another
  node sees a session at most about a second old.

When the store cannot be reached, visitors go on from memory: a failed write
is counted, its sessions stay waiting and are written once the store answers
again (probed with back-off), and a resume that needs the store starts fresh.
What waits is bounded (`max_pending`); beyond it the oldest is dropped and
counted. State holds no personal data (see `lotse.Session.state`), and
sensitive pages never reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from cachetools import TTLCache
from prometheus_client import Counter, Gauge

import lotse

from .metrics import Metrics

log = logging.getLogger("lotse.store")

State = dict[str, Any]
#: One session to write: (session id, the time of its last event, its state).
Save = tuple[str, float, State]
#: One session to forget (opt-out): (session id, when).
Forget = tuple[str, float]

#: A session id nobody has (ids are random URL-safe base64): the store's probe.
PROBE_SESSION = "lotse-startup-probe"
#: Sessions whose states are built and written in one go (about 20 ms of building).
_CHUNK = 256
#: Longest wait between two probes of a store that does not answer (seconds).
_MAX_BACKOFF = 5.0


class StoreError(Exception):
    """A store cannot be used: `problem` says what happened, `fix` what to do (one line each)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@runtime_checkable
class SessionStore(Protocol):
    """Async get/put/delete of session state dicts, with an idle time-to-live.

    A store may also offer ``shared = True`` (other processes read it, so
    changed sessions are written back while their connections are open; a
    store without the attribute counts as shared) and ``write(saves,
    deletes)``, many sessions in one round trip (`BatchStore`).
    """

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


@runtime_checkable
class BatchStore(SessionStore, Protocol):
    """A store that writes many sessions in one round trip."""

    async def write(self, saves: Sequence[Save], deletes: Sequence[Forget]) -> None:
        """Forget `deletes`, then save `saves`; raises when the store cannot be reached.

        A state older (by its event time) than the one stored is not written,
        and a deletion is remembered for the session TTL, so a late write from
        another node never brings back an older or opted-out session.
        """
        ...


class MemoryStore:
    """Sessions in this process's memory: no setup, lost on restart.

    A `cachetools.TTLCache`: an entry expires `ttl` seconds after its last
    `put`; when `max_sessions` are held the least recently used goes first, so
    memory stays bounded whatever the traffic.
    """

    #: Nobody else reads it: sessions are written only when their connection ends.
    shared = False

    def __init__(self, *, ttl: float = 1800.0, max_sessions: int = 100_000) -> None:
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._cache: TTLCache[str, State] = TTLCache(
            maxsize=max_sessions, ttl=ttl, timer=time.monotonic
        )

    def __len__(self) -> int:
        self._cache.expire()
        return len(self._cache)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._cache

    async def get(self, session_id: str) -> State | None:
        return self._cache.get(session_id)

    async def put(self, session_id: str, state: State) -> None:
        self._cache[session_id] = state

    async def delete(self, session_id: str) -> None:
        self._cache.pop(session_id, None)

    async def close(self) -> None:
        self._cache.clear()


class StoreMetrics:
    """The write-back's health, in the app's registry (docs/operations.md, *Metrics*)."""

    def __init__(self, metrics: Metrics, sessions: LiveSessions) -> None:
        r = metrics.registry
        self.up = Gauge(
            "lotse_store_up",
            "1 while the session store answers, 0 while it cannot be reached",
            registry=r,
        )
        self.up.set(1)
        self.writes = Counter(
            "lotse_store_writes",
            "Session states and deletions written to the session store",
            registry=r,
        )
        self.failures = Counter(
            "lotse_store_write_failures",
            "Session writes that failed because the store could not be reached; the "
            "sessions stay in memory and are written once it answers again",
            registry=r,
        )
        self.dropped = Counter(
            "lotse_store_dropped_writes",
            "Session writes given up: more sessions waiting than LOTSE_MAX_SESSIONS, "
            "waiting longer than the session TTL, or still waiting at shutdown",
            registry=r,
        )
        pending = Gauge(
            "lotse_store_pending",
            "Sessions changed, ended or deleted here and not yet written to the store",
            registry=r,
        )
        pending.set_function(lambda: float(sessions.waiting()))


class LiveSessions:
    """The sessions this process serves, held in memory and written back to a `SessionStore`.

    `changed` (every event) and `release` (a connection's end) never wait;
    `get` answers from memory when it can. A `Settings.store_write_interval`
    of `interval` applies to a shared store; ``None`` writes only ended and
    deleted sessions (the in-memory store: nothing outlives the process).
    """

    def __init__(
        self,
        store: SessionStore,
        *,
        ttl: float = 1800.0,
        interval: float | None = None,
        max_pending: int = 100_000,
        timeout: float = 5.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.interval = interval
        self.max_pending = max_pending
        self.timeout = timeout
        #: Whether the store answered the last write or probe.
        self.up = True
        self._live: dict[str, lotse.Session] = {}
        self._dirty: set[str] = set()
        #: Ended sessions waiting to be written: id -> (event time, state, queued at).
        self._pending: dict[str, tuple[float, State, float]] = {}
        #: Deletions waiting to be written: id -> when.
        self._deleted: dict[str, float] = {}
        self._backoff = interval or 0.5
        self._lock = asyncio.Lock()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._metrics = StoreMetrics(metrics, self) if metrics is not None else None
        #: States built so far (for tests and measurements: not once per event).
        self.built = 0

    # -- the event loop's side: never waits ------------------------------------------

    def changed(self, session: lotse.Session) -> None:
        """The session changed: write its state soon (with the next write-back, or at its end)."""
        session_id = session.id
        self._live[session_id] = session
        if self.interval is not None:
            self._dirty.add(session_id)
        if self._pending:
            self._pending.pop(session_id, None)  # the live session is newer

    def release(self, session: lotse.Session) -> None:
        """The session's connection ended: its state is written now, in the background."""
        if self._live.get(session.id) is not session:
            return  # never saved, deleted, or another connection holds it now
        del self._live[session.id]
        self._dirty.discard(session.id)
        self._pend(session.id, session.now, self._build(session))
        self._kick()

    async def get(self, session_id: str) -> State | None:
        """The newest state this process knows, else the store's (None if it does not answer)."""
        live = self._live.get(session_id)
        if live is not None:
            return self._build(live)
        waiting = self._pending.get(session_id)
        if waiting is not None:
            return None if time.monotonic() - waiting[2] > self.ttl else waiting[1]
        if session_id in self._deleted or not self.up:
            return None  # while the store is down a resume starts fresh, at once
        try:
            return await asyncio.wait_for(self.store.get(session_id), self.timeout)
        except Exception as exc:
            self._down(exc)
            return None

    async def put(self, session_id: str, state: State) -> None:
        """Save a state that belongs to no live session (written in the background)."""
        self._pend(session_id, time.time(), state)
        self._kick()

    async def delete(self, session_id: str) -> None:
        """Forget the session here at once, and in the store in the background."""
        self._live.pop(session_id, None)
        self._dirty.discard(session_id)
        self._pending.pop(session_id, None)
        self._deleted[session_id] = time.time()
        self._bound(self._deleted)
        self._kick()

    def held(self) -> int:
        """Sessions held here and, for the in-memory store, stored (for `lotse_sessions_stored`)."""
        own = set(self._live) | set(self._pending)
        if isinstance(self.store, MemoryStore):
            return len(self.store) + sum(1 for session_id in own if session_id not in self.store)
        return len(own)

    def __len__(self) -> int:
        return self.held()

    def waiting(self) -> int:
        """Sessions changed, ended or deleted here and not yet written."""
        return len(self._dirty) + len(self._pending) + len(self._deleted)

    def _build(self, session: lotse.Session) -> State:
        self.built += 1
        return session.state()

    def _pend(self, session_id: str, when: float, state: State) -> None:
        self._pending.pop(session_id, None)  # to the end: the dict's order is the age
        self._pending[session_id] = (when, state, time.monotonic())
        self._bound(self._pending)

    def _bound(self, waiting: dict[str, Any]) -> None:
        while len(waiting) > self.max_pending:
            del waiting[next(iter(waiting))]
            self._count_dropped(1)

    def _kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # -- writing back ------------------------------------------------------------------

    async def start(self) -> None:
        """Start writing back in the background (on the running event loop)."""
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="lotse-write-back")

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            if self.up:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
            else:
                await asyncio.sleep(self._backoff)  # a store that is down is only probed
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # a bug here must not end writing back
                log.exception("store_write_back_failed")

    async def flush(self, *, everything: bool = False) -> bool:
        """Write what waits (`everything`: every live session too); True once all is written."""
        async with self._lock:
            if not self.up and not await self._probe():
                return False
            self._expire()
            ids = list(self._live) if everything else [i for i in self._dirty if i in self._live]
            self._dirty.difference_update(ids)
            deletes = list(self._deleted.items())
            ended = list(self._pending.items())
            chunk_deletes = deletes
            for start in range(0, max(len(ids), len(ended), 1), _CHUNK):
                live_ids = ids[start : start + _CHUNK]
                saves: list[Save] = [
                    (i, session.now, self._build(session))
                    for i in live_ids
                    if (session := self._live.get(i)) is not None
                ]
                done = ended[start : start + _CHUNK]
                saves += [(i, when, state) for i, (when, state, _queued) in done]
                if not saves and not chunk_deletes:
                    continue
                try:
                    await self._write(saves, chunk_deletes)
                except Exception as exc:
                    # Live sessions are written again next time; ended ones still wait.
                    self._dirty.update(i for i in ids[start:] if i in self._live)
                    self._count_failed(len(saves) + len(chunk_deletes))
                    self._down(exc)
                    return False
                for i, entry in done:
                    if self._pending.get(i) is entry:
                        del self._pending[i]
                for i, when in chunk_deletes:
                    if self._deleted.get(i) == when:
                        del self._deleted[i]
                self._count_written(len(saves) + len(chunk_deletes))
                chunk_deletes = []
                await asyncio.sleep(0)  # let visitors' events in between chunks
            return True

    async def _write(self, saves: list[Save], deletes: list[Forget]) -> None:
        if isinstance(self.store, BatchStore):
            await asyncio.wait_for(self.store.write(saves, deletes), self.timeout)
            return
        for session_id, _when in deletes:
            await asyncio.wait_for(self.store.delete(session_id), self.timeout)
        for session_id, _when, state in saves:
            await asyncio.wait_for(self.store.put(session_id, state), self.timeout)

    async def _probe(self) -> bool:
        try:
            await asyncio.wait_for(self.store.get(PROBE_SESSION), self.timeout)
        except Exception as exc:
            self._down(exc)
            return False
        self.up = True
        self._backoff = self.interval or 0.5
        if self._metrics is not None:
            self._metrics.up.set(1)
        log.info("store_reachable_again", extra={"waiting": self.waiting()})
        return True

    def _down(self, exc: BaseException) -> None:
        if self.up:
            self.up = False
            if self._metrics is not None:
                self._metrics.up.set(0)
            problem = exc.problem if isinstance(exc, StoreError) else str(exc) or type(exc).__name__
            log.error(
                "store_unreachable",
                extra={"error": problem, "waiting": self.waiting(), "serving": "from memory"},
            )
        else:
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)

    def _expire(self) -> None:
        """Ended sessions that waited longer than the TTL would have expired in the store anyway."""
        oldest = time.monotonic() - self.ttl
        stale = [i for i, (_w, _s, queued) in self._pending.items() if queued < oldest]
        for session_id in stale:
            del self._pending[session_id]
        self._count_dropped(len(stale))

    def _count_written(self, n: int) -> None:
        if self._metrics is not None and n:
            self._metrics.writes.inc(n)

    def _count_failed(self, n: int) -> None:
        if self._metrics is not None and n:
            self._metrics.failures.inc(n)

    def _count_dropped(self, n: int) -> None:
        if self._metrics is not None and n:
            self._metrics.dropped.inc(n)

    async def close(self, timeout: float = 5.0) -> None:
        """Write every session held here (one try, up to `timeout`), then close the store."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        written = False
        with contextlib.suppress(Exception):
            written = await asyncio.wait_for(self.flush(everything=True), timeout)
        if not written:
            left = len(self._live) + len(self._pending) + len(self._deleted)
            self._count_dropped(left)
            if left:
                log.error("store_unwritten_at_shutdown", extra={"sessions": left})
        await self.store.close()
