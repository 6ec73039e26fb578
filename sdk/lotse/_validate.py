"""Checking a site: every problem names where it is and how to fix it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ._model import PERSONAS, Origin, Slot

if TYPE_CHECKING:
    from ._site import Site

Severity = Literal["error", "warning"]

STAGES = ("new", "engaged", "returning", "converted")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or suspicious (warning) in a configuration."""

    severity: Severity
    origin: Origin
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.origin}: {self.message} (fix: {self.fix})"


class ConfigError(ValueError):
    """A site configuration that cannot be used; `problems` lists every error."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _duplicates(ids: Iterable[str]) -> set[str]:
    return {item for item, count in Counter(ids).items() if count > 1}


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none defined"


def check_site(site: Site) -> list[Problem]:
    """Errors first, then warnings; an empty list means the site is usable."""
    problems = list(_errors(site))
    problems.extend(_warnings(site))
    return problems


def _errors(site: Site) -> Iterator[Problem]:
    def error(obj: object, message: str, fix: str) -> Problem:
        return Problem("error", site.origin_of(obj), message, fix)

    type_ids = [t.id for t in site.visitor_types]
    types = set(type_ids)
    for dup in _duplicates(type_ids):
        first_type = next(t for t in site.visitor_types if t.id == dup)
        yield error(first_type, f"visitor type {dup!r} is defined twice", "remove one of them")

    for dup in _duplicates(s.id for s in site.slots):
        first_slot = next(s for s in site.slots if s.id == dup)
        yield error(first_slot, f"slot {dup!r} is defined twice", "merge the two [[slot]] tables")
    slots: dict[str, Slot] = {}
    for slot in site.slots:
        slots.setdefault(slot.id, slot)  # the first definition wins, as in the engine
    for slot in site.slots:
        if slot.max_changes < 1:
            yield error(slot, f"slot {slot.id!r}: max_changes must be at least 1", "set 1..5")
        for dup in _duplicates(v.id for v in slot.variants):
            yield error(
                slot,
                f"slot {slot.id!r} has two variants called {dup!r}",
                "give each variant a unique id",
            )
        for variant in slot.variants:
            if variant.id == "default":
                yield error(
                    slot,
                    f"slot {slot.id!r}: 'default' is reserved for the page's own content",
                    "rename the variant",
                )
            for audience in variant.audience:
                if audience not in types:
                    yield error(
                        slot,
                        f"variant {variant.id!r} names unknown visitor type {audience!r}",
                        f"use one of: {_known(types)}",
                    )

    for dup in _duplicates(r.id for r in site.rules):
        first_rule = next(r for r in site.rules if r.id == dup)
        yield error(first_rule, f"rule id {dup!r} is used twice", "give each rule a unique id")
    intents = {i.id for i in site.intents}
    for rule in site.rules:
        rule_slot = slots.get(rule.slot)
        if rule_slot is None:
            yield error(
                rule,
                f"rule {rule.id!r} refers to unknown slot {rule.slot!r}",
                f"define it with [[slot]] id = {rule.slot!r}, or use one of: {_known(slots)}",
            )
            continue
        rule_variant = rule_slot.variant(rule.variant)
        if rule_variant is None:
            yield error(
                rule,
                f"rule {rule.id!r} refers to unknown variant {rule.variant!r} "
                f"of slot {rule_slot.id!r}",
                "add it as [[slot.variant]], or use one of: "
                + _known(v.id for v in rule_slot.variants),
            )
            continue
        when = rule.when
        if rule_variant.rx and when.verified is not True:
            yield error(
                rule,
                f"rule {rule.id!r} can show prescription-only (rx) variant {rule_variant.id!r} "
                "to visitors who are not verified professionals",
                "add verified = true to the rule's `when` (inferred HCP status is never enough)",
            )
        if when.visitor_type is not None and when.visitor_type not in types:
            yield error(
                rule,
                f"rule {rule.id!r} names unknown visitor type {when.visitor_type!r}",
                f"use one of: {_known(types)}, or add a [[visitor_type]]",
            )
        if when.intent is not None and when.intent not in intents:
            yield error(
                rule,
                f"rule {rule.id!r} names unknown intent {when.intent!r}",
                "use an intent id from the catalogue or the site's [[intent]] tables",
            )
        if when.persona is not None and when.persona not in PERSONAS:
            yield error(
                rule, f"rule {rule.id!r}: unknown persona {when.persona!r}", f"use {PERSONAS}"
            )
        if when.stage is not None and when.stage not in STAGES:
            yield error(rule, f"rule {rule.id!r}: unknown stage {when.stage!r}", f"use {STAGES}")
        if not 0.0 <= rule.holdout < 1.0:
            yield error(
                rule,
                f"rule {rule.id!r}: holdout {rule.holdout} is not a share",
                "use a number from 0 (no control group) to below 1, e.g. 0.1",
            )

    for dup in _duplicates(i.id for i in site.intents):
        first_intent = next(i for i in site.intents if i.id == dup)
        yield error(first_intent, f"intent {dup!r} is defined twice", "rename or merge one of them")
    for intent in site.intents:
        if intent.visitor_type is not None and intent.visitor_type not in types:
            yield error(
                intent,
                f"intent {intent.id!r} points at unknown visitor type {intent.visitor_type!r}",
                f"use one of: {_known(types)}, or add a [[visitor_type]]",
            )
        if not any(intent.phrases.values()):
            yield error(intent, f"intent {intent.id!r} has no phrases", "add phrases.de/.en")
    for signal in site.signals:
        if signal.visitor_type not in types:
            yield error(
                signal,
                f"signal {signal.match!r} points at unknown visitor type {signal.visitor_type!r}",
                f"use one of: {_known(types)}",
            )
        if signal.kind not in ("path", "referrer", "utm"):
            yield error(
                signal, f"signal kind {signal.kind!r} is unknown", "use path, referrer, utm"
            )
        if not signal.match.strip():
            yield error(signal, "signal has an empty match", "give it a word or a host")
    for persona_signal in site.persona_signals:
        if persona_signal.persona not in PERSONAS:
            yield error(
                persona_signal,
                f"persona signal {persona_signal.match!r}: unknown persona",
                f"use one of {PERSONAS}",
            )
    tuning = site.tuning
    for name in ("threshold", "flip_threshold", "chat_cutoff"):
        value = getattr(tuning, name)
        if not 0.0 < value < 1.0:
            yield error(site, f"tuning {name} = {value} is not a probability", "use 0 < x < 1")


def _warnings(site: Site) -> Iterator[Problem]:
    for rule in site.rules:
        slot = site.slot(rule.slot)
        variant = slot.variant(rule.variant) if slot else None
        if (
            variant is not None
            and variant.audience
            and rule.when.visitor_type is not None
            and rule.when.visitor_type not in variant.audience
        ):
            yield Problem(
                "warning",
                site.origin_of(rule),
                f"rule {rule.id!r} shows {variant.id!r} to {rule.when.visitor_type!r}, "
                f"but the variant's audience is {list(variant.audience)}",
                "the rule never fires; align `audience` and `when.visitor_type`",
            )
    yield from intent_collisions(site)


def intent_collisions(site: Site, threshold: float = 92.0) -> Iterator[Problem]:
    """Phrases so alike that two intents of different visitor types compete for them."""
    from rapidfuzz import fuzz, process

    from ._normalise import normalise

    entries = [
        (normalise(phrase), intent)
        for intent in site.intents
        for phrases in intent.phrases.values()
        for phrase in phrases
    ]
    entries = [(text, intent) for text, intent in entries if len(text) >= 4]
    if not entries:
        return
    texts = [text for text, _ in entries]
    reported: set[tuple[str, str]] = set()
    for i, (text, intent) in enumerate(entries):
        # extract() runs in C; a catalogue of 1,000 phrases checks in well under a second.
        for _, _, j in process.extract(
            text, texts, scorer=fuzz.ratio, score_cutoff=threshold, limit=None
        ):
            other_text, other = entries[j]
            if (
                j <= i
                or intent.visitor_type == other.visitor_type
                or (intent.id, other.id) in reported
            ):
                continue
            reported.add((intent.id, other.id))
            yield Problem(
                "warning",
                site.origin_of(intent),
                f"phrase {text!r} of intent {intent.id!r} ({intent.visitor_type}) is close to "
                f"{other_text!r} of intent {other.id!r} ({other.visitor_type})",
                "reword or remove one phrase so the chat can tell them apart",
            )
