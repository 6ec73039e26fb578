"""Evidence beyond the path: title and heading, link text, the site-search query.

The protocol carries `title` and `heading` in `hello` and `page` and `text` in
`click` (cut at 300 characters); the session reads them like a path, checks
them for sensitive topics like a path, and keeps none of them.
"""

from __future__ import annotations

import functools
import gc
import json
from types import ModuleType

import pytest

import lotse
from lotse._protocol import MAX_TEXT

SITE = "default"


@functools.cache
def shared_engine() -> lotse.Engine:
    """One engine for the module's sessions, as a server shares one per site
    (building one takes about a second)."""
    return lotse.load_site(None).engine()


def feed(*events: dict) -> tuple[lotse.Session, list[lotse.Outcome]]:
    session = shared_engine().new_session()
    outcomes = [session.feed(lotse.parse_event(event)) for event in events]
    return session, outcomes


def visitor_type_after(*events: dict) -> str | None:
    """The visitor type a fresh session decides on after these events."""
    session, _ = feed(*events)
    return session.summary()["visitor_type"]


def hello(url: str, **extra: str) -> dict:
    return {"type": "hello", "site": SITE, "url": url, **extra}


# -- the protocol ------------------------------------------------------------------------


def test_title_heading_and_text_are_parsed_and_cut() -> None:
    event = lotse.parse_event(hello("https://x.de/p/1", title="Für Fachkreise", heading="Hallo"))
    assert isinstance(event, lotse.Hello)
    assert (event.title, event.heading) == ("Für Fachkreise", "Hallo")
    page = lotse.parse_event({"type": "page", "url": "/p/2", "title": "x" * 1000})
    assert isinstance(page, lotse.PageView)
    assert page.title == "x" * MAX_TEXT and MAX_TEXT == 300
    click = lotse.parse_event({"type": "click", "href": "/p/3", "text": "Karriere"})
    assert isinstance(click, lotse.Click) and click.text == "Karriere"
    assert lotse.parse_event({"type": "click", "href": "/p/3"}).text is None  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["title", "heading"])
def test_a_title_that_is_not_a_string_is_refused(field: str) -> None:
    with pytest.raises(lotse.ProtocolError) as refused:
        lotse.parse_event({"type": "page", "url": "/", field: 42})
    assert refused.value.code == "bad_field"


# -- what they tell -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "visitor_type"),
    [
        (hello("https://www.x.de/node/887", title="Fachkreise: Vitaxon 20 mg"), "hcp"),
        # A hint does not decide alone.
        (hello("https://www.x.de/node/889", title="Fortbildung"), None),
        # A product for "the whole family" names its buyers as often as the reader: a hint.
        (hello("https://www.x.de/sonnenschutz/", title="Sonnenschutz für die ganze Familie"), None),
        (hello("https://www.x.de/p/4711", heading="Offene Stellen bei uns"), "applicant"),
        (hello("https://www.x.co.uk/content/1", title="For Healthcare Professionals"), "hcp"),
        (hello("https://www.x.fr/page/9", title="Espace pharmaciens", lang="fr"), "pharmacist"),
        (hello("https://www.x.de/suche?q=packungsbeilage+vitaxon+kinder"), "patient"),
        # A document named for its reader is a leaflet anyone may open: a hint.
        (
            hello(
                "https://www.x.co.uk/medicine-leaflets/ibuprofen-200mg-tablets",
                title="Patient Information Leaflet – Ibuprofen 200 mg Tablets",
            ),
            None,
        ),
        (hello("https://www.x.ca/en/products/x/patient-medication-information.pdf"), None),
        # ...and named twice, by the address and by the title, it is still one document.
        (
            hello(
                "https://www.x.co.uk/medicines/x/smpc",
                title="X – Summary of Product Characteristics",
            ),
            None,
        ),
        # A street named for a profession is an address, not a page for it.
        (
            hello("https://www.x.at/de/kontakt", title="Kontakt – X GmbH, Apothekergasse 4, Graz"),
            None,
        ),
        # Looking for a document anyone reads is like opening it: a hint.
        (hello("https://www.x.de/suche?q=beipackzettel+vitaxon"), None),
        (hello("https://www.x.com/?s=graduate+jobs"), "applicant"),
        # A topic in the news is anyone's search; with the trade's own words, a pharmacy's.
        (hello("https://www.x.de/suche?q=lieferengpass+ibuprofen"), None),
        (hello("https://www.x.de/suche?q=lieferengpass+pzn+0881234"), "pharmacist"),
        # A place of care in a job search is where the job is.
        (hello("https://www.x.ch/fr/recherche?q=stage+en+pharmacie", lang="fr"), "applicant"),
        # Joomla's and TYPO3's own search parameters, the latter nested in brackets.
        (hello("https://www.x.ie/component/search/?searchword=graduate+jobs"), "applicant"),
        (hello("https://www.x.de/suche?tx_kesearch_pi1%5Bsword%5D=ausbildung+pta"), "applicant"),
        # A search page keeping its state in the fragment (Coveo, Algolia widgets).
        (hello("https://www.x.com/search#q=REMS%20prescriber%20certification"), "hcp"),
        (hello("https://www.x.com/search#t=All&q=graduate%20jobs&sort=relevancy"), "applicant"),
        (hello("https://www.x.de/p/1"), None),
        # A search page that keeps the query in its path, after its own name.
        (hello("https://www.x.de/suche/praxisbesonderheit%20wirtschaftliche%20verordnung"), "hcp"),
        (hello("https://www.x.co.uk/search/can+i+give+it+to+my+toddler/"), "patient"),
        (hello("https://www.x.de/de/suche/ergebnisse"), None),
    ],
)
def test_pages_whose_address_says_nothing(event: dict, visitor_type: str | None) -> None:
    assert visitor_type_after(event) == visitor_type


@pytest.mark.parametrize(
    ("text", "visitor_type"),
    [
        ("I'm helping a family member manage their treatment", "patient"),
        ("Ich habe Rosazea – Tipps für den Alltag", "patient"),
        ("Erinnerungs-App für meine Anwendung herunterladen", "patient"),
        # Not in the first person: read like a title ("Tipps": a hint at most).
        ("Tipps für den Alltag", None),
    ],
)
def test_a_followed_link_in_the_first_person_is_the_visitors_statement(
    text: str, visitor_type: str | None
) -> None:
    """By following "I'm helping a family member", the visitor says so."""
    assert visitor_type_after(hello("https://www.x.com/"), click("/t/5520", text)) == visitor_type


def test_a_followed_links_text_counts() -> None:
    click = {"type": "click", "href": "/n/5", "text": "Karriere"}
    assert visitor_type_after(hello("https://www.x.de/"), click) == "applicant"


