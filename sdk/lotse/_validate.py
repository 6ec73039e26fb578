"""Checking a site: every problem names where it was written and how to fix it."""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from ._model import (
    CONTROL,
    GLOBAL_EXPERIMENT,
    PERSONAS,
    VERIFIED_ROLES,
    Dose,
    Intent,
    Origin,
    Rule,
    Slot,
    Variant,
)
from ._protocol import MAX_DOSES, MAX_SLOT_ID

if TYPE_CHECKING:
    from ._site import Site

Severity = Literal["error", "warning", "note"]

STAGES = ("new", "engaged", "returning", "converted")

#: The dose key under which the snippet counts chat offers (`_dialogue.CHAT_DOSE`).
_CHAT_DOSE = "chat"
#: What a dose key must be for the snippet to count it across visits.
_DOSE_KEY_LENGTH = MAX_SLOT_ID


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
    _experiment_errors(errors)
    _catalogue_errors(errors)
    tuning = site.tuning
    if not 0.0 <= tuning.min_confidence < 1.0:
        errors.add(
            tuning,
            "min_confidence",
            f"tuning min_confidence = {tuning.min_confidence} is not a probability",
            "0 <= x < 1 (0 keeps a decided type however doubtful)",
        )
    for name in ("threshold", "flip_threshold", "chat_cutoff"):
        value = getattr(tuning, name)
        if not 0.0 < value < 1.0:
            errors.add(tuning, name, f"tuning {name} = {value} is not a probability", "0 < x < 1")
    for name in ("conflict_level", "conflict_lead"):
        value = getattr(tuning, name)
        if value < 0.0:
            errors.add(
                tuning,
                name,
                f"tuning {name} = {value} is negative",
                "x >= 0 (summed evidence, like a signal's weight; conflict_lead = 0 turns it off)",
            )
    if not 0.0 < tuning.chat_confidence <= 1.0:
        errors.add(
            tuning,
            "chat_confidence",
            f"tuning chat_confidence = {tuning.chat_confidence} is not a probability",
            "0 < x <= 1 (1.0 offers the chat even when the visitor type is clear)",
        )
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
        if rule.id == GLOBAL_EXPERIMENT:
            errors.add(
                rule,
                "id",
                f"rule id {GLOBAL_EXPERIMENT!r} is reserved for the site-wide holdout",
                "give the rule another id",
            )
        if rule.dose is not None:
            _dose_errors(errors, rule, "dose.", rule.dose, f"rule {rule.id!r}")
        rule_slot = slots.get(rule.slot)
        if rule_slot is None:
            errors.add(
                rule,
                "slot",
                f"rule {rule.id!r} refers to unknown slot {rule.slot!r}",
                did_you_mean(rule.slot, slots, f'define it with [[slot]] id = "{rule.slot}"'),
            )
            continue
        if rule.arms:
            variants = _arm_errors(errors, rule, rule_slot)
        else:
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
            variants = [variant]
        when = rule.when
        # Every arm passes the guardrails: the rule applies only where all of them may be shown.
        for variant in variants:
            if variant.rx and when.verified is not True:
                errors.add(
                    rule,
                    "when",
                    f"rule {rule.id!r} can show prescription-only (rx) variant {variant.id!r} "
                    "to visitors who are not verified professionals",
                    "add verified = true to the rule's `when` (inferred HCP status is never "
                    "enough)",
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
    _dose_key_errors(errors)


def _arm_errors(errors: _Errors, rule: Rule, slot: Slot) -> list[Variant]:
    """An A/B/n rule's arms: two or more, positive weights, each the control or a variant
    of the rule's slot. Returns the variants its arms show."""
    variants: list[Variant] = []
    if len(rule.arms) < 2:
        errors.add(
            rule,
            "arms",
            f"rule {rule.id!r} has {len(rule.arms)} arm: a test needs two or more",
            f"add {CONTROL} = 1 (the page's own content) or another variant of slot {slot.id!r}",
        )
    if rule.holdout > 0:
        errors.add(
            rule,
            "holdout",
            f"rule {rule.id!r} has arms and a holdout: with arms, the control group is an arm",
            f"remove holdout and add {CONTROL} = N to arms (its share is N / the sum of weights)",
        )
    choices = [CONTROL, *(v.id for v in slot.variants)]
    for arm, weight in rule.arms:
        if not (weight > 0 and math.isfinite(weight)):
            errors.add(
                rule,
                f"arms.{arm}",
                f"rule {rule.id!r}: arm {arm!r} has weight {weight:g}",
                "weights are positive numbers, relative to each other: 1 is one share, 2 two",
            )
        if arm == CONTROL:
            continue
        variant = slot.variant(arm)
        if variant is None:
            errors.add(
                rule,
                f"arms.{arm}",
                f"rule {rule.id!r}: arm {arm!r} is not a variant of slot {slot.id!r}",
                did_you_mean(
                    arm, choices, f"add it as [[slot.variant]], or use {CONTROL} (the default)"
                ),
            )
        else:
            variants.append(variant)
    shown = [arm for arm, _ in rule.arms if arm != CONTROL]
    if shown and rule.variant not in shown:
        errors.add(
            rule,
            "variant",
            f"rule {rule.id!r} names variant {rule.variant!r}, which is not one of its arms",
            did_you_mean(rule.variant, shown, "remove variant: the arms say what is shown"),
        )
    return variants


def _dose_errors(errors: _Errors, obj: object, prefix: str, dose: Dose, what: str) -> None:
    """Caps are whole numbers from 1; audiences are visitor types or personas."""
    caps = [("per_session", dose.per_session), ("per_visitor", dose.per_visitor)]
    for name, cap in caps:
        if cap is not None and not _whole(cap):
            errors.add(
                obj,
                f"{prefix}{name}",
                f"{what}: dose {name} = {cap} is not a cap",
                f"use a whole number from 1, or leave {name} out for no cap",
            )
    audiences = [*errors.types, *PERSONAS]
    for who, cap in dose.audiences:
        if who not in audiences:
            errors.add(
                obj,
                f"{prefix}audiences.{who}",
                f"{what}: dose audience {who!r} is neither a visitor type nor a persona",
                did_you_mean(who, audiences),
            )
        if not _whole(cap):
            errors.add(
                obj,
                f"{prefix}audiences.{who}",
                f"{what}: dose cap {cap} for {who!r} is not a cap",
                "use a whole number from 1 (page views per session)",
            )


def _whole(cap: object) -> bool:
    return isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1


def _dose_key_errors(errors: _Errors) -> None:
    """What is capped per visitor is counted by the snippet under a key: the rule id, or
    "chat". It keeps keys of up to 64 characters, and the 32 last counted."""
    site = errors.site
    counted = [r for r in site.rules if r.dose is not None and r.dose.per_visitor is not None]
    chat = site.chat_dose.per_visitor is not None
    keys = len(counted) + chat
    for number, rule in enumerate(counted, start=1):
        if rule.id == _CHAT_DOSE:
            errors.add(
                rule,
                "id",
                f"rule id {_CHAT_DOSE!r} is the key the chat's offers are counted under "
                "across visits",
                "give the rule another id",
            )
        if len(rule.id) > _DOSE_KEY_LENGTH:
            errors.add(
                rule,
                "id",
                f"rule {rule.id!r} has a per_visitor dose, but its id is longer than "
                f"{_DOSE_KEY_LENGTH} characters: it would not be counted across visits",
                f"give the rule an id of at most {_DOSE_KEY_LENGTH} characters",
            )
        if number == MAX_DOSES - chat + 1:  # the first rule beyond what a browser counts
            errors.add(
                rule,
                "dose.per_visitor",
                f"{keys} rules and chat offers are capped per visitor; a browser counts at "
                f"most {MAX_DOSES}, so some caps would not hold",
                "cap fewer rules per visitor (per_session needs no counting in the browser)",
            )


def _experiment_errors(errors: _Errors) -> None:
    """``[experiments]`` and the chat's dose: the site-wide settings of measuring."""
    site = errors.site
    plan = site.experiments
    if not 0.0 <= plan.global_holdout < 0.5:
        errors.add(
            plan,
            "global_holdout",
            f"global_holdout = {plan.global_holdout:g} is not a share from 0 to below 0.5",
            "use e.g. 0.05: 5 % of sessions see no personalization at all",
        )
    shares = (
        ("baseline", plan.baseline, "a conversion rate", "e.g. 0.10 when 10 % of sessions convert"),
        ("alpha", plan.alpha, "a false-positive rate", "usually 0.05"),
        ("power", plan.power, "a probability", "usually 0.80"),
    )
    for name, value, what, example in shares:
        if not 0.0 < value < 1.0:
            errors.add(plan, name, f"{name} = {value:g} is not {what}", f"0 < x < 1, {example}")
    if not plan.mde > 0:
        errors.add(
            plan,
            "mde",
            f"mde = {plan.mde:g} is not a lift: it is the smallest relative change worth finding",
            "a number above 0, e.g. 0.20 to detect 10 % becoming 12 %",
        )
    elif 0.0 < plan.baseline < 1.0 and not plan.baseline * (1 + plan.mde) < 1.0:
        errors.add(
            plan,
            "mde",
            f"baseline x (1 + mde) = {plan.baseline * (1 + plan.mde):g}: the lift the plan "
            "asks for is a conversion rate of 100 % or more",
            "lower mde (or check baseline)",
        )
    _dose_errors(errors, site.chat_dose, "", site.chat_dose, "the chat")


def _catalogue_errors(errors: _Errors) -> None:
    """Intents, signals and persona signals: the site's and the catalogue's alike."""
    for intent in errors.site.intents:
        if intent.visitor_type is not None:
            errors.visitor_type(
                intent, "visitor_type", intent.visitor_type, f"intent {intent.id!r}"
            )
        if intent.in_person is not None:
            errors.visitor_type(intent, "in_person", intent.in_person, f"intent {intent.id!r}")
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
        # Not `rule.split`: it divides by the weights, which may be 0 in a broken site.
        arms = [arm for arm, _ in rule.arms if arm != CONTROL] if rule.arms else [rule.variant]
        variants = [slot.variant(arm) for arm in arms] if slot else []
        shown = [variant for variant in variants if variant is not None]
        if len(shown) < len(arms) or not shown:
            continue  # an error already: unknown slot or variant
        for variant in shown:
            if (
                variant.audience
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
        audiences = [set(variant.audience) for variant in shown if variant.audience]
        if len(audiences) > 1 and not set.intersection(*audiences):
            yield Problem(
                "warning",
                site.origin_of(rule, "arms"),
                f"rule {rule.id!r}: its arms have no audience in common, and a test applies "
                "only to visitors every arm may be shown to",
                "the rule never fires; use variants with a common audience",
            )
        if not _measured(site, rule):
            control = f"add {CONTROL} = 1 to its arms" if rule.arms else "add holdout = 0.1"
            yield Problem(
                "warning",
                site.origin_of(rule, "arms" if rule.arms else ""),
                f"rule {rule.id!r} has no control group and the site no global holdout: "
                "its effect cannot be measured",
                f"{control}, or set [experiments] global_holdout = 0.05; "
                "holdout = 0 says it is not measured on purpose",
            )
    yield from intent_collisions(site)


def _measured(site: Site, rule: Rule) -> bool:
    """Whether the rule has a control group, the site a global holdout, or the site file
    says ``holdout = 0`` for it: no control group, on purpose."""
    if site.experiments.global_holdout > 0 or rule.holdout > 0:
        return True
    if any(arm == CONTROL for arm, _ in rule.arms):
        return True
    origin = site.origin_of(rule)
    return origin.lines is not None and f"{origin.key}.holdout" in origin.lines


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
