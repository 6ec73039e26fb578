import itertools
from collections.abc import Iterable

import pytest

import lotse
from lotse._language import bundled_languages
from lotse._model import Signal
from lotse._morphology import Morphology
from lotse._signals import (
    HostMatcher,
    PageReader,
    WordMatcher,
    page_facts,
    referrer_of,
    split_search,
    text_segments,
)


@pytest.fixture(scope="module")
def reader() -> PageReader:
    """The bundled catalogue's page reader, built once for this module."""
    return lotse.load_site(None).engine().reader


def test_word_matches_whole_word_prefix_and_long_infix() -> None:
    matcher = WordMatcher([("fachkreise", "hcp"), ("bewerbung", "applicant"), ("hcp", "hcp2")])
    assert matcher.find(["de", "fachkreise"]) == ["hcp"]
    assert matcher.find(["fachkreisportal"]) == []  # not a prefix of the entry
    assert matcher.find(["fachkreiseportal"]) == ["hcp"]  # compound starting with the entry
    assert matcher.find(["onlinebewerbung"]) == ["applicant"]  # six letters or more: infix
    assert matcher.find(["myhcpportal"]) == []  # short entries never match inside words
    assert matcher.find(["hcp"]) == ["hcp2"]


def test_phrase_entries_match_consecutive_words() -> None:
    matcher = WordMatcher([("healthcare-professionals", "hcp")])
    assert matcher.find(["en", "healthcare", "professionals", "oncology"]) == ["hcp"]
    assert matcher.find(["healthcare", "news", "professionals"]) == []


def test_each_payload_is_reported_once() -> None:
    matcher = WordMatcher([("jobs", "applicant")])
    assert matcher.find(["jobs", "jobs", "jobsuche"]) == ["applicant"]


def test_host_matcher_by_suffix_and_label() -> None:
    hosts = HostMatcher([("doccheck.com", "hcp"), ("stepstone", "applicant")])
    assert hosts.find("www.doccheck.com") == ["hcp"]
    assert hosts.find("doccheck.com.evil.net") == []
    assert hosts.find("www.stepstone.at") == ["applicant"]
    assert hosts.find("notstepstone.de") == []
    # A compound named for what the site is: the entry ends it, after a word.
    forums = HostMatcher([("forum", "patient"), ("liga", "patient")])
    assert forums.find("www.rueckenforum-treff.de") == ["patient"]
    assert forums.find("www.rheumaliga.ch") == ["patient"]
    assert forums.find("www.xforum.de") == []


def test_page_facts_keep_campaigns_apart_and_searches_out() -> None:
    facts = page_facts("https://www.x.de/de/Fachkreise/Onkologie?utm_campaign=HCP-Herbst&q=secret")
    assert facts.host == "www.x.de"
    assert facts.path_words == ("de", "fachkreise", "onkologie")
    assert "hcp" in facts.utm_words
    assert "secret" not in facts.utm_words
    assert facts.where == "/de/Fachkreise/Onkologie"


def test_page_facts_read_section_parameters() -> None:
    """Sites built on one script name their sections in the query."""
    facts = page_facts("https://www.x.de/index.php?seite=apothekenportal&thema=lieferfaehigkeit")
    assert facts.path_words == ("index", "php", "apothekenportal", "lieferfaehigkeit")
    assert facts.segments[-2:] == (("apothekenportal",), ("lieferfaehigkeit",))
    assert facts.path == "/index.php"
    assert facts.where.startswith("/index.php?")
    other = page_facts("https://www.x.de/index.php?seite=aerzteservice&thema=muster")
    assert other.where != facts.where  # two pages, told apart


def test_the_page_key_keeps_no_query_value() -> None:
    """Evidence keys are stored: a name a site puts in its query must not be."""
    facts = page_facts("https://www.x.de/index.php?seite=fachkreise&name=Erika+Mustermann")
    assert "fachkreise" in facts.path_words  # read
    assert "Erika" not in facts.where and "fachkreise" not in facts.where  # not kept


def test_page_ids_tell_pages_apart_but_say_nothing() -> None:
    first, second = page_facts("https://www.x.at/?page_id=12"), page_facts("/?page_id=31")
    assert first.segments == second.segments == ()
    assert first.where != second.where and first.where.startswith("/?")