@pytest.mark.parametrize(
    "event",
    [
        hello("https://www.x.de/node/5120", title="Pille danach: Was Sie wissen sollten"),
        hello("https://www.x.de/fachkreise/p/9", heading="HIV-Therapie"),
        hello("https://www.x.de/suche?q=hiv+test"),
        # Where the visitor came from: a forum or a page about a sensitive topic.
        hello("https://www.x.de/fachkreise/", referrer="https://www.depressionsforum.de/t/4411"),
        hello("https://www.x.de/patienten/", referrer="https://forum.example.org/hiv-positiv/12"),
        # A campaign named for a sensitive topic: why they came.
        hello("https://www.x.com/patients/?utm_campaign=prep_hiv_awareness&utm_source=ig"),
        # Words of a topic written as one: a forum's name, a hashtag campaign.
        hello("https://www.x.com/patients/", referrer="https://www.reddit.com/r/MentalHealth/"),
        hello("https://www.x.de/patienten/?utm_campaign=keine_panik_vor_der_panik"),
        # French words of two topics.
        hello("https://www.x.be/fr-be/pharmaciens/depistage-des-ist/", lang="fr"),
        hello("https://www.x.ch/fr-ch/patients/identite-de-genre/", lang="fr"),
        # Eating disorders in French, in full.
        hello("https://www.x.fr/fr/patients/troubles-du-comportement-alimentaire", lang="fr"),
        # A page for pharmacists on patients dependent on alcohol.
        hello(
            "https://www.x.ch/fr-ch/pharmaciens/fiche.aspx?id=123",
            heading="Accompagner les patients dépendants à l'alcool",
            lang="fr",
        ),
    ],
)
def test_a_sensitive_title_search_or_referrer_makes_the_page_inert(event: dict) -> None:
    session, (outcome,) = feed(event)
    assert session.page.sensitive
    assert session.profile.evidence == {}
    assert session.chat_offer() is None
    assert [m for m in outcome.messages if isinstance(m, lotse.Swap)] == []


def test_the_next_page_of_a_visit_from_a_sensitive_campaign_is_inert_too() -> None:
    """The site's own previous page still carries the campaign that brought them;
    a page reached from a harmless one counts."""
    landing = "https://www.x.co.uk/?utm_source=ig&utm_campaign=sexual_health_awareness_week"
    session, _ = feed(
        hello(landing),
        {"type": "page", "url": "https://www.x.co.uk/patients/", "referrer": landing},
    )
    assert session.page.sensitive and session.profile.evidence == {}
    harmless = "https://www.x.co.uk/?utm_campaign=spring_news"
    session, _ = feed(
        hello(harmless),
        {"type": "page", "url": "https://www.x.co.uk/patients/", "referrer": harmless},
    )
    assert session.summary()["visitor_type"] == "patient"


def test_a_web_search_the_visitor_came_from_is_read_like_a_site_search() -> None:
    session, _ = feed(
        hello(
            "https://www.x.de/produkte/",
            referrer="https://www.bing.com/search?q=praktikum+pharmazie+bewerbung",
        )
    )
    assert session.summary()["visitor_type"] == "applicant"
    sensitive, _ = feed(
        hello("https://www.x.de/fachkreise/", referrer="https://www.bing.com/search?q=hiv+prep")
    )
    assert sensitive.page.sensitive and sensitive.profile.evidence == {}


def test_where_the_visitor_was_on_another_site_counts() -> None:
    """The other site's path is read like a path here, for a little less."""
    session, _ = feed(
        hello(
            "https://www.x.ie/page/3381", referrer="https://www.linkedin.com/jobs/view/3901234567/"
        )
    )
    assert session.summary()["visitor_type"] == "applicant"
    assert any(key.startswith("refpath:") for key in session.profile.evidence)
    # A trade site's section for pharmacies says who came from it, alone.
    shop = "https://trade.example.co.uk/pharmacy/catalogue/brand/x"
    trade = hello("https://www.x.de/produkte/tee", referrer=shop)
    assert visitor_type_after(trade) == "pharmacist"
    # An address that says nothing (a home page, a bare search engine) adds nothing.
    plain, _ = feed(hello("https://www.x.ie/page/3381", referrer="https://www.example.org/"))
    assert plain.profile.evidence == {}


def test_a_search_results_title_is_no_addiction() -> None:
    """ "Sie suchten nach …" (you searched for) begins like "Sucht" (addiction)."""
    session, _ = feed(
        hello(
            "https://www.x.de/?s=ausbildung+pta",
            title="Sie suchten nach ausbildung pta – X Pharma",
        )
    )
    assert not session.page.sensitive
    assert session.summary()["visitor_type"] == "applicant"


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        # US makers call family caregivers "care partners".
        ("https://www.x.com/care-partners/helping-with-injections", "patient"),
        # Austrian and Swiss apprentices are "Lehrlinge", in sections and campaigns.
        ("https://www.x.at/lehrlinge/", "applicant"),
        ("https://www.x.at/aktuelles/?utm_campaign=lehrlingsoffensive_2025", "applicant"),
        # UK GPs who dispense are doctors, though they dispense.
        ("https://www.x.co.uk/dispensing-doctors/", "hcp"),
        # A training campaign for a pharmacy's assistants.
        ("https://www.x.de/webinare/?utm_campaign=pta-fortbildung_2025", "pharmacist"),
        # A campaign for those who suffer from a complaint.
        ("https://www.x.co.uk/hay-fever?utm_campaign=hayfever_sufferers_2025", "patient"),
        # A job on the company's careers site at a hosting service.
        ("https://avonmere.softgarden.io/job/4471/QA-Specialist", "applicant"),
        # Those using a product, as those taking one.
        ("https://www.x.ie/dermavale/for-people-using-dermavale-cream/", "patient"),
        # Seeing a professional is going to one.
        ("https://www.x.co.uk/back-pain/when-to-see-a-physiotherapist", "patient"),
        # Continuing education accredited by pharmacy's own bodies, as CME is doctors'.
        ("https://www.x.ca/en/learning/cccep-accredited-modules", "pharmacist"),
        ("https://www.x.com/education/acpe-accredited-webinars/", "pharmacist"),
        # Material for the waiting room: only a practice has one to stock.
        ("https://www.x.de/service/wartezimmer-material", "hcp"),
        # A pack or kit named for a profession is theirs, like its section.
        ("https://www.x.co.uk/clinical-resources/respiratory-nurse-clinic-pack", "hcp"),
        ("https://www.x.de/service/praxispaket-bestellen", "hcp"),
        # Those of a profession in training are of it: their pages are no job...
        ("https://www.x.co.uk/education/foundation-trainee-pharmacists/", "pharmacist"),
        ("https://www.x.de/wissen/pharmazeuten-im-praktikum/", "pharmacist"),
        # ...but training for one is, and so is anything below the careers section.
        ("https://www.x.de/ausbildung-zur-pta/", "applicant"),
        ("https://www.x.de/karriere/pharmazeuten-im-praktikum/", "applicant"),
        # Only prescribers may request samples, in one word as in several.
        ("https://www.x.de/service/musteranforderung.html", "hcp"),
        # A training campaign named for one profession is that profession's.
        ("https://www.x.de/rheumatologie/?utm_campaign=rheumatologen_fortbildung_2024", "hcp"),
        ("https://www.x.at/termine?utm_campaign=pkafortbildung_fruehjahr", "pharmacist"),
        # Parents and guardians in law's words.
        ("https://www.x.at/informationen-fuer-sorgeberechtigte/fieber/", "patient"),
    ],
)
def test_audiences_in_regional_words(url: str, visitor_type: str) -> None:
    assert visitor_type_after(hello(url)) == visitor_type


