"""The SQLite experiment ledger: counts per arm, survives restarts, never blocks the caller."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

import lotse
from lotse_server import Ledger
from lotse_server.metrics import Metrics

EXPOSURE = lotse.Record("exposure", "hero-hcp", "treatment")
CONTROL = lotse.Record("exposure", "hero-hcp", "control")
LEAD = lotse.Record("conversion", "hero-hcp", "treatment", "lead")


def test_records_are_counted_per_experiment_arm_and_goal(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        ledger.add("demo", [EXPOSURE, EXPOSURE, CONTROL, LEAD])
        ledger.add("other-site", [EXPOSURE])
        assert ledger.flush()
        counts = {(c.experiment, c.arm): c for c in ledger.counts("demo")}
    finally:
        ledger.close()
    assert counts[("hero-hcp", "treatment")].exposures == 2
    assert counts[("hero-hcp", "treatment")].conversions == {"lead": 1}
    assert counts[("hero-hcp", "control")].exposures == 1
    assert counts[("hero-hcp", "control")].conversions == {}


def test_counts_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = Ledger(path)
    first.add("demo", [EXPOSURE, LEAD])
    first.close()  # writes what is queued
    second = Ledger(path)
    try:
        second.add("demo", [EXPOSURE])
        assert second.flush()
        (arm,) = second.counts("demo")
    finally:
        second.close()
    assert (arm.exposures, arm.conversions) == (2, {"lead": 1})


def test_a_stuck_disk_never_blocks_add_and_overflow_is_dropped_and_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    dropped: list[int] = []
    ledger = Ledger(path, max_pending=10, on_drop=dropped.append)
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
    (arm,) = ledger.counts("demo")
    ledger.close()
    assert 1 <= arm.exposures <= 11
    assert arm.exposures + sum(dropped) == 51


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
        (arm,) = ledger.counts("demo")
    finally:
        ledger.close()
    assert (arm.exposures, arm.conversions) == (1, {"lead": 1})
    assert b"lotse_ledger_write_failures_total 1.0" in metrics.render()
