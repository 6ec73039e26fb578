"""The CLI contract: flags and JSON keys other tools depend on."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lotse_server.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None) -> list[dict]:
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        assert main(list(argv)) == 0
    finally:
        sys.stdin = sys.__stdin__
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


def test_chat_text_prints_one_object_with_the_contract_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    (result,) = run(capsys, "chat", "Ich bin Apothekerin", "--json")
    assert result["visitor_type"] == "pharmacist"
    assert isinstance(result["intent"], str)
    assert 0.0 <= result["confidence"] <= 1.0


def test_chat_stdin_prints_exactly_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["Ich bin Arzt", "", "asdf", "I am looking for a job", "   "]
    results = run(capsys, "chat", "--json", stdin="\n".join(lines) + "\n")
    assert len(results) == len(lines)
    assert results[0]["visitor_type"] == "hcp"
    assert results[1] == results[1] | {"intent": None, "visitor_type": None}
    assert results[3]["visitor_type"] == "applicant"
    assert all(0.0 <= r["confidence"] <= 1.0 for r in results)


def test_simulate_prints_one_object_per_session_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = [
        {"session": "b", "type": "page", "url": "https://x.de/karriere/stellenangebote"},
        {"session": "a", "type": "page", "url": "https://x.de/", "referrer": "https://google.com"},
        {"session": "b", "type": "click", "href": "/karriere/ausbildung"},
        {"session": "a", "type": "chat", "text": "Ich bin Ärztin"},
        {"session": "a", "type": "convert", "goal": "newsletter"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\nnot json\n")
    reports = run(capsys, "simulate", str(path), "--json")
    assert [r["session"] for r in reports] == ["b", "a"]
    assert reports[0]["visitor_type"] == "applicant"
    assert reports[1]["visitor_type"] == "hcp"
    for report in reports:
        assert set(report) >= {"session", "visitor_type", "confidence", "scores", "evidence",
                               "swaps"}  # fmt: skip
        assert abs(sum(report["scores"].values()) - 1.0) < 1.0
        assert all(isinstance(reason, str) for reason in report["evidence"])
    assert reports[1]["swaps"] and reports[1]["swaps"][0]["slot"] == "hero"


def test_simulate_reads_stdin_and_traces_every_event(capsys: pytest.CaptureFixture[str]) -> None:
    events = "\n".join(
        json.dumps(e)
        for e in [
            {"type": "page", "url": "/de/fachkreise/"},
            {"type": "click", "href": "/de/fachkreise/fachinformation"},
            {"type": "bogus"},
        ]
    )
    steps = run(capsys, "simulate", "-", "--trace", stdin=events)
    assert [s["event"] for s in steps] == ["page", "click", "bogus"]
    assert steps[-1]["messages"][0]["code"] == "unknown_type"


def test_check_passes_on_the_demo_site(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_fails_listing_every_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        '[site]\nid = "x"\n[[rule]]\nslot = "a"\nvariant = "b"\n'
        '[[intent]]\nid = "i"\nvisitor_type = "alien"\nphrases.en = ["hello there"]\n'
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "unknown slot 'a'" in out and "unknown visitor type 'alien'" in out
    assert "2 error(s)" in out


def test_check_warns_about_intent_collisions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        '[site]\nid = "x"\ncatalogue = false\n'
        '[[intent]]\nid = "a"\nvisitor_type = "hcp"\nphrases.de = ["Ich bin in der Apotheke"]\n'
        '[[intent]]\nid = "b"\nvisitor_type = "pharmacist"\n'
        'phrases.de = ["Ich bin in der Apotheke!"]\n'
    )
    assert main(["check", str(path)]) == 0
    assert "warning" in capsys.readouterr().out


def test_installed_console_script_answers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lotse_server.cli", "chat", "Bewerbung als Pharmakant", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert json.loads(done.stdout)["visitor_type"] == "applicant"
