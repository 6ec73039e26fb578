"""Write `intents/answers.json`, the chat's second opinion (`lotse._answer_model`),
from the labelled tuning answers in `tests/data`, never from a held-out
answer: `tests/test_answer_model.py` retrains and fails if the shipped model
differs, or if a held-out answer could have reached it.

    python scripts/train_answers.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "sdk"), str(ROOT / "tests")]

from _accuracy import training_answers  # noqa: E402
from lotse._answer_model import answer_model_path, train  # noqa: E402


def main() -> None:
    answers = training_answers()
    document = train(answers)
    path = answer_model_path()
    path.write_text(dump(document), encoding="utf-8")
    print(f"{path}: {len(answers)} answers, {len(document['features'])} features")


def dump(document: dict[str, object]) -> str:
    """One feature per line, so a retrained model's diff shows what changed."""
    head = {key: value for key, value in document.items() if key != "features"}
    features = document["features"]
    assert isinstance(features, dict)
    lines = ",\n".join(
        f"{json.dumps(f, ensure_ascii=False)}: {json.dumps(c)}" for f, c in features.items()
    )
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": {\n' + lines + "\n}}\n"


if __name__ == "__main__":
    main()
