"""`Dialogue`: the reason-for-visit chat — when it is offered, and what an answer does.

An answer is matched against the catalogue's intents (see `_chat.py`); what it
says about the visitor goes into the `Profile`, and the bot's reply comes back
as a `Say`. What became of the answer is returned as a `ChatResult`, so the
server counts it without looking into the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from . import _copy
from ._inference import Evidence
from ._model import pick_text
from ._profile import CHAT_PERSONA_WEIGHT, Profile
from ._protocol import ChatOffer, Choice, Say

if TYPE_CHECKING:
    from ._engine import Engine

#: matched: an intent was recognised; clarified: nothing was, and the bot asked
#: which visitor type fits; chosen: a quick reply was picked; failed: nothing was
#: recognised after the clarifying question had been asked.
ChatResult = Literal["matched", "clarified", "chosen", "failed"]

#: The dose key under which a snippet counts chat offers across visits.
CHAT_DOSE = "chat"


@dataclass(slots=True)
class Dialogue:
    """How often the chat was offered and whether the bot already asked back."""

    offers: int = 0
    clarified: bool = False

    def offer(self, profile: Profile, engine: Engine, *, sensitive_page: bool) -> ChatOffer | None:
        """Offer the chat within its dose, never on sensitive pages, after opt-out, to a
        visitor who already said who they are, or to one whose type is already clear."""
        if (
            profile.optout
            or sensitive_page
            or profile.stated
            or profile.verified_role
            or not engine.intents
            or self._clear(profile, engine)
        ):
            return None
        dose = engine.site.chat_dose
        limit = dose.session_limit(profile.decided, profile.persona)
        if limit is not None and self.offers >= limit:
            return None
        if not profile.within_visitor_dose(CHAT_DOSE, dose.per_visitor, self.offers):
            return None
        self.offers += 1
        return ChatOffer(
            pick_text(_copy.PROMPT, profile.lang),
            type_choices(engine, profile.lang),
            engine.tuning.chat_delay_ms,
            CHAT_DOSE if dose.per_visitor is not None else None,
        )

    @staticmethod
    def _clear(profile: Profile, engine: Engine) -> bool:
        """The decided visitor type is probable enough that a question would only interrupt."""
        threshold = engine.tuning.chat_confidence
        if profile.decided is None or threshold >= 1.0:
            return False
        return profile.probabilities(engine.type_ids).get(profile.decided, 0.0) >= threshold

    def answer(self, text: str, profile: Profile, engine: Engine) -> tuple[Say, ChatResult]:
        """Match a free-text answer; the visitor's words themselves are never kept."""
        tuning = engine.tuning
        # Replies in the page's language, whichever language the answer was typed in:
        # the visitor chose the page's language, and the whole widget speaks it.
        lang = profile.lang
        if engine.names_sensitive_topic(text):
            # Sensitive topics are never used, whoever asks ("PrEP for my patients"):
            # the answer adds nothing, and the bot does not press for more.
            self.clarified = True
            return Say(pick_text(_copy.SENSITIVE, lang)), "failed"
        match = engine.chat.match(text, profile.lang)
        for negated in match.negated:
            profile.drop(f"chat:{negated}")
            profile.put(Evidence(negated, -tuning.negation_weight, f"chat-not:{negated}", {}))
            if profile.stated == negated:
                profile.stated = None
        intent = engine.intents.get(match.intent) if match.intent else None
        if intent is not None:
            profile.intent = intent.id
            if match.visitor_type is not None:
                weight = tuning.chat_weight * max(match.confidence, 0.5)
                state(profile, engine, match.visitor_type, weight)
                if intent.persona:
                    profile.add_persona(intent.persona, CHAT_PERSONA_WEIGHT)
                fallback = thanks(profile, engine, lang)
            else:
                fallback = pick_text(_copy.FALLBACK, lang)
            return Say(pick_text(intent.reply, lang) or fallback), "matched"
        if not self.clarified:
            self.clarified = True
            return Say(pick_text(_copy.CLARIFY, lang), type_choices(engine, lang)), "clarified"
        return Say(pick_text(_copy.FALLBACK, lang)), "failed"

    def choose(self, choice: str, profile: Profile, engine: Engine) -> Say | None:
        """Apply a quick reply (a visitor type or an intent id); None if it is neither."""
        weight = engine.tuning.choice_weight
        if choice in engine.type_ids:
            state(profile, engine, choice, weight)
            profile.intent = None
            return Say(thanks(profile, engine, profile.lang))
        intent = engine.intents.get(choice)
        if intent is None:
            return None
        profile.intent = intent.id
        if intent.visitor_type:
            state(profile, engine, intent.visitor_type, weight)
        return Say(pick_text(intent.reply, profile.lang) or thanks(profile, engine, profile.lang))


def state(profile: Profile, engine: Engine, visitor_type: str, weight: float) -> None:
    """The visitor said who they are: that outweighs anything inferred."""
    profile.drop("chat:")
    profile.drop(f"chat-not:{visitor_type}")
    reason = {
        lang: pick_text(_copy.YOU_SAID, lang).format(label=engine.label(visitor_type, lang))
        for lang in ("de", "en")
    }
    profile.put(Evidence(visitor_type, weight, f"chat:{visitor_type}", reason))
    profile.stated = visitor_type


def thanks(profile: Profile, engine: Engine, lang: str) -> str:
    label = engine.label(profile.stated, lang) if profile.stated else ""
    return pick_text(_copy.THANKS, lang).format(label=label)


def type_choices(engine: Engine, lang: str) -> tuple[Choice, ...]:
    return tuple(Choice(t, engine.label(t, lang)) for t in engine.type_ids)
