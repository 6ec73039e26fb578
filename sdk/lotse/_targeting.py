"""`Targeting`: which variant each slot shows, the experiment arms, and their records.

Given the `Profile`, rules pick a variant per slot (most specific rule first),
the guardrails veto what the visitor may not see, and the stability promises
hold: a slot's variant sticks across pages and changes at most `max_changes`
times per session.

Each rule is an experiment. A session is assigned an arm — by hashing, so it
stays there after a reconnect or on another node — at the moment the rule
would first apply, in every arm alike: the control arm's exposure is the
counterfactual one, so the arms stay comparable. A site-wide holdout
(`Experiments.global_holdout`) is assigned at the session's start and sees no
personalization at all. What happens in each arm comes back as `Record`s for
the ledger: assigned, exposed (the snippet saw the slot), converted (once per
declared goal) and page (one per page view after assignment). The unit is the
session; nothing personal is in a record.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from . import _copy
from ._model import (
    CONTROL,
    GLOBAL_ARMS,
    GLOBAL_EXPERIMENT,
    Condition,
    Rule,
    Text,
    Variant,
    pick_text,
)
from ._protocol import ArmNotice, Swap

if TYPE_CHECKING:
    from ._engine import Engine
    from ._profile import Profile

RecordKind = Literal["assigned", "exposed", "converted", "page", "returned"]


@dataclass(frozen=True, slots=True)
class Record:
    """One ledger entry: what one session did in one arm of one experiment.

    `visitor_type` is the type decided when the session was assigned (None:
    not decided yet), so results can be read per visitor type; `goal` is set
    for conversions.
    """

    kind: RecordKind
    experiment: str
    arm: str
    visitor_type: str | None = None
    goal: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A session's arm in one experiment, and its visitor type at that moment.

    A rule without a control group keeps its one arm here but is not `counted`:
    with nothing to compare, it is no experiment.
    """

    arm: str
    visitor_type: str | None = None
    counted: bool = True


@lru_cache(maxsize=4096)
def page_record(experiment: str, arm: str, visitor_type: str | None) -> Record:
    """A page view's `Record`, one object for all sessions (it is frozen): every page
    view of a session in an experiment makes one."""
    return Record("page", experiment, arm, visitor_type)


@lru_cache(maxsize=8192)
def swap_message(
    slot: str,
    variant: str,
    html: str,
    reason: str,
    dose: str | None,
    experiment: str | None,
    arm: str | None,
) -> Swap:
    """A `Swap`, one object for all sessions sent the same one (it is frozen): most
    page views send again what the visitor saw on the last one."""
    return Swap(slot, variant, html, reason, dose, experiment, arm)


@lru_cache(maxsize=4096)
def assignment(arm: str, visitor_type: str | None, counted: bool) -> Assignment:
    """An `Assignment`, one object for all sessions with the same one (it is frozen)."""
    return Assignment(arm, visitor_type, counted)


#: What a slot should show (`Targeting._target`): the rule that applies, the
#: experiment and the session's arm in it, the variant (None: the default content,
#: as the control arm), and whether the session was assigned just now. A plain
#: tuple: several are made per page view.
Target = tuple[Rule, str, str, Variant | None, bool]


class Page(NamedTuple):
    """The page the visitor is on now; not saved (a new connection brings its own).
    A named tuple: every page view makes one, in a third of a frozen dataclass's time."""

    slots: tuple[str, ...] = ()
    sensitive: bool = False
    #: "/" on a sensitive page: its address is not kept, not even for page rules.
    path: str = "/"
    #: Where its evidence is kept (`Profile.add_signal`): the path, or a digest of
    #: its section parameters and page ids.
    where: str = "/"


class RulePlan(NamedTuple):
    """A rule a visitor of some type may meet, and what is left to check (`plan_rule`)."""

    rule: Rule
    #: A condition besides the visitor type is set: `holds` must be asked.
    conditional: bool
    #: Some arm is meant for verified professionals only: `allowed` must be asked.
    guarded: bool


