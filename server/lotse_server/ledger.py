"""The experiment ledger: what each arm of each experiment counted, in SQLite.

Sessions hand over `lotse.Record`s (`Outcome.records`); the ledger counts
them per site, experiment, arm, visitor type, kind (assigned, exposed,
converted, page) and goal, in a file that survives restarts. Nothing per
session is stored: the ledger holds aggregate counts only.

Writing never happens on the event loop: `add` only puts records on a queue,
and one writer thread drains it in batches — whatever arrived within
`batch_seconds` (one second by default), one transaction per batch — so a
slow disk delays the counts by a moment and never delays a visitor, and a
process killed outright (`kill -9`) loses at most the last batch: about the
last second of records. If the writer falls hopelessly behind (the queue is
full) new records are dropped and counted in a metric rather than eating
memory; a write that fails (disk full, database locked for too long) loses
its batch, is logged and counted (`on_write_failure`), and the writer carries
on.

Opening checks the file (``PRAGMA quick_check``), so a damaged ledger is found
at start-up, where `startup.open_ledger` turns it into one line with the fix,
and not by the first visitor.

The queue and the writer thread are `QueuedLedger`'s, shared with the ledger in
Redis (`redis_ledger.py`, for several processes and nodes); both have the small
interface the server and the readers use, `ExperimentLedger`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import lotse

log = logging.getLogger("lotse.ledger")

# `tallies` replaced version 1's `counts` (no visitor type, exposures and conversions
# only); a file with the old table keeps it untouched and counts anew.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tallies (
    site          TEXT NOT NULL,
    experiment    TEXT NOT NULL,
    arm           TEXT NOT NULL,
    visitor_type  TEXT NOT NULL DEFAULT '',  -- '' while no type was decided
    kind          TEXT NOT NULL,             -- assigned | exposed | converted | page
    goal          TEXT NOT NULL DEFAULT '',
    n             INTEGER NOT NULL,
    PRIMARY KEY (site, experiment, arm, visitor_type, kind, goal)
);
CREATE TABLE IF NOT EXISTS experiments (
    site          TEXT NOT NULL,
    experiment    TEXT NOT NULL,
    started       REAL NOT NULL,             -- when its first record was written
    PRIMARY KEY (site, experiment)
);
"""
_UPSERT = """
INSERT INTO tallies (site, experiment, arm, visitor_type, kind, goal, n)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (site, experiment, arm, visitor_type, kind, goal) DO UPDATE SET n = n + excluded.n
"""
_STARTED = "INSERT OR IGNORE INTO experiments (site, experiment, started) VALUES (?, ?, ?)"