@pytest.mark.parametrize(
    ("url", "title", "visitor_type"),
    [
        # A profession in the title of a careers page is the job's.
        (
            "https://www.x.fr/carrieres/offre.php?id=7",
            "Pharmacien assistant H/F – CDI",
            "applicant",
        ),
        ("https://www.x.de/karriere/job/4411", "Apotheker (m/w/d) im Außendienst", "applicant"),
        # A job anywhere in a title makes the professions it names the job's.
        ("https://www.x.de/p/7021", "Stellenangebot Apotheker (m/w/d) – Labor | X", "applicant"),
        ("https://www.x.fr/page/12", "Pharmacien responsable H/F | Offres d'emploi", "applicant"),
        # A news item about nurses is no page for nurses.
        ("https://www.x.co.uk/news/2025/nurses-day", "Celebrating nurses on Nurses' Day", None),
    ],
)
def test_a_title_is_read_within_its_path(url: str, title: str, visitor_type: str | None) -> None:
    assert visitor_type_after(hello(url, title=title)) == visitor_type


@pytest.mark.parametrize(
    ("url", "title"),
    [
        # The brand is the site's own name, not "avon" + French "mère" (a relative).
        ("https://www.avonmere.co.uk/en-gb/investor-centre/", "Results | Avonmere Therapeutics"),
        ("https://avonmere.com/contact/report-a-side-effect/", "Report a side effect | Avonmere"),
    ],
)
def test_the_sites_own_name_in_a_title_says_nothing(url: str, title: str) -> None:
    session, _ = feed(hello(url, title=title))
    assert session.profile.evidence == {}


def test_known_words_of_the_sites_name_are_still_read() -> None:
    """ "Zugerberg Pharma": "Pharma-Assistentinnen" is the Swiss pharmacy assistant."""
    reader = shared_engine().reader
    segments = [("fortbildung", "fur", "pharma", "assistentinnen"), ("zugerberg", "pharma")]
    assert reader.without_site_name(segments, "www.zugerberg-pharma.ch") == [
        ("fortbildung", "fur", "pharma", "assistentinnen"),
        ("pharma",),
    ]
    assert reader.without_site_name(segments, "www.example.ch") == segments


def test_a_visit_across_the_sites_own_hosts_is_no_referral() -> None:
    """From fachkreise.… to karriere.…: the first page counted once, as a page."""
    doctors = "https://fachkreise.x-pharma.de/fachinformationen/"
    session, _ = feed(
        hello(doctors),
        {"type": "page", "url": "https://karriere.x-pharma.de/jobs/", "referrer": doctors},
    )
    assert not any(key.startswith(("ref:", "refpath:")) for key in session.profile.evidence)


@pytest.mark.parametrize(
    ("referrer", "visitor_type"),
    [
        # A discussion forum named as one, with no entry of its own: patients mostly.
        ("https://www.asthma-forum.de/thread/4411-neues-spray/", "patient"),
        ("https://www.boards.ie/discussion/22/hayfever-tips", "patient"),
        # Its talk section, or a "Stammtisch" (a regulars' table) of those affected.
        ("https://www.cosy-nook.co.uk/talk/toddler-eczema", "patient"),
        ("https://www.krampfadern-stammtisch.at/thema/4412", "patient"),
        # A forum with an entry of its own is that entry's.
        ("https://www.pta-forum.de/", "pharmacist"),
    ],
)
def test_a_forum_the_visitor_came_from(referrer: str, visitor_type: str) -> None:
    """A hint of its own: it alone leads the scores."""
    session, _ = feed(hello("https://www.x.de/", referrer=referrer))
    scores = session.summary()["scores"]
    assert all(scores[visitor_type] > v for t, v in scores.items() if t != visitor_type)
    assert [e.visitor_type for e in session.profile.evidence.values()] == [visitor_type]


@pytest.mark.parametrize(
    ("referrer", "visitor_type"),
    [
        # Sites the catalogue has no entry for, named for what they are.
        ("https://www.stellenmarkt-medizin.de/", "applicant"),
        ("https://www.ausbildungsplatzboerse.at/", "applicant"),
        ("https://www.hausarzt-praxiswissen.de/", "hcp"),
        ("https://pflegekraefte-netz.ch/", "hcp"),
        # Its words run together, in any order.
        ("https://www.nursejobsscotland.co.uk/vacancy/4471", "applicant"),
        ("https://www.prescribernotes.com/", "hcp"),
        ("https://www.pflegejobsbayern.de/", "applicant"),
    ],
)
def test_a_referring_site_named_for_what_it_is(referrer: str, visitor_type: str) -> None:
    """The name of an unknown referring site is read like a path (compounds and
    all), for a little less."""
    session, _ = feed(hello("https://www.x.de/", referrer=referrer))
    evidence = session.profile.evidence
    assert {e.visitor_type for e in evidence.values()} == {visitor_type}
    assert all(key.startswith("refpath:") for key in evidence)


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.medpharm-distribution.de/katalog/",
        "https://shop.grossist-ost.ch/",
        "https://www.apokontakt.de/bestellportal/artikel/4471",
    ],
)
def test_a_wholesalers_site_or_ordering_portal_brings_a_pharmacist(referrer: str) -> None:
    """Trade customers order there: pharmacies."""
    assert visitor_type_after(hello("https://www.x.de/produkte/a", referrer=referrer)) == (
        "pharmacist"
    )


def test_a_forum_named_in_words_run_together() -> None:
    """A site named "eczemachatboard": a board (a forum), though no entry names it."""
    session, _ = feed(hello("https://www.x.de/", referrer="https://www.eczemachatboard.com/"))
    assert [key.split(":")[0] for key in session.profile.evidence] == ["ref"]
    assert session.summary()["visitor_type"] == "patient"


def test_a_heading_that_looks_for_care_outweighs_a_profession_in_the_path() -> None:
    """ "/apotheken/" headed "find a pharmacy near you" is for those looking for one."""
    heading = "Notdienst-Apotheke in der Nähe finden"
    assert visitor_type_after(hello("https://www.x.de/apotheken/", heading=heading)) == "patient"
    assert visitor_type_after(hello("https://www.x.de/apotheken/")) == "pharmacist"


