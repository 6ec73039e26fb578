"""Checking a site: every problem names where it was written and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from ._model import PERSONAS, VERIFIED_ROLES, Intent, Origin, Slot

if TYPE_CHECKING:
    from ._site import Site

Severity = Literal["error", "warning", "note"]

STAGES = ("new", "engaged", "returning", "converted")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_I = TypeVar("_I", bound=_Identified)

#: Beyond this many choices a "use one of" list is more noise than help.
_LISTABLE = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error), suspicious (warning) or worth knowing (note) in a site."""

    severity: Severity
    origin: Origin
    message: str
    fix: str

    def __str__(self) -> str:
        text = f"{self.severity}: {self.origin}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class ConfigError(ValueError):
    """A site configuration that cannot be used; `problems` lists every error."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def did_you_mean(word: str, choices: Collection[str], otherwise: str = "") -> str:
    """A fix for a misspelt name: the closest choice, else all of them, else `otherwise`."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    if close:
        return f"did you mean {close[0]!r}?"
    if not choices or (otherwise and len(choices) > _LISTABLE):
        return otherwise or "none are defined"
    listed = "use one of: " + ", ".join(sorted(choices))
    return f"{listed}; or {otherwise}" if otherwise else listed


def _repeats(items: Iterable[_I]) -> Iterator[tuple[_I, _I]]:
    """(first, again) for every item whose id an earlier item already has."""
    first: dict[str, _I] = {}
    for item in items:
        if item.id in first:
            yield first[item.id], item
        else:
            first[item.id] = item


def check_site(site: Site) -> list[Problem]:
    """Errors first, then warnings, then notes; no errors means the site is usable."""
    return [*_errors(site), *_warnings(site), *_notes(site)]


