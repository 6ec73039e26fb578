"""`Targeting`: which variant each slot shows, the experiment arms, and their records.

Given the `Profile`, rules pick a variant per slot (most specific rule first),
the guardrails veto what the visitor may not see, and the stability promises
hold: a slot's variant sticks across pages and changes at most `max_changes`
times per session. Each rule is an experiment whose control arm keeps the
default; exposures and conversions come back as `Record`s for the ledger.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from . import _copy
from ._model import Condition, Rule, Text, Variant, pick_text
from ._protocol import Swap

if TYPE_CHECKING:
    from ._engine import Engine
    from ._profile import Profile

Arm = Literal["control", "treatment"]


@dataclass(frozen=True, slots=True)
class Record:
    """An experiment ledger entry: an exposure or a conversion in one arm."""

    kind: Literal["exposure", "conversion"]
    experiment: str
    arm: Arm
    goal: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """The page the visitor is on now; not saved (a new connection brings its own)."""

    slots: tuple[str, ...] = ()
    sensitive: bool = False
    #: "/" on a sensitive page: its address is not kept, not even for page rules.
    path: str = "/"


def bucket(site_id: str, rule_id: str, session_id: str) -> float:
    """A deterministic number in [0, 1) per session and rule, for hold-out groups."""
    digest = hashlib.sha256(f"{site_id}\0{rule_id}\0{session_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(slots=True)
class Targeting:
    """Per slot and per rule: what was shown, how often it changed, which arm. All bounded
    by the site's slots, rules and goals."""

    #: slot -> variant id shown, and why (per language).
    shown: dict[str, str] = field(default_factory=dict)
    shown_reason: dict[str, Text] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    #: rule id -> arm, and the rule that last targeted each slot.
    assignments: dict[str, Arm] = field(default_factory=dict)
    slot_rule: dict[str, str] = field(default_factory=dict)
    #: Rules whose slot the visitor saw, and "rule\0goal" pairs already counted.
    exposed: set[str] = field(default_factory=set)
    conversions: set[str] = field(default_factory=set)

    def fit(self, engine: Engine) -> None:
        """Forget variants a new configuration no longer has."""
        self.shown = {s: v for s, v in self.shown.items() if (s, v) in engine.variants}
        self.shown_reason = {s: r for s, r in self.shown_reason.items() if s in self.shown}

    # -- swaps ------------------------------------------------------------------

    def swaps(
        self, profile: Profile, page: Page, engine: Engine, session_id: str, *, fresh_page: bool
    ) -> list[Swap]:
        """Swaps for the slots on the current page, honouring stickiness and limits.

        On a new page view every personalised slot is sent again (the page
        arrives with its defaults); otherwise only slots that change.
        """
        if profile.optout or page.sensitive:
            return []
        swaps: list[Swap] = []
        for slot_id in page.slots:
            target = self._target(profile, engine, session_id, slot_id, page.path)
            changes = self.changes.get(slot_id, 0)
            if (
                target is not None
                and target[1].id != self.shown.get(slot_id)
                and changes < engine.slots[slot_id].max_changes
            ):
                rule, variant = target
                self.changes[slot_id] = changes + 1
                self.shown[slot_id] = variant.id
                self.shown_reason[slot_id] = _reason(rule, profile)
                swaps.append(self._swap(slot_id, variant, profile.lang))
                continue
            shown = self.shown.get(slot_id)
            if fresh_page and shown is not None:
                sticky = engine.variants.get((slot_id, shown))
                # Stickiness never outlives a guardrail: an expired login hides rx content.
                if sticky is not None and allowed(sticky, profile, audience=False):
                    swaps.append(self._swap(slot_id, sticky, profile.lang))
        return swaps

    def _target(
        self, profile: Profile, engine: Engine, session_id: str, slot_id: str, path: str
    ) -> tuple[Rule, Variant] | None:
        """The rule and variant this slot should show now, or None for the default."""
        for rule in engine.rules_by_slot.get(slot_id, ()):
            variant = engine.variants.get((slot_id, rule.variant))
            if variant is None or not holds(rule.when, profile, path):
                continue
            if not allowed(variant, profile, audience=True):
                continue
            arm = self.assignments.get(rule.id)
            if arm is None:
                in_control = bucket(engine.site_id, rule.id, session_id) < rule.holdout
                arm = "control" if in_control else "treatment"
                self.assignments[rule.id] = arm
            self.slot_rule[slot_id] = rule.id
            return (rule, variant) if arm == "treatment" else None
        return None

    def _swap(self, slot_id: str, variant: Variant, lang: str) -> Swap:
        """The swap message in the visitor's current language."""
        reason = pick_text(self.shown_reason.get(slot_id, {}), lang)
        return Swap(
            slot_id, variant.id, variant.html_for(lang), reason or pick_text(_copy.GENERIC, lang)
        )

    # -- experiment records -------------------------------------------------------

    def seen(self, slot_id: str) -> list[Record]:
        """The slot became visible: its rule's arm was exposed (once per session)."""
        rule_id = self.slot_rule.get(slot_id)
        if rule_id is None or rule_id in self.exposed:
            return []
        self.exposed.add(rule_id)
        return [Record("exposure", rule_id, self.assignments[rule_id])]

    def convert(self, goal: str) -> list[Record]:
        """A declared goal was reached: one conversion per exposed experiment and goal."""
        records = []
        for experiment in sorted(self.exposed):
            key = f"{experiment}\0{goal}"
            if key not in self.conversions:
                self.conversions.add(key)
                records.append(Record("conversion", experiment, self.assignments[experiment], goal))
        return records


def holds(when: Condition, profile: Profile, path: str) -> bool:
    return (
        (when.visitor_type is None or when.visitor_type == profile.decided)
        and (when.intent is None or when.intent == profile.intent)
        and (when.persona is None or when.persona == profile.persona)
        and (when.stage is None or when.stage == profile.stage)
        and (when.page is None or fnmatch.fnmatchcase(path, when.page))
        and (when.min_visits is None or (profile.consent and profile.visits >= when.min_visits))
        and (when.not_converted is None or when.not_converted not in profile.converted)
        and (when.verified is None or when.verified == bool(profile.verified_role))
    )


def allowed(variant: Variant, profile: Profile, *, audience: bool) -> bool:
    """Guardrails that hold whatever the rules say.

    Prescription-drug promotion (`rx`, Heilmittelwerbegesetz §10) and content
    limited to verified roles are shown only to a visitor whose login proved
    one of the variant's `verified_roles`: a verified pharmacist does not see
    what is meant for verified doctors. An `rx` variant listing no role is
    shown to nobody.
    """
    if (variant.rx or variant.verified_roles) and (
        profile.verified_role is None or profile.verified_role not in variant.verified_roles
    ):
        return False
    return not audience or not variant.audience or profile.decided in variant.audience


def _reason(rule: Rule, profile: Profile) -> Text:
    """Why this rule fired, in every language, so a later page in English can say it too."""
    if rule.reason:
        return dict(rule.reason)
    if profile.verified_role:
        return dict(_copy.VERIFIED.get(profile.verified_role, _copy.GENERIC))
    if rule.when.min_visits:
        return dict(_copy.RETURNING)
    supporting = [
        e for e in profile.evidence.values() if e.visitor_type == profile.decided and e.weight > 0
    ]
    if supporting:
        strongest = max(supporting, key=lambda e: e.weight)
        if strongest.reason:
            return dict(strongest.reason)
    return dict(_copy.GENERIC)
