"""The chat matcher: a free-text answer to "Was führt Sie zu uns?" -> intent.

The labelled answers in ``tests/data/chat_answers.jsonl`` were written before
the matcher and the catalogue, as realistic visitor answers phrased unlike the
catalogue phrases, so the accuracy test measures generalisation. Run with
``-s`` to see the figures and a confusion summary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lotse
from lotse._chat import ChatMatch, ChatMatcher
from lotse._language import bundled_languages
from lotse._model import DEFAULT_VISITOR_TYPES, PERSONAS, Intent, Tuning

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "tests" / "data" / "chat_answers.jsonl"
#: Every language the catalogue speaks: a language file in intents/lang/ each.
LANGUAGES = bundled_languages().ids


def load_answers() -> list[dict[str, Any]]:
    with ANSWERS.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


@pytest.fixture(scope="module")
def intents() -> list[Intent]:
    """The bundled catalogue's intents, read by the real loader."""
    return list(lotse.load_site(None).intents)


@pytest.fixture(scope="module")
def matcher(intents: list[Intent]) -> ChatMatcher:
    tuning = Tuning()
    return ChatMatcher(intents, cutoff=tuning.chat_cutoff, min_length=tuning.chat_min_length)


# -- the catalogue ----------------------------------------------------------------


def test_catalogue_is_complete(intents: list[Intent]) -> None:
    ids = [intent.id for intent in intents]
    assert len(ids) == len(set(ids)), "intent ids are unique"
    by_type = Counter(intent.visitor_type for intent in intents)
    for visitor_type in DEFAULT_VISITOR_TYPES:
        assert by_type[visitor_type] >= 3, f"{visitor_type} needs several intents"
    assert "general.browsing" in ids
    for intent in intents:
        assert intent.id.split(".")[0] == (intent.visitor_type or "general"), intent.id
        assert set(intent.phrases) == set(LANGUAGES), intent.id
        assert all(len(intent.phrases[lang]) >= 8 for lang in LANGUAGES), intent.id
        assert all(intent.reply.get(lang) for lang in LANGUAGES), intent.id
        assert not any("<" in text for text in intent.reply.values()), "replies are plain text"
        if intent.persona is not None:
            assert intent.persona in PERSONAS
            assert intent.visitor_type in ("hcp", "pharmacist")


# -- accuracy on answers the catalogue never saw ------------------------------------


def test_labelled_answers_are_well_formed() -> None:
    answers = load_answers()
    assert len(answers) >= 200
    assert sum(a["visitor_type"] is not None for a in answers) >= 150
    assert sum(a["visitor_type"] is None for a in answers) >= 50
    for answer in answers:
        assert set(answer) == {"text", "visitor_type", "lang"}
        assert answer["visitor_type"] in (*DEFAULT_VISITOR_TYPES, None)
        assert answer["lang"] in ("de", "en")
    assert len({a["text"] for a in answers}) == len(answers), "no duplicates"


def test_accuracy_on_labelled_answers(matcher: ChatMatcher) -> None:
    answers = load_answers()
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for answer in answers:
        expected = answer["visitor_type"]
        got = matcher.match(answer["text"]).visitor_type
        confusion[(expected or "-", got or "-")] += 1
        if got != expected:
            misses.append(f"  {expected or '-':>10} -> {got or '-':<10} {answer['text']!r}")

    in_scope = [a for a in answers if a["visitor_type"] is not None]
    off_topic = [a for a in answers if a["visitor_type"] is None]
    right_in = sum(confusion[(a, a)] for a in DEFAULT_VISITOR_TYPES)
    right_off = confusion[("-", "-")]
    wrong = sum(n for (e, g), n in confusion.items() if e != "-" and g not in ("-", e))
    in_rate, off_rate = right_in / len(in_scope), right_off / len(off_topic)

    labels = [*DEFAULT_VISITOR_TYPES, "-"]
    print(f"\nin-scope: {right_in}/{len(in_scope)} = {in_rate:.1%} right type")
    print(f"  confidently wrong: {wrong}, no guess: {len(in_scope) - right_in - wrong}")
    print(f"off-topic: {right_off}/{len(off_topic)} = {off_rate:.1%} no type")
    print("confusion (rows: labelled, columns: matched, '-': none)")
    print(" " * 12 + "".join(f"{label:>11}" for label in labels))
    for expected in labels:
        print(f"{expected:>12}" + "".join(f"{confusion[(expected, g)]:>11}" for g in labels))
    print("misses:", *misses, sep="\n")

    assert in_rate >= 0.95
    assert off_rate >= 0.90
    # A confident wrong guess is worse than none: keep those rare.
    assert wrong <= 0.02 * len(in_scope)


def test_matched_type_is_the_intents_type(matcher: ChatMatcher, intents: list[Intent]) -> None:
    types = {intent.id: intent.visitor_type for intent in intents}
    for answer in load_answers():
        result = matcher.match(answer["text"], answer["lang"])
        if result.intent is None:
            assert result.visitor_type is None
        else:
            assert result.visitor_type == types[result.intent]
            assert result.confidence >= matcher.cutoff


