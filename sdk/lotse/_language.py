"""Language knowledge as data: one TOML file per language in `intents/lang/`.

The chat matcher and the signals need to know some things about each language
they read: its function words, how it negates, how a visitor states a role,
how its words inflect and join into compounds, which words mean the same,
which abbreviations its professionals use, and which generic words name the
parts of a website ("-bereich", "-portal", "hub"). None of that is code: it
is read from `intents/lang/<id>.toml`, and adding a language is adding a file
(plus the language's phrases, replies and signals in the catalogue).

`Languages` merges every file into the views the matchers use (the union of
all function words, synonym groups joined by concept across languages, …)
and keeps each language's own sets for telling languages apart. The bundled
files are read once per process (`bundled_languages`); a site never changes
them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Language", "Languages", "bundled_languages", "catalogue_dir", "read_language"]

#: Person-noun fold: (ending, replacement, shortest stem before the ending).
PersonRule = tuple[str, str, int]


def catalogue_dir() -> Path:
    """Where the default catalogue lives: inside the wheel, or `intents/` in a checkout."""
    packaged = Path(str(resources.files("lotse"))) / "catalogue"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "intents"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Language:
    """What one language file says. Word sets are in normalised form."""

    id: str
    name: str = ""
    default: bool = False
    letters: str = ""
    function: frozenset[str] = frozenset()
    clues: frozenset[str] = frozenset()
    #: Common words of the language one letter or two from a catalogue word: never
    #: read as a typo of it ("apple" is no "apply", "Klasse" no "Kasse").
    real: frozenset[str] = frozenset()
    #: Abbreviations written with a full stop that ends no sentence ("Dipl.", "Dr."):
    #: the chat reads on into the same clause.
    abbreviations: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    clause: frozenset[str] = frozenset()
    #: Conjunctions that set what follows against what came before ("aber", "but"):
    #: who the visitor is, said before one, gives way to what they say after it.
    contrast: frozenset[str] = frozenset()
    #: Contrasts in time ("inzwischen", "now"): what came before them is past.
    now: frozenset[str] = frozenset()
    negators: frozenset[str] = frozenset()
    trailing_negators: frozenset[str] = frozenset()
    negation_pairs: Mapping[str, str] = field(default_factory=dict)
    negation_fillers: frozenset[str] = frozenset()
    #: Words going on with a negated list ("not a patient or a doctor"): a role
    #: after one is denied as well.
    negation_lists: frozenset[str] = frozenset()
    #: Words of wanting or needing: a job after one denied ("no need for a job",
    #: "brauche keinen Job") is denied, whatever else the visitor says.
    negation_wants: frozenset[str] = frozenset()
    #: Words that make a denial one of time ("nicht mehr", "no longer", "ne … plus",
    #: "former"): who the visitor was, not what they may want now.
    negation_past: frozenset[str] = frozenset()
    lookback_skip: frozenset[str] = frozenset()
    statement: frozenset[str] = frozenset()
    #: Statement words that are a verb's contraction only after a pronoun ("I'm",
    #: "we're"; not "query re renal dosing").
    contracted: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    #: After a role these make it the visitor's own ("MFA hier", "pharmacist here").
    statement_after: frozenset[str] = frozenset()
    #: First-person objects: a role acting on them is someone else ("told me").
    objects: frozenset[str] = frozenset()
    #: Third-person verbs: a role right before one is spoken of ("Ärztin hat gesagt").
    acting: frozenset[str] = frozenset()
    #: Prepositions of source: a role after one is someone the visitor got
    #: something from ("vom Arzt bekommen", "du médecin"), not the visitor.
    sources: frozenset[str] = frozenset()
    #: First-person plural possessives: "unsere Apotheke", "our clinic" is where
    #: the visitor works (a role after them stays someone else's: "our patients").
    ours: frozenset[str] = frozenset()
    #: First-person singular possessives: "meine Apotheke kriegt es nicht" is the
    #: visitor's own pharmacy, acting for them (a patient's words).
    mine: frozenset[str] = frozenset()
    #: A possessive after the word, as pairs ("a patient of mine", "eine Patientin
    #: von mir"): the word is the visitor's own (first person singular) or ours.
    postposed: tuple[tuple[str, str], ...] = ()
    #: Prepositions by which someone belongs to a place ("a patient in my practice",
    #: "eine Patientin aus meiner Praxis", "un patient de mon cabinet"): a patient
    #: or customer of the visitor's own place of care is spoken of, and the place
    #: is where the visitor works.
    belonging: frozenset[str] = frozenset()
    #: Being diagnosed, said of the first person ("I was just diagnosed", "on vient
    #: de me diagnostiquer"): the visitor's own case, whatever their profession.
    diagnosed: frozenset[str] = frozenset()
    #: Ages after a number, as [age, relative] pairs: after "my", a number and an
    #: age name a relative ("my 2 year old", "meine 3-Jährige" -> a child).
    ages: tuple[tuple[str, str], ...] = ()
    #: Words that say "my" only before a relative or a part of the body ("me nan",
    #: "me knee"); elsewhere they are something else ("send me").
    mine_before_own: frozenset[str] = frozenset()
    #: Prepositions: a role after one and an article is spoken of ("bei einer
    #: Patientin mit", "in a patient on"), not the visitor.
    about: frozenset[str] = frozenset()
    #: Prepositions of a population a treatment is used in ("in patients over 75",
    #: "bei Patienten mit", "chez les patients"): patients after one are treated.
    among: frozenset[str] = frozenset()
    #: Quantities before a role make it a group, not the visitor ("viele Patienten").
    groups: frozenset[str] = frozenset()
    #: Working at, running or owning: a place of care after one (and a preposition
    #: or article) is where the visitor works ("arbeite in einer Apotheke",
    #: "travaille en officine", "Inhaberin einer Apotheke").
    work: frozenset[str] = frozenset()
    #: Articles: all that may stand between a statement and a place of care the
    #: visitor speaks for ("wir sind eine Apotheke", "we're a pharmacy").
    articles: frozenset[str] = frozenset()
    #: Oneself as the subject of the question ("habe selbst Bluthochdruck", "I'm on
    #: it myself"): a professional asking about their own medicine is a patient.
    self_words: frozenset[str] = frozenset()
    #: Someone else's reflexive before a word of oneself ("für sich selbst"): their
    #: own case, not the visitor's.
    others_self: frozenset[str] = frozenset()
    #: Those in training ("Azubi", "intern", "stagiaire"): a status, not a request
    #: for a job ("PKA-Azubi, wie bestellen wir…" works in a pharmacy).
    trainees: frozenset[str] = frozenset()
    #: A student's coursework ("Hausarbeit", "homework", "exposé"): asked as no
    #: visitor type, unless a job is asked for too.
    coursework: frozenset[str] = frozenset()
    #: Job words that are everyday words too ("Stellen Sie …", "supplies resume",
    #: "Einstichstelle"): job evidence, but never a clear request for a job.
    everyday_jobs: frozenset[str] = frozenset()
    #: The infinitive's particle ("zu"): an everyday job word right after it is the
    #: verb ("eine Anfrage zu stellen"), not a position.
    infinitive: frozenset[str] = frozenset()
    #: Relatives: a professional speaking of their own ("meine Mutter", "my dad")
    #: asks as a patient's family does.
    kin: frozenset[str] = frozenset()
    #: Parts of the body: one's own ("my knee", "meine Augen") is a patient's case.
    body: frozenset[str] = frozenset()
    #: What a patient takes: one's own ("mein Insulin", "my inhaler") is a
    #: patient's case, as one's own body is.
    medicines: frozenset[str] = frozenset()
    #: Words of feeling one's body that need no possessive ("j'ai mal au dos").
    felt: frozenset[str] = frozenset()
    #: The visitor speaking of themselves ("ich", "my", "je").
    first_person: frozenset[str] = frozenset()
    #: Those a profession serves, by the visitor type serving them (pharmacist:
    #: "Kunde"): a visitor who speaks of serving them is of that profession.
    served: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Acts only a profession performs, by the visitor type performing them (hcp:
    #: "verordne", "prescribe"): the visitor as their subject is of that type.
    acts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: The visitor as a verb's subject ("ich", "I", "je").
    subject: frozenset[str] = frozenset()
    #: Training said as a status rather than asked for: "im Praktikum", "en
    #: stage", "on placement" (pairs of words).
    status: tuple[tuple[str, str], ...] = ()
    #: A message or its senders before "from" ("Frage aus", "greetings from", "wir
    #: aus"), as pairs: a place of care after them is where the answer comes from.
    sender: tuple[tuple[str, str], ...] = ()
    #: Conjunctions joining two roles of one person ("Ärztin und Apothekerin",
    #: "physician and investor"): the second is the visitor's too.
    joined: frozenset[str] = frozenset()
    #: The company's staff who call on professionals ("Pharmareferent", "rep",
    #: "délégué"): spoken of ("der Pharmareferent", "your rep"), no job sought.
    staff: frozenset[str] = frozenset()
    #: Forms of a relative's word that name no relative ("meine Frauen": a
    #: midwife's women, not wives).
    not_kin: frozenset[str] = frozenset()
    #: A preposition and the visitor as its object ("um mich", "pour moi", "for
    #: me"), as pairs: after a role set aside, the question is their own case.
    for_oneself: tuple[tuple[str, str], ...] = ()
    #: Asking, and the preposition naming whom for ("frage für die Apotheke",
    #: "asking for my ward", "c'est pour ma pharmacie"): a place of care after
    #: them is the workplace the visitor asks for, whatever of their own they said.
    asking: frozenset[str] = frozenset()
    #: Having or treating someone ("ich habe mehrere Patienten", "I see patients
    #: on it", "j'ai plusieurs patients"): patients after them are the visitor's.
    having: frozenset[str] = frozenset()
    asking_for: frozenset[str] = frozenset()
    #: Working, and the company addressed as "you" ("working for you", "bei
    #: Ihnen arbeiten", "travailler chez vous"): together, a request for a job.
    working: frozenset[str] = frozenset()
    employer: frozenset[str] = frozenset()
    #: The company addressed as one after a second-person possessive ("your
    #: company", "Ihrem Team"): as good as `employer`.
    employer_nouns: frozenset[str] = frozenset()
    #: Places of care only those working there name so ("Offizin", "officine"): the
    #: visitor who names one works there, said or not.
    trade: frozenset[str] = frozenset()
    #: Endings of specialists' names and the role word they stand for ("-ologist":
    #: "specialist"), for professions the catalogue does not list.
    specialist_endings: tuple[tuple[str, str], ...] = ()
    role_prefixes: tuple[tuple[str, ...], ...] = ()
    endings: tuple[str, ...] = ()
    #: Derivational endings the chat's stems also strip, so that a verb meets its
    #: noun ("zuzahlen" / "Zuzahlung", "titrate" / "titration"). Not used on paths.
    derivations: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    feminine: tuple[str, ...] = ()
    #: Endings typed as a word of their own after a hyphen ("PJ-ler"): the chat
    #: joins them to the word before ("pjler").
    detached: frozenset[str] = frozenset()
    variants: tuple[tuple[str, str], ...] = ()
    rewrites: tuple[tuple[str, str], ...] = ()
    plural_s_except: tuple[str, ...] = ()
    person: tuple[PersonRule, ...] = ()
    detection_endings: tuple[str, ...] = ()
    synonyms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Words that stand for catalogue words: the field's abbreviations ("np" ->
    #: "nurse practitioner"), colloquial and regional words ("apo", "Spital").
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    section_parts: frozenset[str] = frozenset()
    audience: frozenset[str] = frozenset()
    seek: frozenset[str] = frozenset()
    #: Sections about the company: professions named below them are a topic.
    topical: frozenset[str] = frozenset()
    #: Words that begin like a sensitive topic but are everyday words ("suchten",
    #: searched, begins like "Sucht", addiction): never read as the topic.
    not_sensitive: frozenset[str] = frozenset()
    #: Words that read like a form of an entry but are words of their own
    #: ("médecines", medicine as an art, not "médecins", doctors): never an entry.
    lookalikes: frozenset[str] = frozenset()
    #: Heads of street names ("gasse", "strasse"): a compound ending in one is an
    #: address ("Apothekergasse"), not what it begins with.
    streets: tuple[str, ...] = ()
    #: Second-person possessives: a role after one is the visitor's carer.
    yours: frozenset[str] = frozenset()
    #: Places of care ("Apotheke", "clinic"): searched for alone, like a role, they
    #: say what the visitor looks for, not who they are.
    places: frozenset[str] = frozenset()
    #: Topics in the news that anyone looks up ("Lieferengpass", "recall").
    news: frozenset[str] = frozenset()
    #: Prepositions of place: a place of care after one ("rezeptfrei in der Apotheke",
    #: "available at pharmacies") says where, not whom the page is for.
    at: frozenset[str] = frozenset()
    #: Words naming who does something ("von Ärzten empfohlen", "trusted by
    #: pharmacists"): a role after one acts, it is not whom the page is for.
    by: frozenset[str] = frozenset()
    #: Names of a site's file store ("/-/media/files/…", "/media/uploads/…"): a
    #: company section word ("media") before one names no section.
    stores: frozenset[str] = frozenset()
    #: Words a link that declines begins with ("Nein, zurück zur Startseite", "No,
    #: I am a patient"): followed on a page for professionals, the visitor says
    #: they are not one.
    declines: frozenset[str] = frozenset()
    #: Words that deny what follows ("nicht", "not"): a followed link with one among
    #: its first words before the professionals it names declines their page.
    denials: frozenset[str] = frozenset()
    #: Words of applying for a job ("Jetzt bewerben", "/apply/", "postuler"): a job
    #: page or link with one is an application, which only a job seeker makes.
    applying: frozenset[str] = frozenset()
    #: Words naming a product range ("Gamme ORL", "Derma-Sortiment"): a role word
    #: beside one names the range's field, not the visitor.
    ranges: frozenset[str] = frozenset()
    #: Places of work only someone working there calls "yours" ("für Ihre Praxis",
    #: "votre officine"), by the visitor type working there.
    workplaces: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Those a profession serves, by the visitor type serving them: "your patients"
    #: speaks to a doctor (only after a possessive: "Patientenservice" is for patients).
    clients: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Audiences none of the visitor types covers ("Tierärzte", "vets").
    other_audiences: frozenset[str] = frozenset()
    #: Audience words for professionals in general, pharmacists among them
    #: ("Fachpersonen", "professionnels"): beside a word for one profession
    #: ("/professionnels/pharmacies/") they name that one.
    professionals: frozenset[str] = frozenset()
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    search_parameters: tuple[str, ...] = ()
    #: Path segments of a site's search page that puts the query in the path
    #: after it ("/suche/<query>").
    search_pages: frozenset[str] = frozenset()
    #: Words of training right before a role ("trainee pharmacists"), and runs of
    #: them right after one ("Pharmazeuten im Praktikum"): people of that
    #: profession in training, not a job.
    trainee_before: frozenset[str] = frozenset()
    trainee_after: tuple[tuple[str, ...], ...] = ()
    #: Why am I seeing this, for an audience named in a section ("Seiten für
    #: Fachleute"), per visitor type (or "default"), and for looking for care.
    audience_reasons: Mapping[str, str] = field(default_factory=dict)
    seek_reason: str = ""
    search_reason: str = ""
    link_reason: str = ""

    @property
    def words(self) -> frozenset[str]:
        """Every word that tells this language in a short answer."""
        return self.function | self.negators | self.clues


#: The keys a language file may have, per table; anything else is a mistake.
_KEYS: dict[str, frozenset[str]] = {
    "language": frozenset({"id", "name", "default", "letters"}),
    "words": frozenset(
        {"function", "clues", "real", "abbreviations", "generic", "clause", "contrast", "now"}
    ),
    "negation": frozenset(
        {"negators", "trailing", "pairs", "fillers", "lists", "wants", "past", "lookback_skip"}
    ),
    "roles": frozenset(
        {
            "statement",
            "contracted",
            "after",
            "prefixes",
            "others",
            "objects",
            "acting",
            "sources",
            "ours",
            "mine",
            "mine_before_own",
            "postposed",
            "belonging",
            "diagnosed",
            "ages",
            "about",
            "among",
            "groups",
            "work",
            "articles",
            "self",
            "others_self",
            "trainees",
            "coursework",
            "everyday_jobs",
            "infinitive",
            "kin",
            "body",
            "medicines",
            "felt",
            "first_person",
            "served",
            "acts",
            "subject",
            "status",
            "sender",
            "joined",
            "staff",
            "not_kin",
            "for_oneself",
            "asking",
            "having",
            "asking_for",
            "working",
            "employer",
            "employer_nouns",
            "trade",
            "specialist_endings",
        }
    ),
    "inflection": frozenset(
        {
            "endings",
            "derivations",
            "links",
            "feminine",
            "detached",
            "variants",
            "rewrites",
            "plural_s_except",
            "person",
        }
    ),
    "detection": frozenset({"endings"}),
    "synonyms": frozenset(),  # any concept name
    "aliases": frozenset(),  # any word
    "paths": frozenset(
        {
            "section_parts",
            "audience",
            "seek",
            "topical",
            "not_sensitive",
            "lookalikes",
            "streets",
            "yours",
            "places",
            "news",
            "at",
            "by",
            "stores",
            "declines",
            "denials",
            "applying",
            "ranges",
            "workplaces",
            "clients",
            "other_audiences",
            "professionals",
            "search_parameters",
            "search_pages",
            "trainee_before",
            "trainee_after",
        }
    ),
    "audiences": frozenset(),  # any visitor type
    "reasons": frozenset({"audience", "seek", "search", "link"}),
}


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in value
    ):
        raise ValueError(f"{where}: a list of [from, to] pairs")
    return tuple((a, b) for a, b in value)


def _by_type(value: Any, where: str) -> dict[str, frozenset[str]]:
    """A table of visitor type = "words …"."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f'{where}: a table of visitor type = "words", e.g. {{ hcp = "practice" }}')
    return {k: _words(v) for k, v in value.items()}


