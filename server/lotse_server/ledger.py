"""The experiment ledger: exposures and conversions per experiment and arm, in SQLite.

Sessions hand over `lotse.Record`s (`Session.take_records()`); the ledger
counts them per site, experiment (rule id), arm and goal, in a file that
survives restarts. Writing never happens on the event loop: `add` only puts
records on a queue, and one writer thread drains it in batches, one
transaction per batch, so a slow disk delays the counts by a moment and never
delays a visitor. If the writer falls hopelessly behind (the queue is full)
new records are dropped and counted in a metric rather than eating memory;
a write that fails (disk full, database locked for too long) loses its batch,
is logged and counted (`on_write_failure`), and the writer carries on.

Opening checks the file (``PRAGMA quick_check``), so a damaged ledger is found
at start-up, where `startup.open_ledger` turns it into one line with the fix,
and not by the first visitor.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import lotse

log = logging.getLogger("lotse.ledger")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    site        TEXT NOT NULL,
    experiment  TEXT NOT NULL,
    arm         TEXT NOT NULL,
    kind        TEXT NOT NULL,          -- exposure | conversion
    goal        TEXT NOT NULL DEFAULT '',
    n           INTEGER NOT NULL,
    PRIMARY KEY (site, experiment, arm, kind, goal)
)
"""
_UPSERT = """
INSERT INTO counts (site, experiment, arm, kind, goal, n) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (site, experiment, arm, kind, goal) DO UPDATE SET n = n + excluded.n
"""

Key = tuple[str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class ArmCounts:
    """One arm of one experiment: how many sessions saw it and how many converted, per goal."""

    site: str
    experiment: str
    arm: str
    exposures: int
    conversions: dict[str, int]


class _Flush:
    """A marker put on the queue; the writer sets it once everything before it is written."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class Ledger:
    """Counts experiment records in a SQLite file, written by a background thread."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_pending: int = 100_000,
        on_drop: Callable[[int], None] | None = None,
        on_write_failure: Callable[[], None] | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        """Open (or create) the ledger; raises `sqlite3.Error` if it is unusable or damaged."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_pending)
        self._on_drop = on_drop
        self._on_write_failure = on_write_failure
        self._busy_timeout = busy_timeout
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            # Cheap for a table of aggregate counts; finds a damaged file now, not mid-visit.
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {' '.join(verdict.split())}")
        self._thread = threading.Thread(target=self._run, name="lotse-ledger", daemon=True)
        self._thread.start()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._busy_timeout)

    # -- event loop side: never blocks ------------------------------------------

    def add(self, site_id: str, records: Iterable[lotse.Record]) -> None:
        """Queue records for writing; returns at once."""
        for record in records:
            key = (site_id, record.experiment, record.arm, record.kind, record.goal or "")
            try:
                self._queue.put_nowait(key)
            except queue.Full:
                log.warning("ledger_queue_full", extra={"dropped": 1})
                if self._on_drop is not None:
                    self._on_drop(1)

    # -- writer thread ------------------------------------------------------------

    def _run(self) -> None:
        db = self._connect()
        try:
            while True:
                item = self._queue.get()
                batch: Counter[Key] = Counter()
                markers: list[_Flush] = []
                stop = False
                while True:
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, _Flush):
                        markers.append(item)
                    else:
                        batch[item] += 1  # type: ignore[index]
                    if len(batch) >= 1000:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    self._write(db, batch)
                for marker in markers:
                    marker.done.set()
                if stop:
                    return
        finally:
            db.close()

    def _write(self, db: sqlite3.Connection, batch: Counter[Key]) -> None:
        try:
            with db:
                db.executemany(_UPSERT, [(*key, n) for key, n in batch.items()])
        except sqlite3.Error as exc:
            # A known class of failure (full disk, a lock held too long): its message
            # says enough, a traceback per batch would not. Repeats are throttled (logs.py).
            log.error(
                "ledger_write_failed",
                extra={"records": sum(batch.values()), "error": str(exc)},
            )
            if self._on_write_failure is not None:
                self._on_write_failure()

    # -- blocking helpers: call from a thread (asyncio.to_thread) or tests ------------

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written."""
        if not self._thread.is_alive():
            return True
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def counts(self, site_id: str | None = None) -> list[ArmCounts]:
        """Exposures and conversions per experiment and arm (blocking read)."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT site, experiment, arm, kind, goal, n FROM counts"
                + (" WHERE site = ?" if site_id is not None else "")
                + " ORDER BY site, experiment, arm",
                (site_id,) if site_id is not None else (),
            ).fetchall()
        arms: dict[tuple[str, str, str], ArmCounts] = {}
        for site, experiment, arm, kind, goal, n in rows:
            entry = arms.setdefault(
                (site, experiment, arm), ArmCounts(site, experiment, arm, 0, {})
            )
            if kind == "exposure":
                arms[(site, experiment, arm)] = ArmCounts(
                    site, experiment, arm, entry.exposures + n, entry.conversions
                )
            else:
                entry.conversions[goal] = entry.conversions.get(goal, 0) + n
        return list(arms.values())
