"""The experiment ledger in Redis: the SQLite ledger's counts, added up atomically across nodes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lotse
from lotse_server import Ledger, Row
from lotse_server.cli import main
from lotse_server.demo import SITE_PATH
from lotse_server.experiments import site_report
from lotse_server.metrics import Metrics
from lotse_server.redis_ledger import RedisLedger, RedisLedgerReader

EXPOSURE = lotse.Record("exposed", "hero-hcp", "hero-hcp", "hcp")
CONTROL = lotse.Record("exposed", "hero-hcp", "control", "hcp")
LEAD = lotse.Record("converted", "hero-hcp", "hero-hcp", "hcp", "lead")
UNDECIDED = lotse.Record("assigned", "global", "control", None)


def totals(ledger: RedisLedgerReader | Ledger, site: str = "demo") -> dict[tuple[str, str], int]:
    """(arm, kind) -> n."""
    counted: dict[tuple[str, str], int] = {}
    for row in ledger.rows(site):
        counted[(row.arm, row.kind)] = counted.get((row.arm, row.kind), 0) + row.n
    return counted


def test_the_same_counters_as_the_sqlite_ledger(
    redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    records = [EXPOSURE, EXPOSURE, CONTROL, LEAD, UNDECIDED]
    sqlite = Ledger(tmp_path / "ledger.sqlite3")
    ledger = RedisLedger(redis_url, prefix=redis_prefix)
    before = time.time()
    try:
        for each in (sqlite, ledger):
            each.add("demo", records)
            each.add("other-site", [EXPOSURE])
            assert each.flush()
        assert (
            ledger.rows("demo")
            == sqlite.rows("demo")
            == [
                Row("global", "control", None, "assigned", None, 1),
                Row("hero-hcp", "control", "hcp", "exposed", None, 1),
                Row("hero-hcp", "hero-hcp", "hcp", "converted", "lead", 1),
                Row("hero-hcp", "hero-hcp", "hcp", "exposed", None, 2),
            ]
        )
        started = ledger.started("demo")
        assert set(started) == {"global", "hero-hcp"}
        assert before <= started["hero-hcp"] <= time.time()
        assert ledger.rows("other-site") == sqlite.rows("other-site")
    finally:
        sqlite.close()
        ledger.close()


def test_nodes_add_up_atomically_and_the_first_start_stays(
    redis_url: str, redis_prefix: str
) -> None:
    nodes = [RedisLedger(redis_url, prefix=redis_prefix, batch_seconds=0.05) for _ in range(3)]
    try:
        nodes[0].add("demo", [EXPOSURE])
        assert nodes[0].flush()
        first = nodes[0].started("demo")["hero-hcp"]

        def visits(node: RedisLedger) -> None:
            for _ in range(200):
                node.add("demo", [EXPOSURE, CONTROL])
                time.sleep(0.0005)

        threads = [threading.Thread(target=visits, args=(node,)) for node in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(node.flush() for node in nodes)
        assert totals(nodes[1]) == {("hero-hcp", "exposed"): 601, ("control", "exposed"): 600}
        assert nodes[2].started("demo")["hero-hcp"] == first
    finally:
        for node in nodes:
            node.close()


def test_counts_wait_in_memory_while_redis_is_down_and_land_once_when_it_returns(
    own_redis: Callable[..., Any],
) -> None:
    server = own_redis()
    metrics = Metrics()
    ledger = RedisLedger(
        server.url, timeout=0.5, batch_seconds=0.05,
        on_write_failure=metrics.ledger_write_failures.inc,
    )  # fmt: skip
    try:
        ledger.add("demo", [EXPOSURE])
        assert ledger.flush()
        server.kill()
        ledger.add("demo", [EXPOSURE, LEAD])
        assert not ledger.flush()  # kept, not lost
        ledger.add("demo", [CONTROL])
        assert not ledger.flush()
        assert metrics.registry.get_sample_value("lotse_ledger_write_failures_total") >= 2
        server.start()  # empty again (no persistence in the test): only what was owed
        deadline = time.monotonic() + 15
        while not ledger.flush() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert totals(ledger) == {
            ("hero-hcp", "exposed"): 1,
            ("hero-hcp", "converted"): 1,
            ("control", "exposed"): 1,
        }
    finally:
        ledger.close()


def test_a_batch_whose_answer_was_lost_is_counted_exactly_once(
    own_redis: Callable[..., Any],
) -> None:
    # Redis stops answering while the transaction is on its way (SIGSTOP): the writer
    # times out not knowing whether it ran. It does run once Redis goes on; the retry
    # must see its marker and not count it again.
    server = own_redis()
    ledger = RedisLedger(server.url, timeout=0.3, batch_seconds=0.05)
    try:
        ledger.add("demo", [UNDECIDED])
        assert ledger.flush()
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            ledger.add("demo", [EXPOSURE] * 5)
            assert not ledger.flush()
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        ledger.add("demo", [LEAD])
        deadline = time.monotonic() + 15
        while not ledger.flush() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert totals(ledger) == {
            ("control", "assigned"): 1,
            ("hero-hcp", "exposed"): 5,
            ("hero-hcp", "converted"): 1,
        }
    finally:
        ledger.close()


def test_lotse_report_reads_the_redis_ledger(
    redis_url: str,
    redis_prefix: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = lotse.load_site(SITE_PATH).engine()
    ledger = RedisLedger(redis_url, prefix=redis_prefix)
    for n in range(40):
        arm = "control" if n % 2 else "teaser-patient"
        ledger.add("demo", [lotse.Record("assigned", "teaser-patient", arm, "patient")])
        if n % 5 == 0:
            ledger.add(
                "demo", [lotse.Record("converted", "teaser-patient", arm, "patient", "lead")]
            )
    assert ledger.flush()
    expected = site_report(engine, ledger.rows("demo"), ledger.started("demo"), time.time())
    ledger.close()
    monkeypatch.setenv("LOTSE_STORE_PREFIX", redis_prefix)
    assert main(["report", "--store", redis_url, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    (experiment,) = printed["experiments"]
    assert experiment["id"] == "teaser-patient"
    assert experiment["arms"]["teaser-patient"]["sessions"] == 20
    assert experiment["arms"]["control"]["conversions"] == {"lead": 4}
    assert experiment["srm_p"] == pytest.approx(expected["experiments"][0]["srm_p"], rel=1e-3)
    # LOTSE_STORE, as the server has it, is the default.
    monkeypatch.setenv("LOTSE_STORE", redis_url)
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["experiments"][0]["id"] == "teaser-patient"


def test_lotse_report_says_when_redis_cannot_be_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conftest import free_port

    assert main(["report", "--store", f"redis://:pw@127.0.0.1:{free_port()}/0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lotse report: cannot read the ledger in Redis")
    assert "connection refused" in err and "pw@" not in err
