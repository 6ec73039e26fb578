"""`Engine`: a site compiled once into matchers, shared by all its sessions.

An engine is immutable. Reloading a configuration builds a new engine and
swaps one reference, so a session never sees half of an old and half of a
new site.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ._answer_model import bundled_answer_model
from ._chat import ChatMatch, ChatMatcher
from ._copy import CLARIFY, FALLBACK
from ._dialogue import CHAT_DOSE
from ._language import bundled_languages
from ._memo import remember_in
from ._model import (
    CONTROL,
    GLOBAL_ARMS,
    GLOBAL_EXPERIMENT,
    JOBS_TYPE,
    PROFESSIONAL_TYPES,
    Goal,
    Intent,
    PersonaSignal,
    Rule,
    Signal,
    Slot,
    Variant,
    pick_text,
)
from ._normalise import words
from ._signals import HostMatcher, PageFacts, PageReader, WordMatcher, page_facts
from ._targeting import RulePlan, plan_rule

if TYPE_CHECKING:
    from ._session import Session, Trust
    from ._site import Site

#: Chat answers whose match an engine remembers (the most recently used).
CHAT_MEMORY = 4096
#: Pages whose sensitivity and persona signals an engine remembers: as many as the
#: reader remembers paths (`PageReader.CACHE_SIZE`), so that a page whose signals are
#: remembered is not read again for these (at 4096 a site of 10,000 pages emptied
#: this memory every few thousand page views).
PAGES_REMEMBERED = 16_384


class AddressRead(NamedTuple):
    """What a page's address says, read at once (`Engine.read_address`)."""

    facts: PageFacts
    #: Sensitive pages add no evidence, trigger nothing and are never stored.
    sensitive: bool
    #: The persona signals in the path's words.
    personas: tuple[PersonaSignal, ...]
    #: The path's evidence (`PageReader.path_signals`); none for a sensitive page.
    signals: tuple[Signal, ...]
    #: A job board's host the page is on ("acme.recruitee.com"): its evidence.
    hosted: tuple[Signal, ...] = ()
    #: On a job page, the professions its path names by a role word: the job's
    #: holder ("/careers/medical-information-pharmacist": pharmacist).
    professions: frozenset[str] = frozenset()
    #: On a job page, whether its path speaks of applying ("/bewerbung/?stelle=…").
    applies: bool = False