#: (site, experiment, arm, visitor type, kind, goal)
Key = tuple[str, str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class Row:
    """One counter of the ledger: records of one kind in one arm, for one visitor type."""

    experiment: str
    arm: str
    visitor_type: str | None
    kind: str
    goal: str | None
    n: int


class _Flush:
    """A marker put on the queue; the writer sets it once everything before it is written."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()
#: What `QueuedLedger._next` returns when nothing came in time.
_NOTHING = object()
#: The ledger's file name in the data directory.
LEDGER_FILE = "ledger.sqlite3"
#: Most distinct counters written in one transaction.
_MAX_BATCH = 5000


@runtime_checkable
class ExperimentLedger(Protocol):
    """What the server and the readers need of a ledger: SQLite (`Ledger`) or Redis.

    `add` is called on the event loop and never blocks; the others block (call
    them from a thread) — `rows` and `started` are what `experiments.site_report`
    reads.
    """

    def add(self, site_id: str, records: Iterable[lotse.Record]) -> None: ...

    def rows(self, site_id: str) -> list[Row]: ...

    def started(self, site_id: str) -> dict[str, float]: ...

    def flush(self, timeout: float = 10.0) -> bool: ...

    def close(self, timeout: float = 10.0) -> None: ...


class QueuedLedger:
    """The part every ledger shares: `add` queues, one writer thread writes batches.

    A subclass writes a batch (`_write`, in the writer thread) and may keep a
    batch it could not write for a later try (`_owed`, `_retry_after`).
    """

    def __init__(
        self,
        *,
        max_pending: int = 100_000,
        on_drop: Callable[[int], None] | None = None,
        on_write_failure: Callable[[], None] | None = None,
        batch_seconds: float = 1.0,
        name: str = "lotse-ledger",
    ) -> None:
        #: Keys, flush markers and the stop marker, oldest first. A deque rather than a
        #: `queue.Queue`: its append needs no lock (a Queue's put took a lock and
        #: notified a condition for every record), and the writer is woken only when
        #: it waits for work (`_ready`), not for every record.
        self._items: deque[object] = deque()
        self._max_pending = max_pending
        #: Set when something arrives in an empty deque (the writer may be waiting).
        self._ready = threading.Event()
        #: Cuts the writer's batch window short: set by `flush` and `close` only, so
        #: records arriving within a window never wake the writer one by one.
        self._wake = threading.Event()
        self._on_drop = on_drop
        self._on_write_failure = on_write_failure
        self.batch_seconds = batch_seconds
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _start(self) -> None:
        self._thread.start()

    # -- event loop side: never blocks ------------------------------------------

    def add(self, site_id: str, records: Iterable[lotse.Record]) -> None:
        """Queue records for writing; returns at once."""
        items = self._items
        for record in records:
            if len(items) >= self._max_pending:
                log.warning("ledger_queue_full", extra={"dropped": 1})
                if self._on_drop is not None:
                    self._on_drop(1)
                continue
            idle = not items
            items.append(
                (
                    site_id,
                    record.experiment,
                    record.arm,
                    record.visitor_type or "",
                    record.kind,
                    record.goal or "",
                )
            )
            if idle:
                self._ready.set()

    def _put(self, item: object) -> None:
        """A marker: past the bound, and it cuts the writer's wait and window short."""
        self._items.append(item)
        self._ready.set()
        self._wake.set()

    # -- writer thread ------------------------------------------------------------

    def _write(self, batch: Counter[Key]) -> None:
        raise NotImplementedError

    def _owed(self) -> bool:
        """Whether counts from an earlier batch still wait to be written."""
        return False

    def _retry_after(self) -> float | None:
        """Seconds until owed counts are tried again when nothing new arrives (None: never)."""
        return None

    def _finish(self) -> None:
        """Release what the writer thread opened (runs in it, last)."""

    def _next(self, timeout: float | None) -> object:
        """The oldest item, waiting up to `timeout` seconds for one (`_NOTHING` if none)."""
        items = self._items
        while True:
            try:
                return items.popleft()
            except IndexError:
                pass
            self._ready.clear()  # before looking again: an append after this sets it
            if items:
                continue
            if not self._ready.wait(timeout):
                return _NOTHING

    def _run(self) -> None:
        try:
            while True:
                item = self._next(self._retry_after())
                if item is _NOTHING:
                    self._write(Counter())  # try the owed counts again
                    continue
                batch, markers, stop = self._collect(item)
                if batch or self._owed():
                    self._write(batch)
                for marker in markers:
                    marker.done.set()
                if stop:
                    return
        finally:
            self._finish()

    def _collect(self, item: object) -> tuple[Counter[Key], list[_Flush], bool]:
        """Gather one batch: what arrives within `batch_seconds` of its first record.

        A flush or stop marker ends the batch at once, and so does a batch of
        many distinct counters (one transaction stays short).
        """
        batch: Counter[Key] = Counter()
        markers: list[_Flush] = []
        deadline = time.monotonic() + self.batch_seconds
        while True:
            if item is _STOP:
                return batch, markers, True
            if isinstance(item, _Flush):
                markers.append(item)
                return batch, markers, False
            batch[item] += 1  # type: ignore[index]
            if len(batch) >= _MAX_BATCH:
                return batch, markers, False
            try:
                item = self._items.popleft()
                continue
            except IndexError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return batch, markers, False
            # Sleep out the window rather than wait for items: a waiting writer is
            # woken by every record added (a GIL hand-off per event).
            self._wake.wait(remaining)
            self._wake.clear()
            try:
                item = self._items.popleft()
            except IndexError:
                return batch, markers, False

    def _failed(self) -> None:
        if self._on_write_failure is not None:
            self._on_write_failure()

    # -- blocking helpers: call from a thread (asyncio.to_thread) or tests ------------

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False if some could not be."""
        if not self._thread.is_alive():
            return not self._owed()
        marker = _Flush()
        self._put(marker)
        return marker.done.wait(timeout) and not self._owed()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer thread."""
        if self._thread.is_alive():
            self._put(_STOP)
            self._thread.join(timeout)


class Ledger(QueuedLedger):
    """Counts experiment records in a SQLite file, written by a background thread."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_pending: int = 100_000,
        on_drop: Callable[[int], None] | None = None,
        on_write_failure: Callable[[], None] | None = None,
        busy_timeout: float = 30.0,
        batch_seconds: float = 1.0,
    ) -> None:
        """Open (or create) the ledger; raises `sqlite3.Error` if it is unusable or damaged."""
        super().__init__(
            max_pending=max_pending,
            on_drop=on_drop,
            on_write_failure=on_write_failure,
            batch_seconds=batch_seconds,
        )
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout = busy_timeout
        self._db: sqlite3.Connection | None = None  # the writer thread's own
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            # Cheap for a table of aggregate counts; finds a damaged file now, not mid-visit.
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {' '.join(verdict.split())}")
        self._start()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._busy_timeout)

    def _write(self, batch: Counter[Key]) -> None:
        if self._db is None:
            self._db = self._connect()
        started = time.time()
        experiments = {(key[0], key[1], started) for key in batch}
        try:
            with self._db as db:
                db.executemany(_UPSERT, [(*key, n) for key, n in batch.items()])
                db.executemany(_STARTED, sorted(experiments))
        except sqlite3.Error as exc:
            # A known class of failure (full disk, a lock held too long): its message
            # says enough, a traceback per batch would not. Repeats are throttled (logs.py).
            log.error(
                "ledger_write_failed",
                extra={"records": sum(batch.values()), "error": str(exc)},
            )
            self._failed()

    def _finish(self) -> None:
        if self._db is not None:
            self._db.close()

    def rows(self, site_id: str) -> list[Row]:
        """Every counter of one site (blocking read)."""
        with closing(self._connect()) as db:
            return read_rows(db, site_id)

    def started(self, site_id: str) -> dict[str, float]:
        """When each experiment of one site got its first record (seconds since the epoch)."""
        with closing(self._connect()) as db:
            return read_started(db, site_id)


def read_rows(db: sqlite3.Connection, site_id: str) -> list[Row]:
    found = db.execute(
        "SELECT experiment, arm, visitor_type, kind, goal, n FROM tallies WHERE site = ? "
        "ORDER BY experiment, arm, visitor_type, kind, goal",
        (site_id,),
    ).fetchall()
    return [Row(e, a, t or None, k, g or None, n) for e, a, t, k, g, n in found]


def read_started(db: sqlite3.Connection, site_id: str) -> dict[str, float]:
    found = db.execute(
        "SELECT experiment, started FROM experiments WHERE site = ?", (site_id,)
    ).fetchall()
    return {experiment: started for experiment, started in found}


def open_read_only(path: Path) -> sqlite3.Connection:
    """The ledger file for reading only (a report never changes or creates it)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