# -- the cases the brief calls out ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Meine Mutter ist Patientin", "patient"),  # a carer
        ("Ich suche einen Arzt", "patient"),  # looking for a doctor, not one
        ("ich suche eine gute Kardiologin in Hamburg", "patient"),
        ("I need a doctor", "patient"),
        ("Wo ist die nächste Apotheke", "patient"),  # looking for a pharmacy
        ("I need a job as a pharmacist", "applicant"),
        ("Ich bin Ärztin und suche eine neue Stelle", "applicant"),
        ("Stellenangebot PTA", "applicant"),
        ("Kinderärztin, Frage zur Dosierung", "hcp"),  # doctors ask about dosing too
        ("Ich bin Apothekerin und suche Studien", "pharmacist"),
        ("Ich bin Dermatologe und habe Patienten mit Schuppenflechte", "hcp"),
        ("Infomaterial für meine Patienten", "hcp"),
        ("Mein Hausarzt hat mir das verschrieben", "patient"),
        # Someone the visitor got it from is their care, not the visitor...
        ("hab das vom Arzt bekommen, wie lange nehmen?", "patient"),
        ("j'ai eu ça du médecin, c'est pour combien de temps ?", "patient"),
        # ...but a message from someone is from the visitor.
        ("Anfrage von einer PTA: Lieferbarkeit der 50er Packung?", "pharmacist"),
        ("Frage von einer Apothekerin: wie lange ist das nach Anbruch haltbar?", "pharmacist"),
        ("Kurze Frage from a nurse: gibt es das auch als Infusion?", "hcp"),
        # The smallest of the family are family too.
        ("can i give this to my toddler", "patient"),
        ("Darf mein Kleinkind das schon nehmen?", "patient"),
        ("Brauche einen Termin beim Frauenarzt", "patient"),
        ("Notärztin", "hcp"),  # a compound with a role as its head
        ("Gyn hier, Interaktion mit hormoneller Therapie?", "hcp"),  # a clipped specialty
        # A profession after words that name no role still leads the answer.
        ("Newly qualified pharmacist, is the allergy label right on the 10 mg box?", "pharmacist"),
        ("Senior Staff Nurse: allergy query on the excipients", "hcp"),
        # An abbreviation's full stop ends no clause.
        ("Dipl. Pflegefachmann HF, suche Schulungsunterlagen für unsere Abteilung", "hcp"),
        ("Approb. Apotheker, wo ist die aktuelle Fachinfo?", "pharmacist"),
        # "re" is "regarding" here, not "we're": no role is stated by it.
        ("Clinical pharmacist, query re renal dosing in the elderly", "pharmacist"),
        # A patient's scattered words do not outweigh a stated role.
        (
            "Frage: bin Apothekerin im Heim, wie lang ist das offen im Kühlschrank haltbar?",
            "pharmacist",
        ),
        # A colloquial greeting before the role takes none of its lead.
        ("Tach, Hebamme vom Geburtshaus, brauche Infos zum Pflaster", "hcp"),
        # The professions' new and short titles; "Applikation" is giving a medicine.
        ("MTL im Klinikum, Frage zur Applikation als Kurzinfusion", "hcp"),
        ("PFK im Heim, wie lange ist der Saft nach Anbruch haltbar?", "hcp"),
        ("chiropractor here, is there a leaflet I can hand out?", "hcp"),
        # Applying an ointment is no job application, whoever it is for.
        ("how thick do i apply the ointment on my son", "patient"),
        ("how often can I apply the gel", "patient"),
        ("need patient leaflets to hand out at our practice", "hcp"),  # no role leads
        # A role in a noun phrase an article opens is sought, not the visitor.
        ("Is there a helpline nurse I can talk to? The injections scare me.", "patient"),
        # The field's shorthand (`[aliases]`): students, side effects, wholesalers.
        ("Werkstudentenjob für Studis im Labor?", "applicant"),
        ("any common SEs with this?", "patient"),
        ("Is the 56-pack available via AAH this week?", "pharmacist"),
        # A hyphenated compound known as one word is that word.
        ("Als Pharma-Assistentin in Luzern brauche ich die Fachinfo der Tropfen", "pharmacist"),
        ("Pharma-Referentin werden, wie geht das?", "applicant"),
    ],
)
def test_hard_cases(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Artz", "hcp"),
        ("Artzt", "hcp"),
        ("Aerztin", "hcp"),
        ("Arztin", "hcp"),
        ("bin Aertzin", "hcp"),
        ("docter", "hcp"),
        ("physican", "hcp"),
        ("Apoteker", "pharmacist"),
        ("Apothekr", "pharmacist"),
        ("pharmazist", "pharmacist"),
        ("Bewerbnug", "applicant"),
        ("aplication status", "applicant"),
        ("jobb", "applicant"),
        ("Praktikkum", "applicant"),
        ("Nebenwirkugen", "patient"),
        ("Beipackzetel", "patient"),
        ("side efects", "patient"),
        ("patiant", "patient"),
    ],
)
def test_typos(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # Bavarian and Austrian: an ending's "e" dropped, dialect function words.
        ("möcht mi gern bei eich bewerbn", "applicant"),
        ("wo muass i mei Bewerbung hinschickn", "applicant"),
        ("hob a Frog zum Beipackzettl", "patient"),
        # A plural written so: the stem of its written-out form.
        ("wir san a Apothekn in Tirol, brauchn an neuen Ansprechpartner", "pharmacist"),
        ("Hebi aus Graz, habts Infomaterial für Schwangere?", "hcp"),
        # Swiss German "dr" is the article, French "Dr" the title written out.
        ("Ha dr Bipackzettel verlore", "patient"),
        ("Dr en pharmacie ici", "pharmacist"),
        ("Notfallsani hier, darf das Spray im Rettungswagen liegen?", "hcp"),
    ],
)
def test_dialect_spellings(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


def test_a_unit_after_a_number_is_no_alias(matcher: ChatMatcher) -> None:
    """ "5 mg" is milligrams, not the French "MG" (médecin généraliste); "30 grad"
    degrees, not a graduate."""
    assert (
        matcher.match("where's the leaflet for the 10 mg tabs? lost mine").visitor_type == "patient"
    )
    assert matcher.match("Flasche lag bei 30 Grad im Auto, noch gut?").visitor_type != "applicant"


@pytest.mark.parametrize(
    "text",
    [
        # A short alias of another language is no word of this one: "fi" is German
        # shorthand for the Fachinformation, not the end of "sci-fi".
        "Recommend me a good sci-fi series.",
        # "n" is texting's "and" in English, not French "ne": no denial.
        "hiii i'm a uni student n want an internship this summer pls",
    ],
)
def test_another_languages_short_words_are_not_read_into_an_answer(
    matcher: ChatMatcher, text: str
) -> None:
    expected = "applicant" if "internship" in text else None
    assert matcher.match(text).visitor_type == expected


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A word for the kind of place between the possessive and the place.
        ("Our specialty pharmacy needs the enrollment forms", "pharmacist"),
        ("Wir als kleine Landapotheke brauchen Bestellformulare", "pharmacist"),
        # A patient word before a programme the catalogue knows names the programme,
        # not someone the visitor treats.
        (
            "Looking for a patient support program to help with the cost of my pills",
            "patient",
        ),
        ("Looking for dosing advice for a patient with renal impairment", "hcp"),
    ],
)
def test_whose_place_and_whose_patient(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    "text",
    [
        "can i give this to my 2 year old",
        "is the syrup ok for my 4 yo",
        "Meine 3-Jährige hat Fieber, wie viel Saft darf sie?",
    ],
)
def test_a_child_named_by_age_is_family(matcher: ChatMatcher, text: str) -> None:
    """A number and an age after "my" name a relative: a parent asking."""
    assert matcher.match(text).visitor_type == "patient"


def test_the_stock_exchange_is_an_investors_topic(matcher: ChatMatcher) -> None:
    """Not the stock a pharmacy orders."""
    assert matcher.match("Is your company listed on the stock exchange?").visitor_type is None
    assert matcher.match("Is the 20 mg strength in stock?").visitor_type == "pharmacist"


def test_a_statement_word_is_read_in_the_answers_own_language(matcher: ChatMatcher) -> None:
    """French "m'envoyer" is "send me", not English "I'm": what follows is no
    role the visitor states ("le RCP" would make them a doctor)."""
    assert matcher.match("Préparatrice : vous pouvez m'envoyer le RCP ?").visitor_type == (
        "pharmacist"
    )


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # Texting English: "im" is "I'm"...
        ("yo im a nurse, got a q about injection site rotation", "hcp"),
        ("hey im a pharmacist, question about storing the pens", "pharmacist"),
        # ...and German "in the", in Swiss German too: no hospital the visitor speaks for.
        ("Ich bin im Spital gsi und han die Tablette becho", "patient"),
        ("Ich hätt gern Infos für mini Mueter, sie isch im Spital wäge de Hüfte", "patient"),
    ],
)
def test_im_is_read_as_the_answer_writes_it(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


def test_another_form_is_read_in_the_answers_own_language(matcher: ChatMatcher) -> None:
    """English "still" is no German "stille" (breastfeeding), French "je traîne"
    (I'm hanging around) no English "trainee"."""
    assert matcher.match(
        "Saw the QA specialist role on LinkedIn, is it still open?"
    ).visitor_type != ("patient")
    assert matcher.match("bof, je traîne").visitor_type is None


@pytest.mark.parametrize(
    "text",
    [
        "I'm a nurse, need training material for the new pen",
        "practice nurse here, is there a training video for the inhaler?",
    ],
)
def test_training_is_no_trainee(matcher: ChatMatcher, text: str) -> None:
    """A doubled letter is no two endings: "trainee" does not meet "training"
    at the stem "train", so training material for a nurse is no traineeship."""
    assert matcher.match(text).visitor_type == "hcp"


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A contrast about the product turns nothing: the role leading the answer stays.
        ("Pharmacist: the box says 20 mg but the leaflet 10 mg, which is right?", "pharmacist"),
        ("Apothekerin, bräuchte die Fachinfo, aber bitte als PDF", "pharmacist"),
        # A contrast that says who is asking does.
        ("Ich bin Arzt, aber frage als Patient", "patient"),
        ("I'm a nurse but asking for my husband, can he take it with ibuprofen?", "patient"),
    ],
)
def test_a_contrast_turns_the_answer_only_when_it_says_who_asks(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("wie bewirbt man sich hier eigentlich", "applicant"),  # irregular: bewerben
        ("mir san a Praxis in Graz", "hcp"),  # Bavarian and Austrian "san": sind
    ],
)
def test_irregular_and_dialect_verb_forms(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A place after a role word is whose place it is: "our GP surgery" is a practice.
        ("samples for our gp surgery", "hcp"),
        ("samples for our GP practice", "hcp"),
        # A patient's GP practice stays theirs.
        ("my GP practice prescribed it", "patient"),
    ],
)
def test_a_place_named_for_a_role_is_the_place(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("me knee's killing me, is the gel any good", "patient"),  # "me" for "my"
        ("can someone call me back please", None),  # after a verb: no one's back
    ],
)
def test_me_is_my_only_where_a_possessive_stands(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "first_person"),
    [
        ("Ich habe Rosazea", True),
        ("I'm helping a family member", True),
        ("c'est pour ma mère", True),
        ("Rejoignez-nous", False),  # "we": on a site, the company
        ("Ratgeber im 50er-Pack", False),  # German "im" is no English "I'm"
    ],
)
def test_whether_a_text_is_in_the_first_person(
    matcher: ChatMatcher, text: str, first_person: bool
) -> None:
    assert matcher.in_first_person(text) is first_person


