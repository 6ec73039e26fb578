"""The site model: visitor types, slots, variants, rules, signals and intents.

Plain frozen dataclasses so a model can be built from TOML or from Python and
shared read-only between every session of a process. Validation lives in
`_validate.py`; compiling a model into fast matchers lives in `_engine.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ._toml_lines import KeyLines

#: The four visitor types every pharma site has; a site may add more.
DEFAULT_VISITOR_TYPES: tuple[str, ...] = ("patient", "hcp", "pharmacist", "applicant")

#: Professional visitor types, for whom personas are inferred.
PROFESSIONAL_TYPES: frozenset[str] = frozenset({"hcp", "pharmacist"})
#: The visitor type of job seekers: a request for a job outranks a stated role.
JOBS_TYPE = "applicant"
#: The visitor type of patients and carers: the counterpart of a professional.
PATIENT_TYPE = "patient"

PERSONAS: tuple[str, ...] = ("evidence", "pragmatic", "digital")

SignalKind = Literal["path", "referrer", "utm"]

Text = dict[str, str]
"""Text per language code, e.g. ``{"de": "Für Fachkreise", "en": "For professionals"}``."""


def pick_text(text: Text, lang: str) -> str:
    """The text in `lang`, else English, else German, else any."""
    for candidate in (lang, "en", "de"):
        if text.get(candidate):
            return text[candidate]
    return next(iter(text.values()), "")


@dataclass(frozen=True, slots=True)
class VisitorType:
    """Who a visitor is, e.g. a patient or a healthcare professional."""

    id: str
    label: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Variant:
    """One piece of content a slot can show.

    `audience` lists the visitor types it is meant for (empty: anyone). `rx`
    marks prescription-drug promotion, which only a *verified* professional
    may see (Heilmittelwerbegesetz §10); `verified_roles` says which verified
    professional roles (``hcp``, ``pharmacist``) may see it — a verified
    pharmacist is not a verified doctor. `translations` holds the HTML per
    language; `html` is used for any language without its own.
    """

    id: str
    html: str
    audience: tuple[str, ...] = ()
    rx: bool = False
    translations: Text = field(default_factory=dict)
    verified_roles: tuple[str, ...] = ()

    def html_for(self, lang: str) -> str:
        return self.translations.get(lang) or self.html


@dataclass(frozen=True, slots=True)
class Slot:
    """A marked region of a page (``data-lotse-slot``) whose content may change.

    `max_changes` bounds how often the slot may switch variant in one session,
    so the page a visitor learned stays where it was.
    """

    id: str
    variants: tuple[Variant, ...] = ()
    max_changes: int = 2

    def variant(self, variant_id: str) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)


#: Professional roles a site's login can verify (see `lotse.issue_assertion`).
VERIFIED_ROLES: tuple[str, ...] = ("hcp", "pharmacist")


@dataclass(frozen=True, slots=True)
class Goal:
    """A conversion a site counts (``[[goal]] id = "newsletter"``), named per language.

    Only declared goals are accepted from the snippet, so a client cannot grow
    a session or the experiment ledger by inventing goal names.
    """

    id: str
    name: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Condition:
    """When a rule applies. Every field left as None matches anything.

    - `visitor_type`: the decided visitor type.
    - `intent`: the intent matched from the chat answer.
    - `persona`: evidence / pragmatic / digital (professionals only).
    - `stage`: journey stage: new, returning, engaged or converted.
    - `page`: a glob on the page path, e.g. ``/fachkreise/*``.
    - `min_visits`: at least this many visits (returning visitors, consent only).
    - `not_converted`: the session has not yet reached this goal.
    - `verified`: the visitor is a verified professional.
    """

    visitor_type: str | None = None
    intent: str | None = None
    persona: str | None = None
    stage: str | None = None
    page: str | None = None
    min_visits: int | None = None
    not_converted: str | None = None
    verified: bool | None = None

    @property
    def specificity(self) -> int:
        """How many fields are set; more specific rules win over general ones."""
        return sum(
            value is not None
            for value in (
                self.visitor_type,
                self.intent,
                self.persona,
                self.stage,
                self.page,
                self.min_visits,
                self.not_converted,
                self.verified,
            )
        )


@dataclass(frozen=True, slots=True)
class Dose:
    """How often something may be shown ("die Dosis macht's").

    `per_session` caps the page views showing it in one session; `audiences`
    caps it further for a visitor type or persona (``{"evidence": 2}``: the
    evidence-based reader sees it at most twice); `per_visitor` caps it across
    visits of a returning visitor, counted by the snippet in the browser and
    only with consent. None means no cap.
    """

    per_session: int | None = None
    per_visitor: int | None = None
    audiences: tuple[tuple[str, int], ...] = ()

    def session_limit(self, visitor_type: str | None, persona: str | None) -> int | None:
        """The tightest per-session cap that applies to this visitor, or None."""
        limits = [limit for who, limit in self.audiences if who in (visitor_type, persona)]
        if self.per_session is not None:
            limits.append(self.per_session)
        return min(limits) if limits else None


#: The arm of an experiment that keeps the page's own content.
CONTROL = "control"
#: The experiment id of the site-wide holdout (`Experiments.global_holdout`).
GLOBAL_EXPERIMENT = "global"
#: The global holdout's arms: no personalization, and Lotse as configured.
GLOBAL_ARMS = (CONTROL, "personalized")


@dataclass(frozen=True, slots=True)
class Rule:
    """Show `variant` in `slot` when `when` holds. Every rule is an experiment.

    `holdout` is the share of sessions (0..1) kept on the default content as a
    control group. `arms` makes the rule an A/B/n test instead: a weight per
    arm, each arm a variant id of the slot or ``"control"`` (the default
    content); `variant` is then the first variant arm. `reason` is shown under
    "Why am I seeing this?". `dose` caps how often it is shown.
    """

    id: str
    slot: str
    variant: str
    when: Condition = field(default_factory=Condition)
    reason: Text = field(default_factory=dict)
    holdout: float = 0.0
    arms: tuple[tuple[str, float], ...] = ()
    dose: Dose | None = None

    @property
    def split(self) -> tuple[tuple[str, float], ...]:
        """Each arm (a variant id or "control") with its share of sessions; shares sum to 1."""
        if self.arms:
            total = sum(weight for _, weight in self.arms)
            return tuple((arm, weight / total) for arm, weight in self.arms)
        if self.holdout > 0:
            return ((CONTROL, self.holdout), (self.variant, 1.0 - self.holdout))
        return ((self.variant, 1.0),)


@dataclass(frozen=True, slots=True)
class Experiments:
    """Site-wide experiment settings (``[experiments]``).

    `global_holdout` is the share of sessions that get no personalization at
    all, so the total effect of Lotse can be measured, not only each rule's.
    The plan (`baseline`, `mde`, `alpha`, `power`) sets the sample each arm
    needs before a fixed-horizon verdict is given.
    """

    global_holdout: float = 0.0
    baseline: float = 0.10
    mde: float = 0.20
    alpha: float = 0.05
    power: float = 0.80


def signal_id(kind: str, match: str, visitor_type: str | None = None) -> str:
    """A signal's implicit id: ``path:karriere``, or ``path:fachkreis:hcp`` when one
    file counts the same word for several visitor types."""
    return f"{kind}:{match}:{visitor_type}" if visitor_type else f"{kind}:{match}"


@dataclass(frozen=True, slots=True)
class Signal:
    """A piece of evidence: a word or host that hints at a visitor type.

    `kind` says where to look: ``path`` (page and link paths), ``referrer``
    (the referring host) or ``utm`` (campaign parameters). `weight` is a
    log-likelihood ratio: 1.0 is a hint, 3.0 is strong evidence. `id` names
    the signal so a site can replace or switch off a catalogue signal; it is
    ``"{kind}:{match}"`` unless given.
    """

    kind: SignalKind
    match: str
    visitor_type: str
    weight: float = 1.5
    reason: Text = field(default_factory=dict)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", signal_id(self.kind, self.match))


@dataclass(frozen=True, slots=True)
class PersonaSignal:
    """A path word that says which kind of content a professional prefers."""

    match: str
    persona: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Intent:
    """A reason for a visit, matched from a chat answer.

    `phrases` holds example answers per language; `reply` is what the bot
    says back. `visitor_type` is None for intents that say nothing about who
    the visitor is (e.g. "just browsing"). `in_person` is the type such an
    intent names when the visitor speaks of themselves ("Ist das glutenfrei?"
    names nobody; "ich vertrage kein Gluten, ist das glutenfrei?" a patient).
    `search_tells`: only its visitor type asks for it (a support group, caring
    for a relative), so a site search for it says who searches without saying
    who asks; other patients' questions (side effects, dosage) are professionals'
    look-ups too.
    """

    id: str
    visitor_type: str | None
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reply: Text = field(default_factory=dict)
    persona: str | None = None
    in_person: str | None = None
    search_tells: bool = False


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """Sensitive topics: pages about them add no evidence and trigger nothing.

    `words` are matched against path words (any language) and a visitor's own
    words; `paths` are globs a site marks as sensitive on top of the defaults;
    `answers` are words that name a sensitive topic only in a visitor's own
    words, matched whole ("PrEP" in a chat answer; "prep" in a path is a
    preparation); `pages` are words that make a page sensitive (its path,
    title, search, campaign or referrer) but not a chat answer ("Alkohol und
    Leber" is a page about drinking; "can I drink alcohol with this?" a
    question about the medicine).
    """

    words: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tuning:
    """Thresholds for inference and chat; the defaults favour "no guess"."""

    threshold: float = 0.64
    margin: float = 0.4
    flip_threshold: float = 0.9
    #: Conflicting evidence: when the runner-up has at least `conflict_level` of
    #: evidence from pages that say nothing for the leader, and the leader is ahead
    #: by less than `conflict_lead`, the visitor is undecided ("Fachkreise", then
    #: "Karriere": a doctor looking for a job, or a job seeker reading about the
    #: products? nobody could tell).
    conflict_level: float = 2.3
    conflict_lead: float = 1.5
    #: A decided type whose calibrated probability falls below this, because
    #: other types' evidence grew, is dropped to "no guess": it is then more
    #: likely wrong than right. 0 turns it off.
    min_confidence: float = 0.4
    chat_weight: float = 6.0
    choice_weight: float = 8.0
    negation_weight: float = 4.0
    chat_cutoff: float = 0.55
    chat_min_length: int = 2
    max_signal_repeats: int = 3
    chat_delay_ms: int = 6000
    #: The chat is not offered to a visitor whose decided type is at least this
    #: probable: they need no question to be served. 1.0 offers it regardless.
    chat_confidence: float = 0.9


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something in a configuration was written: ``site.toml:42: rule[3]``.

    `key` is the key path (arrays of tables counted from 1, as in the file);
    `line` counts from 1 and is None for objects built in Python. `lines`
    locates the object's other keys in the same file, see `at`.
    """

    file: str = "<python>"
    key: str = ""
    line: int | None = None
    lines: KeyLines | None = field(default=None, repr=False, compare=False)

    def at(self, key: str) -> Origin:
        """Where one key of this object was written, e.g. ``origin.at("when.page")``.

        A key that is not in the file (a default) is placed at the object's line.
        """
        if not self.key:
            return self
        path = f"{self.key}.{key}"
        line = self.lines.line(path) if self.lines is not None else self.line
        return Origin(self.file, path, line, self.lines)

    @property
    def place(self) -> str:
        """``file:line``, or just the file when the line is unknown."""
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.place}: {self.key}" if self.key else self.place
