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
    assert "--sample-size or --ab" in refused()
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
