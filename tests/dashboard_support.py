"""A site and a seeded experiment ledger for the dashboard's tests (HTTP and Chromium).

The seed has one experiment of each kind the dashboard must show: an A/B/n
test collecting towards its plan (`hero-hcp`, three arms, two goals), a
sample-ratio mismatch (`teaser-patient`: 900 against 600 on a 50/50 split),
the global holdout, and a rule no longer in the site file (`old-rule`).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import lotse
from lotse_server import Ledger
from lotse_server.ledger import LEDGER_FILE

SITE_ID = "board"
SITE_TOML = """
[site]
id = "board"
name = "Dashboard Test Pharma"
catalogue = true

[experiments]
global_holdout = 0.05
baseline = 0.10
mde = 0.20

[[goal]]
id = "lead"
name = { en = "Contact request", de = "Kontaktanfrage" }
[[goal]]
id = "newsletter"
name = "Newsletter"

[[slot]]
id = "hero"
[[slot.variant]]
id = "hero-hcp"
audience = ["hcp"]
html = "<h2>For professionals</h2>"
[[slot.variant]]
id = "hero-hcp-study"
audience = ["hcp"]
html = "<h2>New study data</h2>"
[[slot.variant]]
id = "hero-pharmacist"
audience = ["pharmacist"]
html = "<h2>For pharmacies</h2>"

[[slot]]
id = "teaser"
[[slot.variant]]
id = "teaser-patient"
audience = ["patient"]
html = "<p>Guides for patients</p>"

[[rule]]
id = "hero-hcp"
slot = "hero"
arms = { control = 1, "hero-hcp" = 1, "hero-hcp-study" = 1 }
when = { visitor_type = "hcp" }

[[rule]]
id = "hero-pharmacist"
slot = "hero"
variant = "hero-pharmacist"
when = { visitor_type = "pharmacist" }
holdout = 0

[[rule]]
id = "teaser-patient"
slot = "teaser"
variant = "teaser-patient"
when = { visitor_type = "patient" }
holdout = 0.5
"""

#: experiment -> arm -> (assigned sessions, {goal: sessions converted}), with each arm's
#: configured split for the independent check in the tests.
SEED: dict[str, dict[str, tuple[int, dict[str, int]]]] = {
    "hero-hcp": {
        "control": (2000, {"lead": 200, "newsletter": 60}),
        "hero-hcp": (2010, {"lead": 262, "newsletter": 72}),
        "hero-hcp-study": (1990, {"lead": 214, "newsletter": 58}),
    },
    "teaser-patient": {
        "control": (900, {"lead": 45}),
        "teaser-patient": (600, {"lead": 39}),
    },
    "global": {
        "control": (160, {"lead": 12}),
        "personalized": (3050, {"lead": 260}),
    },
    "old-rule": {"control": (5, {})},
}
SPLITS = {
    "hero-hcp": {"control": 1.0, "hero-hcp": 1.0, "hero-hcp-study": 1.0},
    "teaser-patient": {"control": 0.5, "teaser-patient": 0.5},
    "global": {"control": 0.05, "personalized": 0.95},
}
#: Sessions per arm the plan above needs (baseline 0.10, mde 0.20, alpha 0.05, power 0.80).
PLANNED_PER_ARM = lotse.sample_size_per_arm(0.10, 0.20)
#: Exposed sessions are this many fewer than the assigned ones in every arm.
NOT_EXPOSED = 30


def write_site(directory: Path) -> Path:
    path = directory / "board.toml"
    path.write_text(SITE_TOML, encoding="utf-8")
    return path


def seed_records() -> list[lotse.Record]:
    records: list[lotse.Record] = []
    for experiment, arms in SEED.items():
        for arm, (sessions, conversions) in arms.items():
            records += [lotse.Record("assigned", experiment, arm, "hcp")] * sessions
            records += [lotse.Record("exposed", experiment, arm, "hcp")] * max(
                sessions - NOT_EXPOSED, 0
            )
            for goal, converted in conversions.items():
                records += [lotse.Record("converted", experiment, arm, "hcp", goal)] * converted
    return records


def seed_ledger(data_dir: Path, *, started_days_ago: float = 0.0) -> Path:
    """Write the seed into ``DATA_DIR/ledger.sqlite3`` (closed again) and date its start."""
    path = data_dir / LEDGER_FILE
    ledger = Ledger(path)
    ledger.add(SITE_ID, seed_records())
    ledger.close()
    if started_days_ago:
        # The ledger dates an experiment by its first write; the seed pretends it ran a while.
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(
                "UPDATE experiments SET started = ? WHERE site = ?",
                (time.time() - started_days_ago * 86400, SITE_ID),
            )
    return path


def expected_report(experiment: str) -> dict[str, object]:
    """The seed's report of one experiment, straight from the core's statistics."""
    tallies = {
        arm: lotse.ArmTally(sessions, max(sessions - NOT_EXPOSED, 0), conversions)
        for arm, (sessions, conversions) in SEED[experiment].items()
    }
    return lotse.analyse(
        experiment, tallies, SPLITS[experiment], planned_per_arm=PLANNED_PER_ARM, mixing_lift=0.20
    )


def p_text(value: float) -> str:
    """A p-value as the dashboard prints it (four significant digits, as `lotse report`)."""
    return "< 0.0001" if value < 0.0001 else f"{value:.4g}"


def p_phrase(value: float) -> str:
    """``p = 0.1234``, or ``p < 0.0001``."""
    return "p < 0.0001" if value < 0.0001 else f"p = {p_text(value)}"