@pytest.mark.parametrize(
    "query",
    [
        "sid=a8f3c29e11b04d7f",  # a hash: more digits than letters
        "gclid=EAIaIQobChMI",  # tracking
        "redirect=/karriere/",  # another page's address
        "email=max@example.de",  # never a section, and personal
        "search=karriere",  # a link to a search: what someone typed
    ],
)
def test_page_facts_skip_parameters_that_name_no_section(query: str) -> None:
    facts = page_facts(f"https://www.x.de/?{query}")
    assert facts.segments == ()
    assert facts.where == "/"


def test_page_facts_survive_garbage() -> None:
    assert page_facts("http://[::1").path == "/"
    assert page_facts("").path_words == ()


def test_referrer_host_ignores_internal_links() -> None:
    assert referrer_of("https://www.x.de/a", "x.de") is None
    google = referrer_of("https://www.google.com/", "x.de")
    assert google is not None and google.host == "www.google.com"
    assert referrer_of(None, "x.de") is None
    assert referrer_of("not a url", "x.de") is None


def test_a_sites_other_hosts_are_no_referrer() -> None:
    # fachkreise.… and karriere.… are one company's site: its own pages, counted as pages.
    assert (
        referrer_of("https://fachportal.x-pharma.de/fachkreise.html", "karriere.x-pharma.de")
        is None
    )
    assert referrer_of("https://hcp.x.co.uk/dosing", "www.x.co.uk") is None
    other = referrer_of("https://www.y.co.uk/", "www.x.co.uk")
    assert other is not None and other.host == "www.y.co.uk"
    assert referrer_of("http://10.0.0.2/", "10.0.0.1") is not None


def test_short_entries_can_be_held_to_whole_words() -> None:
    sensitive = WordMatcher([("hiv", "hiv"), ("sucht", "sucht")], min_prefix=4)
    assert sensitive.find(["living", "with", "hives"]) == []
    assert sensitive.find(["hiv", "test"]) == ["hiv"]
    assert sensitive.find(["suchtberatung"]) == ["sucht"]
    assert WordMatcher([("job", "applicant")]).find(["jobsuche"]) == ["applicant"]


def test_subdomains_count_as_path_words_but_the_company_name_does_not() -> None:
    assert page_facts("https://jobs.acme-pharma.com/search").path_words == ("jobs", "search")
    assert page_facts("https://www.acme-pharma.co.uk/x").path_words == ("x",)
    assert page_facts("https://fachkreise.acme.co.uk/").path_words == ("fachkreise",)
    assert page_facts("http://127.0.0.1:8000/a").path_words == ("a",)


@pytest.mark.parametrize(
    ("url", "sections"),
    [
        # A section's name, also as a compound of known parts.
        ("https://karriere.avonmere.de/", (("karriere",),)),
        ("https://fachkreisportal.avonmere.de/x", (("fachkreisportal",), ("x",))),
        # A hosted service's tenant is the company's name: no section, and no
        # "avon" + French "mère" (a mother) read into it.
        ("https://avonmere.softgarden.io/job/4471", (("job",), ("4471",))),
        ("https://avonmere.wd3.myworkdayjobs.com/en-US", (("en", "us"),)),
    ],
)
def test_a_subdomain_counts_only_where_it_names_a_section(
    reader: PageReader, url: str, sections: tuple[tuple[str, ...], ...]
) -> None:
    assert reader.sections_of(page_facts(url)) == sections


def test_percent_encoded_addresses_are_read_as_written() -> None:
    """Browsers send "/für-ärzte/" as "/f%C3%BCr-%C3%A4rzte/": the words (and the
    sensitive-topic check, which reads the same words) must see the letters."""
    assert page_facts("https://x.de/f%C3%BCr-%C3%A4rzte/").segments == (("fuer", "arzt"),)
    assert page_facts("https://x.de/f%C3%BCr-%C3%A4rzte/").path == "/f%C3%BCr-%C3%A4rzte/"


def test_a_whole_known_word_is_no_shorter_entry_before_a_rest(reader: PageReader) -> None:
    found = {signal.visitor_type for signal, _ in reader.read(("fuer", "internist"))}
    assert found == {"hcp"}  # not "intern" (an applicant) + "ist"


