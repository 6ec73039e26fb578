"""`lotse report`: the sample-size and A/B modes, through the CLI's entry point."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest

import lotse
from lotse_server.cli import main


def report(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    assert main(["report", *argv]) == status
    return capsys.readouterr().out


def test_sample_size_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    out = report(
        capsys, "--sample-size", "--baseline", "0.10", "--mde", "0.20", "--alpha", "0.05",
        "--power", "0.80", "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert result["per_arm"] == 3841
    assert result["total"] == 2 * 3841 and result["arms"] == 2
    assert (result["baseline"], result["mde"], result["target"]) == (0.1, 0.2, 0.12)
    assert result["days"] is None


def test_sample_size_days_at_a_traffic_and_for_more_arms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--sample-size", "--baseline", "0.1", "--mde", "0.2", "--sessions-per-day", "1000"]
    assert json.loads(report(capsys, *args, "--json"))["days"] == 8  # 500 a day per arm
    three = json.loads(report(capsys, *args, "--arms", "3", "--json"))
    assert three["total"] == 3 * 3841 and three["days"] == 12  # 333 a day per arm
    text = report(capsys, *args)
    assert "3,841 sessions per arm" in text and "8 days" in text


def test_ab_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    result = json.loads(report(capsys, "--ab", "400/4000", "480/4000", "--json"))
    assert round(result["p_value"], 4) == 0.0043
    assert result["lift"] == 0.2
    assert result["srm_p"] == 1.0
    exact = lotse.compare(lotse.Counts(400, 4000), lotse.Counts(480, 4000))
    assert result["ci"] == pytest.approx(exact.ci, rel=1e-3)
    assert result["always_valid_p"] == pytest.approx(exact.always_valid_p, rel=1e-3)
    assert result["always_valid_ci"][0] < result["ci"][0] < 0.2 < result["ci"][1]
    assert result["arms"]["treatment"] == result["arms"]["treatment"] | {
        "conversions": 480,
        "sessions": 4000,
        "rate": 0.12,
    }
    low, high = result["arms"]["control"]["ci"]
    assert low < 0.1 < high


def test_ab_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    text = report(capsys, "--ab", "400/4000", "480/4000")
    assert "control" in text and "12.00%" in text and "+20.00%" in text
    assert "0.004255" in text and "always valid" in text

    rows = list(
        csv.DictReader(io.StringIO(report(capsys, "--ab", "400/4000", "480/4000", "--csv")))
    )
    assert [row["arm"] for row in rows] == ["control", "treatment"]
    assert rows[0]["p_value"] == "" and float(rows[1]["p_value"]) == pytest.approx(0.004255)
    assert float(rows[1]["ci_low"]) < 0.2 < float(rows[1]["ci_high"])
    assert rows[0]["srm_p"] == rows[1]["srm_p"] == "1.0"


def test_ab_with_no_control_conversion_and_an_uneven_split(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = json.loads(report(capsys, "--ab", "0/300", "4/300", "--json"))
    assert result["lift"] is None and result["ci"] is None
    assert "undefined" in report(capsys, "--ab", "0/300", "4/300")
    # A 10 % control group is no mismatch when the split says 10/90 ...
    uneven = ["--ab", "400/4000", "4300/36000", "--json"]
    assert json.loads(report(capsys, *uneven, "--split", "10/90"))["srm_p"] > 0.5
    # ... and a glaring one against the default 50/50.
    assert json.loads(report(capsys, *uneven))["srm_p"] < 0.001


def test_mistakes_are_reported_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    def refused(*argv: str) -> str:
        assert main(["report", *argv]) == 2
        return capsys.readouterr().err

    assert "--mde" in refused("--sample-size", "--baseline", "0.1")
    assert "between 0 and 1" in refused("--sample-size", "--baseline", "0.7", "--mde", "0.5")
    for bad in (["--ab", "5/4", "1/4"], ["--ab", "400", "480/4000"], ["--split", "a/b"]):
        with pytest.raises(SystemExit) as exit_:
            main(["report", *bad])
        assert exit_.value.code == 2
        assert "expected" in capsys.readouterr().err


def test_the_readme_shows_what_lotse_report_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """Each README example of `lotse report` without --json, with the output it shows."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```(?:sh)?\n(lotse report [^\n]*)\n(.*?)```", readme, re.S)
    assert len(examples) == 2
    for command, shown in examples:
        expected = "".join(
            line.removeprefix("# ") + "\n" for line in shown.splitlines() if line.strip()
        )
        out = report(capsys, *shlex.split(command)[2:])
        assert "".join(line + "\n" for line in out.splitlines() if line.strip()) == expected


# -- the ledger ---------------------------------------------------------------------------

