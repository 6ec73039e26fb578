"""The README's SDK example must run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_sdk_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    (example,) = python_blocks()
    exec(compile(example, str(README), "exec"), {})  # the README is ours, not visitor input
    out = capsys.readouterr().out
    assert "'variant': 'hero-ir'" in out
    assert "hero-hcp" in out
    assert out.strip().endswith("hcp")