@pytest.mark.parametrize(
    ("url", "path", "utm"),
    [
        ("https://www.x.de/#/fachkreise/dosierung", "/fachkreise/dosierung", ()),
        ("https://www.x.de/app/#!/karriere?tab=2", "/app/karriere", ()),
        ("https://www.x.de/?utm_campaign=apotheken#/start", "/start", ("apotheken",)),
        ("https://www.x.de/patienten#faq", "/patienten", ()),  # an anchor, no route
    ],
)
def test_a_single_page_apps_hash_route_is_the_path(url: str, path: str, utm: tuple[str]) -> None:
    facts = page_facts(url)
    assert (facts.path, facts.utm_words) == (path, utm)


def test_a_phrase_entry_matches_another_form_of_its_first_word() -> None:
    morphology = Morphology(["professionnel", "sante"])
    matcher = WordMatcher([("professionnel-de-sante", "hcp")], morphology=morphology)
    assert matcher.find(["professionnels", "de", "sante"]) == ["hcp"]
    assert [p for p, _ in matcher.find_phrases(["espace", "professionnels", "de", "sante"])] == [
        "hcp"
    ]


@pytest.mark.parametrize(
    ("referrer", "query"),
    [
        ("https://www.bing.com/search?q=tablette+vergessen+was+tun", "tablette vergessen was tun"),
        ("https://duckduckgo.com/?q=renal+dosing&ia=web", "renal dosing"),
        ("https://search.yahoo.com/search?p=pzn+nasenspray", "pzn nasenspray"),
        ("https://www.google.de/", ""),  # Google passes no query on
        ("https://www.example.org/?q=karriere", ""),  # not a search engine
        ("not a url?q=x", ""),
    ],
)
def test_the_query_of_a_web_search_the_visitor_came_from(referrer: str, query: str) -> None:
    came_from = referrer_of(referrer, "www.x.de")
    assert (came_from.search() if came_from is not None else "") == query


def _read(reader: PageReader, text: str) -> dict[str, str]:
    """What the catalogue reads in a title: signal -> visitor type."""
    hits = reader.read_segments(text_segments(text), "text")
    return {signal.match: signal.visitor_type for signal, _ in hits}


@pytest.mark.parametrize(
    ("text", "worker"),
    [
        ("Clinical resources for your practice", "hcp"),
        ("Service für Ihre Ordination", "hcp"),
        ("Formations pour votre officine", "pharmacist"),
        ("Patientenbroschüren für Ihr Wartezimmer", "hcp"),
        # A section for the workplace: joined with a part, or followed by one.
        ("Ordinationsservice", "hcp"),
        ("Practice support", "hcp"),
        # Those a profession serves, called the visitor's own.
        ("Find a testing lab for your patient", "hcp"),
        ("Informations pour vos patients", "hcp"),
        # Patients have a pharmacy of their own: nobody's workplace.
        ("Erhältlich in Ihrer Apotheke", None),
        # A medicine called the visitor's own: the one taking it.
        ("Warum Ihre Kapseln jetzt anders aussehen", "patient"),
        ("Help paying for your medicines", "patient"),
    ],
)
def test_a_workplace_of_the_visitor_names_who_works_there(
    reader: PageReader, text: str, worker: str | None
) -> None:
    audiences = {t for match, t in _read(reader, text).items() if match.startswith("audience:")}
    assert audiences == ({worker} if worker else set())


