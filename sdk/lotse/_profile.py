"""`Profile`: what a session has learned about its visitor, and how it decides.

Plain data — evidence, the stated and decided visitor type, persona weights,
a verified role, consent and visits — plus the inference steps that change
it. Nothing personal is in it: no address, no user agent, never the chat's
free text, nothing about sensitive pages. Every collection in it is bounded
by the site's configuration (its signals, visitor types, personas and
declared goals), never by what a client sends.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from ._conflict import PageIndex
from ._inference import Evidence, calibrated, decide_on, logits, probabilities
from ._model import PERSONAS, PROFESSIONAL_TYPES, Signal, Tuning

#: The visitor types and their summed evidence weights, as `logits` would give them.
_Totals = tuple[tuple[str, ...], dict[str, float]]
#: What `decide` was given (the types, their sums, the decision before) and its answer.
_Decision = tuple[tuple[str, ...], tuple[float, ...], str | None, Tuning, str | None]

#: Weight a persona gets from a chat intent that names it.
CHAT_PERSONA_WEIGHT = 2.0
#: Persona weight needed before content is chosen by persona.
MIN_PERSONA_WEIGHT = 2.0


class _Memo:
    """Slots that are no dataclass fields, so they are neither saved nor compared."""

    __slots__ = ("_decision", "_pages", "_totals")
    _totals: _Totals | None
    _decision: _Decision | None
    _pages: PageIndex | None

    # Set here, not in `Profile`: mypy does not see a base class's slots from a
    # dataclass with slots of its own.
    def _remember(self, totals: _Totals | None) -> None:
        self._totals = totals

    def _remember_decision(self, decision: _Decision | None) -> None:
        self._decision = decision

    def _remember_pages(self, pages: PageIndex | None) -> None:
        self._pages = pages


@dataclass(slots=True)
class Profile(_Memo):
    """The visitor as far as this session knows them. Every field is saved with the session.

    Besides its fields it remembers the summed evidence per visitor type
    (`_totals`): re-summing every piece on each event made a long session's
    page view cost a time growing with its evidence (hundreds of pieces).
    Only `put`, `drop` and `add_signal` change `evidence`, and they keep the
    sums right or forget them. It also remembers its last inferred decision
    (`_decision`) with what it was decided from: most page views of a long
    session add no evidence (a signal counts a few times only), and then the
    same sums and the same decision before give the same decision again.
    A session whose evidence first looks conflicting builds a `PageIndex`
    (`_pages`) that added evidence keeps up to date, so the conflict rule need
    not scan the whole evidence on every new piece.
    """

    lang: str = "en"
    consent: bool = False
    #: Visits of a returning visitor; only kept with consent.
    visits: int = 1
    optout: bool = False
    #: By source key ("path:fachkreise:hcp@/de/fachkreise"), so a page counts once.
    evidence: dict[str, Evidence] = field(default_factory=dict)
    #: How often each signal has counted, for its decaying repeats.
    signal_counts: dict[str, int] = field(default_factory=dict)
    #: The visitor type the visitor named in the chat.
    stated: str | None = None
    intent: str | None = None
    decided: str | None = None
    persona_weights: dict[str, float] = field(default_factory=dict)
    #: A professional role proved by the site's login, until `verified_until`.
    verified_role: str | None = None
    verified_until: float | None = None
    page_views: int = 0
    #: Declared goals this session reached (frozen: most sessions reach none, and the
    #: empty one is shared; reaching one rebinds it).
    converted: frozenset[str] = frozenset()
    #: What a returning visitor was shown on earlier visits, per dose key (a rule id or
    #: "chat"); only with consent, only known keys.
    doses: dict[str, int] = field(default_factory=dict)
    #: Whether this session has taken what the browser kept across visits (`hello.keep`,
    #: with consent; or found nothing there): a visit is counted once.
    recalled: bool = False

    def __post_init__(self) -> None:
        self._remember(None)  # a fresh or loaded profile: nothing summed yet
        self._remember_decision(None)
        self._remember_pages(None)

    # -- evidence -------------------------------------------------------------

    def add_signal(self, signal: Signal, kind: str, where: str, tuning: Tuning) -> None:
        """Count a signal once per page, at most a few times, each time half as much."""
        # One string per signal for all sessions (thousands of profiles hold these keys).
        key = sys.intern(f"{kind}:{signal.match}:{signal.visitor_type}")
        count = self.signal_counts.get(key, 0)
        if count >= tuning.max_signal_repeats:
            return  # most signals of a long session: checked before the page's key is made
        evidence_key = f"{key}@{where}"
        if evidence_key in self.evidence:
            return
        self.signal_counts[key] = count + 1
        self.put(
            Evidence(signal.visitor_type, signal.weight / 2**count, evidence_key, signal.reason)
        )

    def put(self, evidence: Evidence) -> None:
        """Add evidence, or replace the evidence with the same key."""
        table = self.evidence
        if evidence.key in table:
            self._remember(None)  # a replaced piece keeps its place: sum afresh
            self._remember_pages(None)
        else:
            totals = self._totals
            if totals is not None:
                # A new key goes last in the dict, as `logits` would add it last: the
                # running sums stay bit for bit what a fresh sum gives.
                sums = totals[1]
                if evidence.visitor_type in sums:
                    sums[evidence.visitor_type] += evidence.weight
            if self._pages is not None:
                self._pages.add(evidence)
        table[evidence.key] = evidence

    def drop(self, prefix: str) -> None:
        """Forget every piece of evidence whose key starts with `prefix`."""
        self._remember(None)
        self._remember_pages(None)
        if not prefix:
            self.evidence.clear()
            return
        # Sessions that browse long hold hundreds of pieces (mostly "path:…"): comparing
        # the first character first halves the time of a scan, and a chat answer drops twice.
        first = prefix[0]
        for key in [k for k in self.evidence if k and k[0] == first and k.startswith(prefix)]:
            del self.evidence[key]

    def drop_page(self, where: str, visitor_types: frozenset[str]) -> None:
        """Forget what one page said for these visitor types (a gate the visitor
        declined: "No, I am not a healthcare professional")."""
        ending = f"@{where}"
        self._withdraw(
            [
                k
                for k, e in self.evidence.items()
                if k.endswith(ending) and e.visitor_type in visitor_types
            ],
            visitor_types,
        )

    def take_as_job_seeker(
        self, where: str, professions: frozenset[str], *, applied: bool = False
    ) -> None:
        """Forget what other pages said for these professions: the visitor opened a
        job posting in one ("Medical Information Pharmacist" after the pages for
        pharmacists), and those pages were read by someone of that profession
        looking for work, who is an applicant. Only when the visitor was decided
        as one: that decision would hold against the job, or veto it as a
        conflict (and a long session's evidence is scanned only then). The
        chat's and a login's evidence stay: what a visitor says of themselves is
        no page's. A visitor who `applied` for the job is one whatever was decided
        (an application is rare: the scan is too)."""
        if not applied and self.decided not in professions:
            return
        ending = f"@{where}"
        self._withdraw(
            [
                k
                for k, e in self.evidence.items()
                if e.visitor_type in professions and "@" in k and not k.endswith(ending)
            ],
            professions,
        )

    def _withdraw(self, keys: list[str], visitor_types: frozenset[str]) -> None:
        """Forget these pieces of evidence, and a decision for these types made on them."""
        if not keys:
            return  # nothing withdrawn: the decision stands as it was made
        self._remember(None)
        self._remember_pages(None)
        for key in keys:
            del self.evidence[key]
        if self.decided in visitor_types:
            # Decided on what is now withdrawn: decide afresh, not hold it.
            self.decided = None
            self._remember_decision(None)

    def add_persona(self, persona: str, weight: float) -> None:
        if persona in PERSONAS:
            self.persona_weights[persona] = self.persona_weights.get(persona, 0.0) + weight

    # -- deciding -------------------------------------------------------------

    def probabilities(self, type_ids: tuple[str, ...]) -> dict[str, float]:
        return probabilities(self._sums(type_ids))  # reads the sums, keeps nothing of them

    def _sums(self, type_ids: tuple[str, ...]) -> dict[str, float]:
        totals = self._totals
        if totals is None or totals[0] != type_ids:
            totals = (type_ids, logits(self.evidence.values(), type_ids))
            self._remember(totals)
        return totals[1]

    def redecide(self, type_ids: tuple[str, ...], tuning: Tuning) -> None:
        """A verified login decides over a stated type, which decides over inference."""
        if self.verified_role:
            self.decided = self.verified_role
        elif self.stated:
            self.decided = self.stated
        elif not self.evidence and self.decided is None:
            # Nothing to weigh: most sessions wait here, and keep no sums to say so.
            return
        else:
            totals = self._sums(type_ids)
            sums = tuple(totals.values())
            before = self.decided
            memo = self._decision
            if (
                memo is not None
                and memo[3] is tuning
                and memo[2] == before
                and memo[1] == sums
                and memo[0] == type_ids
            ):
                self.decided = memo[4]
                return
            # The rule reads the weighed probabilities only (`decide`). The sums are
            # in the order of `type_ids` (`logits`).
            decided = decide_on(type_ids, sums, before, tuning)
            if decided is not None and self._doubted(decided, type_ids, sums, tuning):
                decided = None
            self.decided = decided
            self._remember_decision((type_ids, sums, before, tuning, self.decided))

    def _doubted(
        self, leader: str, type_ids: tuple[str, ...], sums: tuple[float, ...], tuning: Tuning
    ) -> bool:
        """Whether other types' evidence takes the decision from the leader: it
        conflicts (`_conflicted`), or it leaves the leader a calibrated probability
        below `Tuning.min_confidence`. Alone, a decided type's evidence is enough
        for more: the common case of one type's evidence costs no calibration."""
        rivals = 0.0  # the other types' evidence, where positive
        for visitor_type, value in zip(type_ids, sums, strict=True):
            if value > 0.0 and visitor_type != leader:
                rivals += value
        if rivals <= 0.0:
            return False
        return (
            self._conflicted(leader, rivals, tuning)
            or calibrated(type_ids, sums, leader) < tuning.min_confidence
        )

    def _conflicted(self, leader: str, rivals: float, tuning: Tuning) -> bool:
        """Whether the other types have evidence of their own (`rivals`), from pages
        that say nothing for the leader, of at least `Tuning.conflict_level`, and
        the leader is not `Tuning.conflict_lead` ahead of it, counting each page
        once at its strongest piece (`PageIndex`). Evidence the same pages give two
        types ("/fachkreise/apotheken": professionals, pharmacists among them) is no
        conflict."""
        if rivals < tuning.conflict_level:
            return False  # the common case: little for anyone else
        # Kept up to date piece by piece once a session first needs it (`PageIndex`).
        pages = self._pages
        if pages is None:
            pages = PageIndex(self.evidence.values())
            self._remember_pages(pages)
        others = pages.others(leader)
        return others >= tuning.conflict_level and pages.strength(leader) - others < (
            tuning.conflict_lead
        )

    @property
    def persona(self) -> str | None:
        """evidence / pragmatic / digital, for professionals with a clear preference."""
        if self.decided not in PROFESSIONAL_TYPES or not self.persona_weights:
            return None
        ranked = sorted(self.persona_weights.items(), key=lambda item: item[1], reverse=True)
        top, weight = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return top if weight >= MIN_PERSONA_WEIGHT and weight > runner_up else None

    @property
    def stage(self) -> str:
        if self.converted:
            return "converted"
        if self.consent and self.visits >= 2:
            return "returning"
        return "engaged" if self.page_views >= 4 else "new"

    def within_visitor_dose(self, key: str, per_visitor: int | None, this_session: int) -> bool:
        """Whether a returning visitor's cap across visits still allows showing `key`.

        Only with consent is anything known of earlier visits; without it this
        cap cannot be counted, and the per-session caps are all there is.
        """
        if per_visitor is None or not self.consent:
            return True
        return self.doses.get(key, 0) + this_session < per_visitor

    def forget(self) -> Profile:
        """A fresh profile for a visitor who opted out: only the page language and consent stay."""
        return Profile(lang=self.lang, consent=self.consent, optout=True)
