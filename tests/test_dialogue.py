"""The chat's side of a session: answers that name a sensitive topic are never used."""

from __future__ import annotations

import pytest

import lotse
from lotse import ChatAnswer, Hello, Say


@pytest.fixture(scope="module")
def engine() -> lotse.Engine:
    """The bundled catalogue, with its default sensitive topics."""
    return lotse.load_site(None).engine()


def start(engine: lotse.Engine) -> lotse.Session:
    session = engine.new_session()
    session.feed(Hello(engine.site_id, "https://www.example.de/", lang="de"))
    return session


@pytest.mark.parametrize(
    "text",
    [
        "Info on your PrEP product please, I prescribe it at our clinic. HIV prevention",
        "Ich nehme das Medikament gegen meine Depression, kann ich es absetzen?",
        "Je suis pharmacien, question sur la pilule contraceptive",
        # An entry of several words, function words among them.
        "Pharmacienne, une patiente demande un traitement de substitution",
        # Addiction said in everyday words.
        "Meine Frau kommt vom Alkohol nicht los, habt ihr Infos?",
        "my dad has been struggling with alcohol for years",
        # Sexual function in plain words, in three languages.
        "is it safe with my heart pills? it's for erection problems",
        "Probleme mit der Erektion, hilft das Mittel?",
        "troubles de l'érection : en vente libre ?",
        # An abbreviation that is sensitive only with what it names ("ED" is also
        # the emergency department).
        "are ED tablets safe with my statins?",
        # A word sensitive only in a visitor's own words ("prep" in a path is a preparation).
        "Apothekerin, eine Kundin fragt nach PrEP",
        "my husband has had trouble in the bedroom since he started these tablets",
        # Contraception in everyday words.
        "which birth control pill works best with my acne cream?",
        "Quel contraceptif est compatible avec votre traitement ?",
        # Contraception in a visitor's own story.
        "meine Frau ist trotz Pille schwanger geworden, wie kann das sein?",
        "I really don't want to get pregnant, does it weaken the pill?",
        # Anxiety in everyday words.
        "Angstzustände und Schlafprobleme, hilft Ihr Präparat da?",
    ],
)
def test_an_answer_that_names_a_sensitive_topic_is_not_used(
    engine: lotse.Engine, text: str
) -> None:
    session = start(engine)
    outcome = session.feed(ChatAnswer(text=text))
    assert outcome.chat == "failed"
    assert session.profile.stated is None and session.profile.decided is None
    assert not any(key.startswith("chat") for key in session.profile.evidence)
    (say,) = [m for m in outcome.messages if isinstance(m, Say)]
    assert say.text in lotse._copy.SENSITIVE.values()
    assert say.choices == ()  # no question pressing for more


def test_a_word_sensitive_on_pages_only_leaves_an_answer_its_say(engine: lotse.Engine) -> None:
    """A page about alcohol is about a visitor's drinking; "can I drink alcohol
    with this?" is a question about their medicine (`[sensitive] pages`)."""
    session = start(engine)
    outcome = session.feed(ChatAnswer(text="Can I drink alcohol while taking these tablets?"))
    assert outcome.chat == "matched"
    assert session.profile.decided == "patient"


def test_the_emergency_department_is_no_sensitive_topic(engine: lotse.Engine) -> None:
    session = start(engine)
    outcome = session.feed(ChatAnswer(text="ED nurse here, dosing for a child of 20 kg?"))
    assert outcome.chat == "matched"
    assert session.profile.stated == "hcp"


def test_request_words_name_no_topic(engine: lotse.Engine) -> None:
    """ "sucht" is looking for, not addiction."""
    session = start(engine)
    outcome = session.feed(ChatAnswer(text="Apothekenteam sucht Schulungsunterlagen"))
    assert outcome.chat == "matched"
    assert session.profile.stated == "pharmacist"