@pytest.mark.parametrize(
    ("text", "says_who"),
    [
        ("Nebenwirkungen", False),
        ("side effects storage", False),
        ("Nebenwirkungen bei meinem Kind", True),  # the visitor's family
        ("ich vertrage es nicht", True),  # the visitor
        ("PTA Schulung", True),  # a role
        ("samples for our surgery", True),  # a place of care, theirs
        ("stage en pharmacie", True),  # a job
    ],
)
def test_whether_an_answer_says_who_asks(matcher: ChatMatcher, text: str, says_who: bool) -> None:
    assert matcher.says_who(text) is says_who


def test_a_typo_is_read_in_the_answers_own_language(matcher: ChatMatcher) -> None:
    """A German answer's town is no misspelt English word: "Rostock" is not
    "restock", so the stated role decides."""
    text = "Internistin am Klinikum Rostock, ich suche die Studiendaten zur Kombination"
    assert matcher.match(text).visitor_type == "hcp"


@pytest.mark.parametrize(
    "text",
    [
        "Do you have apple pie recipes?",  # "apple" is no "apply"
        "The contact form doesn't work, tried three times.",  # "tried" is no "tired"
        "Meine Klasse macht einen Ausflug",  # "Klasse" is no "Kasse"
    ],
)
def test_a_common_word_of_its_own_is_no_typo(matcher: ChatMatcher, text: str) -> None:
    """`[words] real`: the language's common words a letter or two from a catalogue
    word are read as themselves."""
    assert matcher.match(text).visitor_type is None


