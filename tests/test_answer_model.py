"""The chat's answer model: trained only on tuning answers, exactly as shipped,
and a second opinion that only ever confirms the phrase matcher's leaning."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import lotse
from _accuracy import HELDOUT_CHAT_FILES, TRAINING_CHAT, read_all, training_answers
from lotse._answer_model import (
    AnswerModel,
    answer_features,
    answer_model_path,
    bundled_answer_model,
    train,
)
from lotse._chat import ChatMatcher

ROOT = Path(__file__).resolve().parents[1]


def test_features_are_words_and_their_letter_grams() -> None:
    assert answer_features("Ekzeme!") == ["w:ekzeme", "<ekz", "ekze", "kzem", "zeme", "eme>"]
    # Person nouns fold to one form before the letters are cut: "Ärztinnen" is "arzt".
    assert answer_features("Ärztinnen")[0] == "w:arzt"
    assert answer_features("") == []


def test_shipped_model_is_exactly_what_the_tuning_answers_train() -> None:
    """Nobody hand-edits the model, and it is never stale: retrained from the
    tuning answers, it equals the shipped file."""
    answers = training_answers()
    shipped = json.loads(answer_model_path().read_text(encoding="utf-8"))
    assert shipped == train(answers)
    assert sum(shipped["answers"]) == len(answers)


def test_no_held_out_answer_is_in_the_training() -> None:
    """The held-out sets score what the model never saw: no held-out file is a
    training file, and no held-out answer (normalised) is a training answer."""
    assert not set(HELDOUT_CHAT_FILES) & set(TRAINING_CHAT)
    held_out = {lotse.normalise(row["text"]) for row in read_all(HELDOUT_CHAT_FILES)}
    answers = training_answers()
    assert not [text for text, _ in answers if lotse.normalise(text) in held_out]
    # The training set is what the tuning figures score, less those few answers.
    tuning = len(read_all(TRAINING_CHAT))
    assert 0.95 * tuning < len(answers) < tuning


def test_leaning_of_a_small_model() -> None:
    model = AnswerModel.from_document(
        train(
            [
                ("Ich habe Schmerzen im Knie", "patient"),
                ("Schmerzen seit Wochen, welche Tablette", "patient"),
                ("Stelle als Pharmareferent gesucht", "applicant"),
                ("Bewerbung für die Stelle", "applicant"),
                ("Wie spät ist es", None),
                ("Wie wird das Wetter", None),
            ]
        )
    )
    assert model.leaning("starke Schmerzen im Rücken") == "patient"
    assert model.leaning("offene Stelle?") == "applicant"
    assert model.leaning("wie wird es morgen") is None
    # Likelier a patient's than off-topic, but not by the margin ("wie" is off-topic's word).
    assert model.leaning("wie Schmerzen") is None
    # Nothing it knows: no label leads.
    assert model.leaning("xyzzy") is None


def test_bundled_model_reads_unseen_answers() -> None:
    model = bundled_answer_model()
    assert model is not None
    assert model.leaning("Meine Hautärztin hat mir die Salbe verschrieben, wie oft auftragen?") == (
        "patient"
    )
    assert model.leaning("Quelle est la posologie chez l'insuffisant rénal ?") == "hcp"


ANSWER = "Ich habe seit drei Wochen Ekzeme an den Händen und suche Infos zu eurer Creme"


def test_second_opinion_decides_an_answer_that_only_leans() -> None:
    site = lotse.load_site(None)
    alone = ChatMatcher(site.intents)
    seconded = ChatMatcher(site.intents, second_opinion=bundled_answer_model())
    assert alone.match(ANSWER).intent is None
    found = seconded.match(ANSWER)
    assert found.visitor_type == "patient"
    assert found.intent is not None and found.intent.startswith("patient.")
    assert found.confidence == seconded.cutoff


class Contrary(AnswerModel):
    """A model that reads every answer as a job seeker's."""

    def __init__(self) -> None:
        super().__init__(["applicant"], [1], {})

    def leaning(self, text: str) -> str | None:
        return "applicant"


@pytest.mark.parametrize(
    "answer",
    [
        ANSWER,  # leans patient: an applicant model cannot second it
        "Ich bin Ärztin und habe eine Frage zur Dosierung",  # decided by phrases
        "Wie wird das Wetter morgen?",  # leans nowhere
    ],
)
def test_second_opinion_never_overrules_the_phrases(answer: str) -> None:
    site = lotse.load_site(None)
    plain = ChatMatcher(site.intents).match(answer)
    contrary = ChatMatcher(site.intents, second_opinion=Contrary()).match(answer)
    assert contrary == plain


def test_second_opinion_respects_a_negation() -> None:
    site = lotse.load_site(None)
    answer = "Ich bin keine Ärztin, aber mein Ausschlag juckt seit Tagen"
    found = ChatMatcher(site.intents, second_opinion=bundled_answer_model()).match(answer)
    assert "hcp" in found.negated
    assert found.visitor_type != "hcp"


def test_training_script_writes_the_shipped_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_answers
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    target = tmp_path / "answers.json"
    monkeypatch.setattr(train_answers, "answer_model_path", lambda: target)
    train_answers.main()
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        answer_model_path().read_text(encoding="utf-8")
    )