@pytest.mark.parametrize(
    "url", ["https://www.x.de/klinik/zuweiserportal/", "https://www.x.com/trials/refer-a-patient"]
)
def test_referring_a_patient_is_a_professionals_act(url: str) -> None:
    assert visitor_type_after(hello(url)) == "hcp"


@pytest.mark.parametrize(
    ("gate", "decline", "visitor_type"),
    [
        ("https://www.x.de/fachkreise/", "Nein, zurück zur Startseite", None),
        ("https://www.x.com/hcp/", "No, I am a patient or caregiver", "patient"),
        ("https://www.x.ch/fr-ch/professionnels/", "Non, retour à l'accueil", None),
        # A denial before the professionals the link names, or a role of no profession.
        ("https://fachkreise.x.de/migraene/", "Ich gehöre nicht zu den Fachkreisen", None),
        ("https://www.x.ca/en/hcp/", "I am not a healthcare professional", None),
        ("https://www.x.be/fr-be/professionnels/", "Je ne suis pas professionnel de santé", None),
        ("https://www.x.de/fachkreise/", "Ich bin Patientin / Patient", "patient"),
    ],
)
def test_a_declined_gate_for_professionals_says_nothing_of_the_visitor(
    gate: str, decline: str, visitor_type: str | None
) -> None:
    """ "Are you a healthcare professional?" answered no: the gated page was not
    the visitor's, and a decision made on it is made afresh."""
    events = (hello(gate), {"type": "click", "href": "/", "text": decline})
    session, _ = feed(*events)
    assert session.summary()["visitor_type"] == visitor_type
    assert not any(
        e.visitor_type in {"hcp", "pharmacist"} for e in session.profile.evidence.values()
    )
    # Without the decline the gate's page decides.
    assert visitor_type_after(hello(gate)) in {"hcp", "pharmacist"}


def test_a_file_in_the_sites_media_store_is_no_press_release() -> None:
    """Sitecore keeps files under "/-/media/": the link's text still says what it is."""
    link = {
        "type": "click",
        "href": "/-/media/files/3/f/0c1e.pdf",
        "text": "Ratgeber für Angehörige",
    }
    assert visitor_type_after(hello("https://www.x.de/themen/rheuma"), link) == "patient"
    press = {"type": "click", "href": "/media/press/2025/ratgeber-fuer-angehoerige"}
    assert visitor_type_after(hello("https://www.x.de/"), press) is None


def test_arriving_from_another_host_of_the_site_reads_where_one_was() -> None:
    """The site's newsletter on its own host: a page the session never saw."""
    sister = "https://mailing.x-pharma.de/fachkreise-infobrief/2026-03/"
    assert visitor_type_after(hello("https://www.x-pharma.de/", referrer=sister)) == "hcp"
    # Later pages come from pages the session saw: nothing is read twice.
    session, _ = feed(
        hello("https://www.x-pharma.de/"),
        {"type": "page", "url": "https://www.x-pharma.de/kontakt", "referrer": sister},
    )
    assert session.profile.evidence == {}


@pytest.mark.parametrize(
    "url",
    [
        "https://acme-pharma.recruitee.com/o/qa-specialist",
        "https://apply.workable.com/acme/j/9F2E1/",
        "https://acme.applytojob.com/apply/Vq7TzK2mLd/QA-Specialist",
        "https://acme.bamboohr.com/careers/117",
    ],
)
def test_a_page_on_a_job_boards_host_is_a_job_page(url: str) -> None:
    assert visitor_type_after(hello(url, title="QA Specialist – Acme Pharma")) == "applicant"


@pytest.mark.parametrize(
    ("event", "visitor_type"),
    [
        # Switzerland's medical practice assistants, in the path or only in the title.
        (hello("https://www.x.ch/de/mpa/"), "hcp"),
        (hello("https://www.x.ch/de/p/1", title="Für Medizinische Praxisassistentinnen"), "hcp"),
        # Austria's pharmacists in their practical year.
        (hello("https://www.x.at/aspirantinnen-und-aspiranten/"), "pharmacist"),
        # US diabetes care and education specialists.
        (hello("https://www.x.com/cdces/", lang="en"), "hcp"),
        # A trade the company trains: its page is for apprentices.
        (hello("https://www.x.de/pharmakantin-pharmakant"), "applicant"),
        # Lactation consultants; a medical student's traineeship at the company.
        (hello("https://www.x.de/pages/stillberaterinnen"), "hcp"),
        (hello("https://www.x.de/de-de/famulatur-bei-x"), "applicant"),
        (hello("https://www.x.de/wir-suchen-verstaerkung/"), "applicant"),
        # The household's medicine chest is no pharmacy ("Apotheke" inside it).
        (hello("https://www.x.de/p/1", title="Frühjahrsputz für die Hausapotheke"), None),
        (hello("https://www.x.de/produkte/reiseapotheke/"), None),
    ],
)
def test_regional_professions_and_trades_name_their_audience(
    event: dict, visitor_type: str
) -> None:
    assert visitor_type_after(event) == visitor_type


@pytest.mark.parametrize(
    ("first", "second", "visitor_type"),
    [
        ("/en/hayfever/pollen-calendar", "/en/home-remedies-for-hayfever", "patient"),
        ("/en/products/din-list", "/en/order-by-fax", "pharmacist"),
        ("/en/products/x/trial-results", "/en/resources/prior-authorization-letter", "hcp"),
        ("/de/produkte/x/wirkmechanismus", "/de/produkte/x/studienlage", "hcp"),
        ("/de/ueber-uns/was-wir-bieten", "/de/ueber-uns/arbeitszeitmodelle", "applicant"),
    ],
)
def test_two_weak_pages_of_one_kind_tell_together(
    first: str, second: str, visitor_type: str
) -> None:
    """Each page alone is a hint at most; two of one kind decide."""
    site = "https://www.x.com"
    assert visitor_type_after(hello(site + first)) is None
    assert visitor_type_after(hello(site + first), page(site + second)) == visitor_type


@pytest.mark.parametrize(
    ("event", "visitor_type"),
    [
        (hello("https://www.x.com/your-first-infusion-day/", lang="en"), "patient"),
        (hello("https://www.x.com/p/1", title="What to expect on your first infusion"), "patient"),
        (hello("https://www.x.ch/de/service/erinnerungs-app-fuer-ihre-injektion"), "patient"),
        (hello("https://www.x.fr/votre-premiere-perfusion", lang="fr"), "patient"),
        # A medicine inside a compound: the device it comes in, or the medicine itself.
        (hello("https://www.x.de/a/b7e1.html", title="Fragen zu Ihrer Insulinpumpe"), "patient"),
        (hello("https://www.x.de/a/b7e2.html", title="So nutzen Sie Ihren Insulinpen"), "patient"),
        # ... but a short medicine word is no first part: a pension is no pen's.
        (hello("https://www.x.de/p/9", title="Ihre Pensionskasse"), None),
        # An infusion centre's page is no one's own infusion.
        (hello("https://www.x.com/infusion-centers/", lang="en"), None),
    ],
)
def test_a_page_speaking_of_the_visitors_own_treatment_is_for_patients(
    event: dict, visitor_type: str | None
) -> None:
    assert visitor_type_after(event) == visitor_type


