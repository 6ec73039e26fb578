"""French: adding a language is adding data (intents/lang/fr.toml, phrases.fr and
reply.fr in the intents, French signals). Swiss and Belgian sites are multilingual."""

from __future__ import annotations

import pytest

import lotse
from _accuracy import on_the_wire, read_jsonl, replay_journeys, score_chat, score_journeys


@pytest.fixture(scope="module")
def engine() -> lotse.Engine:
    return lotse.load_site(None).engine()


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("Je suis pharmacienne", "pharmacist"),
        ("Je suis médecin généraliste", "hcp"),
        ("infirmière à domicile", "hcp"),
        ("J'ai des effets secondaires", "patient"),
        ("Où est la notice ?", "patient"),
        ("Je cherche un stage", "applicant"),
        ("Je suis pharmacien et je cherche un emploi", "applicant"),  # role versus intent
        ("Mon médecin m'a prescrit ce traitement", "patient"),  # a patient's doctor
        ("Quel est le code CNK ?", "pharmacist"),
        ("le RCP svp", "hcp"),  # an abbreviation of the field
        # A place of care is no pharmacist ("pharmacie" is not "pharmacien")...
        ("Avez-vous des présentoirs pour la vitrine de la pharmacie ?", "pharmacist"),
        # ...and one that acts on the visitor ("n'a pas") is theirs: a patient.
        ("Ma pharmacie n'a plus ce sirop, que faire ?", "patient"),
        ("Nous sommes fabricant d'emballages et aimerions vous proposer nos services", None),
        # "slt" is French for "salut", whatever it abbreviates in English.
        ("slt, je prends ce sirop depuis 3 jours et j'ai mal au ventre, c normal ?", "patient"),
        # A pharmacy speaking: "on est", "c'est" before the place.
        ("on est une pharmacie à Namur, notre commande n'est pas arrivée", "pharmacist"),
        ("c'est la pharmacie de la gare, on attend toujours le colis", "pharmacist"),
        ("Quel temps fait-il ?", None),
        ("Docteur en biologie, je souhaite intégrer votre équipe de recherche.", "applicant"),
        # The owner of a pharmacy, as the trade calls them.
        ("Titulaire, on fait des tests angine, vous fournissez des kits ?", "pharmacist"),
        # Retired ("à la retraite"), and taking it oneself ("moi-même"): a patient.
        ("médecin à la retraite, je prends moi-même votre statine, j'ai des crampes", "patient"),
        # A hyphenated family word is one word: asking for one's grandmother.
        ("je travaille en pharmacie mais c'est pour ma grand-mère", "patient"),
        # Belgian answers borrow Dutch role words.
        ("Je suis verpleegkundige à Gand, avez-vous la brochure en deux langues ?", "hcp"),
        # Speaking for a pharmacy one represents.
        (
            "Je représente une pharmacie, comment référencer vos produits ?",
            "pharmacist",
        ),
        # A job advert of theirs, or a change of career: a job seeker, whatever their role.
        ("Pharmacienne, votre annonce de responsable qualité m'intéresse", "applicant"),
        (
            "Préparatrice, je veux changer de voie : vous formez des délégués ?",
            "applicant",
        ),
    ],
)
def test_french_answers(engine: lotse.Engine, text: str, visitor_type: str | None) -> None:
    match = engine.chat.match(text)
    assert match.visitor_type == visitor_type
    assert match.lang == "fr"


@pytest.mark.parametrize(
    ("text", "negated", "visitor_type"),
    [
        ("Je ne suis pas médecin", ("hcp",), None),
        ("je suis pas pharmacien", ("pharmacist",), None),
        ("ni médecin ni pharmacien", ("hcp", "pharmacist"), None),
        ("Je ne suis pas médecin, je suis patiente", ("hcp",), "patient"),
    ],
)
def test_french_negation(
    engine: lotse.Engine, text: str, negated: tuple[str, ...], visitor_type: str | None
) -> None:
    match = engine.chat.match(text)
    assert match.negated == negated
    assert match.visitor_type == visitor_type


def test_replies_come_in_french(engine: lotse.Engine) -> None:
    match = engine.chat.match("Je suis pharmacienne d'officine")
    assert match.lang == "fr"
    reply = engine.chat_reply(match)
    assert "pharmacie" in reply.lower()
    intents = lotse.load_site(None).intents
    assert all(intent.reply.get("fr") and intent.phrases.get("fr") for intent in intents)


@pytest.mark.parametrize(
    ("url", "referrer", "visitor_type"),
    [
        ("https://www.x.ch/fr-ch/professionnels-de-la-sante/oncologie", None, "hcp"),
        ("https://www.x.be/fr/pharmaciens/", None, "pharmacist"),
        ("https://www.x.fr/carrieres/offres-d-emploi", None, "applicant"),
        ("https://www.x.fr/patients-et-aidants/", None, "patient"),
        ("https://www.x.fr/produits/x/rcp", "https://www.vidal.fr/", "hcp"),
        ("https://www.x.ch/fr-ch/entreprise/", "https://www.jobup.ch/", "applicant"),
        ("https://www.x.fr/trouver-une-pharmacie", None, "patient"),  # looking for care
        ("https://www.x.fr/produits/mode-d-emploi", None, None),  # no job
        ("https://www.x.fr/medecines-naturelles/", None, None),  # the art, not the doctors
        ("https://www.x.fr/espace-medecins/", None, "hcp"),
    ],
)
def test_french_pages(url: str, referrer: str | None, visitor_type: str | None) -> None:
    event = {
        "type": "page",
        "url": url,
        "lang": "fr",
        **({"referrer": referrer} if referrer else {}),
    }
    site = lotse.load_site(None)
    (report,) = lotse.replay(site, on_the_wire(site, "s", [event]))
    assert report["visitor_type"] == visitor_type


def test_french_tuning_figures(engine: lotse.Engine) -> None:
    answers = read_jsonl("tuning_chat_fr.jsonl")
    score = score_chat(answers, engine)
    journeys = [
        j
        for name in ("journeys.jsonl", "tuning_journeys.jsonl")
        for j in read_jsonl(name)
        if any(e.get("lang") == "fr" for e in j["events"])
    ]
    pages = score_journeys(journeys, replay_journeys(journeys))
    print()
    print(score.line("French chat, tuning"))
    print(pages.line("French journeys, tuning"))
    assert score.in_rate >= 0.9 and score.off_rate >= 0.9 and score.wrong == 0
    assert pages.wrong == 0 and pages.right_rate >= 0.85