def test_a_misspelt_catalogue_word_is_still_a_typo(matcher: ChatMatcher) -> None:
    assert matcher.match("I need a docter for my son").visitor_type == "patient"
    assert matcher.match("Suche ein Praktikkum").visitor_type == "applicant"


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # Working at, running or owning a place of care, or speaking as one.
        ("Ich arbeite in einer Apotheke und brauche Infos zur Lagerung", "pharmacist"),
        ("Inhaberin einer Apotheke, Frage zu Konditionen", "pharmacist"),
        ("Bei uns in der Apotheke fragen viele Kunden danach", "pharmacist"),
        ("Wie melde ich als Apotheke einen Qualitätsmangel?", "pharmacist"),
        ("We're a pharmacy in Leeds and need counselling material", "pharmacist"),
        ("Je travaille en officine, question sur la conservation", "pharmacist"),
        ("Nous tenons une pharmacie et voulons commander en direct", "pharmacist"),
        # A place of care patients also speak of ("meine Apotheke"), said of oneself.
        ("Wir sind eine Klinikapotheke und brauchen Daten zur Haltbarkeit", "pharmacist"),
        ("Ich leite eine Versandapotheke, wer ist unser Ansprechpartner?", "pharmacist"),
        # A place of care leading the answer with its name or town: the sender.
        ("Grüss Gott, Apotheke in Graz, wir hätten eine Frage zur Lagerung", "pharmacist"),
        ("Apotheke in Graz, wir bräuchten Infofolder", "pharmacist"),
        ("Spitalapotheke Bern: Stabilitätsdaten nach Rekonstitution?", "pharmacist"),
        ("Pharmacie à Genève, besoin de notices pour nos clients", "pharmacist"),
        ("Apotheke in der Nähe?", "patient"),  # sought, not the sender
        # A shift on a ward or at a pharmacy is work there; a relative on a ward is not.
        ("Spätdienst auf Station, darf man die Kapsel öffnen?", "hcp"),
        ("on night shift at the pharmacy, is the syrup ok after opening?", "pharmacist"),
        ("Meine Mutter liegt auf Station, darf sie das nehmen?", "patient"),
        # Closed by "hier", whatever its name; after a greeting.
        ("Apotheke am Markt hier, unsere Lieferung ist nicht angekommen", "pharmacist"),
        ("Grüessech, Apotheke in Bern, mir hei e Frag zur Lagerig", "pharmacist"),
        # A place only one profession works at, said to be ours, speaks for it.
        ("Notre officine à Lausanne voudrait s'inscrire à votre formation continue", "pharmacist"),
        ("our dispensary keeps getting the fridge lines late, who do I call?", "pharmacist"),
        # Swiss German possessives: "üsi Apotheke" is ours.
        ("Mir bruuched e Offerte für üsi Apotheke z Bern", "pharmacist"),
        # Words describing the place between the work and the place.
        ("We run a long-term care pharmacy, how do we set up an account?", "pharmacist"),
        ("Wir sind eine kleine internistische Praxis und brauchen Wartezimmerflyer", "hcp"),
        ("betreibe eine kleine Land-Apotheke im Allgäu, wie eröffnen wir ein Konto?", "pharmacist"),
        ("Mon kiné m'a parlé de votre gel, on le trouve en pharmacie ?", "patient"),
        # A message sent from a place of care: its sender; not what came from there.
        ("Gruß aus der Apotheke, muss der Saft in den Kühlschrank?", "pharmacist"),
        ("Question from a pharmacy: does the suspension need the fridge?", "pharmacist"),
        ("Hello from the pharmacy, can the syrup be kept at room temperature?", "pharmacist"),
        ("Ich habe Tabletten aus der Apotheke, die anders aussehen als sonst", "patient"),
        # Places only their staff name so ("Offizin", "HV", "officine"): they work there.
        ("In der Offizin wird ständig nach dem Spray gefragt, kommt Ware?", "pharmacist"),
        ("am HV-Tisch wollen alle die kleine Packung, wann gibt's die wieder", "pharmacist"),
        ("À l'officine tout le monde réclame le sirop, il revient quand ?", "pharmacist"),
        # Colloquial articles ("ne", "nen") stand between as articles do.
        ("Chef meint, ich soll nach Mustern gucken, wir sind ne HNO-Praxis", "hcp"),
        # A trainee at a place works there; of two places, the last is the one named.
        ("Bin Azubi in der Apotheke und soll fragen, ob ihr wieder liefert", "pharmacist"),
        ("Frage für unsere KH-Apo: ist der Rückruf schon raus?", "pharmacist"),
        ("Unsere Klinik-Apotheke braucht die Stabilitätsdaten", "pharmacist"),
        # The company's staff spoken of: no job sought.
        ("Hausärztin in Linz, wann kommt der Pharmareferent wieder?", "hcp"),
        ("Wie werde ich Pharmareferent bei Ihnen?", "applicant"),
        # New at a place is working there.
        ("Bin neu in der Apotheke, wie bestelle ich bei Ihnen nach?", "pharmacist"),
        # Worked at before a turn in time: past.
        ("Used to work in a pharmacy, now I'm a GP trainee: renal dosing please", "hcp"),
        # Not: asking where one is.
        ("Können Sie uns sagen, wo die nächste Apotheke ist?", "patient"),
    ],
)
def test_a_place_of_work_names_the_role(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Bin Apothekerin und nehme das Präparat selbst, geht Alkohol dazu?", "patient"),
        ("I'm a nurse and I take this medication myself, can I drive on it?", "patient"),
        # Unless a contrast turns back to the patients.
        ("I take it myself, but I need the renal dosing table for my patients", "hcp"),
        ("Als Ärztin im Ruhestand frage ich nach meiner eigenen Schilddrüsentherapie", "patient"),
        ("Médecin, je demande pour mon propre fils : quelle dose de sirop ?", "patient"),
        # Where they work, set aside too.
        ("I work in a pharmacy but asking privately: my inhaler makes me cough", "patient"),
        ("Je travaille en pharmacie, mais c'est pour moi en privé : mon spray me gêne", "patient"),
        # Their own medicine, words describing it between ("meinen Rheuma Spritzen").
        ("Ich bin MFA, wo finde ich Infos zu meinen Rheuma Spritzen", "patient"),
        # Or the question is about them ("um mich", "pour moi"), unless denied.
        ("Krankenpfleger, aber es geht um mich: ich soll das Mittel ab Montag nehmen", "patient"),
        ("Infirmier de métier, je demande pour moi : effets secondaires ?", "patient"),
        ("Pharmacienne, pas pour moi : une patiente demande si on peut écraser", "pharmacist"),
        # Not taking it oneself is no own case.
        ("Ich nehme das nicht selbst, ich bin die Ärztin, die es verordnet", "hcp"),
        ("I'm a pharmacist, not taking it myself, question about storage", "pharmacist"),
        # Or for their own family.
        ("Bin PTA, meine Schwiegermutter hat die Diagnose bekommen, was hilft ihr?", "patient"),
        ("Pharmacienne à la retraite, c'est pour mon mari qui commence ce traitement", "patient"),
        ("Ich bin Ärztin, meine Patientin nimmt das seit einer Woche", "hcp"),  # not family
        # Or asking as a parent, for their child.
        ("Zahnärztin, heute als Mama: mein Kleiner hat Windpocken", "patient"),
        ("Nurse, but here as a mom: my little one has chickenpox", "patient"),
        ("Infirmière, mais là je suis maman : ma petite a la varicelle", "patient"),
        # Unless, all that said, they ask for their workplace.
        (
            "Nehme es selbst, frage aber für unsere Apotheke: wann ist es wieder lieferbar?",
            "pharmacist",
        ),
        ("Asthmatic myself, but asking for my ward: how long is the inhaler stable?", "hcp"),
        (
            "Maman d'un petit asthmatique, mais c'est pour mon officine : délai de livraison ?",
            "pharmacist",
        ),
        # Or a diagnosis they received; not their patient's.
        ("I'm a nurse and was just diagnosed with rheumatoid arthritis, any support?", "patient"),
        ("Je suis infirmière et on vient de me diagnostiquer une polyarthrite", "patient"),
        ("Ich bin Ärztin, bei mir wurde Rheuma diagnostiziert", "patient"),
        ("I'm a GP and my patient was diagnosed with RA, what dose?", "hcp"),
        # "Privée" after a place describes the place, not the visitor's own case.
        ("cardiologue en clinique privée, données de phase III ?", "hcp"),
    ],
)
def test_a_professional_asking_about_their_own_medicine_is_a_patient(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # An act only a profession performs, the visitor its subject.
        ("Ab welcher Nierenfunktion darf ich das nicht mehr verordnen?", "hcp"),
        ("highest dose I can prescribe for a teenager?", "hcp"),
        ("Puis-je le prescrire chez une femme qui allaite ?", "hcp"),
        ("A script for 10mg but we only have 5mg: can we dispense two?", "pharmacist"),
        ("Darf ich das Präparat bei Engpass substituieren?", "pharmacist"),
        # Starting a therapy is a prescriber's act too.
        ("Ab welchem Kaliumwert sollte ich das nicht mehr neu ansetzen?", "hcp"),
        ("when should I initiate therapy in elderly patients?", "hcp"),
        ("dois-je instaurer le traitement à demi-dose chez le sujet âgé ?", "hcp"),
        # A patient the visitor, as the subject, acts on is someone they treat.
        ("Wie stelle ich eine Patientin von Ihrem Präparat auf Heparin um?", "hcp"),
        ("Can I give a patient with renal impairment the full dose?", "hcp"),
        ("J'ai un patient sous anticoagulants, quelle dose ?", "hcp"),
        ("Where can I find a patient information leaflet?", "patient"),
        # Patients as the population a treatment is used in; not an audience.
        ("Gibt es Daten zur Anwendung bei Patienten mit Leberzirrhose?", "hcp"),
        ("Is it approved in patients under 12?", "hcp"),
        ("Gibt es eine Hotline für Patienten am Wochenende?", "patient"),
        # Done to the visitor, or said by another role: not theirs.
        ("I was prescribed this last week, is a headache normal?", "patient"),
        ("On vient de me prescrire ce sirop, comment le prendre ?", "patient"),
        ("Ich bin Apothekerin: darf ich das ohne Rücksprache verordnen lassen?", "pharmacist"),
    ],
)
def test_a_professions_own_act_names_it(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Kunde steht vor mir und will wissen, ob das mit Alkohol geht", "pharmacist"),
        ("customers keep asking if it's gluten free", "pharmacist"),
        ("un client demande si ça se conserve hors du frigo", "pharmacist"),
        # One of them, said of oneself: one of the public.
        ("bin eigentlich nur ganz normale Kundin, wo finde ich die Dosierung?", "patient"),
        # Asking for one they serve: the customer's words are the customer's.
        ("I'm a pharmacist, asking for a customer whose doctor prescribed the syrup", "pharmacist"),
        ("Ich bin nicht die Kundin, ich stehe im HV und frage für eine Kundin", "pharmacist"),
    ],
)
def test_those_a_profession_serves_name_it(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A job sought before a contrast in time is past; who they are now counts.
        (
            "Hatte mich mal beworben, inzwischen bin ich Hausärztin: bitte um Musterbestellung",
            "hcp",
        ),
        (
            "applied for your graduate scheme ages ago, now I own a pharmacy: trade account?",
            "pharmacist",
        ),
        ("J'avais postulé chez vous, aujourd'hui je suis médecin : visite d'un délégué ?", "hcp"),
        # A plain contrast is no change of times: still looking.
        ("Ich suche eine Stelle im Außendienst, bin aber ausgebildete PTA", "applicant"),
        # An inflected job word is a request ("vacancies", "roles")…
        (
            "Nurse with years on the wards, keen to move into a clinical research role with you",
            "applicant",
        ),
        ("I'm a pharmacist but I'm asking about vacancies in medical information", "applicant"),
        # …but not one that is an everyday word too.
        (
            "Wir stellen in der Apotheke Rezepturen her, wo finde ich das Analysenzertifikat?",
            "pharmacist",
        ),
        ("pharmacy manager here, when will supply resume?", "pharmacist"),
        # After the infinitive's particle it is the verb: a request made, no job.
        ("PTA hier, die Chefin hat mich gebeten, eine Härtefallanfrage zu stellen", "pharmacist"),
        # Owning a pharmacy or a practice is no "own" medicine.
        ("Ich bin Ärztin mit eigener Praxis und brauche Muster", "hcp"),
        ("J'ai mon propre cabinet, je voudrais des échantillons", "hcp"),
        ("I own a pharmacy and want to set up a direct account", "pharmacist"),
        ("Dispensing at a pharmacy in Leeds, can it be split?", "pharmacist"),
        # A professional changing careers is an applicant.
        (
            "Krankenpfleger seit zehn Jahren, würde gern bei Ihnen im Vertrieb einsteigen",
            "applicant",
        ),
        ("Sage-femme, je voudrais me reconvertir dans la qualité", "applicant"),
        # Working for the company addressed is asking for a job.
        ("Physio here, keen on working for you", "applicant"),
        ("je veux bosser chez vous, comment faire", "applicant"),
        # ... however many little words stand between ("zu Ihnen in die Qualität wechseln").
        ("MTA im Labor, ich würde gern zu Ihnen in die Qualitätskontrolle wechseln", "applicant"),
        ("Préparatrice, j'aimerais vous rejoindre à la production", "applicant"),
        # ... or names it as a company, team or firm.
        ("Hebamme, würde gern in Ihrem Team arbeiten", "applicant"),
        ("Staff nurse, I'd love to work for your company", "applicant"),
        # The request outranks the role they have now.
        ("Apothekerin, ich möchte zu Ihnen in die Zulassung wechseln", "applicant"),
        ("préparatrice en officine, je voudrais travailler en production chez vous", "applicant"),
        ("SLT here, do you have swallowing guidance for the tablets?", "hcp"),
        # A department is no role: "Chirurgie" is not the French "chirurgien".
        ("Famulant in der Chirurgie, wo finde ich die SmPC?", "hcp"),
        # "Schwester" is a nurse, unless it is one's sister.
        ("Schwester auf der Kinderstation, wie lange ist der Saft nach Anbruch haltbar?", "hcp"),
        ("Bin Apotheker, meine Schwester fragt nach Nebenwirkungen für sich", "patient"),
        # A role set aside for one's own case, before the turn: a patient this time.
        ("I'm a GP but this one is about my own prescription", "patient"),
        # "für sich selbst" is the customer's own, not the visitor's.
        ("Bin PKA, ein Kunde will das für sich selbst, wie viel darf er nehmen?", "pharmacist"),
        # "We ... ourselves" is the ward or the practice, no one's own case.
        ("Pflegefachfrau, die Tabletten stellen wir auf Station selber", "hcp"),
    ],
)
def test_who_they_are_now_and_what_they_ask(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # In training and asking another type's question: of that type.
        ("PKA-Azubi hier, wie bestellen wir die Aufsteller für unsere Apotheke?", "pharmacist"),
        # In training for a profession, asking its question: that profession.
        ("PTA in Ausbildung, Frage zur Herstellung einer Salbe", "pharmacist"),
        ("final-year med student, need the dosing table for my ward round", "hcp"),
        ("Stagiaire en officine, un client demande la notice", "pharmacist"),
        # A profession's own trainee, the ending typed after a hyphen.
        ("PJ-lerin in der Kardio, wie war die Dosis bei Niereninsuffizienz?", "hcp"),
        # Training said as a status, not asked for.
        (
            "Pharmazeutin im Praktikum, eine Kundin will wissen, ob man das teilen darf",
            "pharmacist",
        ),
        ("Étudiant en stage à l'officine : un client demande si on peut l'écraser", "pharmacist"),
        ("Je cherche un stage en officine pour cet été", "applicant"),
        # Asking for a job or a training place, or nothing else: an applicant.
        ("Ich bin Azubi und suche eine Stelle als PKA", "applicant"),
        ("Gibt es Werkstudentenjobs?", "applicant"),
        ("Je suis étudiante et je cherche un stage", "applicant"),
        ("Ich bin Studentin", "applicant"),
    ],
)
def test_being_in_training_is_a_status_not_a_request(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Mein Knie ist geschwollen, hilft die Salbe?", "patient"),
        ("mon genou me fait souffrir, votre gel marche ?", "patient"),
        # French feels its own body without a possessive.
        ("depuis hier j'ai mal à l'épaule, je peux mettre votre gel ?", "patient"),
        # One's own family too, where no catalogue phrase names the relative.
        ("what does the newborn screening result of my baby mean", "patient"),
        # Relatives as families call them.
        ("mini Nonna verstoht d Packigsbilag nöd", "patient"),
        ("Gibt's des a für Kinder? Mei Bua is 6", "patient"),
        # One's own medicine, as one's own body.
        ("mein Inhalator pfeift beim Einatmen, ist der kaputt?", "patient"),
        ("my insulin pen keeps jamming", "patient"),
        ("ma pommade a une drôle d'odeur, normal ?", "patient"),
        ("how do i use my autoinjector", "patient"),
        ("Ich bin Ärztin, meine Insulinpatienten fragen nach Schulungen", "hcp"),
        # "me" for "my", before a relative or the body only.
        ("me nan's on these tablets and she keeps nodding off", "patient"),
        ("me back's in bits, which of ur gels works", "patient"),
        # Someone else's body is not the visitor's own.
        ("Is this cream safe for my patients' skin?", "hcp"),
        # The visitor's own patient, the possessive after the word.
        ("A patient of mine asked whether she can take it while breastfeeding", "hcp"),
        # A relative after a place of care owns it: no relative's case.
        (
            "Ich arbeite in der Apotheke meiner Eltern, ein Kunde vermisst Ihren Hustensaft",
            "pharmacist",
        ),
        (
            "je travaille dans la pharmacie de mon père, une cliente demande : sans sucre ?",
            "pharmacist",
        ),
        # Someone of the visitor's own place of care: the place is where they work.
        ("a patient in my practice asks whether she can take it while breastfeeding", "hcp"),
        ("ein Patient aus meiner Praxis fragt nach der Dosis", "hcp"),
        ("un patient de mon cabinet demande la dose", "hcp"),
        ("eine Kundin aus meiner Apotheke fragt, ob das Spray auch für Kinder ist", "pharmacist"),
        # Patients the visitor has or treats.
        ("We have quite a few patients on the higher dose, any data on liver values?", "hcp"),
        ("Ich betreue einige Patientinnen mit dieser Therapie, gibt es Schulungen?", "hcp"),
        ("j'ai pas mal de patients sous ce traitement, des retours sur la fatigue ?", "hcp"),
        # A relative's word describing a role, or in a form that names no relative.
        ("Kinderärztin, ist der Saft zuckerfrei? Für meine kleinen Patienten", "hcp"),
        ("Hebamme, gibt es Infomaterial zum Stillen für meine Frauen?", "hcp"),
    ],
)
def test_ones_own_body_or_family_is_a_patients_case(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    "text",
    [
        "We are a logistics company offering cold chain services to pharma",
        "Wir sind Hersteller von Etiketten und würden Ihnen gern unser Sortiment anbieten",
        # Press, and a product question with no word of who asks.
        "Wir produzieren Blister und möchten Ihnen ein Angebot machen",
        "Interviewanfrage zu Lieferengpässen für unser Magazin",
        "Is it available in New Zealand?",
        # Agencies offering their services name a trade, not a visitor type.
        "Hallo, wir sind eine Agentur für medizinische Übersetzungen von Beipackzetteln",
        "we're a staffing agency and have nurses available for your vacancies",
    ],
)
def test_a_supplier_offering_is_no_visitor_type(matcher: ChatMatcher, text: str) -> None:
    assert matcher.match(text).visitor_type is None


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A student's coursework asks as no visitor type...
        ("Medizinstudent, brauche für ein Referat Infos zum Wirkmechanismus", None),
        ("need help with my biology homework on vaccines", None),
        ("étudiante, je prépare un exposé sur votre entreprise", None),
        # ... a thesis at the company, or a job besides, is a position sought.
        ("Würde gern meine Masterarbeit bei Ihnen schreiben", "applicant"),
        ("Student, suche ein Praktikum neben meiner Hausarbeit", "applicant"),
    ],
)
def test_coursework_is_no_visitor_type(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # A question about the product anyone may ask names nobody...
        ("Enthalten die Dragees Laktose?", None),
        ("is the syrup gluten free?", None),
        # ...asked of oneself, a patient.
        ("Ich vertrage keine Laktose, enthalten die Dragees Laktose?", "patient"),
        ("I'm coeliac myself, is the syrup gluten free?", "patient"),
        # A product's forms and packs: what anyone may ask...
        ("Gibt es das auch in einer größeren Packung?", None),
        ("Gibt es das auch als Tablette?", None),
        ("Ça existe en sirop ?", None),
        ("Was kostet das Medikament?", None),
        ("Gibt es das auch als Zäpfchen?", None),
        # A medicine's name alone, or what goes with it, asked of nobody in particular.
        ("Paracetamol", None),
        ("does it interact with ibuprofen", None),
        # ...asked for oneself or one's family, a patient's question.
        ("Gibt es das auch als Tablette? Ich kann den Saft nicht ausstehen", "patient"),
        ("is there a liquid form for my son", "patient"),
        ("Oma kriegt die Tabletten nicht runter, kann man die teilen?", "patient"),
        ("Wie teuer ist das Medikament für mich als Selbstzahler?", "patient"),
        ("Meine Tropfen brennen im Auge, normal?", "patient"),
        ("le sirop de mon fils a un goût bizarre", "patient"),
        ("can I take it with ibuprofen", "patient"),
    ],
)
def test_a_product_question_in_person(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


def test_a_customer_service_is_no_customer(matcher: ChatMatcher) -> None:
    assert matcher.match("how do I contact customer service").visitor_type is None
    assert matcher.match("Je cherche l'adresse du service client").visitor_type is None


def test_standing_in_a_pharmacy_is_no_place_of_work(matcher: ChatMatcher) -> None:
    assert matcher.match("I'm at the pharmacy and they don't have it").visitor_type != "pharmacist"
    assert matcher.match("bin in der Apotheke, die haben es nicht").visitor_type != "pharmacist"


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Apotheker:in", "pharmacist"),
        ("ApothekerInnen", "pharmacist"),
        ("Apotheker*innen", "pharmacist"),
        ("Ärzt*innen", "hcp"),
        ("Patientinnen", "patient"),
        ("Bewerberin", "applicant"),
        ("Hausärztinnen und Hausärzte", "hcp"),
    ],
)
def test_gendered_forms(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("PZN", "pharmacist.ordering"),
        ("Beipackzettel", "patient.leaflet"),
        ("Wann ist das wieder lieferbar", "pharmacist.availability"),
        ("CME-Punkte", "hcp.cme"),
        ("Muster anfordern", "hcp.samples_contact"),
        ("Status meiner Bewerbung", "applicant.status"),
        ("Praktikum", "applicant.training"),
        ("für meinen Vater", "patient.relative"),
        ("Wie kann ich die Cookies ablehnen?", "general.website"),
        ("where's your privacy policy", "general.website"),
    ],
)
def test_intents(matcher: ChatMatcher, text: str, intent: str) -> None:
    assert matcher.match(text).intent == intent