@pytest.mark.parametrize(
    ("text", "types"),
    [
        # The audience after "for" is the visitor.
        ("Patient materials for doctors", {"hcp"}),
        ("Patientenprogramme für Ihre Praxis", {"hcp"}),
        ("Jobs für Apotheker", {"applicant"}),
        ("Tipps vom Arzt für Patienten", {"patient"}),
        # Where to get or do something: a place, not an audience.
        ("Ohne Rezept in der Apotheke vor Ort", set()),
        ("Now available at pharmacies nationwide", set()),
        ("Disponible sans ordonnance en pharmacie", set()),
        # A role before the place: the place says where that audience works.
        ("Training for staff in community pharmacies", {"pharmacist"}),
        # ("Fachkräfte", professionals in general, there names those of one profession.)
        ("Angebote für Fachkräfte in Apotheken", {"pharmacist"}),
        # Who vouches for a product is not whom the page is for...
        ("Zink 25 – von Apothekern empfohlen", set()),
        ("Trusted by GPs across Ireland", set()),
        ("Nasenspray – von HNO-Ärztinnen empfohlen", set()),
        ("Conseillé par les pharmaciens", set()),
        # ...unless the page also names them as its audience.
        ("Von Ärzten für Ärzte: Fallberichte", {"hcp"}),
        # A professional called the visitor's own is their care ("ask your GP")...
        ("Questions to ask your GP", {"patient"}),
        # ...but before a place it names the place: anyone's, or the visitor's workplace.
        ("Register with your GP practice", set()),
        # A place of care near the visitor is one they look for.
        ("Wo erhältlich? Apotheke in Ihrer Nähe", {"patient"}),
        ("Find a pharmacy near you", {"patient"}),
        ("Request a rep visit to your GP practice", {"hcp"}),
    ],
)
def test_the_words_around_a_role_say_whether_it_is_the_audience(
    reader: PageReader, text: str, types: set[str]
) -> None:
    assert set(_read(reader, text).values()) == types


@pytest.mark.parametrize(
    "word",
    [
        # An entry after a letter or two is inside another word, not a compound...
        "president",
        "apparent",
        # ...as is one with letters after it that no compound or ending explains...
        "chemotherapy",
        # ...and a role word with a letter or two after it that are no ending.
        "internet",
        "internal",
        "nursery",
        "therapeutic",
        "doctoral",
        "chemistry",
        # Words of their own the languages list (`[paths] lookalikes`).
        "subsidiaries",
        "agriculture",
        "geburtstage",
        "wettbewerber",
        "depistage",
        "desespere",
    ],
)
def test_words_that_only_look_like_an_entry_name_nobody(reader: PageReader, word: str) -> None:
    assert reader.read((word,)) == ()


@pytest.mark.parametrize(
    ("word", "visitor_type"),
    [
        ("hausarzt", "hcp"),
        ("nurses", "hcp"),
        ("apotheken", "pharmacist"),
        ("wholesalers", "pharmacist"),
    ],
)
def test_forms_and_compounds_of_an_entry_still_name_it(
    reader: PageReader, word: str, visitor_type: str
) -> None:
    assert visitor_type in {signal.visitor_type for signal, _ in reader.read((word,))}


@pytest.mark.parametrize(
    "text", ["Für Tierärztinnen und Tierärzte", "Veterinary surgeons", "Espace vétérinaires"]
)
def test_an_audience_no_visitor_type_covers_names_nobody(reader: PageReader, text: str) -> None:
    """Vets: "Tierärzte" contains a doctor, but no visitor type is theirs."""
    assert _read(reader, text) == {}


@pytest.mark.parametrize(
    ("path", "types"),
    [
        ("/presse/deutscher-aerztetag", set()),  # news about doctors, not for them
        ("/ueber-uns/von-der-apotheke-zum-konzern", set()),  # the company's own story
        ("/ueber-uns/karriere/stellenangebote", {"applicant"}),  # its jobs are still jobs
        ("/about-us/careers/", {"applicant"}),
        ("/stories/pharmacists-of-the-year-2026", set()),  # the company's storytelling
        ("/magazin/interview-mit-einer-schmerztherapeutin", set()),  # a therapist interviewed
        ("/wissenschaftlicher-beirat/kliniker", set()),  # the company's advisory board
    ],
)
def test_below_the_companys_own_sections_only_its_jobs_name_the_visitor(
    reader: PageReader, path: str, types: set[str]
) -> None:
    hits = reader.read_segments(page_facts(f"https://www.x.de{path}").segments)
    assert {signal.visitor_type for signal, _ in hits} == types


@pytest.mark.parametrize(
    ("path", "types"),
    [
        # A profession named with a job in one section name is the job.
        ("/de/ausbildung-pka", {"applicant"}),
        ("/karriere-portal/stellenangebote-apotheker", {"applicant"}),
        ("/en/pharmacist-jobs", {"applicant"}),
        # Continuing education is for those already in the profession.
        ("/pta-fortbildung", {"pharmacist", "hcp"}),
    ],
)
def test_a_profession_with_a_job_in_one_section_name_is_the_job(
    reader: PageReader, path: str, types: set[str]
) -> None:
    hits = reader.read_segments(page_facts(f"https://www.x.de{path}").segments)
    assert {signal.visitor_type for signal, _ in hits} == types