@pytest.mark.parametrize(
    ("event", "visitor_type"),
    [
        # Campaigns at universities and careers fairs recruit.
        (
            hello("https://www.x.de/?utm_source=hochschulmesse&utm_campaign=q3"),
            "applicant",
        ),
        (
            hello("https://www.x.ca/en/?utm_source=campus&utm_campaign=winter_intake"),
            "applicant",
        ),
        (hello("https://www.x.com/?utm_campaign=early_talent_2026", lang="en"), "applicant"),
        # A graduate job board's page of the employer the visitor came from.
        (
            hello(
                "https://www.x.ie/about/our-sites/",
                lang="en",
                referrer="https://www.gradsignal.ie/employers/x-pharma",
            ),
            "applicant",
        ),
        # "for employers" alone is no job page (occupational health, say).
        (hello("https://www.x.com/for-employers/wellbeing/", lang="en"), None),
    ],
)
def test_recruiting_campaigns_and_employer_pages(event: dict, visitor_type: str | None) -> None:
    assert visitor_type_after(event) == visitor_type


@pytest.mark.parametrize(
    ("event", "visitor_type"),
    [
        # Nursing professionals, not care in general ("Pflege" alone).
        (hello("https://www.x.ch/de-ch/pflegefachservice/wundversorgung-schulungen"), "hcp"),
        (hello("https://www.x.ch/de-ch/pflege-zu-hause/"), None),
        # "Profis" of a field, allied health, practice managers: professionals.
        (hello("https://www.x.de/gesundheitsprofis/fortbildung/"), "hcp"),
        (hello("https://www.x.de/pflegeprofis/"), "hcp"),
        (hello("https://www.x.co.uk/allied-health/resources", lang="en"), "hcp"),
        (hello("https://www.x.com/healthcare-pros/", lang="en"), "hcp"),
        (hello("https://www.x.com/healthcare-products/", lang="en"), None),
        # A specialist the catalogue does not list, in the plural too; osteopaths and
        # the UK's healthcare assistants.
        (hello("https://www.x.com/for-anesthesiologists/", lang="en"), "hcp"),
        (hello("https://www.x.com/for-audiologists/", lang="en"), "hcp"),
        (hello("https://www.x.co.uk/for-osteopaths/", lang="en"), "hcp"),
        (hello("https://www.x.co.uk/for-hcas/", lang="en"), "hcp"),
        # Becoming part of the team is a job.
        (hello("https://www.x.de/p/12", title="Werde Teil unseres Teams | X"), "applicant"),
        # Austria's pharmacy counter.
        (hello("https://www.x.at/beratung-an-der-tara/erkaeltungszeit/"), "pharmacist"),
        # A campaign about the household's medicine chest is no campaign for pharmacies.
        (hello("https://www.x.de/p/halsweh?utm_campaign=hausapotheke_check_winter"), None),
        (hello("https://www.x.de/p/halsweh?utm_campaign=apotheken_check_winter"), "pharmacist"),
    ],
)
def test_compounds_naming_an_audience_or_not(event: dict, visitor_type: str | None) -> None:
    assert visitor_type_after(event) == visitor_type


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        # English words that only look like French ones: a disease's stage is no
        # internship ("stage"), a privacy notice no leaflet ("notice").
        ("https://www.x.com/copd/stage-3-copd/", "applicant"),
        ("https://www.x.co.uk/privacy-notice/", "patient"),
    ],
)
def test_a_word_of_another_language_inside_a_phrase_says_nothing(
    url: str, visitor_type: str
) -> None:
    session, _ = feed(hello(url, lang="en"))
    assert session.summary()["scores"][visitor_type] < 0.05


def test_notes_on_writing_a_prescription_are_for_prescribers() -> None:
    """'Rezeptierhinweise' is writing the prescription (not 'Rezept', which an
    e-prescription makes everyone's)."""
    journey = (
        hello("https://www.x.ch/de/service/rezeptierhinweise/"),
        {"type": "page", "url": "https://www.x.ch/de/service/aussendienst-kontakt/"},
    )
    assert visitor_type_after(*journey) == "hcp"
    assert visitor_type_after(hello("https://www.x.de/service/e-rezept/")) is None


def page(url: str, **extra: str) -> dict:
    return {"type": "page", "url": url, **extra}


@pytest.mark.parametrize(
    ("section", "job"),
    [
        (
            "https://www.x.de/service-apotheke/",
            page("https://www.x.de/karriere/stellen/apotheker-in-herstellung"),
        ),
        (
            "https://www.x.com/en/for-nurses/stoma-care",
            page("https://www.x.com/en/careers/r-2291", heading="Nurse Advisor (Field-Based)"),
        ),
        (
            "https://www.x.de/fachkreise/apotheken/",
            page(
                "https://x.softgarden.io/job/4411",
                title="PTA für unser Musterlabor (m/w/d) – X Arzneimittel",
            ),
        ),
    ],
)
def test_a_job_posting_in_the_visitors_own_profession_makes_an_applicant(
    section: str, job: dict
) -> None:
    """A pharmacist looking at a pharmacist's job is an applicant: the pages for
    their profession were read by someone looking for work."""
    assert visitor_type_after(hello(section), job) == "applicant"
    assert visitor_type_after(hello(section)) in {"hcp", "pharmacist"}


@pytest.mark.parametrize(
    "job",
    [
        page("https://www.x.de/karriere/"),
        page("https://www.x.de/karriere/stellen/4711", title="Pharmareferent/in (m/w/d)"),
        page("https://www.x.de/karriere/stellen/medical-advisor-onkologie"),
    ],
)
def test_a_job_naming_no_profession_of_the_visitor_leaves_them_undecided(job: dict) -> None:
    """A doctor's pages, then the careers section or a job in sales or medical
    affairs: a doctor curious about the company, or one changing careers —
    nobody could tell."""
    assert visitor_type_after(hello("https://www.x.de/fuer-aerzte/studien"), job) is None


def click(href: str, text: str = "") -> dict:
    return {"type": "click", "href": href, **({"text": text} if text else {})}