def test_what_no_type_owns_is_no_job_description(matcher: ChatMatcher) -> None:
    """A job's words take what else the answer names as the job's; not what no
    visitor type owns ("refuser" is also a rejected application)."""
    assert matcher.match("comment on peut refuser les cookies ?").visitor_type is None


def test_browsing_is_an_intent_without_a_type(matcher: ChatMatcher) -> None:
    result = matcher.match("just browsing")
    assert result.intent == "general.browsing"
    assert result.visitor_type is None


def test_asking_for_a_person_names_nobody(matcher: ChatMatcher) -> None:
    """Asking whether a person answers is no profession's question."""
    for text in (
        "Are you a real person or a bot?",
        "Bist du ein echter Mensch?",
        "Vous êtes une vraie personne ?",
    ):
        assert matcher.match(text).visitor_type is None, text


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin Apothekerin und wollte eigentlich nur Ihren Aktienkurs sehen",
        "Although I'm a GP, I'm writing as an investor: when are the results out?",
        "Pharmacien et actionnaire : quand sont publiés les résultats semestriels ?",
        "Pharmacist and journalist, researching medicine shortages for a feature",
        "Ärztin und Journalistin, ich recherchiere zu Lieferengpässen",
        "Sage-femme, mais je vous écris comme actionnaire.",
        # Jobs as the topic of an audience no type covers.
        "Journalist here, writing about the job cuts at your plant",
    ],
)
def test_another_audience_is_no_topic_of_the_stated_role(matcher: ChatMatcher, text: str) -> None:
    """An investor or journalist who is also a professional: two roles, no type."""
    assert matcher.match(text).visitor_type is None


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Ärztin und Apothekerin, wo finde ich die Fachinfo?", None),
        ("Pharmacist and nurse, I need the SmPC please", None),
        ("Je suis infirmière et pharmacienne, où trouver le RCP ?", None),
        # A patient after the conjunction is someone else, or the visitor's own case.
        ("I'm a pharmacist and a patient asked if this interacts with warfarin", "pharmacist"),
        ("Bin Hebamme und selbst schwanger, darf ich das Nasenspray nehmen?", "patient"),
    ],
)
def test_two_roles_joined_are_no_one_type(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    assert matcher.match(text).visitor_type == visitor_type


def test_another_audience_spoken_of_leaves_the_role(matcher: ChatMatcher) -> None:
    """A supplier who acts on the visitor is a topic, not who the visitor also is."""
    for text in (
        "pharmacist, the supplier says it's out of stock again",
        "PTA, Lieferant sagt Defekt bis Mai – gibt es Alternativen?",
    ):
        assert matcher.match(text).visitor_type == "pharmacist", text


# -- negation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "negated", "visitor_type"),
    [
        ("kein Arzt", ("hcp",), None),
        ("Ich bin kein Arzt", ("hcp",), None),
        ("ich bin nicht Ärztin", ("hcp",), None),
        ("bin keine Apothekerin", ("pharmacist",), None),
        ("not a doctor", ("hcp",), None),
        ("no pharmacist", ("pharmacist",), None),
        ("Apotheker bin ich nicht", ("pharmacist",), None),
        ("weder Arzt noch Apotheker", ("hcp", "pharmacist"), None),
        ("kein Artz", ("hcp",), None),  # a typo does not hide the negation
        ("ich bin kein Arzt, sondern Apotheker", ("hcp",), "pharmacist"),
        ("bin keine Ärztin sondern Apothekerin", ("hcp",), "pharmacist"),
        ("ich bin kein Apotheker sondern Arzt", ("pharmacist",), "hcp"),
        ("not a doctor, a pharmacist", ("hcp",), "pharmacist"),
        # The statement's own words may stand between the denial and the role.
        ("not a GP, I'm a midwife, is it safe while breastfeeding?", (), "hcp"),
        ("keine Ärztin, ich bin MFA und brauche Infomaterial", (), "hcp"),
        ("I'm a pharmacist, not a doctor", ("hcp",), "pharmacist"),
        (
            "Ich bin nicht mehr als Apothekerin tätig und suche eine Stelle",
            ("pharmacist",),
            "applicant",
        ),
        ("Nicht Arzt, sondern Patient", ("hcp",), "patient"),
        # A denial in time: who they were, not what they want now; work they no
        # longer do is their former role's.
        ("Keine Studentin mehr, suche jetzt meine erste Stelle", (), "applicant"),
        ("no longer a student, after a graduate role with you", (), "applicant"),
        (
            "no longer working as a midwife, want to apply for your sales team",
            ("hcp",),
            "applicant",
        ),
        (
            "je ne travaille plus comme préparatrice, je postule chez vous",
            ("pharmacist",),
            "applicant",
        ),
        ("je suis plus aide-soignante, c'est pour ma propre tension", ("hcp",), None),
        # A job word denied by one who says who they are; alone it is a job seeker's.
        (
            "Keine Bewerbung, ich bin PTA und brauche die Bestell-Hotline",
            ("applicant",),
            "pharmacist",
        ),
        ("Bewerbung abgeschickt, aber keine Antwort bisher", (), "applicant"),
        # Words between the denial and the job word.
        (
            "Assistenzarzt hier, es geht nicht um eine Bewerbung: ich brauche die Studiendaten",
            ("applicant",),
            "hcp",
        ),
        ("Nurse here, not about a job, I need the storage data", ("applicant",), "hcp"),
        # A verb between them, and job words that mean other things too ("emploi"
        # is also "mode d'emploi", "apply" also a cream).
        (
            "Not applying for a job, I'm a pharmacist and need the storage data",
            ("applicant",),
            "pharmacist",
        ),
        (
            "Je ne cherche pas d'emploi, je suis préparatrice : conservation du vaccin ?",
            ("applicant",),
            "pharmacist",
        ),
        # A place said before "aber" still speaks; only a turn in time makes it past.
        (
            "Wir sind eine Apotheke, aber keine Bewerbung: wer nimmt Retouren an?",
            ("applicant",),
            "pharmacist",
        ),
        ("I'm not a doctor, I have side effects", ("hcp",), "patient"),
        # The role stated instead of the denied one, whatever else is asked for.
        ("Not a doctor, just a pharmacist: can you send me the SmPC?", ("hcp",), "pharmacist"),
        ("Kein Arzt, nur Apotheker: können Sie mir die Fachinfo schicken?", ("hcp",), "pharmacist"),
        (
            "Je ne suis pas médecin, juste pharmacien : pouvez-vous m'envoyer la notice ?",
            ("hcp",),
            "pharmacist",
        ),
        # The role stated instead is of the denied one's type.
        ("not a GP, a practice nurse", (), "hcp"),
        ("not the patient, her daughter and carer", (), "patient"),
        ("Ich bin nicht die Patientin, ich kümmere mich um meinen Vater", (), "patient"),
        # The languages' audience words are roles to deny too.
        ("ni patiente ni soignante, je propose des formations en ligne", ("hcp", "patient"), None),
        ("nicht der Patient, sein Sohn, ich kümmere mich um ihn", (), "patient"),
        # A role that only a phrase names, a word of its kind before it.
        ("Not a healthcare professional myself, I use the inhaler daily", ("hcp",), "patient"),
        # A denied list: every role in it.
        ("not a nurse or a pharmacist, only wondering", ("hcp", "pharmacist"), None),
        ("ni infirmière ni pharmacienne, simple question", ("hcp", "pharmacist"), None),
        # A job not wanted is denied without a role stated instead.
        ("no need for a job, we sell lab equipment", ("applicant",), None),
        ("brauche keinen Job, wir bieten Etiketten an", ("applicant",), None),
        # A place no longer worked at says nothing of the visitor...
        ("I no longer work in a pharmacy, any vacancies in QA?", (), "applicant"),
        # ...where the profession named elsewhere still speaks.
        (
            "je ne travaille plus en officine mais en pharmacie d'hôpital, livraison directe ?",
            (),
            "pharmacist",
        ),
        # A denial in time may end the clause.
        (
            "I don't practise as a nurse any more; any vacancies in pharmacovigilance?",
            ("hcp",),
            "applicant",
        ),
        # A contrast corrects the denial, however its clause goes on to say so.
        (
            "keine PTA mehr, sondern seit letztem Jahr approbierte Apothekerin: Frage zur Rezeptur",
            (),
            "pharmacist",
        ),
        # With the want last, as German puts it.
        (
            "hab keinen Job bei euch gesucht, wie lange darf ich das nehmen?",
            ("applicant",),
            "patient",
        ),
        # "not X but Y" corrects what was denied; who they said they are stands.
        (
            "Bin PTA und will keine Stelle, sondern die Lagerdaten zum Saft",
            ("applicant",),
            "pharmacist",
        ),
        # A prefix, not a denial: "non-EU graduates" are graduates.
        ("do you take non-EU graduates on the trainee programme?", (), "applicant"),
    ],
)
def test_negation(
    matcher: ChatMatcher, text: str, negated: tuple[str, ...], visitor_type: str | None
) -> None:
    result = matcher.match(text)
    assert result.negated == negated
    assert result.visitor_type == visitor_type
    assert result.visitor_type not in result.negated


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Keine Ahnung", None),
        ("keine Ahnung, ehrlich gesagt", None),
        ("nothing", None),
        ("nichts", None),
        ("no", None),
        ("not sure", None),
        ("Das Präparat ist nicht lieferbar", "pharmacist"),  # the reason, not a denial
        ("Ich vertrage das Medikament nicht", "patient"),
        ("keine Nebenwirkungen, ich will nur den Beipackzettel", "patient"),
        ("No, I'm a doctor", "hcp"),  # "no" answers the bot, it denies no role
        # What is not wanted is the information; the job comes later.
        ("I don't need product info, I'd like to apply for the QC analyst job", "applicant"),
    ],
)
def test_negation_words_that_deny_no_role(
    matcher: ChatMatcher, text: str, visitor_type: str | None
) -> None:
    result = matcher.match(text)
    assert result.negated == ()
    assert result.visitor_type == visitor_type