LEDGER_SITE = """
[site]
id = "trial"
[experiments]
global_holdout = 0.1
[[goal]]
id = "lead"
[[slot]]
id = "hero"
[[slot.variant]]
id = "hero-hcp"
html = "<h2>HCP</h2>"
[[rule]]
id = "hero-hcp"
slot = "hero"
variant = "hero-hcp"
when = { visitor_type = "hcp" }
holdout = 0.5
"""


def write_ledger(tmp_path: Path) -> tuple[Path, Path]:
    from lotse_server import Ledger

    site = tmp_path / "trial.toml"
    site.write_text(LEDGER_SITE)
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite3")
    records = []
    for arm, sessions, leads in (("control", 500, 50), ("hero-hcp", 520, 70)):
        records += [lotse.Record("assigned", "hero-hcp", arm, "hcp")] * sessions
        records += [lotse.Record("exposed", "hero-hcp", arm, "hcp")] * (sessions - 20)
        records += [lotse.Record("page", "hero-hcp", arm, "hcp")] * (sessions * 3)
        records += [lotse.Record("converted", "hero-hcp", arm, "hcp", "lead")] * leads
    records += [lotse.Record("returned", "hero-hcp", "control")] * 25
    records += [lotse.Record("assigned", "global", "control", None)] * 40
    records += [lotse.Record("assigned", "global", "personalized", None)] * 400
    records += [lotse.Record("assigned", "retired-rule", "control", "hcp")] * 3
    ledger.add("trial", records)
    ledger.add("another-site", records[:10])
    ledger.close()
    return site, tmp_path / "data"


def test_the_ledger_report_shows_every_experiment_of_the_site(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site, data = write_ledger(tmp_path)
    result = json.loads(report(capsys, "--site", str(site), "--data-dir", str(data), "--json"))
    assert [e["id"] for e in result["experiments"]] == ["global", "hero-hcp"]
    assert result["retired"] == ["retired-rule"]
    experiment = result["experiments"][1]
    assert (
        experiment["arms"]["control"] | {"pages_per_session": 3.0} == experiment["arms"]["control"]
    )
    assert {arm: (a["sessions"], a["exposed"], a["conversions"]) for arm, a in
            experiment["arms"].items()} == {
        "control": (500, 480, {"lead": 50}), "hero-hcp": (520, 500, {"lead": 70})
    }  # fmt: skip
    assert experiment["status"] in ("collecting", "significant")
    assert set(experiment["goals"]["lead"]) >= {"p_value", "always_valid_p", "lift", "ci"}
    assert experiment["planned_per_arm"] == 3841
    assert experiment["arms"]["control"]["came_back"] == 25
    assert experiment["arms"]["hero-hcp"]["came_back"] == 0
    assert experiment["visitor_types"]["hcp"]["control"]["sessions"] == 500
    assert result["experiments"][0]["srm_p"] > 0.001  # 40/400 against 10/90


def test_the_ledger_report_as_a_table_and_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site, data = write_ledger(tmp_path)
    assert main(["report", "--site", str(site), "--data-dir", str(data)]) == 0
    table = capsys.readouterr().out
    assert "hero-hcp: collecting" in table or "hero-hcp: significant" in table
    assert "lead 70" in table and "no longer configured: retired-rule" in table
    assert main(["report", "--site", str(site), "--data-dir", str(data), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("experiment,status,srm_p,arm,sessions,exposed,goal")
    assert len(lines) == 1 + 2 + 2  # global: 2 arms without goals; hero-hcp: 2 arms x 1 goal


def test_the_ledger_report_for_one_visitor_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    site, data = write_ledger(tmp_path)
    argv = ["--site", str(site), "--data-dir", str(data), "--json", "--visitor-type"]
    result = json.loads(report(capsys, *argv, "unknown"))
    assert [e["id"] for e in result["experiments"]] == ["global"]


def test_without_a_ledger_the_report_says_where_it_looked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["report", "--data-dir", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "no ledger at" in err and "--data-dir" in err


def test_an_ab_test_without_a_control_arm_compares_with_its_first_arm(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from lotse_server import Ledger

    site = tmp_path / "ab.toml"
    site.write_text(
        LEDGER_SITE.replace(
            'variant = "hero-hcp"\nwhen', 'arms = { "hero-hcp" = 1, "hero-b" = 1 }\nwhen'
        )
        .replace("holdout = 0.5\n", "")
        .replace("[[rule]]", '[[slot.variant]]\nid = "hero-b"\nhtml = "<h2>B</h2>"\n[[rule]]')
    )
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite3")
    ledger.add(
        "trial",
        [lotse.Record("assigned", "hero-hcp", arm, "hcp") for arm in ("hero-hcp", "hero-b")],
    )
    ledger.close()
    result = json.loads(
        report(capsys, "--site", str(site), "--data-dir", str(tmp_path / "data"), "--json")
    )
    (experiment,) = [e for e in result["experiments"] if e["id"] == "hero-hcp"]
    assert experiment["control"] == "hero-hcp" and set(experiment["arms"]) == {"hero-hcp", "hero-b"}