@pytest.mark.parametrize(
    "application",
    [
        click("https://bewerbung.x.de/stelle/482", "Jetzt bewerben"),
        click("/karriere/medical-advisor-m-w-d", "Medical Advisor (m/w/d) – jetzt bewerben"),
        click(
            "https://x.applytojob.com/apply/Vq7T/Medical-Science-Liaison", "Medical Science Liaison"
        ),
        page("https://www.x.de/karriere/bewerbung/?stelle=4711"),
        page("https://www.x.fr/carrieres/postuler/delegue-medical"),
    ],
)
def test_a_professional_who_applies_for_a_job_is_an_applicant(application: dict) -> None:
    """Whatever the job: an application is what only a job seeker makes."""
    journey = (
        hello("https://www.x.de/apotheken/fortbildungen", title="Fortbildungen für Apothekenteams"),
        page("https://www.x.de/fachkreise/aerzte/studien"),
        page("https://www.x.de/karriere/"),
    )
    assert visitor_type_after(*journey) is None
    assert visitor_type_after(*journey, application) == "applicant"


def test_applying_for_a_patient_programme_makes_no_applicant() -> None:
    """ "Apply" on a page for patients is no job's: the patient stays one."""
    assert (
        visitor_type_after(
            hello("https://www.x.com/patients/savings-card/"),
            click("/patients/savings-card/apply", "Apply for your savings card"),
        )
        == "patient"
    )


def test_a_known_referrer_is_not_read_again_by_name() -> None:
    """ "apotheken-umschau.de" is a consumer magazine: its entry says so, and its
    name's "Apotheken" does not say pharmacist beside it."""
    session, _ = feed(hello("https://www.x.de/", referrer="https://www.apotheken-umschau.de/"))
    assert {e.visitor_type for e in session.profile.evidence.values()} == {"patient"}


def test_a_forum_section_of_another_site_is_a_forum() -> None:
    """ "example.de/forum/…" says what "forum.example.de" would."""
    session, _ = feed(
        hello("https://www.x.de/", referrer="https://www.gesundheit-heute.de/forum/t/2231")
    )
    assert any(key.startswith("ref:forum:") for key in session.profile.evidence)


def test_an_ordinary_referrer_is_no_sensitive_topic() -> None:
    session, _ = feed(hello("https://www.x.de/patienten/", referrer="https://www.google.de/"))
    assert not session.page.sensitive
    assert session.summary()["visitor_type"] == "patient"


def test_a_sensitive_link_text_is_ignored() -> None:
    session, _ = feed(
        hello("https://www.x.de/"), {"type": "click", "href": "/fachkreise", "text": "Depression"}
    )
    assert session.profile.evidence == {}


def test_nothing_of_the_text_is_kept() -> None:
    title = "Fachinformation Vitaxon Geheimtitel"
    search = "zuzahlung+vitaxon+meinname"
    session, _ = feed(
        hello(f"https://www.x.de/suche?q={search}&utm_source=newsletter", title=title),
        {"type": "click", "href": "/n/7", "text": "Karriere Geheimlink"},
    )
    saved = json.dumps(session.state(), ensure_ascii=False).lower()
    for secret in ("geheimtitel", "meinname", "zuzahlung", "geheimlink", "vitaxon"):
        assert secret not in saved
    assert session.page.path == "/suche"


def strings_within(root: object) -> set[str]:
    """Every string reachable from `root` (a walk of its object graph)."""
    found: set[str] = set()
    seen: set[int] = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            found.add(obj)
        elif not isinstance(obj, int | float | bytes):
            todo.extend(gc.get_referents(obj))
            # What the collector does not report: a dict's string keys, and the
            # attributes of an instance (its dict may not exist as an object).
            if isinstance(obj, dict):
                todo.extend(obj)
            todo.extend(getattr(obj, "__dict__", {}).values())
            for name in getattr(type(obj), "__slots__", ()):
                todo.append(getattr(obj, name, None))
    return found


def test_the_engine_shared_by_all_sessions_keeps_nothing_of_a_search() -> None:
    """A visitor's search words are read afresh: no cache of the engine (which every
    session of a site shares, for the life of the process) holds one of them."""
    engine = lotse.load_site(None).engine()
    session = engine.new_session()
    for event in (
        hello("https://www.x.de/suche?q=zuzahlung+quarkelmeyer+hiv", title="Suche"),
        {"type": "page", "url": "/suche?s=vitaxon+plinzbaum"},
    ):
        session.feed(lotse.parse_event(event))
    kept = " ".join(strings_within(engine))
    assert "quarkelmeyer" not in kept and "plinzbaum" not in kept


@pytest.mark.parametrize(
    ("query", "visitor_type"),
    [
        ("arzt", None),  # looking for a doctor: anyone may be
        ("apotheke", None),
        ("pharmacist", None),
        ("arzt+finden", "patient"),  # looking for care, said so
        ("fachinformation", "hcp"),
        ("pta+schulung", "pharmacist"),
        # A product and its strength, or a medicine by name: what anyone looks for.
        ("ibuprofen+400", None),
        ("ibuprofen", None),
        ("paracetamol", None),
        # Who it is for and how much: a patient's question.
        ("ibuprofen+kinder+dosierung", "patient"),
    ],
)
def test_a_search_for_a_role_or_place_alone_says_nothing(
    query: str, visitor_type: str | None
) -> None:
    assert visitor_type_after(hello(f"https://www.x.de/suche?q={query}")) == visitor_type


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        # Side effects, storage, a dose: what professionals look up too.
        ("https://www.x.de/suche?q=nebenwirkungen", None),
        ("https://www.x.de/suche?query=Lagerung+K%C3%BChlschrank", None),
        ("https://www.x.com/search?q=side+effects", None),
        ("https://www.x.fr/recherche?q=effets+secondaires", None),
        # Said who asks: a patient (or their family).
        ("https://www.x.de/suche?q=nebenwirkungen+bei+meinem+kind", "patient"),
        ("https://www.x.com/search?q=side+effects+my+husband", "patient"),
        ("https://www.x.fr/recherche?q=effets+secondaires+pour+ma+mere", "patient"),
        # A question in the first person counts as a chat answer would, keywords or not.
        ("https://www.x.de/suche?q=wie+lange+darf+ich+den+saft+geben", "patient"),
        ("https://www.x.de/suche?q=wie+injiziere+ich+meinen+pen", "patient"),
        # A professional's topic is theirs without saying so...
        ("https://www.x.de/suche?q=fachinformation+dosierung", "hcp"),
        # ...and so is what only patients ask for (`search_tells`).
        ("https://www.x.at/suche/?q=selbsthilfegruppe+rheuma+steiermark", "patient"),
    ],
)
def test_a_search_is_a_patients_question_only_when_it_says_who_asks(
    url: str, visitor_type: str | None
) -> None:
    lang = "fr" if ".fr/" in url else "de"
    assert visitor_type_after(hello(url, lang=lang)) == visitor_type