# -- limits ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "a", "?", "!!!", "👍", "ä"])
def test_too_short_never_matches(matcher: ChatMatcher, text: str) -> None:
    result = matcher.match(text)
    assert result == ChatMatch(None, None, 0.0, (), result.lang)


def test_min_length_is_configurable(intents: list[Intent]) -> None:
    assert ChatMatcher(intents).match("PTA").visitor_type == "pharmacist"
    strict = ChatMatcher(intents, min_length=5)
    result = strict.match("PTA")
    assert result.visitor_type is None
    assert result.confidence == 0.0


def test_below_the_cutoff_there_is_no_match(intents: list[Intent]) -> None:
    lenient = ChatMatcher(intents).match("Arzt")
    assert lenient.visitor_type == "hcp"
    strict = ChatMatcher(intents, cutoff=0.99).match("Arzt")
    assert strict.intent is None and strict.visitor_type is None
    assert strict.confidence == pytest.approx(lenient.confidence)


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("wie lang hält sich die offene Flasche eigentlich", "patient"),
        ("What is the recommended protocol for switching from a TNF inhibitor?", "hcp"),
    ],
)
def test_agreeing_hints_outweigh_a_stray_word(
    matcher: ChatMatcher, text: str, visitor_type: str
) -> None:
    """Words only one type's phrases use, with a single word of another type's
    beside them, still say who asks."""
    assert matcher.match(text).visitor_type == visitor_type