class RememberingChatMatcher(ChatMatcher):
    """The chat matcher, remembering the matches of the answers it saw last.

    Visitors give the same few answers ("Ich bin Arzt", "Beipackzettel") again
    and again, and matching one costs a hundred microseconds or more; a
    remembered match costs one. The memory is bounded (`CHAT_MEMORY`, least
    recently used out first) and holds no answer's text: each is kept as a
    keyed digest (the key is made up per process), next to its `ChatMatch`,
    which is frozen and names only intents, types and a language.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key = secrets.token_bytes(16)
        self._remembered: OrderedDict[bytes, ChatMatch] = OrderedDict()

    def match(self, text: str, lang: str | None = None) -> ChatMatch:
        digest = hashlib.blake2b(
            f"{lang}\0{text}".encode(errors="surrogatepass"), digest_size=16, key=self._key
        ).digest()
        remembered = self._remembered
        found = remembered.get(digest)
        if found is not None:
            remembered.move_to_end(digest)
            return found
        found = super().match(text, lang)
        remembered[digest] = found
        if len(remembered) > CHAT_MEMORY:
            remembered.popitem(last=False)
        return found


class Engine:
    """The compiled form of a `Site`; create sessions with `new_session`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.site_id = site.id
        self.tuning = site.tuning
        self.type_ids: tuple[str, ...] = tuple(t.id for t in site.visitor_types)
        self.labels = {t.id: t.label for t in site.visitor_types}
        self.slots: dict[str, Slot] = {s.id: s for s in site.slots}
        #: Each slot id to itself: sessions keep these strings, not the client's copies.
        self.slot_ids: dict[str, str] = {s.id: s.id for s in site.slots}
        self.variants: dict[tuple[str, str], Variant] = {
            (slot.id, variant.id): variant for slot in site.slots for variant in slot.variants
        }
        # Most specific rule first; among equals, the order they were written.
        ordered = sorted(
            enumerate(site.rules), key=lambda item: (-item[1].when.specificity, item[0])
        )
        self.rules: dict[str, Rule] = {rule.id: rule for rule in site.rules}
        self.rules_by_slot: dict[str, tuple[Rule, ...]] = {}
        for _, rule in ordered:
            self.rules_by_slot[rule.slot] = (*self.rules_by_slot.get(rule.slot, ()), rule)
        #: Each rule's arms with their shares (`Rule.split`, worked out once), and the
        #: variant of each arm that is not the control (None: the slot has no such variant).
        self.splits: dict[str, tuple[tuple[str, float], ...]] = {
            rule.id: rule.split for rule in site.rules
        }
        self.arm_variants: dict[str, tuple[Variant | None, ...]] = {
            rule.id: tuple(
                self.variants.get((rule.slot, arm)) for arm, _ in rule.split if arm != CONTROL
            )
            for rule in site.rules
        }
        #: (slot, decided type) -> the slot's rules that a visitor of that type may meet,
        #: most specific first, each with what is left to check (`candidates`).
        self._candidates: dict[tuple[str, str | None], tuple[RulePlan, ...]] = {}
        self.intents: dict[str, Intent] = {i.id: i for i in site.intents}
        self.goals: dict[str, Goal] = {g.id: g for g in site.goals}
        #: Keys under which a returning visitor's browser counts what it was shown.
        self.dose_keys: frozenset[str] = frozenset(
            [r.id for r in site.rules if r.dose is not None and r.dose.per_visitor is not None]
            + ([CHAT_DOSE] if site.chat_dose.per_visitor is not None else [])
        )
        self.path_signals: WordMatcher[Signal] = WordMatcher(
            (s.match, s) for s in site.signals if s.kind == "path"
        )
        self.utm_signals: WordMatcher[Signal] = WordMatcher(
            (s.match, s) for s in site.signals if s.kind == "utm"
        )
        self.referrer_signals: HostMatcher[Signal] = HostMatcher(
            (s.match, s) for s in site.signals if s.kind == "referrer"
        )
        self.persona_signals: WordMatcher[PersonaSignal] = WordMatcher(
            (p.match, p) for p in site.persona_signals
        )
        not_sensitive = bundled_languages().not_sensitive
        #: What makes a page sensitive: its path, title, search, campaign or referrer.
        self.sensitive_words: WordMatcher[str] = WordMatcher(
            _sensitive_entries((*site.sensitivity.words, *site.sensitivity.pages)),
            min_prefix=4,
            exclude=not_sensitive,
        )
        #: What makes a visitor's own words sensitive: the same less the words that
        #: are sensitive on pages only.
        self.sensitive_answer_words: WordMatcher[str] = (
            WordMatcher(
                _sensitive_entries(site.sensitivity.words), min_prefix=4, exclude=not_sensitive
            )
            if site.sensitivity.pages
            else self.sensitive_words
        )
        self.sensitive_paths = tuple(site.sensitivity.paths)
        #: Words sensitive only in a visitor's own words, whole ("prep": PrEP).
        self.sensitive_answers = frozenset(
            word for entry in site.sensitivity.answers for word in words(entry)
        )
        #: (path, host) -> sensitive, persona signals (`_read_page`).
        self._pages: dict[tuple[str, str], tuple[bool, tuple[PersonaSignal, ...]]] = {}
        #: Address without a query -> all it says (`read_address`).
        self._addresses: dict[str, AddressRead] = {}
        #: A page's host -> the job boards' entries it matches (`_job_board`).
        self._hosts: dict[str, tuple[Signal, ...]] = {}
        #: The same globs as one expression: one match per page instead of one per glob.
        self._sensitive_path = (
            re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.sensitive_paths))
            if self.sensitive_paths
            else None
        )
        self.chat: ChatMatcher = RememberingChatMatcher(
            site.intents,
            cutoff=site.tuning.chat_cutoff,
            min_length=site.tuning.chat_min_length,
            second_opinion=bundled_answer_model(),
        )
        #: Path segments, titles, campaigns and search queries read into signals,
        #: with compounds, word forms, audiences and the chat's role words.
        self.reader = PageReader(
            (s for s in site.signals if s.kind == "path"),
            (s for s in site.signals if s.kind == "utm"),
            self.chat.role_words(),
            self.type_ids,
        )
        #: The referrer entries' one-label names in each of their forms ("boards"
        #: as "board"), for the words run together in a referring site's name.
        self.referrer_labels: dict[str, str] = {
            form: label
            for label in self.referrer_signals.labels
            for form in self.reader.morphology.forms(label)
        }

    def candidates(self, slot_id: str, decided: str | None) -> tuple[RulePlan, ...]:
        """The slot's rules a visitor of type `decided` may meet, most specific first:
        without the rules for other types and those whose arms that type may never see
        (`plan_rule`). Worked out once per slot and type."""
        key = (slot_id, decided)
        found = self._candidates.get(key)
        if found is None:
            plans = (
                plan_rule(rule, self.arm_variants[rule.id], decided)
                for rule in self.rules_by_slot.get(slot_id, ())
            )
            found = tuple(plan for plan in plans if plan is not None)
            if decided is None or decided in self.type_ids:  # bounded by the site
                self._candidates[key] = found
        return found

    def read_address(self, url: str) -> AddressRead:
        """A page's facts, whether it is sensitive, its persona and path signals.

        An address without a query is remembered whole: the site's own pages
        recur across sessions, and one memory of addresses does what memories of
        their facts and their pages did, without filling both for each new
        address (a new address cost as much to remember as to read). Its path's
        signals stay remembered per path as well: a link's address ("/a/b") and
        its page's ("https://…/a/b") are two addresses of one path. One with a
        query may carry a campaign or something of the visitor's: it is split
        afresh, and what its page says is remembered per page.
        """
        if "?" in url:
            facts = page_facts(url)
            return self._address(facts, self._read_page(facts))
        known = self._addresses.get(url)
        if known is None:
            facts = page_facts(url)
            known = self._address(facts, self._page_reading(facts))
            remember_in(self._addresses, url, known, PAGES_REMEMBERED)
        return known

    def _address(
        self, facts: PageFacts, reading: tuple[bool, tuple[PersonaSignal, ...]]
    ) -> AddressRead:
        """An address's facts with its page's reading, and its path's signals unless
        the page is sensitive."""
        sensitive, personas = reading
        if sensitive:
            return AddressRead(facts, sensitive, personas, ())
        sections = self.reader.sections_of(facts)
        signals = self.reader.path_signals(sections)
        hosted = self._job_board(facts.host)
        if hosted:  # "/o/qa-specialist" on a job board: the job's profession
            signals = tuple(s for s in signals if s.visitor_type not in PROFESSIONAL_TYPES)
        professions: frozenset[str] = frozenset()
        applies = False
        if hosted or any(s.visitor_type == JOBS_TYPE for s in signals):
            professions = self.reader.professions_named(sections)
            applies = self.reader.applies(sections)
        return AddressRead(facts, sensitive, personas, signals, hosted, professions, applies)

    def _job_board(self, host: str) -> tuple[Signal, ...]:
        """The job boards' entries a page's own host matches: a company's career
        pages hosted by one ("acme.softgarden.io", "apply.workable.com/acme")
        are job pages, whatever their paths say. Remembered per host (bounded)."""
        known = self._hosts.get(host)
        if known is None:
            found = self.referrer_signals.find(host) if host else []
            known = tuple(s for s in found if s.visitor_type == JOBS_TYPE)
            remember_in(self._hosts, host, known, PAGES_REMEMBERED)
        return known

    def is_sensitive(self, page: PageFacts) -> bool:
        """Sensitive pages add no evidence, trigger nothing and are never stored."""
        return self._read_page(page)[0]

    def names_sensitive_topic(self, text: str) -> bool:
        """Whether a visitor's own words (a chat answer) name a sensitive topic;
        read afresh, nothing of them kept. Single words are read without the
        answer's function and request words; entries of several words in all of
        them ("traitement de substitution", "Pille danach")."""
        found = self.chat.answer_words(text)
        topics = self.chat.topic_words(found)
        words = self.sensitive_answer_words
        return (
            _mentions(words, topics)
            or bool(words.find_phrases(found, remember=False))
            or not self.sensitive_answers.isdisjoint(topics)
        )

    def mentions_sensitive(self, found: Sequence[str]) -> bool:
        """Whether words read afresh (a title, a search, a referrer, an answer) name a
        sensitive topic; nothing of them is kept."""
        return _mentions(self.sensitive_words, found)

    def _read_page(self, page: PageFacts) -> tuple[bool, tuple[PersonaSignal, ...]]:
        # Remembered per path, section parameters and host (all that `path_words`
        # is made of): the same pages recur across sessions. Bounded.
        key = (page.where or page.path, page.host)
        known = self._pages.get(key)
        if known is None:
            known = remember_in(self._pages, key, self._page_reading(page), PAGES_REMEMBERED)
        return known

    def _page_reading(self, page: PageFacts) -> tuple[bool, tuple[PersonaSignal, ...]]:
        """Whether a page is sensitive, and the persona signals in its path words."""
        sensitive = bool(
            self._sensitive_path is not None and self._sensitive_path.match(page.path)
        ) or bool(self.sensitive_words.find(page.path_words, remember=True))
        return sensitive, tuple(self.persona_signals.find(page.path_words, remember=True))

    def label(self, type_id: str, lang: str) -> str:
        return pick_text(self.labels.get(type_id, {}), lang) or type_id

    def new_session(self, trust: Trust | None = None, session_id: str | None = None) -> Session:
        """A session waiting for its `hello`; `trust` lends it the keys it needs."""
        from ._session import Session

        return Session(self, trust, session_id)

    def split(self, experiment: str) -> dict[str, float] | None:
        """Each arm of an experiment (a rule id, or the global holdout's) with its share
        of sessions; None if no such experiment is configured (or it has one arm only)."""
        if experiment == GLOBAL_EXPERIMENT:
            share = self.site.experiments.global_holdout
            return dict(zip(GLOBAL_ARMS, (share, 1.0 - share), strict=True)) if share > 0 else None
        rule = self.rules.get(experiment)
        return dict(rule.split) if rule is not None and len(rule.split) > 1 else None

    def chat_reply(self, match: ChatMatch) -> str:
        """What the bot answers to a matched chat answer, or its clarifying question."""
        intent = self.intents.get(match.intent) if match.intent else None
        if intent is None:
            return pick_text(CLARIFY, match.lang)
        return pick_text(intent.reply, match.lang) or pick_text(FALLBACK, match.lang)


def _mentions(words: WordMatcher[str], found: Sequence[str]) -> bool:
    """Whether words read afresh name an entry of `words`; nothing of them is kept."""
    return bool(found) and bool(words.find(found, remember=False))


def _sensitive_entries(entries: Sequence[str]) -> list[tuple[str, str]]:
    """Each sensitive entry, and an entry of several words also written as one
    ("eating-disorder" as "eatingdisorder"): hashtags, forum names and
    camel-cased addresses join the words ("/r/EatingDisorders")."""
    found = [(entry, entry) for entry in entries]
    for entry in entries:
        parts = words(entry)
        if len(parts) > 1:
            found.append(("".join(parts), entry))
    return found