def read_language(path: Path) -> Language:
    """Read one language file; raise ValueError naming the file and key on a mistake."""
    with path.open("rb") as file:
        doc = tomllib.load(file)
    for table, value in doc.items():
        allowed = _KEYS.get(table)
        if allowed is None or not isinstance(value, dict):
            raise ValueError(f"{path.name}: unknown table [{table}]")
        if allowed and (unknown := set(value) - allowed):
            raise ValueError(f"{path.name}: unknown key(s) {sorted(unknown)} in [{table}]")
    head = doc.get("language", {})
    words = doc.get("words", {})
    negation = doc.get("negation", {})
    roles = doc.get("roles", {})
    inflection = doc.get("inflection", {})
    paths = doc.get("paths", {})
    if not isinstance(head.get("id"), str):
        raise ValueError(f"{path.name}: [language] id is required")
    person = inflection.get("person", [])
    if not all(
        isinstance(rule, list)
        and len(rule) == 3
        and isinstance(rule[0], str)
        and isinstance(rule[1], str)
        and isinstance(rule[2], int)
        for rule in person
    ):
        raise ValueError(f"{path.name}: [inflection] person is a list of [ending, base, min_stem]")
    return Language(
        id=head["id"],
        name=head.get("name", head["id"]),
        default=bool(head.get("default", False)),
        letters=head.get("letters", ""),
        function=_words(words.get("function", "")),
        clues=_words(words.get("clues", "")),
        real=_words(words.get("real", "")),
        abbreviations=_words(words.get("abbreviations", "")),
        generic=_words(words.get("generic", "")),
        clause=_words(words.get("clause", "")),
        contrast=_words(words.get("contrast", "")),
        now=_words(words.get("now", "")),
        negators=_words(negation.get("negators", "")),
        trailing_negators=_words(negation.get("trailing", "")),
        negation_pairs=dict(negation.get("pairs", {})),
        negation_fillers=_words(negation.get("fillers", "")),
        negation_lists=_words(negation.get("lists", "")),
        negation_wants=_words(negation.get("wants", "")),
        negation_past=_words(negation.get("past", "")),
        lookback_skip=_words(negation.get("lookback_skip", "")),
        statement=_words(roles.get("statement", "")),
        contracted=_words(roles.get("contracted", "")),
        others=_words(roles.get("others", "")),
        statement_after=_words(roles.get("after", "")),
        objects=_words(roles.get("objects", "")),
        acting=_words(roles.get("acting", "")),
        sources=_words(roles.get("sources", "")),
        ours=_words(roles.get("ours", "")),
        mine=_words(roles.get("mine", "")),
        mine_before_own=_words(roles.get("mine_before_own", "")),
        postposed=_pairs(roles.get("postposed", []), f"{path.name}: [roles] postposed"),
        belonging=_words(roles.get("belonging", "")),
        diagnosed=_words(roles.get("diagnosed", "")),
        ages=_pairs(roles.get("ages", []), f"{path.name}: [roles] ages"),
        about=_words(roles.get("about", "")),
        among=_words(roles.get("among", "")),
        groups=_words(roles.get("groups", "")),
        work=_words(roles.get("work", "")),
        articles=_words(roles.get("articles", "")),
        self_words=_words(roles.get("self", "")),
        others_self=_words(roles.get("others_self", "")),
        trainees=_words(roles.get("trainees", "")),
        coursework=_words(roles.get("coursework", "")),
        everyday_jobs=_words(roles.get("everyday_jobs", "")),
        infinitive=_words(roles.get("infinitive", "")),
        kin=_words(roles.get("kin", "")),
        body=_words(roles.get("body", "")),
        medicines=_words(roles.get("medicines", "")),
        felt=_words(roles.get("felt", "")),
        first_person=_words(roles.get("first_person", "")),
        served=_by_type(roles.get("served", {}), f"{path.name}: [roles] served"),
        acts=_by_type(roles.get("acts", {}), f"{path.name}: [roles] acts"),
        subject=_words(roles.get("subject", "")),
        status=_pairs(roles.get("status", []), f"{path.name}: [roles] status"),
        sender=_pairs(roles.get("sender", []), f"{path.name}: [roles] sender"),
        joined=_words(roles.get("joined", "")),
        staff=_words(roles.get("staff", "")),
        not_kin=_words(roles.get("not_kin", "")),
        for_oneself=_pairs(roles.get("for_oneself", []), f"{path.name}: [roles] for_oneself"),
        working=_words(roles.get("working", "")),
        asking=_words(roles.get("asking", "")),
        having=_words(roles.get("having", "")),
        asking_for=_words(roles.get("asking_for", "")),
        employer=_words(roles.get("employer", "")),
        employer_nouns=_words(roles.get("employer_nouns", "")),
        trade=_words(roles.get("trade", "")),
        specialist_endings=_pairs(
            roles.get("specialist_endings", []), f"{path.name}: specialist_endings"
        ),
        role_prefixes=tuple(tuple(p.split()) for p in roles.get("prefixes", [])),
        endings=tuple(inflection.get("endings", "").split()),
        derivations=tuple(inflection.get("derivations", "").split()),
        links=tuple(inflection.get("links", [])),
        feminine=tuple(inflection.get("feminine", [])),
        detached=_words(inflection.get("detached", "")),
        variants=_pairs(inflection.get("variants", []), f"{path.name}: variants"),
        rewrites=_pairs(inflection.get("rewrites", []), f"{path.name}: rewrites"),
        plural_s_except=tuple(inflection.get("plural_s_except", [])),
        person=tuple((a, b, n) for a, b, n in person),
        detection_endings=tuple(doc.get("detection", {}).get("endings", [])),
        synonyms={k: _words(v) for k, v in doc.get("synonyms", {}).items()},
        aliases={k: tuple(v.split()) for k, v in doc.get("aliases", {}).items()},
        section_parts=_words(paths.get("section_parts", "")),
        audience=_words(paths.get("audience", "")),
        seek=_words(paths.get("seek", "")),
        topical=_words(paths.get("topical", "")),
        not_sensitive=_words(paths.get("not_sensitive", "")),
        lookalikes=_words(paths.get("lookalikes", "")),
        streets=tuple(sorted(_words(paths.get("streets", "")))),
        yours=_words(paths.get("yours", "")),
        places=_words(paths.get("places", "")),
        news=_words(paths.get("news", "")),
        at=_words(paths.get("at", "")),
        by=_words(paths.get("by", "")),
        stores=_words(paths.get("stores", "")),
        declines=_words(paths.get("declines", "")),
        denials=_words(paths.get("denials", "")),
        applying=_words(paths.get("applying", "")),
        ranges=_words(paths.get("ranges", "")),
        workplaces=_by_type(paths.get("workplaces", {}), f"{path.name}: [paths] workplaces"),
        clients=_by_type(paths.get("clients", {}), f"{path.name}: [paths] clients"),
        other_audiences=_words(paths.get("other_audiences", "")),
        professionals=_words(paths.get("professionals", "")),
        roles={k: _words(v) for k, v in doc.get("audiences", {}).items()},
        search_parameters=tuple(paths.get("search_parameters", [])),
        search_pages=_words(paths.get("search_pages", "")),
        trainee_before=_words(paths.get("trainee_before", "")),
        trainee_after=tuple(
            tuple(run.split("-")) for run in _words(paths.get("trainee_after", ""))
        ),
        audience_reasons=dict(doc.get("reasons", {}).get("audience", {})),
        seek_reason=doc.get("reasons", {}).get("seek", ""),
        search_reason=doc.get("reasons", {}).get("search", ""),
        link_reason=doc.get("reasons", {}).get("link", ""),
    )


