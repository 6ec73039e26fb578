"""The SQLite experiment ledger: counts per arm, survives restarts, never blocks the caller."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

import lotse
from lotse_server import Ledger, Row
from lotse_server.metrics import Metrics

EXPOSURE = lotse.Record("exposed", "hero-hcp", "hero-hcp", "hcp")
CONTROL = lotse.Record("exposed", "hero-hcp", "control", "hcp")
LEAD = lotse.Record("converted", "hero-hcp", "hero-hcp", "hcp", "lead")
UNDECIDED = lotse.Record("assigned", "global", "control", None)


def counted(ledger: Ledger, site: str = "demo") -> dict[tuple[str, str, str], int]:
    """(arm, kind, goal) -> n, over every visitor type."""
    totals: dict[tuple[str, str, str], int] = {}
    for row in ledger.rows(site):
        key = (row.arm, row.kind, row.goal or "")
        totals[key] = totals.get(key, 0) + row.n
    return totals


def test_records_are_counted_per_experiment_arm_visitor_type_and_goal(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    before = time.time()
    try:
        ledger.add("demo", [EXPOSURE, EXPOSURE, CONTROL, LEAD, UNDECIDED])
        ledger.add("other-site", [EXPOSURE])
        assert ledger.flush()
        rows = ledger.rows("demo")
        started = ledger.started("demo")
    finally:
        ledger.close()
    assert rows == [
        Row("global", "control", None, "assigned", None, 1),
        Row("hero-hcp", "control", "hcp", "exposed", None, 1),
        Row("hero-hcp", "hero-hcp", "hcp", "converted", "lead", 1),
        Row("hero-hcp", "hero-hcp", "hcp", "exposed", None, 2),
    ]
    assert set(started) == {"global", "hero-hcp"}
    assert before <= started["hero-hcp"] <= time.time()


def test_records_are_written_in_batches_of_about_a_second(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3", batch_seconds=2.0)
    try:
        ledger.add("demo", [EXPOSURE])
        time.sleep(0.2)
        ledger.add("demo", [LEAD])
        deadline = time.monotonic() + 10
        while not (rows := ledger.rows("demo")) and time.monotonic() < deadline:
            time.sleep(0.05)
        # The first write holds both: one batch per window, nobody had to flush.
        assert len(rows) == 2
        assert counted(ledger) == {
            ("hero-hcp", "exposed", ""): 1,
            ("hero-hcp", "converted", "lead"): 1,
        }
    finally:
        ledger.close()


def test_counts_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = Ledger(path)
    first.add("demo", [EXPOSURE, LEAD])
    first.close()  # writes what is queued
    second = Ledger(path)
    try:
        second.add("demo", [EXPOSURE])
        assert second.flush()
        totals = counted(second)
    finally:
        second.close()
    assert totals == {("hero-hcp", "exposed", ""): 2, ("hero-hcp", "converted", "lead"): 1}


def test_a_stuck_disk_never_blocks_add_and_overflow_is_dropped_and_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    dropped: list[int] = []
    ledger = Ledger(path, max_pending=10, on_drop=dropped.append, batch_seconds=0)
    # Another process holds the database: the writer thread waits, the caller must not.
    with closing(sqlite3.connect(path, isolation_level=None)) as blocker:
        blocker.execute("BEGIN EXCLUSIVE")
        ledger.add("demo", [EXPOSURE])
        time.sleep(0.2)  # the writer has taken it and is now stuck on the lock
        started = time.perf_counter()
        ledger.add("demo", [EXPOSURE] * 50)
        elapsed = time.perf_counter() - started
        blocker.execute("COMMIT")
    assert elapsed < 0.5
    assert sum(dropped) >= 40
    assert ledger.flush(timeout=30)
    exposures = counted(ledger)[("hero-hcp", "exposed", "")]
    ledger.close()
    assert 1 <= exposures <= 11
    assert exposures + sum(dropped) == 51


def test_a_file_that_is_not_a_ledger_is_refused_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"not a database\n" * 200)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        Ledger(path)


def test_a_failed_write_is_counted_and_the_writer_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    metrics = Metrics()
    ledger = Ledger(path, on_write_failure=metrics.ledger_write_failures.inc, busy_timeout=0.05)
    try:
        # Another process holds the database longer than the writer waits: that batch is lost.
        with closing(sqlite3.connect(path, isolation_level=None)) as blocker:
            blocker.execute("BEGIN EXCLUSIVE")
            ledger.add("demo", [EXPOSURE])
            assert ledger.flush()
            blocker.execute("COMMIT")
        ledger.add("demo", [EXPOSURE, LEAD])
        assert ledger.flush()
        totals = counted(ledger)
    finally:
        ledger.close()
    assert totals == {("hero-hcp", "exposed", ""): 1, ("hero-hcp", "converted", "lead"): 1}
    assert b"lotse_ledger_write_failures_total 1.0" in metrics.render()
