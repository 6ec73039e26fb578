"""Turning URLs, titles, referrers and campaigns into words, and words into signals.

Matching is by dictionary lookups on normalised words, so one page view costs
a few microseconds however large the catalogue is:

- a one-word entry matches a word equal to it or starting with it (German
  compounds: "fachinformationen" starts with "fachinformation"), or, when the
  entry has at least six letters, containing it ("onlinebewerbung");
- with a `Morphology`, also another form of the word and a compound of it
  ("Ärztebereich" is "arzt" + "bereich", "pharmaciens" is "pharmacien"), each
  hit with a factor for how sure the reading is (see `_morphology.py`);
- an entry of several words ("healthcare professionals") matches those words
  in a row, also when a site splits one of them ("health-care-professionals");
- a referrer entry with a dot is a host suffix, without a dot one host label.

`PageReader` reads one *segment* at a time (a path segment, a campaign value,
a part of a title) and adds what only the segment as a whole tells: a concept
named as a section ("Apothekenportal", "for-pharmacy-teams", "Für Ärztinnen")
is an audience and counts more; a role word ("Mediziner", "prescribers",
"pharmaciens") counts only as an audience; and a role looked for ("Arztsuche",
"find-a-pharmacy", "trouver-un-medecin", "ask-your-pharmacist") is a patient,
not a professional. `read_segments` adds what the path as a whole tells: the
first section named, with pages below it, counts more; what a later segment
names for another audience is the object of the first (a job title under
careers); below a press or news section professions are a topic, not an
audience. A site search for a role or a place alone says nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from . import _morphology
from ._language import Languages, bundled_languages
from ._memo import remember_in
from ._model import JOBS_TYPE, PATIENT_TYPE, PROFESSIONAL_TYPES, Signal, Text
from ._morphology import Morphology
from ._normalise import words

if TYPE_CHECKING:
    from ._chat import ChatMatch, ChatMatcher

_P = TypeVar("_P")

#: Shortest entry that may match inside a longer word; shorter ones ("hcp",
#: "arzt") would find themselves in too many unrelated words.
MIN_INFIX = 6
#: Shortest entry that may match as a prefix of a longer word ("job" finds
#: "jobsuche"). The sensitive-topic matcher uses 4, so "hiv" does not find
#: "hives" nor "sti" "stiftung".
MIN_PREFIX = 3
#: Shortest medicine word read as the first part of a compound ("insulin|pumpe").
_MEDICINE_FIRST = 7

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

# -- weights of what a segment as a whole tells (fitted on the tuning journeys,
# see tests/test_calibration.py) ------------------------------------------------

#: A concept named as a site section or audience ("Apothekenportal",
#: "for-pharmacy-teams") counts this much more than the word alone.
AUDIENCE_BOOST = 1.3
#: Entries of an audience list this long also start longer words ("veterin|aer").
MIN_AUDIENCE_START = 6
#: A section the path goes on below counts this much more than a page alone.
SECTION_DEPTH = 1.15
#: Weight from which a signal decides alone (see intents/signals.toml); below it, a
#: hint (a document anyone may open, a nudge) that a title naming it again repeats.
DECIDING_WEIGHT = 2.0
#: Weight of a role word ("Mediziner", "prescribers") named as an audience.
ROLE_WEIGHT = 2.6
#: Weight of looking for a doctor or pharmacy ("Arztsuche", "find-a-pharmacy").
SEEK_WEIGHT = 2.0
#: Weight of a site-search query the chat matcher understood, times its confidence.
SEARCH_WEIGHT = 3.5
#: How far into a followed link's text a decline may stand before the professionals
#: it names ("Ich gehöre nicht zu den Fachkreisen": the third word).
_DECLINE_REACH = 4
#: Factors of evidence from elsewhere than the path, relative to a path word.
TITLE_FACTOR = 1.0
SEARCH_FACTOR = 0.8
#: Shortest last word of an entry of several words found as the head of a
#: compound ("zum-arzt" in "zum-kinderarzt"; "leben-mit" is not in "leben-limit").
MIN_PHRASE_HEAD = 4
#: A site search is a few keywords, not an answer: read as one only when the chat
#: matcher is this sure ("ibuprofen 400" names a product anyone may look for);
#: 0.75 decides two more tuning searches than 0.8 and no wrong one, 0.7 two wrong ones.
#: A patient's question that says who asks needs only the chat's own cutoff.
SEARCH_CONFIDENCE = 0.75
LINK_TEXT_FACTOR = 1.0
#: What the path of another site the visitor came from says counts for less than
#: this site's own pages: it names where they were, not what they chose here. At 0.9
#: a trade site's section for pharmacies decides as a referrer alone (three tuning
#: journeys more right, one fewer wrong); at 1.0 a newspaper's article about
#: pharmacies decides too (three wrong).
REFERRER_PATH_FACTOR = 0.9

#: Longest rest after a role word that can only be an ending: a compound's second
#: part is longer.
_ENDING_MAX = 2
#: One hit: what was found, and how sure the reading is (1.0: the word itself).
Hit = tuple[_P, float]
#: What a title is read within: the audiences its page's path named, and whether
#: the path lies below the company's own sections (`PageReader.page_context`).
Within = tuple[frozenset[str], bool]
#: A path read on its own: no audience named before it, not below the company's sections.
_NOWHERE: Within = (frozenset(), False)
#: One segment of a path read in context (`PageReader._step`): the hits it adds, the
#: audiences named so far, whether the path is below the company's own sections, and
#: whether an entry of several words may start in the segment.
_Step = tuple[tuple[Hit[Signal], ...], frozenset[str], bool, bool]


def _another_word(morphology: Morphology, rest: str) -> bool:
    """Whether a letter or two after a role word make another word, not a form or
    compound of it: no ending of the languages' ("intern|et", "nurse|ry",
    "therapeut|ic", "doctor|al"; but "nurse|s", "arzt|es")."""
    return len(rest) <= _ENDING_MAX and rest not in morphology.endings


class WordMatcher(Generic[_P]):
    """Finds which configured entries occur in a list of normalised words."""

    #: Words whose hits are remembered; a site's path vocabulary is small and
    #: repeats across every session, so almost every lookup is a cache hit.
    CACHE_SIZE = 65_536

    def __init__(
        self,
        entries: Iterable[tuple[str, _P]],
        min_prefix: int = MIN_PREFIX,
        morphology: Morphology | None = None,
        *,
        strict: bool = False,
        exclude: frozenset[str] = frozenset(),
        streets: tuple[str, ...] = (),
    ) -> None:
        self._min_prefix = min_prefix
        #: Words that only begin like an entry ("suchten" is no "Sucht"): no hit.
        self._exclude = exclude
        #: Heads of street names: a compound ending in one is an address
        #: ("Apothekergasse 4", "Doktor-Müller-Straße"), whatever it begins with.
        self._streets = streets
        #: Strict: a known entry followed by an unknown rest is no hit at all
        #: ("praxis|semester" is no practice).
        self._strict = strict
        self._words: dict[str, list[_P]] = {}
        # Infix entries indexed by their first three letters, so a word is
        # scanned once instead of once per entry length.
        self._infix: dict[str, list[tuple[str, _P]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], _P]]] = {}
        self._cache: dict[str, tuple[Hit[_P], ...]] = {}
        for text, payload in entries:
            parts = tuple(words(text))
            if not parts:
                continue
            if len(parts) > 1:
                self._phrases.setdefault(parts[0], []).append((parts, payload))
            else:
                self._words.setdefault(parts[0], []).append(payload)
                if len(parts[0]) >= MIN_INFIX:
                    self._infix.setdefault(parts[0][:3], []).append((parts[0], payload))
        self.morphology = morphology
        #: Per first word, its longest entry of several words (see `_phrases_at`).
        self._longest: dict[str, int] = {
            first: max(len(parts) for parts, _ in entries)
            for first, entries in self._phrases.items()
        }
        self._windows: dict[tuple[str, tuple[str, ...]], tuple[_P, ...]] = {}
        #: word -> the first words of entries it may start (`_firsts`).
        self._first_forms: dict[str, tuple[str, ...]] = {}
        #: word -> whether it neither matches an entry nor starts one (`_all_quiet`).
        self._quiet: dict[str, bool] = {}
        #: Every word of the entries of several words, and their first words.
        self.phrase_words: frozenset[str] = frozenset(
            w for entries in self._phrases.values() for p, _ in entries for w in p
        )
        self.phrase_firsts: frozenset[str] = frozenset(self._phrases)

    @property
    def vocabulary(self) -> frozenset[str]:
        """The one-word entries and every word of the phrase entries."""
        return frozenset(self._words) | self.phrase_words

    def _word_hits(self, word: str, *, remember: bool = True) -> tuple[Hit[_P], ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if word in self._exclude or (
            self._streets and word.endswith(self._streets) and word not in self._words
        ):
            return ()
        found: dict[int, Hit[_P]] = {}

        def add(payloads: Iterable[_P], factor: float) -> None:
            for payload in payloads:
                old = found.get(id(payload))
                if old is None or old[1] < factor:
                    found[id(payload)] = (payload, factor)

        morphology = self.morphology
        add(self._words.get(word, ()), 1.0)
        # A word known as a whole ("internist") is no entry ("intern") before a
        # rest other than an ending or a section part: it is a word of its own.
        whole = morphology is not None and morphology.is_known(word)
        for end in range(self._min_prefix, len(word)):
            payloads = self._words.get(word[:end])
            if payloads:
                rest = word[end:]
                if whole and len(rest) > 2 and not _is_part(morphology, rest):
                    continue
                if self._strict and morphology is not None and _another_word(morphology, rest):
                    continue
                known = morphology is None or morphology.is_known(rest)
                if known or not self._strict:
                    add(payloads, 1.0 if known else _morphology.UNKNOWN_REST)
        # Start at 1: entries at the start of the word were found as prefixes.
        for start in range(1, len(word) - MIN_INFIX + 1):
            for entry, payload in self._infix.get(word[start : start + 3], ()):
                if word.startswith(entry, start):
                    if morphology is not None and not self._compound_around(
                        morphology, word[:start], word[start + len(entry) :]
                    ):
                        continue
                    known = morphology is None or morphology.is_known(word[:start])
                    add((payload,), 1.0 if known else _morphology.HEAD)
        if not found and morphology is not None:
            for entry, factor, kind in morphology.analyse(word):
                if kind != "rest" or not self._strict:
                    add(self._words.get(entry, ()), factor)
        if not found and morphology is not None:
            # A regional or colloquial word reads as what it stands for
            # ("Ordination": "Arztpraxis"); one level only.
            target = morphology.alias(word)
            if target is not None and len(target) == 1 and target[0] != word:
                for payload, factor in self._word_hits(target[0], remember=False):
                    add((payload,), factor * _morphology.ALIAS)
        result = tuple(found.values())
        if remember:
            remember_in(self._cache, word, result, self.CACHE_SIZE)
        return result

    @staticmethod
    def _compound_around(morphology: Morphology, before: str, after: str) -> bool:
        """Whether an entry inside a word is a compound's part: a modifier of a
        few letters before it ("Kinder|arzt", not "p|resident", "h|intern"), and
        after it nothing, an ending or a known word ("Kinder|arzt|es",
        "Haus|arzt|praxis"; not "che|mother|apy")."""
        if len(before) < _morphology.MIN_PART:
            return False
        return not after or after in morphology.endings or morphology.is_known(after)

    def find_weighted(
        self,
        text_words: Sequence[str],
        *,
        remember: bool = True,
        claims: Callable[[_P, _P], bool] | None = None,
    ) -> list[Hit[_P]]:
        """Every payload whose entry occurs, each once with its best factor, in order
        of first occurrence. `remember=False` keeps the words out of the cache
        (for a visitor's own search terms). With `claims`, an entry of several
        words takes its words from a one-word entry it claims ("zum-arzt" is a
        patient's, so its "arzt" is no doctor's section)."""
        found: dict[int, Hit[_P]] = {}
        by_position: list[list[_P]] = []
        phrases: list[tuple[_P, int, int]] = []

        def add(payload: _P, factor: float) -> None:
            old = found.get(id(payload))
            if old is None or old[1] < factor:
                found[id(payload)] = (payload, factor)

        count = len(text_words)
        track = claims is not None
        for index, word in enumerate(text_words):
            here: list[_P] = []
            for payload, factor in self._word_hits(word, remember=remember):
                add(payload, factor)
                if track:
                    here.append(payload)
            # "professionnels-de-sante" starts "professionnel-de-sante" too.
            starts = [(first, index + 1) for first in self._firsts(word, remember=remember)]
            if index + 1 < count:
                joined = word + text_words[index + 1]  # "health-care" -> "healthcare"
                if joined in self._phrases or joined in self._words:
                    starts.append((joined, index + 2))
                    for payload, factor in self._word_hits(joined, remember=remember):
                        add(payload, factor)
            for first, after in starts:
                for parts, payload in self._phrases.get(first, ()):
                    if self._phrase_factor(parts, text_words, after, remember=remember):
                        add(payload, 1.0)
                        if track:
                            phrases.append((payload, index, after + len(parts) - 1))
            by_position.append(here)
        if claims is not None and phrases:
            for phrase, begin, end in phrases:
                for position in range(begin, min(end, count)):
                    for payload in by_position[position]:
                        if claims(phrase, payload) and not any(
                            position in range(b, e) for p, b, e in phrases if p is payload
                        ):
                            found.pop(id(payload), None)
        return list(found.values())

    def find_phrases(self, text_words: Sequence[str], *, remember: bool = True) -> list[Hit[_P]]:
        """Only the entries of several words that occur, each once."""
        found: dict[int, Hit[_P]] = {}
        phrases = self._phrases
        first_forms = self._first_forms
        for index, word in enumerate(text_words):
            # `_firsts`, its memory read here: most words start no entry.
            firsts = first_forms.get(word)
            if firsts is None:
                firsts = self._firsts(word, remember=remember)
            for first in firsts:
                entries = phrases[first]
                if remember:
                    matched = self._phrases_at(first, entries, text_words, index + 1)
                else:
                    matched = tuple(
                        payload
                        for parts, payload in entries
                        if self._phrase_factor(parts, text_words, index + 1)
                    )
                for payload in matched:
                    found.setdefault(id(payload), (payload, 1.0))
        return list(found.values())

    def _firsts(self, word: str, *, remember: bool) -> tuple[str, ...]:
        """The first words of entries that `word` may start: itself, and other
        forms of it ("professionnels-de-sante" starts "professionnel-de-sante")."""
        known = self._first_forms.get(word)
        if known is not None:
            return known
        phrases = self._phrases
        firsts = [word] if word in phrases else []
        if self.morphology is not None and len(word) > MIN_PREFIX:
            firsts.extend(
                f for f in self.morphology.forms(word)[1:] if f in phrases and f not in firsts
            )
        result = tuple(firsts)
        if remember:
            remember_in(self._first_forms, word, result, self.CACHE_SIZE)
        return result

    def _phrases_at(
        self,
        word: str,
        entries: list[tuple[tuple[str, ...], _P]],
        text_words: Sequence[str],
        at: int,
    ) -> tuple[_P, ...]:
        """The entries starting with `word` that the words from `at` continue, in
        order, remembered per `word` and the few words after it (as many as its
        longest entry needs): a new path is mostly known words in a new order, and
        matching the phrases of a path took a third of reading it."""
        window = tuple(text_words[at : at + self._longest[word] - 1])
        key = (word, window)
        matched = self._windows.get(key)
        if matched is None:
            matched = tuple(
                payload
                for parts, payload in entries
                if self._phrase_factor(parts, window, 0, remember=True)
            )
            remember_in(self._windows, key, matched, self.CACHE_SIZE)
        return matched

    def _phrase_factor(
        self,
        parts: tuple[str, ...],
        text_words: Sequence[str],
        at: int,
        *,
        remember: bool = False,
    ) -> float:
        """1.0 if the words from `at` continue the phrase, less if only in another
        form; 0 if they do not. `remember`: the words are an address's, whose
        forms may be remembered."""
        following = text_words[at : at + len(parts) - 1]
        if len(following) != len(parts) - 1:
            return 0.0
        factor = 1.0
        last = len(parts) - 2
        for i, (actual, wanted) in enumerate(zip(following, parts[1:], strict=True)):
            if actual == wanted or (i == last and _begins_or_heads(actual, wanted)):
                continue
            morphology = self.morphology
            if (
                morphology is not None
                and (
                    morphology.lookup_remembered(actual) if remember else morphology.lookup(actual)
                )
                == wanted
            ):
                continue
            return 0.0
        return factor

    def find(self, text_words: Sequence[str], *, remember: bool = False) -> list[_P]:
        """Every payload whose entry occurs, each once: one-word entries in order of
        first occurrence, then entries of several words (whatever the factor: for
        the sensitive-topic and persona matchers).
        `remember`: the words are an address's, whose matches may be kept; a title,
        heading, link text or a visitor's search is read afresh and nothing of it kept."""
        if remember and self._all_quiet(text_words):
            return []  # most addresses: no sensitive topic, no persona word
        found: dict[int, _P] = {}
        for word in text_words:
            for payload, _ in self._word_hits(word, remember=remember):
                found.setdefault(id(payload), payload)
        if self._phrases:
            for payload, _ in self.find_phrases(text_words, remember=remember):
                found.setdefault(id(payload), payload)
        return list(found.values())

    def _all_quiet(self, text_words: Sequence[str]) -> bool:
        """Whether no word matches an entry or starts one, remembered per word: a new
        address is mostly known words in a new order, and most words match nothing."""
        quiet = self._quiet
        for word in text_words:
            known = quiet.get(word)
            if known is None:
                known = not self._word_hits(word) and not self._firsts(word, remember=True)
                remember_in(quiet, word, known, self.CACHE_SIZE)
            if not known:
                return False
        return True


#: Label entries this long may end a referrer's compound label ("gelenkforum",
#: "rheumaliga"), after a first part this long (not a prefix: "notstepstone").
MIN_LABEL_END = 4
MIN_LABEL_START = 4


class HostMatcher(Generic[_P]):
    """Matches referrer hosts by suffix ("doccheck.com") or label ("stepstone")."""

    def __init__(self, entries: Iterable[tuple[str, _P]]) -> None:
        self._suffixes: dict[str, list[_P]] = {}
        self._labels: dict[str, list[_P]] = {}
        for text, payload in entries:
            entry = text.strip().lower().lstrip(".")
            target = self._suffixes if "." in entry else self._labels
            target.setdefault(entry, []).append(payload)
        #: The label entries long enough to end a compound label, for one
        #: `str.endswith` test per part before looking at any of them.
        self._label_ends = tuple(e for e in self._labels if len(e) >= MIN_LABEL_END)

    def find(self, host: str) -> list[_P]:
        """The entries a host matches; failing any, those a part of a label
        matches ("rheuma-online-forum.de": "forum") or ends ("gelenkforum.de"),
        so that a site named for what it is says so without an entry of its own."""
        labels = host.lower().rstrip(".").split(".")
        found: list[_P] = []
        for start in range(len(labels)):
            found.extend(self._suffixes.get(".".join(labels[start:]), ()))
        for label in labels:
            found.extend(self._labels.get(label, ()))
        if not found:
            parts = [part for label in labels for part in label.split("-")]
            for part in parts:
                found.extend(self._labels.get(part, ()))
            if not found:
                # The end of a compound ("gelenkforum-treff.de": a forum).
                found.extend(
                    payload
                    for part in parts
                    if part.endswith(self._label_ends)
                    for entry in self._label_ends
                    if len(part) >= len(entry) + MIN_LABEL_START and part.endswith(entry)
                    for payload in self._labels[entry]
                )
        return list({id(p): p for p in found}.values())

    @property
    def labels(self) -> frozenset[str]:
        """The one-label entries ("stepstone", "forum")."""
        return frozenset(self._labels)

    def find_sections(self, pieces: Iterable[tuple[str, ...]]) -> list[_P]:
        """The label entries that whole one-word pieces of another site's path
        name ("example.de/forum/…" as "forum.example.de"): where on a site one
        was is as telling as a host named for it."""
        found = [p for piece in pieces if len(piece) == 1 for p in self._labels.get(piece[0], ())]
        return list({id(p): p for p in found}.values())


# -- URLs ------------------------------------------------------------------------------


class PageFacts(NamedTuple):
    """What one URL tells, already normalised: path words, host and campaign words.

    `segments` are the words of each path segment (subdomain labels first, the
    values of section parameters such as `?seite=apothekenportal` last),
    `utm_segments` the words of each campaign value. `where` is the page: the
    path, and a digest of the section parameters and page ids (`_where`).
    A named tuple, not a frozen dataclass: as immutable, and made in a third of
    the time (every new address makes one).
    """

    path: str
    host: str
    path_words: tuple[str, ...]
    utm_words: tuple[str, ...]
    segments: tuple[tuple[str, ...], ...] = ()
    utm_segments: tuple[tuple[str, ...], ...] = ()
    where: str = ""


def _as_written(path: str) -> str:
    """A path as written: addresses arrive percent-encoded ("/f%C3%BCr-%C3%A4rzte/"),
    and the words (and the sensitive-topic check) need them decoded."""
    return unquote(path) if "%" in path else path


def page_facts(url: str) -> PageFacts:
    """Split a URL; nothing of it is kept here (the engine remembers the addresses
    without a query, the site's own pages, with all that they say:
    `Engine.read_address`).

    Only the path, the host and the `utm_*` values are read; a site-search
    query is read by `search_words`, which keeps nothing.
    """
    url = _hash_route(url.strip())
    split = _split_plain(url)
    if split is None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return PageFacts("/", "", (), ())
        split = (parts.path, (parts.hostname or "").lower(), parts.query)
    path, host, query = split
    path = path or "/"
    subdomain = _subdomain_words(host)
    # The normaliser's work is remembered per path segment (`_piece_segments`): a
    # site's paths are new combinations of the same few segments.
    pieces = _as_written(path).split("/")
    if not query:  # most addresses: no campaign, no section, the page is its path
        segments = tuple(_chain(map(_piece_segments, pieces)))
        return _facts(path, host, subdomain, segments, (), path)
    pairs = parse_qsl(query)
    utm = [value for key, value in pairs if key.lower() in UTM_KEYS]
    sections, ids = _section_values(pairs)
    segments = tuple(_chain(map(_piece_segments, (*pieces, *sections))))
    utm_segments = tuple(seg for seg in (tuple(words(value)) for value in utm) if seg)
    return _facts(path, host, subdomain, segments, utm_segments, _where(path, (*sections, *ids)))


#: Flattening in C.
_chain = itertools.chain.from_iterable


def _facts(
    path: str,
    host: str,
    subdomain: tuple[str, ...],
    segments: tuple[tuple[str, ...], ...],
    utm_segments: tuple[tuple[str, ...], ...],
    where: str,
) -> PageFacts:
    return PageFacts(
        path,
        host,
        (*subdomain, *_chain(segments)),
        tuple(_chain(utm_segments)),
        ((subdomain,) if subdomain else ()) + segments,
        utm_segments,
        where,
    )


def _where(path: str, values: tuple[str, ...]) -> str:
    """The page a URL names, for telling pages apart in a profile's evidence keys,
    which are stored: its path, and a digest of the query values that name a
    section or a page (never the values themselves: a site may put a name there)."""
    if not values:
        return path
    digest = hashlib.blake2b("\0".join(values).encode(errors="surrogatepass"), digest_size=6)
    return f"{path}?{digest.hexdigest()}"


def _hash_route(url: str) -> str:
    """A single-page app's address with its route in the fragment
    (`/#/fachkreise/dosierung`, `/#!/karriere`) as the address of that route:
    the route is where the visitor is. Other fragments are anchors on a page."""
    at = url.find("#")
    if at < 0 or not url.startswith(("/", "!/"), at + 1):
        return url
    base, _, query = url[:at].partition("?")
    route, _, route_query = url[at + 1 :].lstrip("!").partition("?")
    route = route.split("#", 1)[0]
    both = "&".join(q for q in (query, route_query) if q)
    return base.rstrip("/") + route + (f"?{both}" if both else "")


#: Query parameters that never name a section: ad-click and newsletter tracking,
#: addresses of other pages (where to go next), language and session switches.
_NOT_SECTIONS = frozenset(
    {
        *UTM_KEYS,
        "gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "twclid", "li_fat_id",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "igshid", "yclid",
        "ref", "referrer", "source", "redirect", "redirect_uri", "redirect_url", "return",
        "returnurl", "return_to", "next", "url", "target", "callback", "continue",
        "lang", "language", "locale", "hl", "sid", "session", "sessionid", "token", "state",
    }
)  # fmt: skip
#: At most this many section parameters of one URL are read, each up to this long.
_MAX_SECTIONS = 4
_MAX_SECTION_CHARS = 80
#: A page id is short: anything longer is a hash or a token, which tells no page.
_MAX_ID_CHARS = 12


def _section_values(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The values of a URL's query parameters that name where the page is
    (`?seite=aerzteservice&thema=muster`, `?section=health-care-professionals`):
    sites built on one script address their sections this way; and, apart, the
    short ids that tell its pages apart (`?page_id=12`, `?p=4711`). Not
    tracking, not other pages' addresses, not searches, not hashes, nothing that
    looks like an e-mail address."""
    sections: list[str] = []
    ids: list[str] = []
    searches = bundled_languages().search_parameters  # a link to a search: typed words
    for key, value in pairs:
        lowered = key.lower()
        if lowered in _NOT_SECTIONS or lowered in searches:
            continue
        if len(value) > _MAX_SECTION_CHARS or "@" in value:
            continue
        letters = sum(c.isalpha() for c in value)
        if letters >= 3 and letters * 2 >= len(value) and "://" not in value:
            if len(sections) < _MAX_SECTIONS:
                sections.append(value)
        elif value.isalnum() and len(value) <= _MAX_ID_CHARS and len(ids) < _MAX_SECTIONS:
            ids.append(value)
    return tuple(sections), tuple(ids)


def _split_plain(url: str) -> tuple[str, str, str] | None:
    """Path, lower-cased host and query of a plain http(s) URL or a plain path, as
    `urlsplit` gives them, in a third of its time; None for anything else (then
    `urlsplit` decides).

    Plain: ASCII, no tab or line break (which `urlsplit` removes), no IPv6 host
    (which it checks). tests/test_url_split.py compares both on many odd URLs.
    """
    if not url.isascii() or "\t" in url or "\n" in url or "\r" in url:
        return None
    if url.startswith("https://"):
        rest = url[8:]
    elif url.startswith("http://"):
        rest = url[7:]
    elif url.startswith("/") and not url.startswith("//"):
        # A link's own path ("/fachkreise/"): no scheme, no host.
        path, _, query = url.split("#", 1)[0].partition("?")
        return path, "", query
    else:
        return None
    end = len(rest)
    for delimiter in "/?#":  # where the host ends, as `urlsplit` finds it
        at = rest.find(delimiter)
        if 0 <= at < end:
            end = at
    netloc, tail = rest[:end], rest[end:]
    if "[" in netloc or "]" in netloc:
        return None
    if "#" in tail:
        tail = tail.split("#", 1)[0]
    path, _, query = tail.partition("?")
    return path, netloc.rpartition("@")[2].partition(":")[0].lower(), query


@lru_cache(maxsize=16_384)
def _piece_segments(piece: str) -> tuple[tuple[str, ...], ...]:
    """The segments of words one piece of a path between slashes gives: one, none
    (an empty or all-punctuation piece), or several if it names the marker word.

    The same as normalising the whole path with the pieces kept apart by the
    marker, as this was done before (measured: a third of a new page's time):
    the marker stands between spaces, where no step of `words` reaches across.
    """
    if not piece.islower():
        # "ClinicalData.aspx", "/Pages/ForHealthcareProfessionals": the capitals of a
        # CMS's page names are where its words join ("ÄrztInnen" is a gender spelling).
        piece = _CAMEL_JOIN.sub(" ", piece)
    segments: list[tuple[str, ...]] = []
    current: list[str] = []
    for word in words(piece):
        if word == _SEGMENT:
            if current:
                segments.append(tuple(current))
                current = []
        else:
            current.append(word)
    if current:
        segments.append(tuple(current))
    return tuple(segments)


@lru_cache(maxsize=1024)
def _subdomain_words(host: str) -> tuple[str, ...]:
    """`subdomain_words`, remembered per host (a site has a handful)."""
    return tuple(subdomain_words(host))


#: Where a lower-case letter meets a capitalised word in a path: words written
#: together in camel case. Not before "In"/"Innen" ending a word (German gender
#: spelling), and not before a run of capitals ("eGFR").
_CAMEL_JOIN = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ][a-zäöüß])(?!In(?:nen)?(?![a-zäöüß]))")

#: The marker between path segments in `page_facts`.
_SEGMENT = "0q0"


def split_search(
    url: str, parameters: Sequence[str], pages: AbstractSet[str] = frozenset()
) -> tuple[str, str]:
    """The URL without its site-search parameters (`?q=`, `?s=`, …), and the
    search text. Search pages that keep their state in the fragment
    ("/search#q=…", "#t=All&q=…") count too, and those that put the query in
    the path after one of `pages` ("/suche/wirtschaftliche%20verordnung").
    Nothing is cached: a visitor's search terms are not kept."""
    if "=" not in url:
        # No parameter anywhere: the common case, without parsing.
        return _path_search(url, pages) if pages else (url, "")
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url, ""
    # A fragment of parameters is a search's state; "#/route" is a page (`page_facts`).
    hashed = "=" in parts.fragment and not parts.fragment.startswith("/")
    if not parts.query and not hashed:
        return url, ""
    query, search = _without_search(parts.query, parameters)
    fragment = parts.fragment
    if hashed:
        fragment, found = _without_search(fragment, parameters)
        search += found
    if not search:
        return url, ""
    return urlunsplit(parts._replace(query=query, fragment=fragment)), " ".join(search)


@lru_cache(maxsize=8)
def _search_pattern(pages: AbstractSet[str]) -> re.Pattern[str]:
    """What an address with a search in its path contains: "/suche/", "/Search/"."""
    names = "|".join(re.escape(page) for page in sorted(pages))
    return re.compile(f"/(?:{names})/", re.IGNORECASE)


def _path_search(url: str, pages: AbstractSet[str]) -> tuple[str, str]:
    """A search kept in the path: the last segment after a search page's own
    ("/suche/<query>", "/de/search/renal+dosing/"), as typed ("+" and "%20" are
    spaces); the URL without it is the search page."""
    if _search_pattern(pages).search(url) is None:
        return url, ""  # the common case: no search page in the address
    base = url.split("#", 1)[0]
    end = len(base.rstrip("/"))
    start = base.rfind("/", 0, end)
    if start < 0 or end - start < 2:
        return url, ""
    before = base.rfind("/", 0, start)
    if before < 0 or base[before + 1 : start].lower() not in pages:
        return url, ""
    typed = unquote(base[start + 1 : end].replace("+", " "))
    return base[: start + 1], typed


def _without_search(query: str, parameters: Sequence[str]) -> tuple[str, list[str]]:
    """A query string less its site-search parameters, and their values."""
    keep: list[tuple[str, str]] = []
    search: list[str] = []
    for key, value in parse_qsl(query):
        # TYPO3 and other CMS nest the name: "tx_indexedsearch_pi2[search][sword]".
        if key.lower().rstrip("]").rsplit("[", 1)[-1] in parameters:
            search.append(value)
        else:
            keep.append((key, value))
    return urlencode(keep), search


#: Second-level labels under which registrable names sit one level deeper
#: ("example.co.uk", "example.com.au").
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "nhs", "or", "ne"})


def subdomain_words(host: str) -> list[str]:
    """Words of the labels left of the registrable domain: jobs.example.com -> ["jobs"].

    Sites put whole audiences on their own host (karriere.…, fachkreise.…),
    which is as telling as a path. The registrable name itself is the
    company's and says nothing about the visitor.
    """
    labels = host.split(".")
    if len(labels) < 3 or labels[-1].isdigit():  # no subdomain, or an IPv4 address
        return []
    keep = _registrable_labels(labels)
    return [w for label in labels[:-keep] if label != "www" for w in words(label)]


#: Hosts whose site's coined name words a reader remembers: a site has a handful.
_HOSTS_REMEMBERED = 1024


def site_name_words(host: str) -> frozenset[str]:
    """Words of the site's registrable name: "www.avonmere.co.uk" -> {"avonmere"},
    "kastellaun-pharma.de" -> {"kastellaun", "pharma"}."""
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return frozenset()
    return frozenset(words(labels[-_registrable_labels(labels)]))


def _registrable_labels(labels: Sequence[str]) -> int:
    """How many of a host's last labels name the site ("example.de": 2, "example.co.uk": 3)."""
    return (
        3 if len(labels) > 2 and labels[-2] in _GENERIC_SECOND_LEVEL and len(labels[-1]) == 2 else 2
    )


def _site_of(host: str) -> str:
    """The registrable name of a host: fachkreise.example.de and karriere.example.de
    are one site, and a visitor going from one to the other stays on it."""
    labels = host.split(".")
    if labels[-1].isdigit():
        return host
    return ".".join(labels[-_registrable_labels(labels) :])


#: Web search engines (a label of the referring host) and the parameters their
#: result pages put the query in. Most send no query on (Google has not since
#: 2011); some still do, and the query says what the visitor looked for.
_SEARCH_ENGINES = frozenset(
    {"google", "bing", "duckduckgo", "ecosia", "qwant", "yahoo", "startpage", "yandex", "brave"}
)
_SEARCH_QUERY = ("q", "p", "query", "text", "wd")


@dataclass(frozen=True, slots=True)
class Referrer:
    """Another site a visitor came from, its address split once per page view.
    Nothing of it is cached: referrers are other sites' addresses, often a
    visitor's own trail."""

    #: The lower-cased host (as `urlsplit` gives it).
    host: str
    parts: SplitResult

    def words(self) -> list[str]:
        """The address's words (host, path and query), for the sensitive-topic check."""
        path = _as_written(self.parts.path)
        return words(f"{self.host} {path} {self.parts.query}"[:_MAX_REFERRER])

    def segments(self) -> list[tuple[str, ...]]:
        """The words of each piece of the address's path ("linkedin.com/jobs/view/…",
        "diabetes-forum.de/community/…"), read afresh: where the visitor was on
        the other site says what they were after, as a path on this one does."""
        path = _as_written(self.parts.path[:_MAX_REFERRER])
        pieces = (tuple(words(piece)) for piece in path.split("/")[1 : 1 + _REFERRER_SEGMENTS])
        return [piece for piece in pieces if piece]

    def name_segments(self) -> list[tuple[str, ...]]:
        """The words of the host's own labels, less "www" and the public suffix
        ("jobboerse-gesundheit.de", "forum.example.org"): a site named for what
        it is says so to a reader that knows compounds, without an entry of its own."""
        labels = self.host.split(".")
        if labels[-1].isdigit():
            return []
        own = labels[: len(labels) - _registrable_labels(labels) + 1]
        pieces = (tuple(words(label)) for label in own if label != "www")
        return [piece for piece in pieces if piece]

    def search(self) -> str:
        """The query of a web search, if the search engine passed it on
        ("bing.com/search?q=…"); "" otherwise. It is what the visitor typed."""
        query = self.parts.query
        if not query or _SEARCH_ENGINES.isdisjoint(self.host.split(".")):
            return ""
        found = dict(parse_qsl(query[:_MAX_REFERRER]))
        return next((found[key] for key in _SEARCH_QUERY if found.get(key)), "")[:_MAX_QUERY]


#: How much of a referrer, and of a search query in one, is read.
_MAX_REFERRER = 2048
_MAX_QUERY = 300
#: How many pieces of a referrer's path are read (the first say where one was).
_REFERRER_SEGMENTS = 6


def referrer_of(referrer: str | None, page_host: str) -> Referrer | None:
    """Where the visitor came from if it is another site; None for the site's own
    pages (on any of its hosts), for missing referrers and for anything that is
    no address."""
    found = _address_of(referrer)
    if found is None or (page_host and _site_of(found.host) == _site_of(page_host)):
        return None
    return found


def sister_host_of(referrer: str | None, page_host: str) -> Referrer | None:
    """The referrer if it is another host of the same site ("newsletter.example.de"
    before "www.example.de"): a page of the site the snippet may not run on."""
    found = _address_of(referrer)
    if found is None or not page_host or found.host == page_host:
        return None
    return found if _site_of(found.host) == _site_of(page_host) else None


def _address_of(referrer: str | None) -> Referrer | None:
    """A referrer split, if it is an address with a host."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer.strip())
    except ValueError:
        return None
    host = parts.hostname or ""
    return Referrer(host, parts) if host else None


# -- reading segments -------------------------------------------------------------------

#: Separators of the parts of a title or link text ("Fachinformation | Acme").
_TEXT_PARTS = str.maketrans({c: "\n" for c in "|–—:·•/»«()[]"})


def text_segments(text: str) -> list[tuple[str, ...]]:
    """A title, heading or link text as segments of normalised words."""
    text = text.replace(" - ", "\n").translate(_TEXT_PARTS)
    return [seg for seg in (tuple(words(part)) for part in text.split("\n")) if seg]


@dataclass(frozen=True, slots=True)
class Reasons:
    """What the visitor is told for evidence the catalogue has no signal of its own for."""

    audience: Mapping[str, Text]
    seek: Text
    search: Text
    link: Text


class PageReader:
    """Reads segments of words into weighted signals (see the module docstring).

    Built once per engine from its path and campaign matchers, the role words
    the chat catalogue teaches (`roles`: word -> visitor type) and the
    language files.
    """

    CACHE_SIZE = 16_384

    def __init__(
        self,
        path_signals: Iterable[Signal],
        utm_signals: Iterable[Signal],
        roles: Mapping[str, str],
        type_ids: Sequence[str],
        languages: Languages | None = None,
    ) -> None:
        langs = languages or bundled_languages()
        self.languages = langs
        path_list = list(path_signals)
        utm_list = list(utm_signals)
        all_roles: dict[str, str] = dict(roles)
        for visitor_type, role_words in langs.roles.items():
            if visitor_type in type_ids:
                for word in role_words:
                    all_roles.setdefault(word, visitor_type)
        reasons = _reasons(langs)
        self.audience_signals: dict[str, Signal] = {
            t: Signal(
                "path",
                f"audience:{t}",
                t,
                ROLE_WEIGHT,
                dict(reasons.audience.get(t) or reasons.audience.get("default", {})),
            )
            for t in type_ids
        }
        self.seek_signal: Signal | None = (
            Signal("path", "seek:care", "patient", SEEK_WEIGHT, dict(reasons.seek))
            if "patient" in type_ids
            else None
        )
        vocabulary = {w for s in (*path_list, *utm_list) for w in words(s.match)}
        self.seek_words = langs.seek
        self.topical = langs.topical
        self.yours = langs.yours
        self.medicines = langs.medicines
        self.places = langs.places
        self.at = langs.at
        self.by = langs.by
        self.stores = langs.stores
        self._determiners = langs.articles | langs.yours
        self.ranges = langs.ranges
        self.workplaces = langs.workplaces
        self.clients = langs.clients
        self._workplace_starts = tuple(langs.workplaces)
        others = langs.other_audiences
        #: Audiences no visitor type covers: whole words, and starts of longer ones.
        self._other_words = others
        self._other_starts = tuple(sorted(w for w in others if len(w) >= MIN_AUDIENCE_START))
        self.audience_words = langs.audience
        self.ignorable = langs.function | langs.negation_fillers | langs.clause | langs.audience
        #: Role word -> its visitor type ("pharmacist", "arzt", "pharmacien").
        self.role_types: dict[str, str] = all_roles
        known = set(all_roles) | set(self.seek_words)
        self.morphology = Morphology(vocabulary | set(all_roles), langs, known=known)
        #: Host -> the coined words of its site's name (`without_site_name`).
        self._coined: dict[str, frozenset[str]] = {}
        #: Subdomain words -> those of them that name a section (`sections_of`).
        self._host_sections: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: Signals whose entry is several words ("zum-arzt", "leben-mit").
        self._phrase_signals: frozenset[int] = frozenset(
            id(s) for s in (*path_list, *utm_list) if len(words(s.match)) > 1
        )
        self.path = WordMatcher(
            ((s.match, s) for s in path_list),
            morphology=self.morphology,
            exclude=langs.lookalikes,
            streets=langs.streets,
        )
        #: Signals whose word the catalogue counts for several professions
        #: ("fachkreis": doctors and pharmacists); see `_refined`.
        professions: dict[tuple[str, str], set[str]] = {}
        for s in (*path_list, *utm_list):
            if s.visitor_type in PROFESSIONAL_TYPES:
                professions.setdefault((s.kind, s.match), set()).add(s.visitor_type)
        self._shared: frozenset[int] = frozenset(
            id(s)
            for s in (*path_list, *utm_list)
            if len(professions.get((s.kind, s.match), ())) > 1
        )
        self.utm = WordMatcher(
            ((s.match, s) for s in utm_list),
            morphology=self.morphology,
            exclude=langs.lookalikes,
            streets=langs.streets,
        )
        # Professionals in general ("Fachpersonen") count as the audience of the
        # professionals' visitor type, as a twin of its signal that `_refined`
        # treats like the catalogue's shared words: the same evidence, unless the
        # page names one profession.
        general_types = {all_roles[w] for w in langs.professionals if w in all_roles}
        general = {
            t: Signal(s.kind, s.match, s.visitor_type, s.weight, s.reason)
            for t, s in self.audience_signals.items()
            if t in general_types & PROFESSIONAL_TYPES
        }
        self._shared = self._shared | {id(s) for s in general.values()}
        self._trainee_after_starts = frozenset(run[0] for run in langs.trainee_after)
        self.roles: WordMatcher[Signal] = WordMatcher(
            (
                (
                    word,
                    general[t]
                    if t in general and word in langs.professionals
                    else self.audience_signals[t],
                )
                for word, t in all_roles.items()
            ),
            min_prefix=4,
            morphology=self.morphology,
            strict=True,
            exclude=langs.lookalikes,
            streets=langs.streets,
        )
        #: Evidence from a site-search query the chat matcher understood, per type.
        self.search_signals: dict[str, Signal] = {
            t: Signal("path", f"search:{t}", t, SEARCH_WEIGHT, dict(reasons.search))
            for t in type_ids
        }
        self._first_person = langs.first_person | langs.mine
        self._applying = tuple(sorted(langs.applying))
        #: Evidence from a followed link's text in the first person ("Ich habe
        #: Rosazea", "I'm helping a family member"), read as the visitor's words.
        self.statement_signals: dict[str, Signal] = {
            t: Signal("path", f"link:{t}", t, SEARCH_WEIGHT, dict(reasons.link)) for t in type_ids
        }
        self._scaled: dict[tuple[int, float], Signal] = {}
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[Hit[Signal], ...]] = {}
        self._paths: dict[
            tuple[str, tuple[tuple[str, ...], ...], Within], tuple[Hit[Signal], ...]
        ] = {}
        self._steps: dict[tuple[str, tuple[str, ...], frozenset[str], bool, bool], _Step] = {}
        self._weighted: dict[tuple[tuple[str, ...], ...], tuple[Signal, ...]] = {}
        #: Segment -> the professions its role words name (`professions_named`).
        self._professions: dict[tuple[str, ...], frozenset[str]] = {}

    # -- one segment --------------------------------------------------------------------

    def read(
        self, segment: tuple[str, ...], kind: str = "path", *, remember: bool = True
    ) -> tuple[Hit[Signal], ...]:
        """The signals one segment gives, with factors (not yet weights)."""
        key = (kind, segment)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self._names_other_audience(segment):
            # "/fuer-tieraerzte": a section for vets names none of the visitor types,
            # though "Tierärzte" contains a doctor.
            if remember:
                remember_in(self._cache, key, (), self.CACHE_SIZE)
            return ()
        matcher = self.utm if kind == "utm" else self.path
        hits = matcher.find_weighted(segment, remember=remember, claims=_other_type)
        if kind == "utm" and not hits:
            # A campaign named like a section ("pharmacies-romandie") says what
            # the section would.
            matcher = self.path
            hits = matcher.find_weighted(segment, remember=remember, claims=_other_type)
        roles = self.roles.find_weighted(segment, remember=remember)
        section = self._section(segment, matcher, hits) or self._plural_name(segment, hits)
        found: dict[int, Hit[Signal]] = {}
        said: dict[str, float] = {}
        for signal, factor in hits:
            factor = factor * AUDIENCE_BOOST if section else factor
            _keep(found, signal, factor)
            said[signal.visitor_type] = said.get(signal.visitor_type, 0.0) + signal.weight * factor
        phrases = self._phrase_signals
        if roles and any(id(s) in phrases for s, _ in hits):
            # A catalogue phrase took the segment's words: "wann-zum-arzt" is a
            # patient's page, not a section for doctors.
            phrased = {s.visitor_type for s, _ in hits if id(s) in phrases}
            roles = [(s, f) for s, f in roles if s.visitor_type in phrased]
        # A campaign is always named for its audience ("gp-practices-webinar").
        if roles and (section or kind == "utm" or self._only_roles(segment)):
            # A role word names an audience only as a section's name ("/mediziner/",
            # "für Apothekenteams"); it tops up what the catalogue's own signals for
            # that type say to the weight of an audience, never beyond.
            for signal, factor in roles:
                missing = signal.weight * factor - said.get(signal.visitor_type, 0.0)
                if missing > 0.0:
                    _keep(found, signal, missing / signal.weight)
        worker = self._worker_addressed(segment)
        if worker in self.audience_signals:
            # "Resources for your practice": the page speaks to those working there;
            # "for your patient", to those treating them, not to the patient.
            if worker != PATIENT_TYPE:
                for patient in [k for k, (s, _) in found.items() if s.visitor_type == PATIENT_TYPE]:
                    del found[patient]
            _keep(found, self.audience_signals[worker], AUDIENCE_BOOST if section else 1.0)
        trained = self._in_training(segment) if found else ()
        if trained:
            # "foundation-trainee-pharmacists", "Pharmazeuten im Praktikum": those
            # of a profession in training are of it; the page is for them, not a job.
            for job in [k for k, (s, _) in found.items() if s.visitor_type == JOBS_TYPE]:
                del found[job]
            named = {s.visitor_type for s, _ in found.values()}
            for signal, factor in trained:
                if signal.visitor_type not in named:  # the catalogue's own entry counts
                    _keep(found, signal, factor)
        if found and kind != "utm":
            self._drop_objects(segment, kind, found, remember=remember)
            if kind == "path" and any(s.visitor_type == JOBS_TYPE for s, _ in found.values()):
                # "ausbildung-pka", "stellenangebote-apotheker", "pharmacist-jobs": a
                # profession named with a job in one section name is the job, as
                # below a careers section ("/karriere/apotheker").
                for job_title in [
                    k for k, (s, _) in found.items() if s.visitor_type in PROFESSIONAL_TYPES
                ]:
                    del found[job_title]
        if found and self.at.intersection(segment):
            self._drop_places(segment, found)
        if found and self.by.intersection(segment):
            self._drop_agents(segment, found)
        professional = [s for s, _ in (*hits, *roles) if s.visitor_type in PROFESSIONAL_TYPES]
        if (
            professional
            and self.seek_signal is not None
            and (self._seeks(segment) or self._asks_own(segment))
        ):
            # "Arztsuche", "find-a-pharmacy", "ask-your-pharmacist": a patient
            # looking for care.
            for signal in professional:
                found.pop(_hit_key(signal), None)
            if not any(s.visitor_type == "patient" for s, _ in found.values()):
                _keep(found, self.seek_signal, 1.0)
        result = tuple(found.values())
        if remember:
            remember_in(self._cache, key, result, self.CACHE_SIZE)
        return result

    def read_segments(
        self,
        segments: Sequence[tuple[str, ...]],
        kind: str = "path",
        *,
        remember: bool = True,
        within: Within = _NOWHERE,
    ) -> list[Hit[Signal]]:
        """What a path (or a title) says, segment by segment, in context.

        The first audience a path names is the visitor; what later segments
        name for another audience is what the page is about (see `_object_of`):
        "/karriere/apotheker" is a job for a pharmacist, "/hcp/patient-materials"
        material for a doctor's patients, "/patienten/arzt-gespraech" a talk
        with one's doctor. Entries of several words may span segments
        ("/fachkreise/apotheke"). `within`: the audiences the page's path named
        and whether it lies below the company's own sections (`page_context`),
        for a title read as the path's continuation.
        """
        path_key = (kind, tuple(segments), within)
        if remember:
            cached = self._paths.get(path_key)
            if cached is not None:
                return list(cached)
        result = self._read_path(segments, kind, within, remember=remember)
        if remember:
            remember_in(self._paths, path_key, result, self.CACHE_SIZE)
        return list(result)

    def _read_path(
        self,
        segments: Sequence[tuple[str, ...]],
        kind: str,
        within: Within,
        *,
        remember: bool,
    ) -> tuple[Hit[Signal], ...]:
        """`read_segments` without its memory of whole paths: segment by segment, each
        remembered in the context of those before it (`_step`); a new path is mostly
        known segments in a new order."""
        found: dict[int, Hit[Signal]] = {}
        context = within[0]
        if kind == "text" and any(
            signal.visitor_type == JOBS_TYPE
            for segment in segments
            for signal, _ in self.read(segment, kind, remember=remember)
        ):
            # A title is no path: a job anywhere in it ("Apotheker (m/w/d) |
            # Stellenangebot") makes the professions it names the job's.
            context = context | {JOBS_TYPE}
        last = len(segments) - 1
        topical = within[1]
        steps = self._steps
        spans = False
        for index, segment in enumerate(segments):
            above = index < last
            # Whether more segments follow tells only the first section a path names
            # (`_step`'s depth); after it, the segment is remembered once for both.
            key = (kind, segment, context, topical, above and not context)
            step = steps.get(key) if remember else None
            if step is None:
                step = self._step(segment, kind, context, topical, above, remember=remember)
                if remember:
                    remember_in(steps, key, step, self.CACHE_SIZE)
            was_topical = topical
            kept, context, topical, opens = step
            if topical and not was_topical and self._store_follows(segments, index):
                topical = False
            spans = spans or (above and opens)
            for hit in kept:
                old = found.get(id(hit[0]))
                if old is None or old[1] < hit[1]:  # `_keep`, written out
                    found[id(hit[0])] = hit
        if spans:
            flat = [w for segment in segments for w in segment]
            for signal, factor in self.path.find_phrases(flat, remember=remember):
                if _hit_key(signal) in found or _object_of(
                    signal.visitor_type, context - {signal.visitor_type}
                ):
                    continue
                _keep(found, signal, factor)
        return self._refined(tuple(found.values()))

    def _step(
        self,
        segment: tuple[str, ...],
        kind: str,
        context: frozenset[str],
        topical: bool,
        above: bool,
        *,
        remember: bool,
    ) -> _Step:
        """One segment read after those before it (`context`: the audiences they
        named; `topical`: they are the company's own sections; `above`: more
        segments follow). Besides its hits, what it leaves for the next segment, and
        whether an entry of several words may start in it and go on in the next."""
        hits = self.read(segment, kind, remember=remember)
        if topical:
            # "/presse/deutscher-aerztetag", "/ueber-uns/von-der-apotheke-zum-konzern":
            # below the company's own sections, professions are a topic; its jobs
            # are still its jobs ("/ueber-uns/karriere").
            hits = tuple(hit for hit in hits if hit[0].visitor_type == JOBS_TYPE)
        elif kind == "path" and self._company_section(segment, hits):
            topical = True
        # The first section a path names, with pages below it, is where the
        # visitor went in: "/apotheke/rabattvertraege" more than "/apotheke/".
        depth = SECTION_DEPTH if kind == "path" and not context and above else 1.0
        # (Looking for a pharmacy or a practice is no material for professionals,
        # whatever section it is in.)
        kept = tuple(
            (signal, factor * depth)
            for signal, factor in hits
            if not (context and _object_of(signal.visitor_type, context))
            or signal is self.seek_signal
        )
        # Only now: the hits above are read in the context of the segments before.
        named = frozenset(signal.visitor_type for signal, _ in hits)
        opens = kind == "path" and not self.path.phrase_firsts.isdisjoint(segment)
        return kept, (context if named <= context else context | named), topical, opens

    def page_context(
        self, segments: Sequence[tuple[str, ...]], hits: Sequence[Hit[Signal]]
    ) -> Within:
        """What a page's title and link texts are read within: the audiences its
        path named (a profession in the title of a careers page is the job's)
        and whether the path lies below the company's own sections (a press
        release's title names professions as its topic)."""
        topical = any(
            self._company_section(segment, self.read(segment))
            and not self._store_follows(segments, index)
            for index, segment in enumerate(segments)
        )
        return frozenset(signal.visitor_type for signal, _ in hits), topical

    def _store_follows(self, segments: Sequence[tuple[str, ...]], index: int) -> bool:
        """Whether the segment after this one names a file store ("/-/media/files/…"):
        then a company section word before it ("media") is the store, not the press."""
        return index + 1 < len(segments) and not self.stores.isdisjoint(segments[index + 1])

    def _company_section(self, segment: tuple[str, ...], hits: Sequence[Hit[Signal]]) -> bool:
        """Whether a path segment, naming no audience, is one of the company's own
        sections (press, news, history): what lies below it is a topic."""
        return not hits and not self.topical.isdisjoint(segment)

    def _refined(self, hits: tuple[Hit[Signal], ...]) -> tuple[Hit[Signal], ...]:
        """A word for several professions ("Fachkreise") with a word for one of them
        ("/fachkreise/pta-schulung", "fachkreise.…/pka-warenwirtschaft"): the
        page is for that one, and the shared word counts for it alone."""
        shared = self._shared
        if not shared or shared.isdisjoint([id(s) for s, _ in hits]):
            return hits
        specific = {
            s.visitor_type
            for s, _ in hits
            if id(s) not in shared and s.visitor_type in PROFESSIONAL_TYPES
        }
        if len(specific) != 1:
            return hits
        return tuple((s, f) for s, f in hits if id(s) not in shared or s.visitor_type in specific)

    def path_signals(self, segments: tuple[tuple[str, ...], ...]) -> tuple[Signal, ...]:
        """`weighted(read_segments(segments))` for a path alone, remembered per path."""
        cached = self._weighted.get(segments)
        if cached is None:
            hits = self._read_path(segments, "path", _NOWHERE, remember=True)
            # `weighted`, without its merging: a path's hits name each signal once.
            scaled = self.scaled
            weighted = tuple(signal if f == 1.0 else scaled(signal, f) for signal, f in hits)
            cached = remember_in(self._weighted, segments, weighted, self.CACHE_SIZE)
        return cached

    def _section(
        self, segment: tuple[str, ...], matcher: WordMatcher[Signal], hits: Sequence[Hit[Signal]]
    ) -> bool:
        """Whether the segment names an audience or a section: an audience word
        ("für", "for", "pour"), a generic part as a word of its own ("hub",
        "espace") that is no part of a catalogue phrase found in it
        ("prescribing information"; but "pharmacy-support" is a section although
        "support-group" is a phrase), or a known concept compounded with one
        ("Apothekenportal")."""
        morphology = self.morphology
        phrased = self._phrased_words(hits) if matcher.phrase_words.intersection(segment) else ()
        for word in segment:
            if word in self.audience_words:
                return True
            if word not in phrased and morphology.is_part(word):
                return True
            if morphology.is_section_compound(word):
                return True
        return False

    def _phrased_words(self, hits: Sequence[Hit[Signal]]) -> frozenset[str]:
        """The words of the catalogue phrases among the hits."""
        phrases = self._phrase_signals
        return frozenset(w for s, _ in hits if id(s) in phrases for w in words(s.match))

    def _in_training(self, segment: tuple[str, ...]) -> list[Hit[Signal]]:
        """The professions the segment names as people in training: a role right
        after a word of training ("trainee pharmacists") or right before words
        of it ("Pharmazeuten im Praktikum", "préparateurs en formation"), per
        language (`[paths] trainee_before`, `trainee_after`)."""
        before, after = self.languages.trainee_before, self.languages.trainee_after
        if before.isdisjoint(segment) and self._trainee_after_starts.isdisjoint(segment):
            return []  # the common case: no word of training at all
        for index, word in enumerate(segment):
            roles = [
                (s, f)
                for s, f in self.roles.find_weighted((word,))
                if s.visitor_type in PROFESSIONAL_TYPES
            ]
            if not roles:
                continue
            if (index > 0 and segment[index - 1] in before) or any(
                segment[index + 1 : index + 1 + len(words)] == words for words in after
            ):
                return roles
        return []

    def _plural_name(self, segment: tuple[str, ...], hits: Sequence[Hit[Signal]]) -> bool:
        """Whether the segment is a concept's plural alone ("/apotheken/",
        "/pharmacies/", "/spitalapotheken/"): a section named for those it serves.
        (A patient's pharmacy page says more: "apotheke-finden", "ask-your-pharmacist".)"""
        if len(segment) != 1 or not hits:
            return False
        word = segment[0]
        forms = self.morphology.forms(word)
        endings = [e for e in self.morphology.endings if e]
        for signal, _ in hits:
            match = signal.match
            if match == word or "-" in match:
                continue
            if match in forms[1:] or any(word.endswith(match + e) for e in endings):
                return True
        return False

    def _only_roles(self, segment: tuple[str, ...]) -> bool:
        """Whether the segment is (nearly) nothing but role words: "/mediziner/",
        "nurses-and-midwives", "healthcare-providers". Not beside a product range's
        name: "gamme-orl" is a range for ear, nose and throat complaints."""
        if self.ranges.intersection(segment):
            return False
        others = 0
        for word in segment:
            if len(word) <= 2 or word in self.ignorable or word.isdigit():
                continue
            if not self.roles.find_weighted((word,)):
                others += 1
        return others <= 1 and len(segment) - others >= 1

    def _asks_own(self, segment: tuple[str, ...]) -> bool:
        """Whether a professional is named as the visitor's own ("ask-your-pharmacist",
        "fragen-sie-ihren-arzt"): then the page is for their patients."""
        for index, (before, word) in enumerate(itertools.pairwise(segment)):
            if before not in self.yours:
                continue
            # A person ("Ihren Arzt"), not a place ("Ihre Ordination", "your practice",
            # "your GP practice") nor the visitor's own team ("für Ihr Pflegeteam",
            # "your-pharmacy-team").
            place_after = index + 2 < len(segment) and segment[index + 2] in self.places
            if self._names_a_group(word) or place_after:
                continue
            role = self.role_types.get(self.morphology.lookup(word) or word)
            if role is not None and role in PROFESSIONAL_TYPES:
                return True
        return False

    def _drop_places(self, segment: tuple[str, ...], found: dict[int, Hit[Signal]]) -> None:
        """Drops what a place of care names after a preposition of place
        ("rezeptfrei-in-der-apotheke", "available-at-your-pharmacy", "en-pharmacie")
        unless a role comes first: the page says where to get or do something,
        not whom it is for."""
        morphology = self.morphology
        named: set[str] = set()
        for index, word in enumerate(segment):
            if word not in self.at or self.roles.find_weighted(segment[:index], remember=False):
                # "Fachpersonen in Apotheke und Drogerie", "staff in pharmacies": the
                # place says where the audience named before it works.
                continue
            rest = itertools.dropwhile(self._determiners.__contains__, segment[index + 1 :])
            forms = morphology.forms(next(rest, ""))
            if not self.places.isdisjoint(forms):
                named.update(forms)
        if not named:
            return
        for key, (signal, _) in list(found.items()):
            if signal.visitor_type in PROFESSIONAL_TYPES and any(
                word.startswith(signal.match) or signal.match.startswith(word) for word in named
            ):
                del found[key]

    def _drop_agents(self, segment: tuple[str, ...], found: dict[int, Hit[Signal]]) -> None:
        """Drops the professions named as who does something ("von Ärzten
        empfohlen", "trusted-by-pharmacists", "recommandé par les pharmaciens"):
        they vouch for the product, the page is not for them."""
        agents: set[str] = set()
        audiences: set[str] = set()  # "von Apothekern für Apotheker": still for them
        for index, word in enumerate(segment):
            if word in self.by:
                named = agents
            elif word in self.audience_words:
                named = audiences
            else:
                continue
            rest = itertools.dropwhile(self._determiners.__contains__, segment[index + 1 :])
            # The role may follow a word of its kind ("von HNO-Ärzten empfohlen").
            for role in itertools.islice(rest, 2):
                named.update(s.visitor_type for s, _ in self.roles.find_weighted((role,)))
        agents -= audiences
        for key, (signal, _) in list(found.items()):
            if signal.visitor_type in agents and signal.visitor_type in PROFESSIONAL_TYPES:
                del found[key]

    def _names_other_audience(self, segment: tuple[str, ...]) -> bool:
        """Whether the segment names an audience no visitor type covers ("Tierärzte")."""
        others = self._other_words
        if not others:
            return False
        return any(
            word in others or (len(word) > MIN_PREFIX and word.startswith(self._other_starts))
            for word in segment
        )

    def _worker_addressed(self, segment: tuple[str, ...]) -> str | None:
        """The visitor type working at a place the segment calls the visitor's own
        ("für Ihre Praxis", "your-practice", "votre officine") or names a section
        for ("Ordinationsservice", "practice-support"), serving those it calls the
        visitor's own ("for your patients"), or taking a medicine it calls theirs
        ("Ihre Tabletten"), if any."""
        workplaces = self.workplaces
        morphology = self.morphology
        for index, word in enumerate(segment):
            base = morphology.lookup(word) or ""
            yours = index > 0 and segment[index - 1] in self.yours
            server = self.clients.get(word) or self.clients.get(base)
            if yours and server is not None:
                return server
            if (yours or (index > 1 and segment[index - 2] in self.yours)) and (
                self._a_medicine(word, base)
            ):
                # "Ihre Tabletten sehen anders aus?", "paying for your medication",
                # "your first infusion", "zu Ihrer Insulinpumpe": the page speaks to
                # the one taking it.
                return PATIENT_TYPE
            worker = workplaces.get(word) or workplaces.get(base)
            if worker is not None:
                if yours:
                    return worker
                if index + 1 < len(segment) and morphology.is_part(segment[index + 1]):
                    return worker
            elif len(word) > MIN_PREFIX and word.startswith(self._workplace_starts):
                worker = self._workplace_compound(word)
                if worker is not None:
                    return worker
        return None

    def _a_medicine(self, word: str, base: str) -> bool:
        """Whether a word is a medicine, or a compound ending in one ("Insulinpen",
        "Asthmaspray") or made of one and the thing that gives it ("Insulinpumpe")."""
        medicines = self.medicines
        if word in medicines or base in medicines:
            return True
        return any(
            len(word) - len(medicine) >= MIN_PREFIX
            and (
                word.endswith(medicine)
                # In front, a short one is too often the start of another word
                # ("Pension", "Mittelwert").
                or (len(medicine) >= _MEDICINE_FIRST and word.startswith(medicine))
            )
            for medicine in medicines
            if len(medicine) >= MIN_PREFIX
        )

    def _workplace_compound(self, word: str) -> str | None:
        """The worker of a workplace joined with a section part ("ordinations|service",
        "praxis|begleiter"), if the word is one."""
        morphology = self.morphology
        for place, worker in self.workplaces.items():
            if not word.startswith(place):
                continue
            rest = word[len(place) :]
            for link in morphology.links:
                part = rest[len(link) :]
                if rest.startswith(link) and len(part) >= MIN_PREFIX and morphology.is_part(part):
                    return worker
        return None

    def _drop_objects(
        self,
        segment: tuple[str, ...],
        kind: str,
        found: dict[int, Hit[Signal]],
        *,
        remember: bool,
    ) -> None:
        """An audience named after "for" is the visitor; what the words before it
        name for another audience is what the page offers them ("Patient materials
        for doctors", "Patientenprogramme für Ihre Praxis", "Fachinformationen für
        Apotheken"), and a profession after a job's words is the job ("Jobs für
        Apotheker")."""
        at = next((i for i, w in enumerate(segment) if w in self.audience_words), 0)
        if not 0 < at < len(segment) - 1:
            return
        before = {s.visitor_type for s, _ in self.read(segment[:at], kind, remember=remember)}
        after = {s.visitor_type for s, _ in self.read(segment[at:], kind, remember=remember)}
        if not before or not after:
            return
        professions_after = not after.isdisjoint(PROFESSIONAL_TYPES)
        for key, (signal, _) in list(found.items()):
            named = signal.visitor_type
            offered = named not in after and (
                _object_of(named, after) or (named in PROFESSIONAL_TYPES and professions_after)
            )
            job_title = named not in before and named in PROFESSIONAL_TYPES and JOBS_TYPE in before
            if offered or job_title:
                del found[key]

    def _names_a_group(self, word: str) -> bool:
        """Whether the word is a compound ending in a generic part ("Pflegeteam",
        "Praxisteam"): a team or a place, not a person."""
        return any(
            word.endswith(part) and len(word) > len(part) + MIN_PREFIX
            for part in self.morphology.parts
        )

    def _seeks(self, segment: tuple[str, ...]) -> bool:
        for word in segment:
            if word in self.seek_words:
                return True
            if any(
                len(seek) >= 5 and (word.endswith(seek) or word.startswith(seek))
                for seek in self.seek_words
            ):
                return True
        return False

    # -- whole pages ----------------------------------------------------------------------

    def sections_of(self, facts: PageFacts) -> tuple[tuple[str, ...], ...]:
        """A page's path segments, its subdomain's words first, less the words
        of the subdomain that name no section: a label is a section's name
        ("karriere.", "fachkreise.", "hcp-portal.") or the company's own, a
        tenant's on a hosted service ("avonmere.softgarden.io",
        "avonmere.wd3.myworkdayjobs.com"), which says nothing of the visitor
        but read as a compound may say something false ("avon" + French
        "mère", a mother)."""
        segments = facts.segments
        subdomain = _subdomain_words(facts.host)
        if not subdomain or segments[:1] != (subdomain,):
            return segments
        named = self._host_sections.get(subdomain)
        if named is None:
            named = tuple(word for word in subdomain if self._names_section(word))
            remember_in(self._host_sections, subdomain, named, _HOSTS_REMEMBERED)
        if named == subdomain:
            return segments
        return ((named,) if named else ()) + segments[1:]

    def _names_section(self, word: str) -> bool:
        """Whether a word is a known one in some form, or wholly made of known
        parts ("fachkreisportal"); not a coined name with a known word inside."""
        morphology = self.morphology
        return morphology.is_known(word) or any(
            factor == 1.0 for _, factor, _ in morphology.analyse(word)
        )

    def name_words(self, referrer: Referrer, also: AbstractSet[str]) -> list[tuple[str, ...]]:
        """The words of a referring site's name, those run together apart
        ("prescriberpulse": prescriber, pulse; `Morphology.label_words`). A
        label the catalogue reads as it is ("neurodermitis-eltern") stays whole."""
        split = self.morphology.label_words
        return [
            segment
            if self.read(segment, remember=False)
            else tuple(part for word in segment for part in split(word, also))
            for segment in referrer.name_segments()
        ]

    def without_site_name(
        self, segments: Sequence[tuple[str, ...]], host: str
    ) -> list[tuple[str, ...]]:
        """Title or heading segments less the coined words of the site's own name
        (`site_name_words`, those no vocabulary knows): the name is in every
        visitor's titles ("Results and presentations | Avonmere Therapeutics"), so
        it tells nothing about this one, and a brand read as a compound
        ("avon|mere", French for mother) would tell something false. Known words
        of a name stay ("Zugerberg Pharma": "Pharma-Assistentinnen" is a phrase)."""
        coined = self._coined.get(host)
        if coined is None:
            known = self.morphology.is_known
            found = frozenset(w for w in site_name_words(host) if not known(w))
            coined = remember_in(self._coined, host, found, _HOSTS_REMEMBERED)
        if not coined:
            return list(segments)
        kept = (tuple(word for word in segment if word not in coined) for segment in segments)
        return [segment for segment in kept if segment]

    def weighted(self, hits: Iterable[Hit[Signal]], factor: float = 1.0) -> list[Signal]:
        """The hits as signals whose weight carries their factor (one per signal)."""
        best: dict[int, Hit[Signal]] = {}
        for signal, f in hits:
            old = best.get(id(signal))
            if old is None or old[1] < f:
                best[id(signal)] = (signal, f)
        scaled = self.scaled
        return [
            signal if f * factor == 1.0 else scaled(signal, f * factor)
            for signal, f in best.values()
        ]

    def scaled(self, signal: Signal, factor: float) -> Signal:
        if factor == 1.0:
            return signal
        # Remembered per factor as given: rounding it before the lookup cost more
        # than the lookup (a path's few factors recur: 1.15, 1.3, 1.495).
        key = (id(signal), factor)
        scaled = self._scaled.get(key)
        if scaled is None:
            weighed = replace(signal, weight=signal.weight * round(factor, 4))
            scaled = remember_in(self._scaled, key, weighed, self.CACHE_SIZE)
        return scaled

    def search_hits(self, chat: ChatMatcher, search: str, lang: str | None) -> list[Hit[Signal]]:
        """What a site-search query says (nothing of it is kept): read like a chat
        answer, else like a title. A search for a role, a place of care or a
        medicine alone ("Arzt", "Apotheke", "pharmacist", "Ibuprofen 400") is
        looking for one, which anyone may be: no evidence. A patient's reading
        needs the search to say who asks ("Nebenwirkungen bei meinem Kind"): side
        effects, dosage, storage or the leaflet alone are what professionals look
        up too, while a professional's topic (Fachinfo, Rabattvertrag) is theirs,
        and so is what only patients ask for ("Selbsthilfegruppe Rheuma":
        `Intent.search_tells`)."""
        segments = text_segments(search)
        content = [
            w
            for seg in segments
            for w in seg
            if w not in self.ignorable and not any(c.isdigit() for c in w)
        ]
        if content and all(self._looked_for(word) for word in content):
            return []
        match = chat.match(search, lang)
        if match.visitor_type == PATIENT_TYPE:
            # A search in the first person ("how do I inject my pen") is a visitor's
            # own question, as sure as a chat answer; else anyone's keywords.
            if chat.search_tells(match.intent) or chat.says_who(search, lang):
                answered = _answered(self.search_signals, match, chat.cutoff)
                if answered:
                    return answered
        else:
            answered = _answered(self.search_signals, match)
            if answered:
                return answered
        searched = self.read_segments(segments, "text", remember=False)
        return [(s, f * SEARCH_FACTOR) for s, f in searched]

    def statement_hits(
        self, chat: ChatMatcher, text: Sequence[tuple[str, ...]]
    ) -> list[Hit[Signal]] | None:
        """What a followed link's text in the first person says ("Ich habe Rosazea –
        Tipps für den Alltag", "I'm helping a family member manage their
        treatment"): by following it the visitor says it of themselves, so it
        is read like a chat answer, in the language its words tell (a German
        link on an English page is German). None for a text in no first person,
        or one the chat matcher is not sure of: read like a title."""
        if all(self._first_person.isdisjoint(part) for part in text):
            return None  # (the common case, without reading the text as an answer)
        words = ", ".join(" ".join(part) for part in text)
        if not chat.in_first_person(words):
            return None
        return _answered(self.statement_signals, chat.match(words)) or None

    def _looked_for(self, word: str) -> bool:
        """Whether the word names a role, a place of care, a medicine (a drug's
        name is an alias of a medicine word: "ibuprofen" -> "painkillers") or a
        topic in the news ("Lieferengpass": patients look up a shortage of their
        medicine as pharmacies do)."""
        form = self.morphology.lookup(word) or word
        if form in self.role_types or form in self.places or word in self.places:
            return True
        if form in self.languages.news or word in self.languages.news:
            return True
        medicines = self.languages.medicines
        alias = self.languages.aliases.get(word, ())
        return word in medicines or (bool(alias) and all(w in medicines for w in alias))

    def declines(self, text: tuple[str, ...]) -> bool:
        """Whether a followed link's text says the visitor is no professional: it
        begins with a decline ("Nein, zurück zur Startseite"), has one among its
        first words before the professionals it names ("Ich gehöre nicht zu den
        Fachkreisen", "I am not a healthcare professional"), or states a role of
        no profession ("Ich bin Patientin / Patient")."""
        if not text:
            return False
        langs = self.languages
        if text[0] in langs.declines:
            return True
        named = {signal.visitor_type for signal, _ in self.read(text, "text", remember=False)}
        if not named:
            return False
        if named & PROFESSIONAL_TYPES:
            return not langs.denials.isdisjoint(text[:_DECLINE_REACH])
        stated = any(text[: len(prefix)] == prefix for prefix in langs.role_prefixes)
        return stated and JOBS_TYPE not in named

    def applies(self, segments: Iterable[tuple[str, ...]]) -> bool:
        """Whether the segments speak of applying ("Jetzt bewerben", "/apply/…",
        "jobapply", "onlinebewerbung"): a word that is, begins or ends with a word
        of applying."""
        applying = self._applying
        return any(
            word.startswith(applying) or word.endswith(applying)
            for segment in segments
            for word in segment
        )

    def professions_named(self, segments: Iterable[tuple[str, ...]]) -> frozenset[str]:
        """The professions the segments name by a role word ("pharmacist",
        "Apotheker/in", "nurse"), not by a topic ("Onkologie", "Außendienst"):
        what a job posting ("/careers/medical-information-pharmacist") says the
        job's holder is."""
        named: frozenset[str] = frozenset()
        for segment in segments:
            found = self._professions.get(segment)
            if found is None:
                found = frozenset(
                    signal.visitor_type
                    for signal, _ in self.roles.find_weighted(segment)
                    if signal.visitor_type in PROFESSIONAL_TYPES
                )
                remember_in(self._professions, segment, found, self.CACHE_SIZE)
            named |= found
        return named

    def read_all(
        self, segments: Iterable[tuple[str, ...]], kind: str = "path", *, remember: bool = True
    ) -> list[Hit[Signal]]:
        """Each segment on its own (campaign values: they are no path); a word the
        catalogue counts for several professions counts for the one the values
        name, if they name one ("rheumatologen_fortbildung", "pta-fortbildung")."""
        hits = tuple(hit for seg in segments for hit in self.read(seg, kind, remember=remember))
        return list(self._refined(hits))


def _begins_or_heads(word: str, wanted: str) -> bool:
    """Whether a phrase's last word may be `word`: its start ("zum-arzt" in
    "zum-arztbesuch") or, for a word long enough to be a head, its end
    ("zum-kinderarzt", "zum-hausarzt")."""
    return word.startswith(wanted) or (
        len(wanted) >= MIN_PHRASE_HEAD
        and len(word) - len(wanted) >= _morphology.MIN_PART
        and word.endswith(wanted)
    )


def _is_part(morphology: Morphology | None, word: str) -> bool:
    return morphology is not None and morphology.is_part(word)


def _other_type(phrase: Signal, word: Signal) -> bool:
    """A catalogue phrase claims its words from another type's one-word signal."""
    return phrase.visitor_type != word.visitor_type


def _object_of(visitor_type: str, context: AbstractSet[str]) -> bool:
    """Whether evidence for `visitor_type` is only the object of a section the path
    named before: a professional under jobs (a job title), a patient under a
    professional section (their patients), a professional under a patients'
    section (their doctor or pharmacy)."""
    if visitor_type in PROFESSIONAL_TYPES:
        return JOBS_TYPE in context or (
            PATIENT_TYPE in context and not context & PROFESSIONAL_TYPES
        )
    if visitor_type == PATIENT_TYPE:
        return bool(context & PROFESSIONAL_TYPES) and PATIENT_TYPE not in context
    return False


def _hit_key(signal: Signal) -> int:
    """Signals are compiled once per engine: the object is the signal."""
    return id(signal)


def _answered(
    signals: Mapping[str, Signal], match: ChatMatch, sure: float = SEARCH_CONFIDENCE
) -> list[Hit[Signal]]:
    """The evidence of a text read like a chat answer (a site search, a link in the
    first person): the type's signal at the matcher's confidence, if it is `sure`
    enough; else none."""
    signal = signals.get(match.visitor_type or "")
    if signal is not None and match.confidence >= sure:
        return [(signal, match.confidence)]
    return []


def _keep(found: dict[int, Hit[Signal]], signal: Signal, factor: float) -> None:
    key = _hit_key(signal)
    old = found.get(key)
    if old is None or old[1] < factor:
        found[key] = (signal, factor)


def _reasons(languages: Languages) -> Reasons:
    audience: dict[str, dict[str, str]] = {}
    seek: dict[str, str] = {}
    search: dict[str, str] = {}
    link: dict[str, str] = {}
    for lang in languages.languages:
        for visitor_type, text in lang.audience_reasons.items():
            audience.setdefault(visitor_type, {})[lang.id] = text
        if lang.seek_reason:
            seek[lang.id] = lang.seek_reason
        if lang.search_reason:
            search[lang.id] = lang.search_reason
        if lang.link_reason:
            link[lang.id] = lang.link_reason
    return Reasons(audience, seek, search, link)