def test_confidence_orders_clear_and_vague_answers(matcher: ChatMatcher) -> None:
    clear = matcher.match("Ich bin Apothekerin").confidence
    detailed = matcher.match("Apothekerin aus einem kleinen Dorf bei Hannover").confidence
    assert 0.62 <= detailed < clear <= 1.0


def test_addresses_and_long_input_are_harmless(matcher: ChatMatcher) -> None:
    assert matcher.match("max@mustermann.de").visitor_type is None
    assert matcher.match("https://www.example.com/muster/patienten").visitor_type is None
    assert matcher.match("x" * 100_000).visitor_type is None
    assert matcher.match("Apotheker " * 10_000).visitor_type == "pharmacist"


def test_an_empty_or_custom_catalogue() -> None:
    assert ChatMatcher([]).match("Ich bin Arzt").intent is None
    vets = ChatMatcher(
        [
            Intent("vet.info", "vet", {"de": ("Ich bin Tierärztin", "Tierarzt")}),
            Intent("owner.info", "pet_owner", {"de": ("Mein Hund ist krank", "Hund")}),
        ]
    )
    assert vets.match("bin Tierarzt").visitor_type == "vet"
    assert vets.match("mein hund hat durchfall").visitor_type == "pet_owner"
    assert vets.match("kein Tierarzt").negated == ("vet",)