#: Path segments whose orders make paths the reader has not seen whole.
_SEGMENTS = ("de", "fachkreise", "karriere", "apotheke", "presse", "healthcare", "professionals")


def _described(signals: Iterable[Signal]) -> list[tuple[str, str, float]]:
    return [(s.match, s.visitor_type, s.weight) for s in signals]


def test_a_new_path_of_remembered_segments_reads_as_read_afresh() -> None:
    """`path_signals` reads a new path from its segments as remembered in context
    (`PageReader._step`): the same signals, weights and order as reading it with
    nothing remembered."""
    reader = lotse.load_site(None).engine().reader
    paths = [p for n in (1, 2, 3) for p in itertools.permutations(_SEGMENTS, n)]
    for _ in range(2):  # the second round finds every path and every step remembered
        for path in paths:
            segments = page_facts("https://www.x.de/" + "/".join(path)).segments
            afresh = reader.weighted(reader.read_segments(segments, remember=False))
            assert _described(reader.path_signals(segments)) == _described(afresh)


def test_the_memory_of_segments_in_context_is_bounded() -> None:
    reader = lotse.load_site(None).engine().reader
    reader.CACHE_SIZE = 16
    for path in itertools.permutations(_SEGMENTS, 3):
        reader.path_signals(page_facts("https://www.x.de/" + "/".join(path)).segments)
        assert len(reader._steps) <= 16


def test_words_remembered_as_matching_nothing_change_no_answer_and_stay_bounded() -> None:
    matcher = WordMatcher([("fachkreise", "hcp"), ("eating-disorder", "ed")], min_prefix=4)
    matcher.CACHE_SIZE = 4
    texts = [["de", "news"], ["eating", "disorder"], ["de", "fachkreise"], ["eating"]]
    texts += [[f"word{n}"] for n in range(10)]
    for words_of_text in texts * 2:  # the second round finds the words remembered
        assert matcher.find(words_of_text, remember=True) == matcher.find(words_of_text)
        assert len(matcher._quiet) <= 4


def test_a_scaled_signal_is_remembered_per_factor_as_given_and_weighs_the_rounded_factor(
    reader: PageReader,
) -> None:
    signal = next(iter(reader.audience_signals.values()))
    first = reader.scaled(signal, 1.3 * 1.15)
    assert reader.scaled(signal, 1.3 * 1.15) is first  # remembered
    # Another factor that rounds alike weighs alike: the weight carries the rounded factor.
    assert reader.scaled(signal, 1.495).weight == first.weight == signal.weight * 1.495
    assert reader.scaled(signal, 1.0) is signal


@pytest.mark.parametrize(
    ("url", "page", "search"),
    [
        ("https://x.de/suche?q=pta+schulung", "https://x.de/suche", "pta schulung"),
        ("https://x.de/de/suche/pta%20schulung/", "https://x.de/de/suche/", "pta schulung"),
        ("https://x.com/search/renal+dosing", "https://x.com/search/", "renal dosing"),
        # The search page itself, and a section named like one, are pages.
        ("https://x.com/search/", "https://x.com/search/", ""),
        ("https://x.de/arztsuche/berlin", "https://x.de/arztsuche/berlin", ""),
        ("https://x.de/suche/ergebnisse/seite/2", "https://x.de/suche/ergebnisse/seite/2", ""),
    ],
)
def test_a_site_search_is_split_from_the_page_it_was_made_on(
    url: str, page: str, search: str
) -> None:
    """The page's address is remembered; the search terms are read and kept nowhere."""
    languages = bundled_languages()
    found = split_search(url, languages.search_parameters, languages.search_pages)
    assert found == (page, search)


def test_a_compound_ending_in_a_street_head_is_an_address() -> None:
    matcher = WordMatcher([("apotheker", "pharmacist")], streets=("gasse", "strasse"))
    assert matcher.find(["apothekergasse"]) == []
    assert matcher.find(["apothekerstrasse"]) == []
    assert [p for p, _ in matcher.find_weighted(["apothekerin"])] == ["pharmacist"]
