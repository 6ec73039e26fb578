"""`Session`: one visitor's profile, fed events, returning messages. No I/O.

The session is the sans-I/O heart of Lotse: the server feeds it protocol
events and sends back whatever it returns; the CLI and the tests do the same
without a socket. It holds no personal data: no IP address, no user agent,
never the chat's free text, nothing about sensitive pages.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._inference import Evidence, decide, logits, probabilities
from ._model import PERSONAS, PROFESSIONAL_TYPES, Condition, Rule, Signal, Variant, pick_text
from ._protocol import (
    ChatAnswer,
    ChatOffer,
    Choice,
    Click,
    Consent,
    Convert,
    Error,
    Event,
    Hello,
    Message,
    OptIn,
    OptOut,
    PageView,
    Restore,
    Say,
    Seen,
    Swap,
    Verify,
)
from ._signals import PageFacts, page_facts, referrer_host
from ._signing import check_assertion, new_session_id

if TYPE_CHECKING:
    from ._context import Context
    from ._engine import Engine

Arm = Literal["control", "treatment"]
ChatOutcome = Literal["matched", "clarify", "fallback", "choice"]

_PROMPT = {"de": "Was führt Sie zu uns?", "en": "What brings you here today?"}
CLARIFY = {
    "de": "Damit ich Ihnen Passendes zeigen kann: Was trifft am ehesten auf Sie zu?",
    "en": "So I can show you what fits: which of these describes you best?",
}
_THANKS = {
    "de": "Danke! Ich zeige Ihnen Inhalte für: {label}.",
    "en": "Thank you! I'll show you content for: {label}.",
}
_FALLBACK = {
    "de": "Danke! Schauen Sie sich gern um – die Navigation bleibt, wie sie ist.",
    "en": "Thank you! Feel free to look around – the navigation stays as it is.",
}
_YOU_SAID = {"de": "Sie haben angegeben: {label}", "en": "You told us: {label}"}
_VERIFIED = {
    "de": "Sie sind als Fachkreis-Angehörige/r angemeldet",
    "en": "You are signed in as a healthcare professional",
}
_RETURNING = {"de": "Weil Sie uns wieder besuchen", "en": "Because you are visiting us again"}
_GENERIC = {"de": "Passend zu den Seiten, die Sie besucht haben",
            "en": "Based on the pages you visited"}  # fmt: skip

#: Weight of a verified professional login: stronger than anything inferred.
VERIFIED_WEIGHT = 12.0


@dataclass(frozen=True, slots=True)
class Record:
    """An experiment ledger entry: an exposure or a conversion in one arm."""

    kind: Literal["exposure", "conversion"]
    experiment: str
    arm: Arm
    goal: str | None = None


def bucket(site_id: str, rule_id: str, session_id: str) -> float:
    """A deterministic number in [0, 1) per session and rule, for hold-out groups."""
    digest = hashlib.sha256(f"{site_id}\0{rule_id}\0{session_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Session:
    """One visitor's in-session profile. Feed it events; send what it returns."""

    def __init__(self, engine: Engine, context: Context, session_id: str | None = None) -> None:
        self.engine = engine
        self.id = session_id or new_session_id()
        self.lang = (context.lang or "en")[:2].lower()
        self.consent = context.consent
        self.visits = context.visits if context.consent else 1
        self.optout = context.optout
        self.now = context.now
        self._verification_key = context.verification_key
        self.evidence: dict[str, Evidence] = {}
        self._logits = dict.fromkeys(engine.type_ids, 0.0)
        self.signal_counts: dict[str, int] = {}
        self.stated: str | None = None
        self.intent: str | None = None
        self.decided: str | None = None
        self.persona_weights: dict[str, float] = {}
        self.shown: dict[str, str] = {}
        self.shown_reason: dict[str, dict[str, str]] = {}
        self.changes: dict[str, int] = {}
        self.converted: set[str] = set()
        self.page_views = 0
        self.chat_offered = False
        self.clarified = False
        #: What became of the latest chat answer: matched, clarify, fallback or
        #: choice (for metrics; the answer itself is never kept).
        self.last_chat: ChatOutcome | None = None
        self.verified_until: float | None = None
        self.verified_role: str | None = None
        self.assignments: dict[str, Arm] = {}
        self.slot_rule: dict[str, str] = {}
        self.exposed: set[str] = set()
        self.conversions: set[str] = set()
        self.current_slots: tuple[str, ...] = ()
        self.current_sensitive = False
        self._current_path = "/"
        self._records: list[Record] = []

    # -- feeding ------------------------------------------------------------

    def feed(self, event: Event, now: float | None = None) -> list[Message]:
        """Apply one event and return the messages to send to the visitor."""
        if now is not None:
            self.now = now
        if self.verified_until is not None and self.verified_until < self.now:
            self.verified_until = self.verified_role = None
            self._drop_evidence("verified")
        match event:
            case Hello():
                self.consent = event.consent
                self.visits = (event.visits or 1) if event.consent else 1
                if event.lang:
                    self.lang = event.lang[:2].lower()
                messages = self._page(PageView(event.url, event.slots, event.referrer))
                if event.verified:
                    messages += self._verify(event.verified)
                return messages
            case PageView():
                return self._page(event)
            case Click():
                return self._click(event)
            case ChatAnswer():
                return self._chat(event)
            case Seen():
                self._seen(event)
                return []
            case Convert():
                return self._convert(event)
            case OptOut():
                return self._opt_out()
            case OptIn():
                self.optout = False
                return self._swaps(fresh_page=True)
            case Consent():
                self.consent = event.granted
                if not event.granted:
                    self.visits = 1
                return []
            case Verify():
                return self._verify(event.assertion)
        return []

    def _page(self, event: PageView) -> list[Message]:
        facts = page_facts(event.url)
        self.current_slots = tuple(s for s in event.slots if s in self.engine.slots)
        self.current_sensitive = self.engine.is_sensitive(facts)
        # A sensitive page's address is not kept, not even for page rules.
        self._current_path = "/" if self.current_sensitive else facts.path
        if self.optout or self.current_sensitive:
            return []
        self.page_views += 1
        self._observe_path(facts)
        host = referrer_host(event.referrer, facts.host)
        if host:
            for signal in self.engine.referrer_signals.find(host):
                self._add_signal(signal, "ref")
        for signal in self.engine.utm_signals.find(facts.utm_words):
            self._add_signal(signal, "utm")
        self._redecide()
        return self._swaps(fresh_page=True)

    def _click(self, event: Click) -> list[Message]:
        facts = page_facts(event.href)
        if self.optout or self.engine.is_sensitive(facts):
            return []
        self._observe_path(facts)
        self._redecide()
        return self._swaps(fresh_page=False)

    def _observe_path(self, facts: PageFacts) -> None:
        for signal in self.engine.path_signals.find(facts.path_words):
            self._add_signal(signal, "path", facts.path)
        for persona in self.engine.persona_signals.find(facts.path_words):
            self.persona_weights[persona.persona] = (
                self.persona_weights.get(persona.persona, 0.0) + persona.weight
            )

    def _add_signal(self, signal: Signal, kind: str, where: str = "") -> None:
        """Count a signal once per page, at most a few times, each time half as much."""
        key = f"{kind}:{signal.match}:{signal.visitor_type}"
        evidence_key = f"{key}@{where}"
        if evidence_key in self.evidence:
            return
        count = self.signal_counts.get(key, 0)
        if count >= self.engine.tuning.max_signal_repeats:
            return
        self.signal_counts[key] = count + 1
        self._put(
            Evidence(signal.visitor_type, signal.weight / 2**count, evidence_key, signal.reason)
        )

    def _put(self, evidence: Evidence) -> None:
        """Add (or replace) evidence, keeping the per-type sums current."""
        replaced = self.evidence.get(evidence.key)
        if replaced is not None and replaced.visitor_type in self._logits:
            self._logits[replaced.visitor_type] -= replaced.weight
        self.evidence[evidence.key] = evidence
        if evidence.visitor_type in self._logits:
            self._logits[evidence.visitor_type] += evidence.weight

    def _drop_evidence(self, prefix: str) -> None:
        dropped = [k for k in self.evidence if k.startswith(prefix)]
        for key in dropped:
            del self.evidence[key]
        if dropped:
            self._logits = logits(self.evidence.values(), self.engine.type_ids)

    # -- chat -----------------------------------------------------------------

    def _chat(self, event: ChatAnswer) -> list[Message]:
        if self.optout:
            return []
        tuning = self.engine.tuning
        if event.choice is not None:
            return self._choice(event.choice)
        match = self.engine.chat.match(event.text or "", self.lang)
        lang = match.lang or self.lang
        for negated in match.negated:
            self._drop_evidence(f"chat:{negated}")
            self._put(Evidence(negated, -tuning.negation_weight, f"chat-not:{negated}", {}))
            if self.stated == negated:
                self.stated = None
        messages: list[Message] = []
        intent = self.engine.intents.get(match.intent) if match.intent else None
        if intent is not None and match.visitor_type is not None:
            self._state(match.visitor_type, tuning.chat_weight * max(match.confidence, 0.5))
            self.intent = intent.id
            if intent.persona:
                self.persona_weights[intent.persona] = (
                    self.persona_weights.get(intent.persona, 0.0) + 2.0
                )
            messages.append(Say(pick_text(intent.reply, lang) or self._thanks(lang)))
            self.last_chat = "matched"
        elif intent is not None:
            self.intent = intent.id
            messages.append(Say(pick_text(intent.reply, lang) or pick_text(_FALLBACK, lang)))
            self.last_chat = "matched"
        elif not self.clarified:
            self.clarified = True
            messages.append(Say(pick_text(CLARIFY, lang), self._type_choices(lang)))
            self.last_chat = "clarify"
        else:
            messages.append(Say(pick_text(_FALLBACK, lang)))
            self.last_chat = "fallback"
        self._redecide()
        return messages + self._swaps(fresh_page=False)

    def _choice(self, choice: str) -> list[Message]:
        tuning = self.engine.tuning
        intent = self.engine.intents.get(choice)
        if choice in self.engine.type_ids:
            self._state(choice, tuning.choice_weight)
            self.intent = None
            reply = self._thanks(self.lang)
        elif intent is not None:
            self.intent = intent.id
            if intent.visitor_type:
                self._state(intent.visitor_type, tuning.choice_weight)
            reply = pick_text(intent.reply, self.lang) or self._thanks(self.lang)
        else:
            return [Error("bad_field", f"unknown choice {choice[:64]!r}")]
        self.last_chat = "choice"
        self._redecide()
        return [Say(reply), *self._swaps(fresh_page=False)]

    def _state(self, visitor_type: str, weight: float) -> None:
        """The visitor said who they are: that outweighs anything inferred."""
        self._drop_evidence("chat:")
        self._drop_evidence(f"chat-not:{visitor_type}")
        label = {lang: self.engine.label(visitor_type, lang) for lang in ("de", "en")}
        reason = {lang: pick_text(_YOU_SAID, lang).format(label=label[lang]) for lang in label}
        self._put(Evidence(visitor_type, weight, f"chat:{visitor_type}", reason))
        self.stated = visitor_type

    def _thanks(self, lang: str) -> str:
        label = self.engine.label(self.stated, lang) if self.stated else ""
        return pick_text(_THANKS, lang).format(label=label)

    def _type_choices(self, lang: str) -> tuple[Choice, ...]:
        return tuple(Choice(t, self.engine.label(t, lang)) for t in self.engine.type_ids)

    def chat_offer(self) -> ChatOffer | None:
        """Offer the reason-for-visit chat once, never on sensitive pages or after opt-out."""
        if (
            self.optout
            or self.current_sensitive
            or self.chat_offered
            or self.stated
            or self.verified_role
            or not self.engine.intents
        ):
            return None
        self.chat_offered = True
        return ChatOffer(
            pick_text(_PROMPT, self.lang),
            self._type_choices(self.lang),
            self.engine.tuning.chat_delay_ms,
        )

    # -- verification, goals, exposures, opt-out ------------------------------

    def _verify(self, assertion: str) -> list[Message]:
        key = self._verification_key
        expiry = check_assertion(key, assertion, self.now) if key else None
        if expiry is None:
            return [Error("bad_assertion", "the professional login could not be verified")]
        self.verified_until = expiry
        self.verified_role = "hcp"
        self._put(Evidence("hcp", VERIFIED_WEIGHT, "verified", dict(_VERIFIED)))
        self._redecide()
        return self._swaps(fresh_page=False)

    def _convert(self, event: Convert) -> list[Message]:
        self.converted.add(event.goal)
        for experiment in sorted(self.exposed):
            key = f"{experiment}\0{event.goal}"
            if key not in self.conversions:
                self.conversions.add(key)
                self._records.append(
                    Record("conversion", experiment, self.assignments[experiment], event.goal)
                )
        if self.optout or self.current_sensitive:
            return []
        return self._swaps(fresh_page=False)

    def _seen(self, event: Seen) -> None:
        rule_id = self.slot_rule.get(event.slot)
        if rule_id is None or rule_id in self.exposed:
            return
        self.exposed.add(rule_id)
        self._records.append(Record("exposure", rule_id, self.assignments[rule_id]))

    def _opt_out(self) -> list[Message]:
        """Restore defaults at once and forget everything learned about the visitor."""
        restore = Restore(tuple(self.current_slots))
        for attribute, empty in (
            ("evidence", {}), ("signal_counts", {}), ("persona_weights", {}), ("shown", {}),
            ("shown_reason", {}), ("changes", {}), ("converted", set()), ("assignments", {}),
            ("slot_rule", {}), ("exposed", set()), ("conversions", set()),
        ):  # fmt: skip
            setattr(self, attribute, type(empty)())
        self._logits = dict.fromkeys(self.engine.type_ids, 0.0)
        self.stated = self.intent = self.decided = None
        self.verified_until = self.verified_role = None
        self.page_views = 0
        self.optout = True
        return [restore]

    def take_records(self) -> list[Record]:
        """Ledger entries produced since the last call, for the experiment store."""
        records, self._records = self._records, []
        return records

    # -- deciding -----------------------------------------------------------

    def probabilities(self) -> dict[str, float]:
        return probabilities(self._logits)

    def _redecide(self) -> None:
        if self.verified_role:
            self.decided = self.verified_role
        elif self.stated:
            self.decided = self.stated
        else:
            self.decided = decide(self.probabilities(), self.decided, self.engine.tuning)

    @property
    def persona(self) -> str | None:
        """evidence / pragmatic / digital, for professionals with a clear preference."""
        if self.decided not in PROFESSIONAL_TYPES or not self.persona_weights:
            return None
        ranked = sorted(self.persona_weights.items(), key=lambda item: item[1], reverse=True)
        top, weight = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return top if weight >= 2.0 and weight > runner_up and top in PERSONAS else None

    @property
    def stage(self) -> str:
        if self.converted:
            return "converted"
        if self.consent and self.visits >= 2:
            return "returning"
        return "engaged" if self.page_views >= 4 else "new"

    def _holds(self, when: Condition, path: str) -> bool:
        return (
            (when.visitor_type is None or when.visitor_type == self.decided)
            and (when.intent is None or when.intent == self.intent)
            and (when.persona is None or when.persona == self.persona)
            and (when.stage is None or when.stage == self.stage)
            and (when.page is None or fnmatch.fnmatchcase(path, when.page))
            and (when.min_visits is None or (self.consent and self.visits >= when.min_visits))
            and (when.not_converted is None or when.not_converted not in self.converted)
            and (when.verified is None or when.verified == bool(self.verified_role))
        )

    def _allowed(self, variant: Variant) -> bool:
        """Guardrails that hold whatever the rules say."""
        if variant.rx and not self.verified_role:
            return False  # HWG: prescription-drug promotion only for verified professionals
        return not variant.audience or self.decided in variant.audience

    def _target(self, slot_id: str, path: str) -> tuple[Rule, Variant] | None:
        """The rule and variant this slot should show now, or None for the default."""
        for rule in self.engine.rules_by_slot.get(slot_id, ()):
            variant = self.engine.variants.get((slot_id, rule.variant))
            if variant is None or not self._holds(rule.when, path) or not self._allowed(variant):
                continue
            arm = self.assignments.get(rule.id)
            if arm is None:
                in_control = bucket(self.engine.site_id, rule.id, self.id) < rule.holdout
                arm = "control" if in_control else "treatment"
                self.assignments[rule.id] = arm
            self.slot_rule[slot_id] = rule.id
            return (rule, variant) if arm == "treatment" else None
        return None

    def _reason(self, rule: Rule) -> dict[str, str]:
        """Why this rule fired, in every language, so a later page in English can say it too."""
        if rule.reason:
            return dict(rule.reason)
        if self.verified_role:
            return dict(_VERIFIED)
        if rule.when.min_visits:
            return dict(_RETURNING)
        supporting = [
            e for e in self.evidence.values() if e.visitor_type == self.decided and e.weight > 0
        ]
        if supporting:
            strongest = max(supporting, key=lambda e: e.weight)
            if strongest.reason:
                return dict(strongest.reason)
        return dict(_GENERIC)

    def _swap(self, slot_id: str, variant: Variant) -> Swap:
        """The swap message in the visitor's current language."""
        reason = pick_text(self.shown_reason.get(slot_id, {}), self.lang)
        return Swap(
            slot_id,
            variant.id,
            variant.html_for(self.lang),
            reason or pick_text(_GENERIC, self.lang),
        )

    def _swaps(self, *, fresh_page: bool) -> list[Message]:
        """Swaps for the slots on the current page, honouring stickiness and limits.

        On a new page view every personalised slot is sent again (the page
        arrives with its defaults); otherwise only slots that change.
        """
        if self.optout or self.current_sensitive:
            return []
        messages: list[Message] = []
        path = self._current_path
        for slot_id in self.current_slots:
            target = self._target(slot_id, path)
            changes = self.changes.get(slot_id, 0)
            if (
                target is not None
                and target[1].id != self.shown.get(slot_id)
                and changes < self.engine.slots[slot_id].max_changes
            ):
                rule, variant = target
                self.changes[slot_id] = changes + 1
                self.shown[slot_id] = variant.id
                self.shown_reason[slot_id] = self._reason(rule)
                messages.append(self._swap(slot_id, variant))
                continue
            shown = self.shown.get(slot_id)
            if fresh_page and shown is not None:
                sticky = self.engine.variants.get((slot_id, shown))
                if sticky is not None and self._allowed_sticky(sticky):
                    messages.append(self._swap(slot_id, sticky))
        return messages

    def _allowed_sticky(self, variant: Variant) -> bool:
        # Stickiness never outlives a guardrail: an expired login hides rx content.
        return not variant.rx or bool(self.verified_role)

    # -- reporting and persistence --------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The profile as reported by `lotse simulate` (reasons in the visitor's language)."""
        probabilities = self.probabilities()
        top = max(probabilities.values(), default=0.0)
        return {
            "session": self.id,
            "visitor_type": self.decided,
            "confidence": round(probabilities.get(self.decided, top) if self.decided else top, 4),
            "scores": {t: round(p, 4) for t, p in probabilities.items()},
            # The same reason from several pages is one reason to the visitor.
            "evidence": list(
                dict.fromkeys(
                    pick_text(e.reason, self.lang) for e in self.evidence.values() if e.reason
                )
            ),
            "intent": self.intent,
            "persona": self.persona,
            "stage": self.stage,
            "optout": self.optout,
        }

    def to_state(self) -> dict[str, Any]:
        """Everything needed to resume; JSON-serialisable, nothing personal in it."""
        return {
            "v": 1,
            "id": self.id,
            "lang": self.lang,
            "consent": self.consent,
            "visits": self.visits,
            "optout": self.optout,
            "evidence": [
                [e.visitor_type, e.weight, e.key, e.reason] for e in self.evidence.values()
            ],
            "signal_counts": self.signal_counts,
            "stated": self.stated,
            "intent": self.intent,
            "decided": self.decided,
            "persona_weights": self.persona_weights,
            "shown": self.shown,
            "shown_reason": self.shown_reason,
            "changes": self.changes,
            "converted": sorted(self.converted),
            "page_views": self.page_views,
            "chat_offered": self.chat_offered,
            "clarified": self.clarified,
            "verified_until": self.verified_until,
            "verified_role": self.verified_role,
            "assignments": self.assignments,
            "slot_rule": self.slot_rule,
            "exposed": sorted(self.exposed),
            "conversions": sorted(self.conversions),
        }

    @classmethod
    def from_state(cls, engine: Engine, state: dict[str, Any], context: Context) -> Session:
        """Rebuild a session from `to_state()`; unknown or missing keys fall back to fresh."""
        session = cls(engine, context, str(state.get("id") or new_session_id()))
        try:
            session.lang = str(state.get("lang", session.lang))
            session.consent = bool(state.get("consent", False))
            session.visits = int(state.get("visits", 1))
            session.optout = bool(state.get("optout", False)) or context.optout
            session.evidence = {
                key: Evidence(str(t), float(w), str(key), dict(r))
                for t, w, key, r in state.get("evidence", [])
            }
            session._logits = logits(session.evidence.values(), engine.type_ids)
            session.signal_counts = {str(k): int(v) for k, v in state["signal_counts"].items()}
            session.stated = state.get("stated")
            session.intent = state.get("intent")
            session.decided = state.get("decided")
            session.persona_weights = {
                str(k): float(v) for k, v in state["persona_weights"].items()
            }
            session.shown = {
                slot: variant
                for slot, variant in state["shown"].items()
                if (slot, variant) in engine.variants  # a reload may have removed it
            }
            session.shown_reason = {
                str(k): {str(lang): str(text) for lang, text in v.items()}
                for k, v in state["shown_reason"].items()
                if k in session.shown
            }
            session.changes = {str(k): int(v) for k, v in state["changes"].items()}
            session.converted = set(state["converted"])
            session.page_views = int(state["page_views"])
            session.chat_offered = bool(state["chat_offered"])
            session.clarified = bool(state["clarified"])
            session.verified_until = state.get("verified_until")
            session.verified_role = state.get("verified_role")
            session.assignments = dict(state["assignments"])
            session.slot_rule = dict(state["slot_rule"])
            session.exposed = set(state["exposed"])
            session.conversions = set(state["conversions"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls(engine, context)  # a damaged record never breaks a visit
        return session