def test_matching_is_deterministic_and_stateless(matcher: ChatMatcher) -> None:
    texts = [a["text"] for a in load_answers()[:40]]
    first = [matcher.match(text) for text in texts]
    assert [matcher.match(text) for text in reversed(texts)] == first[::-1]


# -- language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint", "lang"),
    [
        ("Ich bin Apotheker", None, "de"),
        ("I am a pharmacist", None, "en"),
        ("Ich bin Apotheker", "en", "de"),  # the text wins over the hint
        ("I am a pharmacist", "de", "en"),
        ("Ich bin nurse", None, "de"),  # function words carry the sentence
        ("I am Apotheker", None, "en"),
        ("docter", None, "en"),  # the word it was meant to be
        ("Beipackzetel", None, "de"),
        ("Größe", None, "de"),
        ("nope", None, "en"),
        ("42", "en", "en"),  # nothing to go by: the hint
        ("42", "de", "de"),
        ("👍", None, "de"),  # and without a hint, German
        ("job", "en", "en"),
    ],
)
def test_language(matcher: ChatMatcher, text: str, hint: str | None, lang: str) -> None:
    assert matcher.match(text, hint).lang == lang


def test_language_on_labelled_answers(matcher: ChatMatcher) -> None:
    answers = load_answers()
    right = sum(matcher.match(a["text"], a["lang"]).lang == a["lang"] for a in answers)
    print(f"\nlanguage: {right}/{len(answers)} = {right / len(answers):.1%}")
    assert right >= 0.95 * len(answers)


# -- properties ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), hint=st.sampled_from([None, "de", "en", "fr"]))
def test_any_text_gives_a_well_formed_match(
    matcher: ChatMatcher, text: str, hint: str | None
) -> None:
    result = matcher.match(text, hint)
    assert 0.0 <= result.confidence <= 1.0
    assert result.lang in LANGUAGES
    assert result.visitor_type not in result.negated
    assert result.negated == tuple(sorted(set(result.negated)))
    if result.intent is None:
        assert result.visitor_type is None


SALAD = """
    ich bin kein nicht Arzt Ärztin Apotheker PTA Patient Job Stelle suche meine Mutter
    Nebenwirkungen not a doctor pharmacist nurse und aber sondern , . ! Praktikum
    Beipackzettel PZN lieferbar Studien hallo keine Ahnung
"""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SALAD.split()), max_size=12))
def test_domain_word_salad_is_well_formed(matcher: ChatMatcher, parts: list[str]) -> None:
    result = matcher.match(" ".join(parts))
    assert 0.0 <= result.confidence <= 1.0
    assert result.visitor_type not in result.negated


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_whole_answer_is_compared_with_every_phrase_that_could_match(
    matcher: ChatMatcher, data: st.DataObject
) -> None:
    """Whole short answers are compared only with phrases of a length fuzz.ratio
    can reach the cutoff with: the same phrase is found as by comparing all."""
    from rapidfuzz import fuzz, process

    from lotse import _chat

    phrases = [p.text for p in matcher._phrases]
    text = data.draw(st.sampled_from([p for p in phrases if len(p) <= _chat._WHOLE_MAX_CHARS]))
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    typed = data.draw(st.sampled_from([text[:cut] + text[cut + 1 :], text + "x", "x" + text]))
    if not _chat._WHOLE_MIN_CHARS <= len(typed) <= _chat._WHOLE_MAX_CHARS:
        return
    everywhere = process.extractOne(
        typed, phrases, scorer=fuzz.ratio, score_cutoff=_chat._WHOLE_CUTOFF
    )
    tokens = matcher._tokens([typed.split()], "")
    spots = matcher._spot_whole(typed, tokens)
    if everywhere is None:
        assert spots == []
    else:
        assert [spot.phrase.text for spot in spots] == [phrases[everywhere[2]]]
        assert spots[0].factor == everywhere[1] / 100.0


def test_an_answer_is_read_the_same_in_every_process() -> None:
    """Nodes behind a load balancer must agree: no reading may depend on the order a
    process happens to keep a set in (Python salts string hashes per process).
    These answers tie two visitor types' evidence."""
    texts = [
        "Where's the SmPC for the injection",
        "besoin du RCP à jour pour le dosage 20 mg svp",
        "can I give this to my 5 year old",
    ]
    script = (
        "import json, sys, lotse\n"
        "engine = lotse.load_site(None).engine()\n"
        "texts = json.loads(sys.argv[1])\n"
        "print(json.dumps([str(engine.chat.match(t)) for t in texts]))\n"
    )
    readings = set()
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", script, json.dumps(texts)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        readings.add(done.stdout)
    assert len(readings) == 1, readings


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # What helps against a complaint the catalogue does not name: a patient's
        # question, in everyday words...
        ("hab voll den Heuschnupfen, was hilft da schnell", "patient"),
        ("got a stinking cold, what can I take for it", "patient"),
        ("j'ai un rhume, que prendre contre ça", "patient"),
        # ...unless asked for someone the visitor serves.
        ("PTA: eine Kundin fragt, was hilft gegen Heuschnupfen?", "pharmacist"),
    ],
)
def test_what_helps_against_a_complaint(matcher: ChatMatcher, text: str, visitor_type: str) -> None:
    assert matcher.match(text).visitor_type == visitor_type


def test_a_vet_is_no_doctor(matcher: ChatMatcher) -> None:
    """A "Tierärztin" is a vet, and vets are none of the visitor types."""
    assert matcher.match("Tierärztin hier: gilt die Dosierung auch für Hunde?").visitor_type is None


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        # Study places of a dual degree are a job seeker's, not clinical studies.
        ("Gibt es bei Ihnen duale Studienplätze?", "applicant"),
        ("Do you hire medical science liaisons? PharmD with clinical experience", "applicant"),
        # A dose worked out from a patient's kidney function: a prescriber's question.
        ("loading dose for a 95 kg patient with a CrCl of 40?", "hcp"),
        # A supplier, even of the cold chain a pharmacy cares about, is none of the types.
        ("We are a logistics firm and would like to become a supplier for your cold chain", None),
        ("Gibt es das auch ohne Zucker?", None),
    ],
)
def test_words_of_the_trade(matcher: ChatMatcher, text: str, visitor_type: str | None) -> None:
    assert matcher.match(text).visitor_type == visitor_type