def _union(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*sets)


def _by_word(tables: Iterable[Mapping[str, frozenset[str]]]) -> dict[str, str]:
    """Word -> visitor type, from tables of visitor type -> words."""
    return {word: key for table in tables for key, found in table.items() for word in found}


def _ordered(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Languages:
    """Every language file merged into what the matchers look up."""

    def __init__(self, languages: Iterable[Language]) -> None:
        #: Default language first, then in the order given.
        ordered = sorted(languages, key=lambda lang: not lang.default)
        self.languages: tuple[Language, ...] = tuple(ordered)
        self.ids: tuple[str, ...] = tuple(lang.id for lang in ordered)
        self.by_id: dict[str, Language] = {lang.id: lang for lang in ordered}
        self.default: str = ordered[0].id if ordered else "en"
        langs = self.languages
        self.negators = _union(lang.negators for lang in langs)
        self.function = _union(lang.function for lang in langs) | self.negators
        self.generic = _union(lang.generic for lang in langs)
        self.clause = _union(lang.clause for lang in langs)
        self.abbreviations = _union(lang.abbreviations for lang in langs)
        self.contrast = _union(lang.contrast for lang in langs)
        self.now = _union(lang.now for lang in langs)
        self.trailing_negators = _union(lang.trailing_negators for lang in langs)
        self.negation_lists = _union(lang.negation_lists for lang in langs)
        self.negation_wants = _union(lang.negation_wants for lang in langs)
        self.negation_past = _union(lang.negation_past for lang in langs)
        self.negation_pairs: dict[str, str] = {
            k: v for lang in langs for k, v in lang.negation_pairs.items()
        }
        self.negation_fillers = _union(lang.negation_fillers for lang in langs)
        self.lookback_skip = _union(lang.lookback_skip for lang in langs)
        self.statement = _union(lang.statement for lang in langs)
        self.contracted = _union(lang.contracted for lang in langs)
        #: Possessives ("our", "my") are determiners too: a role after one is
        #: someone's, whichever list a language file names them in.
        self.others = _union(lang.others | lang.ours | lang.mine for lang in langs)
        self.statement_after = _union(lang.statement_after for lang in langs)
        self.objects = _union(lang.objects for lang in langs)
        self.acting = _union(lang.acting for lang in langs)
        self.sources = _union(lang.sources for lang in langs)
        self.ours = _union(lang.ours for lang in langs)
        self.mine = _union(lang.mine for lang in langs)
        self.mine_before_own = _union(lang.mine_before_own for lang in langs)
        self.postposed = frozenset(pair for lang in langs for pair in lang.postposed)
        self.belonging = _union(lang.belonging for lang in langs)
        self.diagnosed = _union(lang.diagnosed for lang in langs)
        #: (words of an age, the relative it names), longest first.
        self.ages = tuple(
            sorted(
                {(tuple(age.split()), kin) for lang in langs for age, kin in lang.ages},
                key=lambda pair: -len(pair[0]),
            )
        )
        self.about = _union(lang.about for lang in langs)
        self.among = _union(lang.among for lang in langs)
        self.groups = _union(lang.groups for lang in langs)
        self.work = _union(lang.work for lang in langs)
        self.articles = _union(lang.articles for lang in langs)
        self.self_words = _union(lang.self_words for lang in langs)
        self.real = _union(lang.real for lang in langs)
        self.others_self = _union(lang.others_self for lang in langs)
        self.trainees = _union(lang.trainees for lang in langs)
        self.coursework = _union(lang.coursework for lang in langs)
        self.everyday_jobs = _union(lang.everyday_jobs for lang in langs)
        self.infinitive = _union(lang.infinitive for lang in langs)
        self.kin = _union(lang.kin for lang in langs)
        self.body = _union(lang.body for lang in langs)
        self.medicines = _union(lang.medicines for lang in langs)
        self.felt = _union(lang.felt for lang in langs)
        self.first_person = _union(lang.first_person for lang in langs)
        #: Those served -> the visitor type serving them ("kunde" -> "pharmacist").
        self.served = _by_word(lang.served for lang in langs)
        #: Acts -> the visitor type performing them ("verordne" -> "hcp").
        self.acts = _by_word(lang.acts for lang in langs)
        self.subject = _union(lang.subject for lang in langs)
        self.status = frozenset(pair for lang in langs for pair in lang.status)
        self.sender = frozenset(pair for lang in langs for pair in lang.sender)
        self.joined = _union(lang.joined for lang in langs)
        self.staff = _union(lang.staff for lang in langs)
        self.not_kin = _union(lang.not_kin for lang in langs)
        self.for_oneself = frozenset(pair for lang in langs for pair in lang.for_oneself)
        self.working = _union(lang.working for lang in langs)
        self.asking = _union(lang.asking for lang in langs)
        self.having = _union(lang.having for lang in langs)
        self.asking_for = _union(lang.asking_for for lang in langs)
        self.employer = _union(lang.employer for lang in langs)
        self.employer_nouns = _union(lang.employer_nouns for lang in langs)
        self.trade = _union(lang.trade for lang in langs)
        #: Longest ending first.
        self.specialist_endings: tuple[tuple[str, str], ...] = tuple(
            sorted(
                dict.fromkeys(e for lang in langs for e in lang.specialist_endings),
                key=lambda pair: len(pair[0]),
                reverse=True,
            )
        )
        self.role_prefixes: tuple[tuple[str, ...], ...] = tuple(
            dict.fromkeys(p for lang in langs for p in lang.role_prefixes)
        )
        #: Longest first: a word is stripped of the longest ending that fits.
        self.endings: tuple[str, ...] = tuple(
            sorted(_ordered(e for lang in langs for e in lang.endings), key=len, reverse=True)
        )
        self.derivations: tuple[str, ...] = tuple(
            sorted(_ordered(e for lang in langs for e in lang.derivations), key=len, reverse=True)
        )
        self.links = _ordered(link for lang in langs for link in lang.links)
        self.feminine = _ordered(f for lang in langs for f in lang.feminine)
        self.detached = _union(lang.detached for lang in langs)
        self.variants = tuple(dict.fromkeys(v for lang in langs for v in lang.variants))
        self.rewrites = tuple(dict.fromkeys(r for lang in langs for r in lang.rewrites))
        self.plural_s_except = _ordered(e for lang in langs for e in lang.plural_s_except)
        #: Person-noun folds of all languages, longest ending first.
        self.person: tuple[PersonRule, ...] = tuple(
            sorted(
                dict.fromkeys(rule for lang in langs for rule in lang.person),
                key=lambda rule: len(rule[0]),
                reverse=True,
            )
        )
        concepts: dict[str, set[str]] = {}
        for lang in langs:
            for concept, members in lang.synonyms.items():
                concepts.setdefault(concept, set()).update(members)
        #: Synonym groups, joined by concept across languages.
        self.synonyms: tuple[frozenset[str], ...] = tuple(
            frozenset(members) for members in concepts.values()
        )
        #: Each language's own aliases ("slt" is "salut" in French, a speech and
        #: language therapist in English), and all of them together.
        self.aliases_by_lang: dict[str, Mapping[str, tuple[str, ...]]] = {
            lang.id: lang.aliases for lang in langs
        }
        self.aliases: dict[str, tuple[str, ...]] = {
            k: v for lang in langs for k, v in lang.aliases.items()
        }
        self.section_parts = _union(lang.section_parts for lang in langs)
        self.audience = _union(lang.audience for lang in langs)
        self.seek = _union(lang.seek for lang in langs)
        self.topical = _union(lang.topical for lang in langs)
        self.not_sensitive = _union(lang.not_sensitive for lang in langs)
        self.lookalikes = _union(lang.lookalikes for lang in langs)
        self.streets = tuple(sorted({head for lang in langs for head in lang.streets}))
        self.yours = _union(lang.yours for lang in langs)
        self.places = _union(lang.places for lang in langs)
        self.news = _union(lang.news for lang in langs)
        self.at = _union(lang.at for lang in langs)
        self.by = _union(lang.by for lang in langs)
        self.stores = _union(lang.stores for lang in langs)
        self.declines = _union(lang.declines for lang in langs)
        self.denials = _union(lang.denials for lang in langs)
        self.applying = _union(lang.applying for lang in langs)
        self.ranges = _union(lang.ranges for lang in langs)
        #: Place of work -> the visitor type working there ("praxis" -> "hcp").
        self.workplaces = _by_word(lang.workplaces for lang in langs)
        #: Those served -> the visitor type serving them ("patient" -> "hcp").
        self.clients = _by_word(lang.clients for lang in langs)
        self.other_audiences = _union(lang.other_audiences for lang in langs)
        self.professionals = _union(lang.professionals for lang in langs)
        roles: dict[str, set[str]] = {}
        for lang in langs:
            for visitor_type, words in lang.roles.items():
                roles.setdefault(visitor_type, set()).update(words)
        #: Audience nouns per visitor type ("mediziner", "prescriber", "pharmacien").
        self.roles: dict[str, frozenset[str]] = {t: frozenset(w) for t, w in roles.items()}
        self.search_parameters = _ordered(p for lang in langs for p in lang.search_parameters)
        self.search_pages = _union(lang.search_pages for lang in langs)
        self.trainee_before = _union(lang.trainee_before for lang in langs)
        self.trainee_after = tuple(run for lang in langs for run in lang.trainee_after)


def language_dir() -> Path:
    return catalogue_dir() / "lang"


@cache
def bundled_languages() -> Languages:
    """The language files shipped with Lotse, read once."""
    directory = language_dir()
    files = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    return Languages(read_language(path) for path in files)
