"""Normalisation: spelling variants of the same word must compare equal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotse._normalise import normalise, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Größe", "groesse"),
        ("Übelkeit", "uebelkeit"),
        ("schön", "schoen"),
        ("Café Crème", "cafe creme"),
        ("Señora", "senora"),
        ("a\u0308rztin", "arzt"),  # decomposed umlaut counts as "ä"
        ("  Hallo,   Welt!! ", "hallo welt"),
        ("PZN: 01234567", "pzn 01234567"),
        ("Nebenwirkungen?!", "nebenwirkungen"),
        ("e-mail_adresse", "e mail adresse"),
        ("", ""),
        ("...", ""),
        ("😀 hi 👍", "hi"),
    ],
)
def test_casefold_transliterate_and_punctuation(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "spelling",
    ["Ärztin", "Aerztin", "ÄRZTIN", "Arztin", "Ärzte", "Aerzte", "Ärzten", "Arzt", "Ärztinnen"],
)
def test_ae_and_umlaut_spellings_agree(spelling: str) -> None:
    assert normalise(spelling) == "arzt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Arzt and its compounds
        ("Hausärztin", "hausarzt"),
        ("Zahnärzte", "zahnarzt"),
        ("Kinderärztinnen", "kinderarzt"),
        # -in / -innen / plural -en on person nouns
        ("Apothekerin", "apotheker"),
        ("Apothekerinnen", "apotheker"),
        ("Patientin", "patient"),
        ("Patienten", "patient"),
        ("Patientinnen", "patient"),
        ("Bewerberin", "bewerber"),
        ("Studentin", "student"),
        ("Praktikantin", "praktikant"),
        ("Internistin", "internist"),
        ("Internisten", "internist"),
        ("Pharmazeutin", "pharmazeut"),
        ("Kardiologin", "kardiologe"),
        ("Onkologen", "onkologe"),
        ("Chirurgin", "chirurg"),
        ("Kollegin", "kollege"),
        ("Kundinnen", "kunde"),
        ("Doktorandin", "doktorand"),
        ("Redakteurin", "redakteur"),
        # gender-inclusive spellings
        ("Mitarbeiter*innen", "mitarbeiter"),
        ("Mitarbeiter:innen", "mitarbeiter"),
        ("Mitarbeiter_innen", "mitarbeiter"),
        ("Mitarbeiter/-innen", "mitarbeiter"),
        ("Mitarbeiter/innen", "mitarbeiter"),
        ("MitarbeiterInnen", "mitarbeiter"),
        ("Apotheker(in)", "apotheker"),
        ("ApothekerIn", "apotheker"),
        ("Ärzt*innen", "arzt"),
        ("Patient:innen und Ärzt:innen", "patient und arzt"),
    ],
)
def test_person_nouns_fold_to_one_form(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "word",
    [
        "Medizin",
        "Termin",
        "Login",
        "Listen",
        "Renten",
        "Insulin",
        "Vitamin",
        "Heparin",
        "Berlin",
        "Platin",
        "Gelatin",
        "Apotheken",  # the places, not the people
        "Studien",
        "Innen",
        "Beginnen",
    ],
)
def test_ordinary_words_keep_their_ending(word: str) -> None:
    assert normalise(word) == word.casefold()


def test_url_paths_give_words() -> None:
    assert words("/fachkreise/aerzte-info/Apotheker_innen?utm=x") == [
        "fachkreise",
        "arzt",
        "info",
        "apotheker",
        "utm",
        "x",
    ]
    # a lone "/in" path segment is a word of its own, not a gender ending
    assert words("/de/in/foo") == ["de", "in", "foo"]
    assert words("LinkedIn") == ["linkedin"]


def test_words_and_normalise_agree() -> None:
    text = "Ich bin Ärztin & suche Studien-Daten"
    assert normalise(text) == " ".join(words(text))
    assert words("") == []


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_output_is_plain_words(text: str) -> None:
    for word in words(text):
        assert word
        assert word == word.casefold()
        assert not any(char in "äöüß" for char in word)
        assert all(char.isalnum() for char in word)
