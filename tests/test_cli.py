"""The CLI contract: flags and JSON keys other tools depend on."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lotse
from _site_files import MISSPELLINGS, Misspelling, write
from lotse_server.cli import main


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None, status: int = 0
) -> list[dict]:
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        assert main(list(argv)) == status
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
        {"session": "b", "type": "hello", "site": "demo", "url": "https://x.de/karriere/jobs"},
        {"session": "a", "type": "hello", "site": "demo", "url": "https://x.de/",
         "referrer": "https://google.com"},
        {"session": "b", "type": "click", "href": "/karriere/ausbildung"},
        {"session": "a", "type": "chat", "text": "Ich bin Ärztin"},
        {"session": "a", "type": "convert", "goal": "newsletter"},
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    reports = run(capsys, "simulate", str(path), "--json")
    assert [r["session"] for r in reports] == ["b", "a"]
    assert reports[0]["visitor_type"] == "applicant"
    assert reports[1]["visitor_type"] == "hcp"
    for report in reports:
        assert set(report) == {"session", "visitor_type", "confidence", "scores", "evidence",
                               "swaps", "intent", "persona", "stage", "optout"}  # fmt: skip
        assert abs(sum(report["scores"].values()) - 1.0) < 1.0
        assert all(isinstance(reason, str) for reason in report["evidence"])
    assert reports[1]["swaps"] and reports[1]["swaps"][0]["slot"] == "hero"
    assert reports[1]["stage"] == "converted"


def test_simulate_reads_stdin_and_traces_every_event(capsys: pytest.CaptureFixture[str]) -> None:
    events = [
        {"type": "hello", "site": "demo", "url": "/de/fachkreise/"},
        {"type": "click", "href": "/de/fachkreise/fachinformation"},
    ]
    steps = run(capsys, "simulate", "-", "--trace", stdin="\n".join(map(json.dumps, events)))
    assert [s["event"] for s in steps] == ["hello", "click"]
    assert steps[0]["messages"][0]["type"] == "welcome"
    assert steps[-1]["visitor_type"] == "hcp"


BAD_LINES = [
    '{"type": "page", "url": "/de/fachkreise/"}',  # 1: before hello
    '{"type": "hello", "site": "demo", "url": "/"}',
    "",
    "not json",  # 4
    '["a list"]',  # 5
    '{"type": "bogus"}',  # 6
    '{"type": "convert", "goal": "free-lunch"}',  # 7
    '{"type": "click"}',  # 8
    '{"type": "hello", "site": "demo", "url": "/"}',  # 9: a second hello
]


@pytest.mark.parametrize("mode", [["--json"], ["--trace"], []])
def test_simulate_reports_every_unusable_line_and_exits_1(
    capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    sys.stdin = io.StringIO("\n".join(BAD_LINES) + "\n")
    try:
        assert main(["simulate", "-", *mode]) == 1
    finally:
        sys.stdin = sys.__stdin__
    captured = capsys.readouterr()
    problems = captured.err.splitlines()
    # Lines that are not JSON objects are reported while reading, refused events after.
    lines = [int(line.split(":")[0].removeprefix("line ")) for line in problems]
    assert lines == [4, 5, 1, 6, 7, 8, 9]
    assert "hello_required" in captured.err and "unknown_goal" in captured.err
    assert "unknown_type" in captured.err and "bad_field" in captured.err
    assert "bad_message" in captured.err
    assert captured.out  # the reports still come out


def test_simulate_on_a_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    events = '{"type": "hello", "site": "demo", "url": "/karriere/"}\n'
    sys.stdin = io.StringIO(events)
    try:
        assert main(["simulate", "-"]) == 0
    finally:
        sys.stdin = sys.__stdin__
    captured = capsys.readouterr()
    assert captured.err == "" and "default: applicant" in captured.out


def check(capsys: pytest.CaptureFixture[str], path: Path | None, status: int) -> list[str]:
    """The lines `lotse check [path]` prints, after checking its exit status."""
    assert main(["check"] if path is None else ["check", str(path)]) == status
    return capsys.readouterr().out.splitlines()


def test_check_passes_on_the_demo_site(capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = check(capsys, None, 0)
    assert line.endswith("site.toml: valid (0 warning(s), 0 note(s))")


def test_check_fails_listing_every_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\n[[rule]]\nslot = "a"\nvariant = "b"\n'
        '[[intent]]\nid = "i"\nvisitor_type = "alien"\nphrases.en = ["hello there"]\n',
    )
    assert check(capsys, path, 1) == [
        f"error: {path}:4: rule[1].slot: rule 'a:b:1' refers to unknown slot 'a' "
        '(fix: define it with [[slot]] id = "a")',
        f"error: {path}:8: intent[1].visitor_type: intent 'i' names unknown visitor type "
        "'alien' (fix: use one of: applicant, hcp, patient, pharmacist; "
        "or add a [[visitor_type]])",
        f"{path}: 2 error(s); the site cannot be served",
    ]


@pytest.mark.parametrize("wrong", MISSPELLINGS, ids=lambda wrong: wrong.key)
def test_check_names_a_misspelt_key_by_line_and_suggests_the_right_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wrong: Misspelling
) -> None:
    path = write(tmp_path, wrong.site())
    assert check(capsys, path, 1) == [
        wrong.error(path),
        f"{path}: 1 error(s); the site cannot be served",
    ]


def test_check_notes_what_the_site_replaces_or_switches_off(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\n[catalogue]\noff = ["path:karriere"]\n'
        '[[intent]]\nid = "patient.side_effects"\nvisitor_type = "patient"\n'
        'phrases.de = ["Mir ist so schwindelig"]\n',
    )
    *notes, summary = check(capsys, path, 0)
    assert [re.sub(r"\(\S+:\d+\)$", "(LINE)", note) for note in notes] == [
        f"note: {path}:4: catalogue.off: switches off catalogue signal 'path:karriere' (LINE)",
        f"note: {path}:5: intent[1]: replaces catalogue intent 'patient.side_effects' (LINE)",
    ]
    assert "signals.toml:" in notes[0] and "intents.toml:" in notes[1]
    assert summary == f"{path}: valid (0 warning(s), 2 note(s))"


def test_check_warns_about_intent_collisions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\ncatalogue = false\n'
        '[[intent]]\nid = "a"\nvisitor_type = "hcp"\nphrases.de = ["Ich bin in der Apotheke"]\n'
        '[[intent]]\nid = "b"\nvisitor_type = "pharmacist"\n'
        'phrases.de = ["Ich bin in der Apotheke!"]\n',
    )
    assert check(capsys, path, 0) == [
        f"warning: {path}:11: intent[2].phrases.de: phrase 'Ich bin in der Apotheke!' appears "
        f"in both intent 'b' (pharmacist) and intent 'a' (hcp, {path}:4) "
        "(fix: reword or remove one phrase so the chat can tell them apart)",
        f"{path}: valid (1 warning(s), 0 note(s))",
    ]


def test_installed_console_script_answers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lotse_server.cli", "chat", "Bewerbung als Pharmakant", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert json.loads(done.stdout)["visitor_type"] == "applicant"


def test_check_prints_what_the_readme_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuring a site")[1].split("\n## ")[0]
    example, shown = re.findall(r"```(?:toml)?\n(.*?)```", section, re.S)
    write(tmp_path, "", "more-intents.toml")
    monkeypatch.chdir(tmp_path)
    site = Path("site.toml")
    write(tmp_path, example)
    assert check(capsys, site, 0)[-1] == "site.toml: valid (0 warning(s), 3 note(s))"
    misspelt = example.replace("holdout = 0.1", "holdot = 0.1")
    write(tmp_path, misspelt.replace('variant = "hero-hcp"\nwhen', 'variant = "hero-doc"\nwhen'))
    printed = "\n".join(check(capsys, site, 1)).replace(str(lotse.catalogue_dir()), "…/intents")
    # The catalogue's own line numbers move whenever it grows; the site file's do not.
    catalogue_line = re.compile(r"(…/intents/\w+\.toml):\d+")
    assert catalogue_line.sub(r"\1:N", printed) == catalogue_line.sub(r"\1:N", shown.strip())