def plan_rule(
    rule: Rule, arm_variants: tuple[Variant | None, ...], decided: str | None
) -> RulePlan | None:
    """What of `holds` and `allowed` a visitor of type `decided` needs asked for `rule`;
    None if the rule can never apply to them (another visitor type, a missing arm
    variant, an arm whose audience leaves them out). Answers what `Targeting._target`
    would for every visitor of that type."""
    when = rule.when
    if when.visitor_type is not None and when.visitor_type != decided:
        return None
    if any(v is None for v in arm_variants):
        return None
    guarded = any(v.rx or v.verified_roles for v in arm_variants if v is not None)
    if not guarded and not all(
        not v.audience or decided in v.audience for v in arm_variants if v is not None
    ):
        return None
    conditional = any(
        value is not None
        for value in (
            when.intent,
            when.persona,
            when.stage,
            when.page,
            when.min_visits,
            when.not_converted,
            when.verified,
        )
    )
    return RulePlan(rule, conditional, guarded)


def bucket(site_id: str, experiment: str, session_id: str) -> float:
    """A deterministic number in [0, 1) per session and experiment."""
    digest = hashlib.sha256(f"{site_id}\0{experiment}\0{session_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick_arm(split: tuple[tuple[str, float], ...], point: float) -> str:
    """The arm whose share of [0, 1) contains `point`."""
    edge = 0.0
    for arm, share in split:
        edge += share
        if point < edge:
            return arm
    return split[-1][0]  # rounding: the shares may sum to 0.999…


@dataclass(slots=True)
class Targeting:
    """Per slot and per rule: what was shown, how often it changed, which arm. All bounded
    by the site's slots, rules and goals."""

    #: slot -> variant id shown, and why (per language).
    shown: dict[str, str] = field(default_factory=dict)
    shown_reason: dict[str, Text] = field(default_factory=dict)
    #: slot -> the rule whose variant it shows; rule -> page views it was shown on.
    shown_rule: dict[str, str] = field(default_factory=dict)
    impressions: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    #: experiment (rule id, or "global") -> arm; and the rule that last targeted each slot.
    assignments: dict[str, Assignment] = field(default_factory=dict)
    slot_rule: dict[str, str] = field(default_factory=dict)
    #: Experiments whose slot the visitor saw, and "experiment\0goal" pairs counted
    #: (frozen: most sessions have none, and the empty one is shared; adding rebinds).
    exposed: frozenset[str] = frozenset()
    conversions: frozenset[str] = frozenset()
    #: False after an opt-out: the session was counted once and is not counted again.
    counting: bool = True
    #: A preview link's session: every rule shows its variant, no arm is drawn.
    preview: bool = False

    @property
    def held_out(self) -> bool:
        """In the global holdout's control arm: no personalization at all."""
        entry = self.assignments.get(GLOBAL_EXPERIMENT)
        return entry is not None and entry.arm == CONTROL

    def enter(self, engine: Engine, session_id: str, profile: Profile) -> list[Record]:
        """Assign the session to the global holdout's arms, once, when it starts."""
        share = engine.site.experiments.global_holdout
        if share <= 0 or GLOBAL_EXPERIMENT in self.assignments:
            return []
        point = bucket(engine.site_id, GLOBAL_EXPERIMENT, session_id)
        arm = GLOBAL_ARMS[0] if point < share else GLOBAL_ARMS[1]
        self.assignments[GLOBAL_EXPERIMENT] = assignment(arm, profile.decided, self.counting)
        return (
            [Record("assigned", GLOBAL_EXPERIMENT, arm, profile.decided)] if self.counting else []
        )

    def fit(self, engine: Engine) -> None:
        """Forget variants a new configuration no longer has."""
        self.shown = {s: v for s, v in self.shown.items() if (s, v) in engine.variants}
        self.shown_reason = {s: r for s, r in self.shown_reason.items() if s in self.shown}
        self.shown_rule = {s: r for s, r in self.shown_rule.items() if s in self.shown}

    # -- swaps ------------------------------------------------------------------

    def swaps(
        self,
        profile: Profile,
        page: Page,
        engine: Engine,
        session_id: str,
        records: list[Record],
        *,
        fresh_page: bool,
    ) -> list[Swap | ArmNotice]:
        """Swaps for the slots on the current page, honouring stickiness and limits.

        On a new page view every personalised slot is sent again (the page
        arrives with its defaults); otherwise only slots that change. A slot
        kept at its default as an experiment's control arm is announced with an
        `ArmNotice`, so the site's analytics can segment by arm. New assignments
        are appended to `records`.
        """
        if profile.optout or page.sensitive:
            return []
        messages: list[Swap | ArmNotice] = []
        shown_now = self.shown
        for slot_id in page.slots:
            target = self._target(profile, engine, session_id, slot_id, page.path, records)
            variant = target[3] if target is not None else None
            shown = shown_now.get(slot_id)
            if variant is not None and variant.id != shown:
                changes = self.changes.get(slot_id, 0)
                if changes < engine.slots[slot_id].max_changes:
                    assert target is not None
                    rule = target[0]
                    self.changes[slot_id] = changes + 1
                    shown_now[slot_id] = variant.id
                    self.shown_reason[slot_id] = _reason(rule, profile)
                    self.shown_rule[slot_id] = rule.id
                    messages.append(self._swap(slot_id, variant, profile.lang, rule))
                    continue
            if fresh_page and shown is not None:
                shown_by = engine.rules.get(self.shown_rule.get(slot_id, ""))
                if (
                    shown_by is None
                    or shown_by.dose is None
                    or self._within_dose(shown_by, profile)
                ):
                    sticky = engine.variants.get((slot_id, shown))
                    # Stickiness never outlives a guardrail: an expired login hides rx content.
                    if sticky is not None and allowed(sticky, profile, audience=False):
                        messages.append(self._swap(slot_id, sticky, profile.lang, shown_by))
                        continue
            if (
                target is not None
                and variant is None
                and (fresh_page or target[4])
                and (shown is None or not fresh_page)
            ):
                messages.append(ArmNotice(slot_id, target[1], CONTROL))
        return messages

    def _within_dose(self, rule: Rule | None, profile: Profile) -> bool:
        """Whether the rule's variant may be shown on one more page view."""
        if rule is None or rule.dose is None:
            return True
        shown = self.impressions.get(rule.id, 0)
        limit = rule.dose.session_limit(profile.decided, profile.persona)
        if limit is not None and shown >= limit:
            return False
        return profile.within_visitor_dose(rule.id, rule.dose.per_visitor, shown)

    def _target(
        self,
        profile: Profile,
        engine: Engine,
        session_id: str,
        slot_id: str,
        path: str,
        records: list[Record],
    ) -> Target | None:
        """What this slot should show now: the first rule that applies, and its arm."""
        # `candidates` left out the rules that can never apply to this visitor type.
        for rule, conditional, guarded in engine.candidates(slot_id, profile.decided):
            if conditional and not holds(rule.when, profile, path):
                continue
            if rule.dose is not None and not self._within_dose(rule, profile):
                continue
            # The rule applies only where every arm may be shown, so all arms see the same visitors.
            if guarded and not all(
                v is not None and allowed(v, profile, audience=True)
                for v in engine.arm_variants[rule.id]
            ):
                continue
            self.slot_rule[slot_id] = rule.id
            held = self.assignments.get(GLOBAL_EXPERIMENT)  # `held_out`, without a call
            if held is not None and held.arm == CONTROL:
                # The counterfactual: the rule would apply; the global control sees nothing.
                return (rule, GLOBAL_EXPERIMENT, CONTROL, None, False)
            entry = self.assignments.get(rule.id)
            known = entry is not None
            if entry is None:
                entry = self._assign(rule, profile, engine, session_id, records)
            if entry.arm == CONTROL:
                return (rule, rule.id, CONTROL, None, not known) if entry.counted else None
            variant = engine.variants.get((slot_id, entry.arm))
            return (rule, rule.id, entry.arm, variant, not known) if variant else None
        return None

    def _assign(
        self,
        rule: Rule,
        profile: Profile,
        engine: Engine,
        session_id: str,
        records: list[Record],
    ) -> Assignment:
        entry = self.assignments.get(rule.id)
        if entry is not None:
            return entry
        split = rule.split
        if self.preview:  # reviewers see the content, not a random control arm
            arm = next(arm for arm, _ in split if arm != CONTROL)
        else:
            arm = pick_arm(split, bucket(engine.site_id, rule.id, session_id))
        counted = self.counting and len(split) > 1
        entry = self.assignments[rule.id] = assignment(arm, profile.decided, counted)
        if counted:
            records.append(Record("assigned", rule.id, arm, profile.decided))
        return entry

    def _swap(self, slot_id: str, variant: Variant, lang: str, rule: Rule | None) -> Swap:
        """The swap message in the visitor's current language; one more impression of its rule."""
        # `pick_text` written out: this runs for every slot of every page view.
        text = self.shown_reason.get(slot_id)
        reason = (
            (text.get(lang) or text.get("en") or text.get("de") or next(iter(text.values()), ""))
            if text
            else ""
        ) or pick_text(_copy.GENERIC, lang)
        dose = experiment = arm = None
        if rule is not None:
            self.impressions[rule.id] = self.impressions.get(rule.id, 0) + 1
            if rule.dose is not None and rule.dose.per_visitor is not None:
                dose = rule.id  # the snippet counts it across visits (with consent)
            entry = self.assignments.get(rule.id)
            if entry is not None and entry.counted:
                experiment, arm = rule.id, entry.arm
        return swap_message(
            slot_id, variant.id, variant.html_for(lang), reason, dose, experiment, arm
        )

    # -- experiment records -------------------------------------------------------

    def _experiments(self) -> list[tuple[str, Assignment]]:
        """The experiments this session is counted in (rules with one arm are not)."""
        return [(name, entry) for name, entry in sorted(self.assignments.items()) if entry.counted]

    def seen(self, slot_id: str) -> list[Record]:
        """The slot became visible: its experiment's arm was exposed (once per session)."""
        rule_id = self.slot_rule.get(slot_id)
        if rule_id is None:
            return []
        experiments = [GLOBAL_EXPERIMENT, rule_id]
        records = []
        for experiment, entry in self._experiments():
            if experiment in experiments and experiment not in self.exposed:
                self.exposed |= {experiment}
                records.append(Record("exposed", experiment, entry.arm, entry.visitor_type))
        return records

    def convert(self, goal: str) -> list[Record]:
        """A declared goal was reached: one conversion per assigned experiment and goal."""
        records = []
        for experiment, entry in self._experiments():
            key = f"{experiment}\0{goal}"
            if key not in self.conversions:
                self.conversions |= {key}
                records.append(Record("converted", experiment, entry.arm, entry.visitor_type, goal))
        return records

    def viewed(self) -> list[Record]:
        """A page view: counted in every experiment the session is in (pages per session)."""
        if not self.assignments:
            return []  # most sessions: in no experiment
        return [
            page_record(experiment, entry.arm, entry.visitor_type)
            for experiment, entry in self._experiments()
        ]

    @staticmethod
    def returned(engine: Engine, arms: tuple[tuple[str, str], ...]) -> list[Record]:
        """A returning visitor's previous arms: each of those sessions came back.

        Only arms the site still configures count; the visitor type of that
        earlier session is not known here, and not needed for the rate.
        """
        return [
            Record("returned", experiment, arm)
            for experiment, arm in arms
            if arm in (engine.split(experiment) or {})
        ]


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
    """Why this rule fired, in every language, so a later page in English can say it too.

    The site's or the copy's own dict, not a copy of it (it is never changed in
    place): each session keeps one per slot, and a copy is saved with the state.
    """
    if rule.reason:
        return rule.reason
    if profile.verified_role:
        return _copy.VERIFIED.get(profile.verified_role, _copy.GENERIC)
    if rule.when.min_visits:
        return _copy.RETURNING
    supporting = [
        e for e in profile.evidence.values() if e.visitor_type == profile.decided and e.weight > 0
    ]
    if supporting:
        strongest = max(supporting, key=lambda e: e.weight)
        if strongest.reason:
            return strongest.reason
    return _copy.GENERIC