class _Errors:
    """Collects the errors of one site, each at the line of the key at fault."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.found: list[Problem] = []
        self.types = {t.id for t in site.visitor_types}

    def add(self, obj: object, key: str, message: str, fix: str) -> None:
        self.found.append(Problem("error", self.site.origin_of(obj, key), message, fix))

    def twice(self, items: Iterable[_I], what: str, fix: str) -> None:
        """An error at every second definition of the same id, pointing at the first."""
        for first, again in _repeats(items):
            first_at = self.site.origin_of(first).place
            self.add(
                again, "id", f"{what} {again.id!r} is defined twice (first at {first_at})", fix
            )

    def visitor_type(self, obj: object, key: str, type_id: str, what: str) -> None:
        if type_id not in self.types:
            self.add(
                obj,
                key,
                f"{what} names unknown visitor type {type_id!r}",
                did_you_mean(type_id, self.types, "add a [[visitor_type]]"),
            )


def _errors(site: Site) -> list[Problem]:
    errors = _Errors(site)
    errors.twice(site.visitor_types, "visitor type", "remove one of them")
    errors.twice(site.slots, "slot", "merge the two [[slot]] tables")
    errors.twice(site.rules, "rule id", "give each rule a unique id")
    errors.twice(site.intents, "intent", "rename or merge one of them")
    errors.twice(
        site.signals,
        "signal",
        "give one of them its own id (id = ... in TOML, signal_id= in Python)",
    )
    errors.twice(site.goals, "goal", "remove one of them")
    _slot_errors(errors)
    _rule_errors(errors)
    _catalogue_errors(errors)
    tuning = site.tuning
    for name in ("threshold", "flip_threshold", "chat_cutoff"):
        value = getattr(tuning, name)
        if not 0.0 < value < 1.0:
            errors.add(tuning, name, f"tuning {name} = {value} is not a probability", "0 < x < 1")
    return errors.found


def _slot_errors(errors: _Errors) -> None:
    for slot in errors.site.slots:
        if slot.max_changes < 1:
            errors.add(slot, "max_changes", "max_changes must be at least 1", "set 1..5")
        errors.twice(slot.variants, f"slot {slot.id!r}: variant", "give each variant a unique id")
        for variant in slot.variants:
            if variant.id == "default":
                errors.add(
                    variant,
                    "id",
                    f"slot {slot.id!r}: 'default' is reserved for the page's own content",
                    "rename the variant",
                )
            for audience in variant.audience:
                errors.visitor_type(variant, "audience", audience, f"variant {variant.id!r}")
            for role in variant.verified_roles:
                if role not in VERIFIED_ROLES:
                    errors.add(
                        variant,
                        "verified_roles",
                        f"variant {variant.id!r}: {role!r} is not a role a login can verify",
                        did_you_mean(role, VERIFIED_ROLES),
                    )
            if variant.rx and not variant.verified_roles:
                errors.add(
                    variant,
                    "rx",
                    f"prescription-only (rx) variant {variant.id!r} does not say which verified "
                    "professionals may see it (a verified pharmacist is not a verified doctor)",
                    'add verified_roles = ["hcp"]',
                )


def _rule_errors(errors: _Errors) -> None:
    site = errors.site
    slots: dict[str, Slot] = {}
    for slot in site.slots:
        slots.setdefault(slot.id, slot)  # the first definition wins, as in the engine
    intents = {i.id for i in site.intents}
    goals = {g.id for g in site.goals}
    for rule in site.rules:
        rule_slot = slots.get(rule.slot)
        if rule_slot is None:
            errors.add(
                rule,
                "slot",
                f"rule {rule.id!r} refers to unknown slot {rule.slot!r}",
                did_you_mean(rule.slot, slots, f'define it with [[slot]] id = "{rule.slot}"'),
            )
            continue
        variant = rule_slot.variant(rule.variant)
        if variant is None:
            errors.add(
                rule,
                "variant",
                f"rule {rule.id!r} refers to unknown variant {rule.variant!r} "
                f"of slot {rule_slot.id!r}",
                did_you_mean(
                    rule.variant,
                    [v.id for v in rule_slot.variants],
                    "add it as [[slot.variant]]",
                ),
            )
            continue
        when = rule.when
        if variant.rx and when.verified is not True:
            errors.add(
                rule,
                "when",
                f"rule {rule.id!r} can show prescription-only (rx) variant {variant.id!r} "
                "to visitors who are not verified professionals",
                "add verified = true to the rule's `when` (inferred HCP status is never enough)",
            )
        if when.visitor_type is not None:
            errors.visitor_type(rule, "when.visitor_type", when.visitor_type, f"rule {rule.id!r}")
        if when.intent is not None and when.intent not in intents:
            errors.add(
                rule,
                "when.intent",
                f"rule {rule.id!r} names unknown intent {when.intent!r}",
                did_you_mean(
                    when.intent, intents, "use an intent id from the catalogue or an [[intent]]"
                ),
            )
        if when.not_converted is not None and when.not_converted not in goals:
            errors.add(
                rule,
                "when.not_converted",
                f"rule {rule.id!r} names undeclared goal {when.not_converted!r}",
                did_you_mean(
                    when.not_converted,
                    goals,
                    f'declare it: [[goal]] id = "{when.not_converted}"',
                ),
            )
        for name, value, allowed in (
            ("persona", when.persona, PERSONAS),
            ("stage", when.stage, STAGES),
        ):
            if value is not None and value not in allowed:
                errors.add(
                    rule,
                    f"when.{name}",
                    f"rule {rule.id!r}: unknown {name} {value!r}",
                    did_you_mean(value, allowed),
                )
        if not 0.0 <= rule.holdout < 1.0:
            errors.add(
                rule,
                "holdout",
                f"rule {rule.id!r}: holdout {rule.holdout} is not a share",
                "use a number from 0 (no control group) to below 1, e.g. 0.1",
            )


def _catalogue_errors(errors: _Errors) -> None:
    """Intents, signals and persona signals: the site's and the catalogue's alike."""
    for intent in errors.site.intents:
        if intent.visitor_type is not None:
            errors.visitor_type(
                intent, "visitor_type", intent.visitor_type, f"intent {intent.id!r}"
            )
        if intent.persona is not None and intent.persona not in PERSONAS:
            errors.add(
                intent,
                "persona",
                f"intent {intent.id!r}: unknown persona {intent.persona!r}",
                did_you_mean(intent.persona, PERSONAS),
            )
        if not any(intent.phrases.values()):
            errors.add(
                intent, "phrases", f"intent {intent.id!r} has no phrases", "add phrases.de/.en"
            )
    for signal in errors.site.signals:
        errors.visitor_type(signal, "visitor_type", signal.visitor_type, f"signal {signal.id!r}")
        if signal.kind not in ("path", "referrer", "utm"):
            errors.add(
                signal,
                "kind",
                f"signal kind {signal.kind!r} is unknown",
                did_you_mean(signal.kind, ("path", "referrer", "utm")),
            )
        if not signal.match.strip():
            errors.add(signal, "match", "signal has an empty match", "give it a word or a host")
    for persona_signal in errors.site.persona_signals:
        if persona_signal.persona not in PERSONAS:
            errors.add(
                persona_signal,
                "persona",
                f"persona signal {persona_signal.match!r}: unknown persona",
                did_you_mean(persona_signal.persona, PERSONAS),
            )


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
                site.origin_of(rule, "when.visitor_type"),
                f"rule {rule.id!r} shows {variant.id!r} to {rule.when.visitor_type!r}, "
                f"but the variant's audience is {list(variant.audience)}",
                "the rule never fires; align `audience` and `when.visitor_type`",
            )
    yield from intent_collisions(site)


def _notes(site: Site) -> Iterator[Problem]:
    """What the site changed in the catalogue: not wrong, but worth seeing in `lotse check`."""
    for change in site.catalogue_changes:
        done = "switches off" if change.switched_off else "replaces"
        yield Problem(
            "note",
            change.site,
            f"{done} catalogue {change.kind} {change.item_id!r} ({change.catalogue.place})",
            "",
        )


def intent_collisions(site: Site, threshold: float = 92.0) -> Iterator[Problem]:
    """Phrases so alike that two intents of different visitor types compete for them.

    Each pair is reported once, at the intent written later — the site's own
    when the other comes from the catalogue — naming where the other one is.
    """
    from rapidfuzz import fuzz, process

    from ._normalise import normalise

    entries: list[tuple[str, str, str, Intent]] = [
        (normalise(phrase), phrase, lang, intent)
        for intent in site.intents
        for lang, phrases in intent.phrases.items()
        for phrase in phrases
    ]
    entries = [entry for entry in entries if len(entry[0]) >= 4]
    if not entries:
        return
    texts = [entry[0] for entry in entries]
    reported: set[tuple[str, str]] = set()
    for i, (text, phrase, _, intent) in enumerate(entries):
        # extract() runs in C; a catalogue of 1,000 phrases checks in well under a second.
        for _, _, j in process.extract(
            text, texts, scorer=fuzz.ratio, score_cutoff=threshold, limit=None
        ):
            other_text, other_phrase, other_lang, other = entries[j]
            if (
                j <= i
                or intent.visitor_type == other.visitor_type
                or (intent.id, other.id) in reported
            ):
                continue
            reported.add((intent.id, other.id))
            first = f"intent {intent.id!r} ({_type(intent)}, {site.origin_of(intent).place})"
            second = f"intent {other.id!r} ({_type(other)})"
            message = (
                f"phrase {other_phrase!r} appears in both {second} and {first}"
                if other_text == text
                else f"phrase {other_phrase!r} of {second} is close to {phrase!r} of {first}"
            )
            yield Problem(
                "warning",
                site.origin_of(other, f"phrases.{other_lang}"),
                message,
                "reword or remove one phrase so the chat can tell them apart",
            )


def _type(intent: Intent) -> str:
    return intent.visitor_type or "no visitor type"