@pytest.mark.parametrize(
    ("url", "title", "visitor_type"),
    [
        # How to take a medicine: a patient's page, in any of the three languages.
        ("https://www.x.de/produkte/magentropfen/einnahme/", None, "patient"),
        ("https://www.x.com/p/12", "How to take Xyz tablets", "patient"),
        # Spoken to the one treated and their household.
        ("https://www.x.de/node/7", "Ein Begleiter für Sie und Ihre Familie", "patient"),
        ("https://www.x.fr/fr/comment-prendre-votre-traitement", None, "patient"),
        # A page titled in a parent's own words.
        ("https://www.x.fr/conseils-sante/mon-enfant-a-de-la-fievre/", None, "patient"),
        ("https://www.x.com/health/my-child-has-a-fever", None, "patient"),
        # Below the company's own pages, a profession is its history.
        ("https://www.x.at/unternehmen/von-der-apothekerfamilie-zum-hersteller/", None, None),
        # The company's income is no intake; a professionals' section keeps its reader.
        ("https://www.x.de/investoren/einnahmen-und-umsatz/", None, None),
        ("https://www.x.de/fachkreise/einnahme-hinweise/", None, "hcp"),
    ],
)
def test_a_page_on_how_to_take_a_medicine_or_for_ones_child_is_a_patients(
    url: str, title: str | None, visitor_type: str | None
) -> None:
    assert visitor_type_after(hello(url, **({"title": title} if title else {}))) == visitor_type


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        # A product range named for a specialty is no section for its specialists.
        ("https://www.x.fr/fr/nos-produits/gamme-orl.html", None),
        ("https://www.x.com/products/dermatology-range/", None),
        ("https://www.x.de/produkte/derma-sortiment/", None),
        # The specialty as a section of its own still names them.
        ("https://www.x.fr/fr/espace-orl/", "hcp"),
        ("https://www.x.com/dermatologists/", "hcp"),
    ],
)
def test_a_product_range_named_for_a_specialty_names_no_audience(
    url: str, visitor_type: str | None
) -> None:
    assert visitor_type_after(hello(url)) == visitor_type


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        # A word for several professions with a word for one of them: that one.
        ("https://fachkreise.x.de/pka-warenwirtschaft", "pharmacist"),
        ("https://www.x.de/fachkreise/pta-schulung", "pharmacist"),
        ("https://www.x.de/fachkreise/onkologie", "hcp"),
        # A pharmacy's customers.
        ("https://www.x.co.uk/pharmacy/supporting-your-customers", "pharmacist"),
    ],
)
def test_the_profession_a_page_names_refines_a_shared_word(url: str, visitor_type: str) -> None:
    assert visitor_type_after(hello(url)) == visitor_type


@pytest.mark.parametrize(
    ("doctors", "pharmacists"),
    [
        ("https://www.x.ch/fr-ch/professionnels/medecins/", "/fr-ch/professionnels/pharmacies/"),
        ("https://www.x.ch/de-ch/fachpersonen/aerzte/", "/de-ch/fachpersonen/apotheken/"),
    ],
)
def test_professionals_in_general_beside_one_profession_name_that_one(
    doctors: str, pharmacists: str
) -> None:
    """ "Professionals" counts for doctors, unless the page names another
    profession: then the doctors' page and the pharmacies' page are two
    professions' pages, and nobody could tell which the visitor is."""
    session, _ = feed(hello(doctors[: doctors.index("/", 8)] + pharmacists))
    assert {e.visitor_type for e in session.profile.evidence.values()} == {"pharmacist"}
    assert visitor_type_after(hello(doctors), page(pharmacists)) is None


@pytest.mark.parametrize(
    ("url", "visitor_type"),
    [
        ("https://www.x.co.uk/trade/counter-display-order", "pharmacist"),
        ("https://www.x.ca/en/drug-shortages/", None),  # a hint: pharmacies, mostly
        ("https://www.x.ch/de-ch/downloads/tardoc-positionen", "hcp"),
        ("https://www.x.ch/de-ch/therapie/kostengutsprache-gesuch", "hcp"),
        ("https://www.x.com/medicare-part-d-extra-help", "patient"),
        ("https://www.x.at/ruecken?utm_source=wartezimmer-plakat&utm_medium=qr", "patient"),
    ],
)
def test_the_trades_own_words_name_who_uses_them(url: str, visitor_type: str | None) -> None:
    """Counter displays are ordered by pharmacies, tariff positions billed by
    practices, Medicare is a patient's insurance; a waiting room's poster is
    scanned by patients."""
    assert visitor_type_after(hello(url)) == visitor_type


def test_a_professional_page_reached_from_a_discussion_board_is_nobodys_for_sure() -> None:
    """A link posted in a patients' community leads to the dosing page for
    professionals: a professional or a curious patient."""
    hcp_page = "https://www.x.com/hcp/dosing"
    board = "https://www.kidneycommunity.org/discussions/new-dosing-question"
    assert visitor_type_after(hello(hcp_page, referrer=board)) is None
    assert visitor_type_after(hello(hcp_page)) == "hcp"


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        # Payers: an audience none of the visitor types covers.
        ("https://www.x.de/krankenkassen-und-kostentraeger", {}),
        ("https://www.x.com/en-us/payers/formulary-resources", {}),
        # The company's legal pages name its own roles, not the visitor's.
        ("https://www.x.ch/fr-ch/mentions-legales", {"heading": "Pharmacien responsable"}),
        ("https://www.x.de/impressum", {"title": "Impressum – verantwortliche Apothekerin"}),
    ],
)
def test_pages_for_payers_and_the_companys_legal_notice_name_no_visitor(
    url: str, extra: dict[str, str]
) -> None:
    session, _ = feed(hello(url, **extra))
    assert session.profile.evidence == {}


@pytest.mark.parametrize(
    "document",
    [
        hello("https://www.x.de/node/888", title="Fachinformation Vitaxon"),
        hello("https://www.x.com/pi/vitaxon-full-prescribing-information.pdf"),
        hello("https://www.x.co.uk/medicines/vitaxon/smpc"),
        hello("https://www.x.de/produkte/vitaxon/packungsbeilage"),
        hello("https://www.x.ch/fr-ch/produits/vitaxon/notice-d-emballage/", lang="fr"),
    ],
)
def test_a_document_opened_alone_is_a_hint(document: dict) -> None:
    """Prescribing information and package leaflets are public and read by
    patients, carers and professionals alike: opened alone, nobody could tell
    who opened them. Beside a section for someone they add to it."""
    session, _ = feed(document)
    assert session.summary()["visitor_type"] is None
    assert session.profile.evidence  # a hint, kept for what follows


@pytest.mark.parametrize(
    ("section", "document", "visitor_type"),
    [
        (
            "https://www.x.de/fachkreise/kardiologie",
            "/fachkreise/kardiologie/fachinformation-vitaxon.pdf",
            "hcp",
        ),
        ("https://www.x.de/ratgeber/bluthochdruck", "/produkte/vitaxon/packungsbeilage", "patient"),
    ],
)
def test_a_document_beside_a_section_adds_to_it(
    section: str, document: str, visitor_type: str
) -> None:
    session, _ = feed(hello(section), {"type": "click", "href": document})
    assert session.summary()["visitor_type"] == visitor_type
    assert len(session.profile.evidence) >= 2


