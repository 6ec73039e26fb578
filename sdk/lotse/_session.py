"""`Session`: one visitor's conversation — hello first, then events in, outcomes out.

The session is the sans-I/O heart of Lotse, a state machine in the manner of
`h11` and `websockets`: the server feeds it the protocol events it decoded
and carries out the `Outcome` it gets back (send the messages, save or delete
the state, hand the records to the ledger, count the chat result). The CLI
and the tests drive exactly the same path without a socket.

The protocol's order is kept here, not in the server: the first event must
be `hello` (anything else is answered with `hello_required`), a second
`hello` is refused, and a `hello` for another site starts nothing. What the
session knows is split by job: the `Profile` (the visitor), the `Dialogue`
(the chat), `Targeting` (slots, arms, records) and the current `Page`.
Issuing resume tokens stays with the adapter, which owns the key and the
clock: it lends the session a `Trust`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from . import _copy, _signals
from ._dialogue import CHAT_DOSE, ChatResult, Dialogue
from ._inference import Evidence
from ._keep import MAX_VISITS, Kept, read_keep, session_digest, write_keep
from ._model import JOBS_TYPE, PROFESSIONAL_TYPES, Signal, pick_text
from ._profile import MIN_PERSONA_WEIGHT, Profile
from ._protocol import (
    MAX_DOSE,
    MAX_SLOTS,
    ArmNotice,
    ChatAnswer,
    ChatOffer,
    Click,
    Consent,
    Convert,
    Error,
    Event,
    Hello,
    Keep,
    Message,
    OptIn,
    OptOut,
    PageView,
    Restore,
    Seen,
    SlotsFound,
    Swap,
    Verify,
    Welcome,
)
from ._signals import (
    Referrer,
    page_facts,
    referrer_of,
    sister_host_of,
    split_search,
    text_segments,
)
from ._signing import Preview, check_assertion, issue_session_token, new_session_id, read_preview
from ._state import StateError, dump, load
from ._targeting import Page, Record, Targeting

if TYPE_CHECKING:
    from ._engine import AddressRead, Engine

#: Weight of a verified professional login: stronger than anything inferred.
VERIFIED_WEIGHT = 12.0
#: Version of the saved state; another version starts a fresh session.
STATE_VERSION = 2

#: Without a `Trust.issue_token`, tokens are signed with a key made up per process:
#: they resume sessions only within it (the SDK used without a server).
_PROCESS_TOKEN_KEY = secrets.token_bytes(32)

Persist = Literal["save", "delete"]


@dataclass(frozen=True, slots=True)
class Trust:
    """What the adapter lends a session: a key to check professional logins, the
    longest a login may count whatever its own expiry says, and the function that
    signs resume tokens (`issue_token(session_id, now)`), the key that checks
    preview links (the server's token key; see `lotse.issue_preview`), and the key
    that signs what a consenting visitor's browser keeps across visits (`Keep`; the
    server's token key, so every node reads what another wrote). Without it, a key
    made up per process signs them."""

    verification_key: bytes | None = None
    assertion_max_age: float = 3600.0
    issue_token: Callable[[str, float], str] | None = None
    preview_key: bytes | None = None
    keep_key: bytes | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one event did, for the adapter to carry out.

    - `messages`: send them in order;
    - `chat`: what became of a chat answer (None for other events, and for a
      refused quick reply);
    - `records`: experiment exposures and conversions for the ledger;
    - `persist`: "save" the session's `state()`, "delete" it (opted out), or
      None when the event changed nothing that is saved (it was refused, or it
      was a `seen` already counted, a click that taught nothing, a sensitive
      page), so the adapter need not build or write the state again;
    - `decided`: the visitor type this event decided, when it changed the
      decision to a type (None otherwise), for counting the visitor-type mix;
    - `intent`: the intent a chat answer or quick reply named (None otherwise);
    - `preview`: the session shows a preview link's visitor type to a reviewer: it
      is never counted (no records, no metrics) and never saved.
    """

    messages: tuple[Message, ...] = ()
    chat: ChatResult | None = None
    records: tuple[Record, ...] = ()
    persist: Persist | None = None
    decided: str | None = None
    intent: str | None = None
    preview: bool = False

    @property
    def swaps(self) -> tuple[Swap, ...]:
        return tuple(m for m in self.messages if isinstance(m, Swap))


#: `Session._records` between events: immutable, so that nothing can add to it.
_NO_RECORDS = cast("list[Record]", ())

#: Outcomes that send and record nothing, shared (they are frozen).
_UNCHANGED = Outcome()
_SAVE = Outcome(persist="save")


def _refused(code: str, message: str) -> Outcome:
    return Outcome((Error(code, message),))


class Session:
    """One visitor's conversation with the site. Feed it events; carry out the outcomes."""

    # Thousands are held at once, most of them idle: no per-instance dict.
    __slots__ = (
        "_kept", "_records", "dialogue", "engine", "id", "now", "page", "profile", "started",
        "targeting", "trust",
    )  # fmt: skip

    def __init__(
        self, engine: Engine, trust: Trust | None = None, session_id: str | None = None
    ) -> None:
        self.engine = engine
        self.trust = trust or Trust()
        self.id = session_id or new_session_id()
        self.started = False
        self.now = 0.0
        self.profile = Profile()
        self.dialogue = Dialogue()
        self.targeting = Targeting()
        self.page = Page()
        #: Records made while handling the current event (between events, none: an
        #: idle session holds no list of its own).
        self._records: list[Record] = _NO_RECORDS
        #: What the browser keeps for this session now, as far as this connection knows
        #: (`_keep_message` sends it only when it changes).
        self._kept: Kept | None = None

    # -- the state machine ------------------------------------------------------

    def feed(
        self, event: Event, now: float | None = None, *, resume: dict[str, Any] | None = None
    ) -> Outcome:
        """Apply one event at time `now` (seconds) and say what to do about it.

        `resume` is the saved `state()` the adapter found for `hello.token`; it is
        used only with the first `hello`.
        """
        if now is not None:
            self.now = now
        self._records = []
        if isinstance(event, Hello):
            return self._hello(event, resume)
        if not self.started:
            return _refused("hello_required", "send hello first")
        changed = self._expire_login()
        profile = self.profile
        decided_before = profile.decided
        chat: ChatResult | None = None
        messages: list[Message]
        #: Whether the event certainly left the saved state as it was (see `Outcome.persist`).
        unchanged = False
        match event:
            case PageView():
                messages = [*self._page(event)]
                unchanged = self.page.sensitive  # adds nothing, and the page is not saved
            case SlotsFound():
                messages = [*self._more_slots(event.slots)]
                unchanged = not messages
            case Click():
                before = self._click_mark()
                messages = [*self._click(event)]
                unchanged = not messages and not self._records and self._click_mark() == before
            case ChatAnswer() if profile.optout:
                messages = []
            case ChatAnswer(choice=str(choice)):
                say = self.dialogue.choose(choice, profile, self.engine)
                if say is None:
                    return _refused("bad_field", f"unknown choice {choice[:64]!r}")
                chat = "chosen"
                messages = [say, *self._redecided()]
            case ChatAnswer():
                say, chat = self.dialogue.answer(event.text or "", profile, self.engine)
                messages = [say, *self._redecided()]
            case Seen():
                # Only a first exposure is recorded, and only that changes the state.
                self._records += self.targeting.seen(event.slot)
                messages = []
                unchanged = not self._records
            case Convert():
                if event.goal not in self.engine.goals:
                    return _refused("unknown_goal", self._unknown_goal(event.goal))
                profile.converted |= {event.goal}
                self._records += self.targeting.convert(event.goal)
                messages = [*self._swaps(fresh_page=False)]
            case OptOut():
                messages = [self._opt_out()]
            case OptIn():
                profile.optout = False
                self.targeting.enter(self.engine, self.id, profile)  # the same arm as before
                messages = [*self._swaps(fresh_page=True)]
            case Consent():
                profile.consent = event.granted
                if event.granted:
                    self._recall(event.keep)
                else:  # withdrawn: nothing of earlier visits counts (the browser forgets it)
                    profile.visits, profile.doses = 1, {}
                messages = []
            case Verify():
                messages = self._verify(event.assertion)
        return self._outcome(messages, decided_before, chat, changed=changed or not unchanged)

    def _hello(self, hello: Hello, resume: dict[str, Any] | None) -> Outcome:
        if self.started:
            return _refused("bad_message", "hello was already sent; send page for a new page")
        if hello.site != self.engine.site_id:
            return _refused("bad_field", f"unknown site {hello.site[:64]!r}")
        preview = self._preview(hello.preview)
        if resume is not None and preview is None:
            self._restore(resume)  # a preview never takes over a visitor's real session
        self.started = True
        self._expire_login()
        profile = self.profile
        decided_before = profile.decided
        profile.consent = hello.consent
        if hello.visits is not None or hello.doses or hello.returning:
            # An older snippet counts in the browser and sends its counts in every hello.
            profile.visits = (hello.visits or 1) if hello.consent else 1
            # Earlier visits' counts, only with consent and only for caps the site declares.
            keys = self.engine.dose_keys if hello.consent else frozenset()
            profile.doses = {key: count for key, count in hello.doses if key in keys}
            if hello.consent and not profile.optout:
                self._records += self.targeting.returned(self.engine, hello.returning)
        elif hello.consent:
            self._recall(hello.keep)
        else:  # no consent on this page (yet): nothing of earlier visits counts
            profile.visits, profile.doses = 1, {}
        if hello.lang:
            profile.lang = hello.lang[:2].lower()
        if preview is not None:
            self._enter_preview(preview)
        elif not profile.optout:
            self._records += self.targeting.enter(self.engine, self.id, profile)
        page = PageView(hello.url, hello.slots, hello.referrer, hello.title, hello.heading)
        messages: list[Message] = [*self._page(page)]
        if hello.verified:
            messages += self._verify(hello.verified)
        offer = self.chat_offer()
        # Say how many swaps follow, so the snippet unhides slots as soon as they are in.
        swaps = sum(isinstance(m, Swap) for m in messages)
        welcome = Welcome(
            self._token(),
            optout=profile.optout,
            chat=offer,
            swaps=swaps,
            preview=self._preview_label(preview) if preview is not None else None,
        )
        return self._outcome([welcome, *messages], decided_before)

    def _outcome(
        self,
        messages: list[Message],
        decided_before: str | None,
        chat: ChatResult | None = None,
        *,
        changed: bool = True,
    ) -> Outcome:
        profile = self.profile
        decided = profile.decided if profile.decided != decided_before else None
        intent = profile.intent if chat in ("matched", "chosen") else None
        records, self._records = self._records, _NO_RECORDS
        if self.targeting.preview:
            return Outcome(tuple(messages), preview=True)
        keep = self._keep_message()
        if keep is not None:
            messages.append(keep)
        persist = self._persist() if changed or profile.optout else None
        if not messages and not records and chat is None and decided is None:
            # A click, `seen` or conversion that sends nothing: one shared outcome each.
            if persist is None:
                return _UNCHANGED
            if persist == "save":
                return _SAVE
        return Outcome(tuple(messages), chat, tuple(records), persist, decided, intent)

    # -- across visits (consent only) ---------------------------------------------

    def _recall(self, value: str | None) -> None:
        """Take what the browser kept across visits (`hello.keep`, `consent.keep`).

        A value this session wrote itself says the visit was counted: its counts are
        taken as they are (a page of the same visit, or consent given again). Another
        session's value begins a new visit, once per session: one more visit, its
        doses added to the earlier ones, and each of its arms' sessions came back. A
        value that does not verify, or none, leaves a first visit.
        """
        profile = self.profile
        if profile.optout:
            return
        engine = self.engine
        kept = read_keep(self._keep_key(), engine.site_id, value, self.now)
        keys = engine.dose_keys
        if kept is not None and kept.session == session_digest(self.id):
            profile.recalled = True
            profile.visits = kept.visits
            profile.doses = {key: count for key, count in kept.doses if key in keys}
            self._kept = kept  # the browser has it: nothing to send until it changes
        elif not profile.recalled:
            profile.recalled = True
            if kept is not None:
                profile.visits = min(kept.visits + 1, MAX_VISITS)
                profile.doses = {k: c for k, c in kept.totals().items() if k in keys}
                self._records += self.targeting.returned(engine, kept.arms)

    def _keep_message(self) -> Keep | None:
        """What the browser should keep now, when it differs from what it has: the visit
        count, the doses as this visit began, this session's shows per dose key (what
        `_within_dose` counts) and its experiment arms. Only with consent, and only
        once this session has taken what the browser kept (`_recall`)."""
        profile = self.profile
        if not (profile.consent and profile.recalled) or profile.optout:
            return None
        keys = self.engine.dose_keys
        targeting = self.targeting
        shown = {k: min(c, MAX_DOSE) for k, c in targeting.impressions.items() if k in keys}
        if CHAT_DOSE in keys and self.dialogue.offers:
            shown[CHAT_DOSE] = min(self.dialogue.offers, MAX_DOSE)
        kept = Kept(
            session_digest(self.id),
            profile.visits,
            tuple(sorted(profile.doses.items())),
            tuple(sorted(shown.items())),
            tuple((name, a.arm) for name, a in sorted(targeting.assignments.items()) if a.counted),
        )
        if kept == self._kept:
            return None
        self._kept = kept
        return Keep(write_keep(self._keep_key(), self.engine.site_id, kept, self.now))

    def _keep_key(self) -> bytes:
        return self.trust.keep_key or _PROCESS_TOKEN_KEY

    # -- preview links ------------------------------------------------------------

    def _preview(self, token: str | None) -> Preview | None:
        """A valid preview link for a visitor type this site knows; None otherwise,
        and then the page behaves normally."""
        key = self.trust.preview_key
        preview = read_preview(key, token, self.now) if key and token else None
        if preview is None or preview.visitor_type not in self.engine.type_ids:
            return None
        return preview

    def _enter_preview(self, preview: Preview) -> None:
        """See the site as the preview's visitor: that type, persona and login, every
        rule's variant (no arms), nothing counted, no chat."""
        profile = self.profile
        profile.stated = preview.visitor_type
        if preview.persona:
            profile.persona_weights = {preview.persona: MIN_PERSONA_WEIGHT}
        if preview.verified_role:
            profile.verified_role = preview.verified_role
            profile.verified_until = preview.expires
        profile.redecide(self.engine.type_ids, self.engine.tuning)
        self.targeting = Targeting(counting=False, preview=True)

    def _preview_label(self, preview: Preview) -> str:
        lang = self.profile.lang
        who = self.engine.label(preview.visitor_type, lang)
        details = [p for p in (preview.persona, preview.verified_role) if p]
        if details:
            who += f" ({', '.join(details)})"
        return pick_text(_copy.PREVIEW, lang).format(who=who)

    def _persist(self) -> Persist:
        # Opted out: the profile is deleted, not kept; the snippet remembers the choice.
        return "delete" if self.profile.optout else "save"

    def _click_mark(self) -> tuple[object, ...]:
        """What a click can change in the saved state besides what it sends or records.

        A click adds evidence (`Profile.add_signal`, which never replaces an entry)
        or drops a declined gate's (`Profile.drop_page`) or what a job in the
        visitor's profession explains (`Profile.take_as_job_seeker`), adds persona weight, may
        change the decided type, and may pick a slot's rule or assign an arm
        without a message; a swap is a message. Cheaper
        than `_state.fingerprint` of the whole state, and exact for what a click
        does (tests/test_session.py checks random streams against `state()`).
        """
        profile, targeting = self.profile, self.targeting
        return (
            len(profile.evidence),
            # (Dropped evidence, of a declined gate or explained by a job: the last
            # key tells it from none.)
            next(reversed(profile.evidence), None),
            tuple(profile.persona_weights.values()),
            profile.decided,
            len(targeting.assignments),
            tuple(targeting.slot_rule.values()),
        )

    def _token(self) -> str:
        issue = self.trust.issue_token
        if issue is not None:
            return issue(self.id, self.now)
        return issue_session_token(_PROCESS_TOKEN_KEY, self.id, self.now)

    def _unknown_goal(self, goal: str) -> str:
        declared = ", ".join(sorted(self.engine.goals)) or "none"
        return f"goal {goal[:64]!r} is not declared by this site (declared: {declared})"

    # -- pages and clicks ---------------------------------------------------------

    def _page(self, event: PageView) -> list[Swap | ArmNotice]:
        engine = self.engine
        reader = engine.reader
        # A site-search query (?q=, ?s=) is read here and kept nowhere.
        languages = reader.languages
        url, search = split_search(event.url, languages.search_parameters, languages.search_pages)
        address = engine.read_address(url)
        facts = address.facts
        texts = [
            *(text_segments(event.title) if event.title else ()),
            *(text_segments(event.heading) if event.heading else ()),
        ]
        referrer = referrer_of(event.referrer, facts.host)
        if not search and referrer is not None:
            # A web search's query, where the search engine passes it on.
            search = referrer.search()
        searched = text_segments(search) if search else []
        # (Most pages carry no title, heading, search or campaign: their checks are skipped.)
        sensitive = (
            address.sensitive
            or (bool(texts) and self._sensitive_text(texts))
            or (bool(searched) and self._sensitive_text(searched))
            # A campaign named for a sensitive topic ("prep_hiv_awareness") says why they came.
            or (bool(facts.utm_segments) and self._sensitive_text(facts.utm_segments))
            or (referrer is not None and engine.mentions_sensitive(referrer.words()))
            # The site's own previous page still carries the campaign that brought them.
            or (referrer is None and self._from_sensitive_campaign(event.referrer))
        )
        # A sensitive page's address is not kept, not even for page rules.
        # The engine's own strings for the slot ids: not a copy per session.
        slot_ids = engine.slot_ids
        self.page = Page(
            tuple(slot_ids[s] for s in event.slots if s in slot_ids) if event.slots else (),
            sensitive,
            "/" if sensitive else facts.path,
            "/" if sensitive else facts.where or facts.path,
        )
        profile = self.profile
        if profile.optout or sensitive:
            return []
        profile.page_views += 1
        titles = reader.without_site_name(texts, facts.host) if texts else texts
        self._observe_path(address, titles, search)
        if referrer is not None:
            hosts = engine.referrer_signals
            known = hosts.find(referrer.host) or hosts.find_sections(referrer.segments()[:2])
            name: list[tuple[str, ...]] = []
            if not known:
                # A site named for what it is, in words run together ("thyroidtalkboard").
                labels = engine.referrer_labels
                name = reader.name_words(referrer, labels.keys())
                known = hosts.find_sections(
                    (labels[word],) for segment in name for word in segment if word in labels
                )
            for signal in known:
                profile.add_signal(signal, "ref", "", engine.tuning)
            if not search:  # a web search's own address says nothing more
                self._observe_referrer(referrer, [] if known else name)
        elif profile.page_views == 1:
            # Arrived from another host of the site ("newsletter.example.de/
            # aerzte-newsletter/"), one the session has not seen a page of.
            sister = sister_host_of(event.referrer, facts.host)
            if sister is not None and not engine.mentions_sensitive(sister.words()):
                self._observe_referrer(sister, [])
        if facts.utm_segments:
            for signal in reader.weighted(reader.read_all(facts.utm_segments, "utm")):
                profile.add_signal(signal, "utm", "", engine.tuning)
        self.profile.redecide(engine.type_ids, engine.tuning)
        swaps = self._swaps(fresh_page=True)
        self._records += self.targeting.viewed()
        return swaps

    def _more_slots(self, slots: tuple[str, ...]) -> list[Swap | ArmNotice]:
        """Slots rendered late on the current page: add them (bounded like a page's) and
        answer with what they should show, as on a fresh page, without a new page view."""
        page = self.page
        slot_ids = self.engine.slot_ids
        new = tuple(
            dict.fromkeys(slot_ids[s] for s in slots if s in slot_ids and s not in page.slots)
        )
        if not new:
            return []
        self.page = page._replace(slots=(*page.slots, *new)[:MAX_SLOTS])
        only_new = page._replace(slots=new)
        return self.targeting.swaps(
            self.profile, only_new, self.engine, self.id, self._records, fresh_page=True
        )

    def _click(self, event: Click) -> list[Swap | ArmNotice]:
        address = self.engine.read_address(event.href)
        texts = text_segments(event.text) if event.text else []
        if self.profile.optout or address.sensitive or self._sensitive_text(texts):
            return []
        if (
            texts
            and self.engine.reader.declines(texts[0])
            and not self.page.sensitive  # (whose address, and evidence, is not kept)
        ):
            # "Nein, zurück zur Startseite" on a page for professionals: a gate
            # declined; what the page said of professionals was not the visitor,
            # nor are the professionals the link's text denies.
            self.profile.drop_page(self.page.where, PROFESSIONAL_TYPES)
            self._observe_path(address, link_texts=texts, denied=PROFESSIONAL_TYPES)
        else:
            self._observe_path(address, link_texts=texts)
        return self._redecided()

    def _observe_path(
        self,
        address: AddressRead,
        titles: Sequence[tuple[str, ...]] = (),
        search: str = "",
        link_texts: Sequence[tuple[str, ...]] = (),
        denied: frozenset[str] = frozenset(),
    ) -> None:
        """The page's evidence: its path, then what its title and heading, the
        site-search query or the followed link's text add (each signal once per
        page, at the best factor it was found with). A search query is read
        like a chat answer, and neither it nor its words are kept. What the
        link's text says for `denied` types it denies ("I am not a healthcare
        professional")."""
        engine = self.engine
        reader = engine.reader
        facts = address.facts
        for signal in address.hosted:
            self.profile.add_signal(signal, "host", "", engine.tuning)
        if not (titles or search or link_texts):
            for signal in address.signals:  # the common case, read once per address
                self.profile.add_signal(signal, "path", facts.where or facts.path, engine.tuning)
            for persona in address.personas:
                self.profile.add_persona(persona.persona, persona.weight)
            if address.professions or address.applies:  # a job posting, or applying
                self._job_in_own_field(address, address.professions, applies=address.applies)
            return
        sections = reader.sections_of(facts)
        hits = reader.read_segments(sections)
        within = reader.page_context(sections, hits)
        if address.hosted:
            # On a job board, the professions its path and title name are the job's.
            hits = [(s, f) for s, f in hits if s.visitor_type not in PROFESSIONAL_TYPES]
            within = (within[0] | {JOBS_TYPE}, within[1])
        hinted = {_said_as(s) for s, _ in hits if s.weight < _signals.DECIDING_WEIGHT}
        for segments, factor in (
            (titles, _signals.TITLE_FACTOR),
            (link_texts, _signals.LINK_TEXT_FACTOR),
        ):
            if segments is link_texts and not denied:
                # A link in the first person is what the visitor says by following it.
                stated = reader.statement_hits(engine.chat, segments)
                if stated is not None:
                    hits += stated
                    continue
            if segments:
                read = reader.read_segments(segments, "text", within=within)
                if hinted:
                    # A hint the path gave, named again by the title or the link
                    # ("/smpc" titled "Summary of Product Characteristics"): one
                    # document, said twice, not two.
                    read = [(s, f) for s, f in read if _said_as(s) not in hinted]
                if segments is link_texts and denied:
                    read = [(s, f) for s, f in read if s.visitor_type not in denied]
                if segments is titles and any(s is reader.seek_signal for s, _ in read):
                    # "/pharmacies/" headed "Find a pharmacy near you": a page for
                    # those looking for one, not for pharmacies.
                    hits = [(s, f) for s, f in hits if s.visitor_type not in PROFESSIONAL_TYPES]
                hits += [(s, f * factor) for s, f in read]
        if search:
            hits += reader.search_hits(engine.chat, search, self.profile.lang)
        signals = reader.weighted(hits)
        for signal in signals:
            self.profile.add_signal(signal, "path", facts.where or facts.path, engine.tuning)
        for persona in address.personas:
            self.profile.add_persona(persona.persona, persona.weight)
        if address.hosted or any(s.visitor_type == JOBS_TYPE for s in signals):
            # A title or link text may make a page a job's that its path did not,
            # and name the job's holder.
            professions = address.professions or reader.professions_named(sections)
            self._job_in_own_field(
                address,
                professions | reader.professions_named((*titles, *link_texts)),
                applies=address.applies or reader.applies((*titles, *link_texts)),
            )

    def _job_in_own_field(
        self, address: AddressRead, professions: frozenset[str], *, applies: bool
    ) -> None:
        """A job posting in the profession the visitor's other pages were for
        ("/apotheken/", then "Apotheker/in Arzneimittelsicherheit (m/w/d)"): a
        pharmacist looking at a pharmacist's job is an applicant
        (`Profile.take_as_job_seeker`). So is any professional who applies for
        a job ("Jetzt bewerben" on a posting): only a job seeker does. A
        careers page naming no profession, with no application, leaves the
        professional pages their say."""
        facts = address.facts
        if applies:
            self.profile.take_as_job_seeker(
                facts.where or facts.path, PROFESSIONAL_TYPES, applied=True
            )
        elif professions:
            self.profile.take_as_job_seeker(facts.where or facts.path, professions)

    def _observe_referrer(self, referrer: Referrer, name: list[tuple[str, ...]]) -> None:
        """What the other site's path says ("/jobs/view/…", "/community/diabetes/…")
        and, for a site the catalogue does not know, its `name`, read afresh, kept
        as evidence of no page."""
        segments = [*name, *referrer.segments()]
        if not segments:
            return
        reader = self.engine.reader
        hits = reader.read_segments(segments, remember=False)
        for signal in reader.weighted(hits, _signals.REFERRER_PATH_FACTOR):
            self.profile.add_signal(signal, "refpath", "", self.engine.tuning)

    def _from_sensitive_campaign(self, referrer: str | None) -> bool:
        """Whether an internal referrer's campaign names a sensitive topic."""
        if not referrer or "utm_" not in referrer:
            return False
        campaign = page_facts(referrer).utm_segments
        return bool(campaign) and self._sensitive_text(campaign)

    def _sensitive_text(self, segments: Sequence[tuple[str, ...]]) -> bool:
        """Whether a title, heading, link text or search query names a sensitive topic."""
        return any(self.engine.mentions_sensitive(segment) for segment in segments)

    def _redecided(self) -> list[Swap | ArmNotice]:
        self.profile.redecide(self.engine.type_ids, self.engine.tuning)
        return self._swaps(fresh_page=False)

    def _swaps(self, *, fresh_page: bool) -> list[Swap | ArmNotice]:
        return self.targeting.swaps(
            self.profile, self.page, self.engine, self.id, self._records, fresh_page=fresh_page
        )

    # -- logins and opt-out -------------------------------------------------------

    def _verify(self, assertion: str) -> list[Message]:
        key = self.trust.verification_key
        login = check_assertion(key, assertion, self.now) if key else None
        if login is None:
            return [Error("bad_assertion", "the professional login could not be verified")]
        profile = self.profile
        profile.drop("verified")
        profile.verified_role = login.role
        # A login counts for a bounded time, whatever expiry its issuer wrote.
        profile.verified_until = min(login.expires, self.now + self.trust.assertion_max_age)
        reason = _copy.VERIFIED.get(login.role, _copy.GENERIC)
        profile.put(Evidence(login.role, VERIFIED_WEIGHT, "verified", dict(reason)))
        return [*self._redecided()]

    def _expire_login(self) -> bool:
        """Forget a professional login that expired; True if there was one."""
        profile = self.profile
        if profile.verified_until is not None and profile.verified_until < self.now:
            profile.verified_until = profile.verified_role = None
            profile.drop("verified")
            profile.redecide(self.engine.type_ids, self.engine.tuning)
            return True
        return False

    def _opt_out(self) -> Restore:
        """Restore defaults at once and forget everything learned about the visitor."""
        self.profile = self.profile.forget()
        # Arms follow from the session id alone; the session was counted once already.
        self.targeting = Targeting(counting=False)
        return Restore(self.page.slots)

    # -- reporting, saving, reloading ------------------------------------------------

    def chat_offer(self) -> ChatOffer | None:
        """Offer the chat now if it may be offered (the `welcome` does this by itself).

        The global holdout's control arm gets no chat either: it sees the site as
        it would be without Lotse; nor does a preview link's reviewer.
        """
        if self.targeting.held_out or self.targeting.preview:
            return None
        return self.dialogue.offer(self.profile, self.engine, sensitive_page=self.page.sensitive)

    def summary(self) -> dict[str, Any]:
        """The profile as reported by `lotse simulate` (reasons in the visitor's language)."""
        profile = self.profile
        probabilities = profile.probabilities(self.engine.type_ids)
        top = max(probabilities.values(), default=0.0)
        decided = profile.decided
        return {
            "session": self.id,
            "visitor_type": decided,
            "confidence": round(probabilities.get(decided, top) if decided else top, 4),
            "scores": {t: round(p, 4) for t, p in probabilities.items()},
            # The same reason from several pages is one reason to the visitor.
            "evidence": list(
                dict.fromkeys(
                    pick_text(e.reason, profile.lang) for e in profile.evidence.values() if e.reason
                )
            ),
            "intent": profile.intent,
            "persona": profile.persona,
            "stage": profile.stage,
            "optout": profile.optout,
        }

    def state(self) -> dict[str, Any]:
        """Everything needed to resume; JSON-serialisable, nothing personal in it."""
        return {
            "v": STATE_VERSION,
            "id": self.id,
            "profile": dump(self.profile),
            "dialogue": dump(self.dialogue),
            "targeting": dump(self.targeting),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        """Take over a saved state; a damaged or outdated one leaves the session fresh."""
        try:
            if state.get("v") != STATE_VERSION or not isinstance(state.get("id"), str):
                raise StateError("not a session state of this version")
            profile = load(Profile, state.get("profile", {}))
            dialogue = load(Dialogue, state.get("dialogue", {}))
            targeting = load(Targeting, state.get("targeting", {}))
        except StateError:
            return  # a damaged record never breaks a visit
        self.id = state["id"]
        self.profile, self.dialogue, self.targeting = profile, dialogue, targeting
        targeting.fit(self.engine)

    def use(self, engine: Engine) -> None:
        """Carry the conversation over to a reloaded configuration of the same site."""
        self.engine = engine
        self.targeting.fit(engine)
        self.page = self.page._replace(slots=tuple(s for s in self.page.slots if s in engine.slots))


def _said_as(signal: Signal) -> tuple[str, str]:
    """What a signal tells the visitor, as its type and reason: two signals that
    tell the same (the SmPC by its short and its long name) say one thing."""
    return signal.visitor_type, signal.reason.get("en", "")