@pytest.mark.parametrize(
    ("url", "referrer", "visitor_type"),
    [
        # Arriving from a patients' forum or community board: a patient or relative.
        (
            "https://www.x.de/produkte/heuschnupfen-spray",
            "https://www.pollen-forum.de/t/123",
            "patient",
        ),
        (
            "https://www.x.ca/en/conditions/eczema",
            "https://www.itchcommunity.ca/discussions/77",
            "patient",
        ),
        ("https://www.x.ie/products/gel", "https://www.boards.ie/discussion/4711/tips", "patient"),
        ("https://www.x.com/asthma", "https://community.wheezefriends.net/t/spacer/12", "patient"),
        ("https://www.x.at/saft", "https://kreis.social/gruppen/zwillingseltern", "patient"),
        # From a wholesaler's ordering shop: a pharmacy ordering.
        (
            "https://www.x.de/produkte/ibu-400",
            "https://shop.mainfeld-pharmahandel.de/artikel/1",
            "pharmacist",
        ),
        (
            "https://www.x.co.uk/products/ibu",
            "https://trade.northwholesale.co.uk/catalogue/9",
            "pharmacist",
        ),
        # A page for wholesalers names no visitor type of ours.
        ("https://www.x.de/partner/grosshandel", "", None),
        # A symptom diary is a patient's tool.
        ("https://www.x.de/service/kopfschmerz-tagebuch", "", "patient"),
    ],
)
def test_where_a_visitor_comes_from_and_the_tools_they_take(
    url: str, referrer: str, visitor_type: str | None
) -> None:
    assert visitor_type_after(hello(url, referrer=referrer)) == visitor_type


@pytest.mark.parametrize(
    "event",
    [
        hello("https://www.x.de/ratgeber/alkohol-und-leber/", title="Alkohol und Leber"),
        hello("https://www.x.co.uk/health-topics/alcohol-and-your-medicines/"),
        hello("https://www.x.de/themen/ungewollt-schwanger/"),
        hello("https://www.x.ch/fr-ch/patients/desir-d-enfant", heading="Désir d'enfant et FIV"),
    ],
)
def test_pages_about_drinking_and_an_unwanted_pregnancy_are_sensitive(event: dict) -> None:
    session, _ = feed(event)
    assert session.page.sensitive and session.profile.evidence == {}


def test_prescribing_at_the_insurers_cost_is_a_doctors_concern_as_a_hint() -> None:
    """Whether a medicine may be prescribed at the insurer's cost: patients ask it too."""
    question = hello("https://www.x.de/node/415", title="Verordnungsfähigkeit und Erstattung")
    assert visitor_type_after(question) is None
    mechanism = {"type": "page", "url": "https://www.x.de/node/411", "heading": "Wirkmechanismus"}
    assert visitor_type_after(question, mechanism) == "hcp"


def test_the_employers_self_portrait_read_page_by_page_is_a_job_seekers_reading() -> None:
    culture = hello("https://www.x.ch/de-ch/ueber-uns/werte-und-kultur/")
    assert visitor_type_after(culture) is None  # a nudge: anyone may read a company's values
    stories = {"type": "page", "url": "https://www.x.ch/de-ch/ueber-uns/mitarbeitende-erzaehlen/"}
    assert visitor_type_after(culture, stories) == "applicant"


@pytest.mark.parametrize(
    ("tips", "where_to_buy"),
    [
        ("https://www.x.be/fr/conseils/sommeil", "https://www.x.be/fr/ou-acheter"),
        ("https://www.x.de/ratgeber/schlaf", "https://www.x.de/service/wo-kaufen"),
    ],
)
def test_tips_then_where_to_buy_is_a_consumers_reading(tips: str, where_to_buy: str) -> None:
    assert visitor_type_after(hello(where_to_buy)) is None  # a hint alone
    follow = {"type": "page", "url": where_to_buy}
    assert visitor_type_after(hello(tips), follow) == "patient"


def test_a_forum_visitor_who_strays_into_the_professionals_section_is_a_patient() -> None:
    """Where the visitor came from says who they are; the pages, what they read."""
    information = hello(
        "https://www.x.com/hcp/prescribing-information",
        referrer="https://www.caregivers.example/forum/threads/mom-started",
    )
    injecting = {"type": "page", "url": "https://www.x.com/patients/how-to-inject"}
    assert visitor_type_after(information, injecting) == "patient"


@pytest.mark.parametrize(
    "event",
    [
        hello("https://www.x.de/gentests/brca-beratung-in-der-apotheke"),
        hello("https://patienten.x.de/node/12", heading="Genetische Tests bei Brustkrebs"),
        hello("https://www.x.com/hcp/genetic-testing/results"),
        hello("https://www.x.ch/fr-ch/patients/test-genetique"),
    ],
)
def test_pages_about_genetic_testing_are_sensitive(event: dict) -> None:
    """A test result or a family's hereditary risk is health data of the most private kind."""
    session, _ = feed(event)
    assert session.page.sensitive and session.profile.evidence == {}


def test_genetic_counsellors_are_a_profession_not_a_sensitive_topic() -> None:
    assert visitor_type_after(hello("https://www.x.com/resources/genetic-counselors/")) == "hcp"


def test_a_cms_page_name_in_camel_case_is_read_word_by_word() -> None:
    """ASP.NET and SharePoint sites name pages "ClinicalData.aspx": capitals join words."""
    pages = (
        hello("https://www.x.com/Products/Cardiveran/ClinicalData.aspx"),
        page("https://www.x.com/Products/Cardiveran/MechanismOfAction.aspx"),
    )
    assert visitor_type_after(*pages) == "hcp"
    pharmacists = hello("https://www.x.de/Pages/FuerApothekerInnen.aspx")
    assert visitor_type_after(pharmacists) == "pharmacist"


def test_french_clinical_data_and_mechanism_pages_are_a_professionals_reading() -> None:
    pages = (
        hello("https://www.x.fr/produits/nevralia/donnees-cliniques"),
        page("https://www.x.fr/produits/nevralia/mecanisme-d-action"),
    )
    assert visitor_type_after(*pages) == "hcp"


def test_a_shortage_list_decides_for_pharmacy_teams_with_a_second_page() -> None:
    """Shortages are in the news: a shortage page alone is anyone's as often as not."""
    shortages = hello("https://www.x.de/service/lieferengpaesse/")
    assert visitor_type_after(shortages) is None
    ordering = page("https://www.x.de/apotheken/bestellung")
    assert visitor_type_after(shortages, ordering) == "pharmacist"
