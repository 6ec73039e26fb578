"""`Site`: the whole configuration of one website, buildable from TOML or Python.

A `Site` is a mutable collection while it is being put together (``add_*``)
and is compiled into an immutable `Engine` the first time a session needs it.
Changing the site afterwards drops the compiled engine, so the next session
sees the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TypeVar

from ._copy import VISITOR_TYPES
from ._model import (
    DEFAULT_VISITOR_TYPES,
    Condition,
    Dose,
    Experiments,
    Goal,
    Intent,
    Origin,
    PersonaSignal,
    Rule,
    Sensitivity,
    Signal,
    SignalKind,
    Slot,
    Text,
    Tuning,
    Variant,
    VisitorType,
)

if TYPE_CHECKING:
    from ._engine import Engine
    from ._session import Session, Trust
    from ._validate import Problem

_T = TypeVar("_T")
_Item = TypeVar("_Item", Intent, Signal)


@dataclass(frozen=True, slots=True)
class CatalogueChange:
    """A catalogue intent or signal that a site replaced with its own, or switched off."""

    kind: Literal["intent", "signal"]
    item_id: str
    #: Where the catalogue defines it.
    catalogue: Origin
    #: The site's own definition, or its ``[catalogue] off`` list.
    site: Origin
    switched_off: bool = False


@dataclass
class Site:
    """Everything Lotse knows about one website.

    >>> site = Site("demo")
    >>> site.add_slot("hero", [Variant("hero-hcp", "<h2>Für Fachkreise</h2>", ("hcp",))])
    Slot(id='hero', ...)
    """

    id: str
    name: str = ""
    origins: list[str] = field(default_factory=list)
    visitor_types: list[VisitorType] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    persona_signals: list[PersonaSignal] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    sensitivity: Sensitivity = field(default_factory=Sensitivity)
    tuning: Tuning = field(default_factory=Tuning)
    experiments: Experiments = field(default_factory=Experiments)
    #: How often the reason-for-visit chat may be offered.
    chat_dose: Dose = field(default_factory=lambda: Dose(per_session=1))
    #: Where each object was defined, for error messages: id(obj) -> Origin.
    sources: dict[int, Origin] = field(default_factory=dict, repr=False)
    #: Catalogue intents and signals this site replaced or switched off, for `lotse check`.
    catalogue_changes: list[CatalogueChange] = field(default_factory=list, repr=False)
    _engine: Engine | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.visitor_types:
            self.visitor_types = [
                VisitorType(type_id, dict(VISITOR_TYPES[type_id]))
                for type_id in DEFAULT_VISITOR_TYPES
            ]

    # -- building --------------------------------------------------------

    def _added(self, obj: _T, origin: Origin | None) -> _T:
        self.sources[id(obj)] = origin or Origin()
        self._engine = None
        return obj

    def origin_of(self, obj: object, key: str = "") -> Origin:
        """Where `obj` was defined; with `key`, where that key of it was written."""
        origin = self.sources.get(id(obj), Origin())
        return origin.at(key) if key else origin

    def add_visitor_type(
        self, type_id: str, label: Text | None = None, *, origin: Origin | None = None
    ) -> VisitorType:
        visitor_type = VisitorType(type_id, dict(label or {"en": type_id}))
        self.visitor_types.append(visitor_type)
        return self._added(visitor_type, origin)

    def add_slot(
        self,
        slot_id: str,
        variants: Iterable[Variant] = (),
        *,
        max_changes: int = 2,
        origin: Origin | None = None,
    ) -> Slot:
        slot = Slot(slot_id, tuple(variants), max_changes)
        self.slots.append(slot)
        return self._added(slot, origin)

    def add_variant(self, slot_id: str, variant: Variant) -> Variant:
        """Add a variant to an existing slot."""
        for index, slot in enumerate(self.slots):
            if slot.id == slot_id:
                updated = replace(slot, variants=(*slot.variants, variant))
                self.sources[id(updated)] = self.origin_of(slot)
                self.slots[index] = updated
                self._engine = None
                return variant
        raise KeyError(f"no slot {slot_id!r}; add it first with site.add_slot({slot_id!r})")

    def add_rule(
        self,
        slot: str,
        variant: str,
        *,
        rule_id: str | None = None,
        reason: Text | None = None,
        holdout: float = 0.0,
        arms: Mapping[str, float] | None = None,
        dose: Dose | None = None,
        origin: Origin | None = None,
        **when: object,
    ) -> Rule:
        """Show `variant` in `slot` when every keyword condition holds.

        Conditions are the fields of `Condition`: visitor_type, intent, persona,
        stage, page, min_visits, not_converted, verified. `holdout` keeps a share
        of sessions on the default content; `arms` (weights per variant id or
        ``"control"``) makes the rule an A/B/n test; `dose` caps how often it is shown.
        """
        unknown = set(when) - set(Condition.__slots__)
        if unknown:
            raise TypeError(
                f"unknown rule condition(s) {sorted(unknown)}; use {sorted(Condition.__slots__)}"
            )
        rule = Rule(
            rule_id or f"{slot}:{variant}:{len(self.rules) + 1}",
            slot,
            variant,
            Condition(**when),  # type: ignore[arg-type]
            dict(reason or {}),
            holdout,
            tuple((arm, float(weight)) for arm, weight in (arms or {}).items()),
            dose,
        )
        self.rules.append(rule)
        return self._added(rule, origin)

    def add_signal(
        self,
        kind: SignalKind,
        match: str,
        visitor_type: str,
        weight: float = 1.5,
        reason: Text | None = None,
        *,
        signal_id: str | None = None,
        origin: Origin | None = None,
    ) -> Signal:
        """Count `match` as evidence for `visitor_type`; the id is ``kind:match`` unless given."""
        signal = Signal(kind, match, visitor_type, weight, dict(reason or {}), signal_id or "")
        self.signals.append(signal)
        return self._added(signal, origin)

    def add_persona_signal(
        self, match: str, persona: str, weight: float = 1.0, *, origin: Origin | None = None
    ) -> PersonaSignal:
        persona_signal = PersonaSignal(match, persona, weight)
        self.persona_signals.append(persona_signal)
        return self._added(persona_signal, origin)

    def add_intent(
        self,
        intent_id: str,
        visitor_type: str | None,
        phrases: Mapping[str, Iterable[str]],
        reply: Text | None = None,
        *,
        persona: str | None = None,
        in_person: str | None = None,
        search_tells: bool = False,
        origin: Origin | None = None,
    ) -> Intent:
        intent = Intent(
            intent_id,
            visitor_type,
            {lang: tuple(texts) for lang, texts in phrases.items()},
            dict(reply or {}),
            persona,
            in_person,
            search_tells,
        )
        self.intents.append(intent)
        return self._added(intent, origin)

    def add_goal(
        self, goal_id: str, name: Text | None = None, *, origin: Origin | None = None
    ) -> Goal:
        """Declare a conversion goal; the snippet's `convert` must name a declared one."""
        goal = Goal(goal_id, dict(name or {"en": goal_id}))
        self.goals.append(goal)
        return self._added(goal, origin)

    def add_catalogue(
        self, catalogue: Site, off: Iterable[str] = (), *, off_origin: Origin | None = None
    ) -> list[str]:
        """Put a catalogue's intents, signals, persona signals and sensitive topics first.

        The site's own definitions win: a catalogue intent or signal with the
        id of one of the site's is left out, as is every id in `off` (the list
        written at `off_origin`). Sensitive topics are only ever added to: a
        site cannot switch one off. Returns the ids in `off` that the catalogue
        does not have.
        """
        switched_off = set(off)
        where_off = off_origin or Origin()
        intents = self._from_catalogue(
            catalogue, catalogue.intents, self.intents, switched_off, where_off
        )
        signals = self._from_catalogue(
            catalogue, catalogue.signals, self.signals, switched_off, where_off
        )
        self.intents[:0] = intents
        self.signals[:0] = signals
        self.persona_signals[:0] = catalogue.persona_signals
        for obj in (*intents, *signals, *catalogue.persona_signals):
            self.sources[id(obj)] = catalogue.origin_of(obj)
        self.sensitivity = Sensitivity(
            (*catalogue.sensitivity.words, *self.sensitivity.words),
            (*catalogue.sensitivity.paths, *self.sensitivity.paths),
            (*catalogue.sensitivity.answers, *self.sensitivity.answers),
            (*catalogue.sensitivity.pages, *self.sensitivity.pages),
        )
        self._engine = None
        known = {i.id for i in catalogue.intents} | {s.id for s in catalogue.signals}
        return sorted(switched_off - known)

    def _from_catalogue(
        self,
        catalogue: Site,
        items: Sequence[_Item],
        own: Sequence[_Item],
        off: set[str],
        off_origin: Origin,
    ) -> list[_Item]:
        """The catalogue `items` the site keeps; notes each one it replaces or switches off."""
        own_by_id = {item.id: item for item in own}
        kept = []
        for item in items:
            kind: Literal["intent", "signal"] = "intent" if isinstance(item, Intent) else "signal"
            where = catalogue.origin_of(item)
            if item.id in own_by_id:
                replacement = self.origin_of(own_by_id[item.id])
                self.catalogue_changes.append(CatalogueChange(kind, item.id, where, replacement))
            elif item.id in off:
                self.catalogue_changes.append(
                    CatalogueChange(kind, item.id, where, off_origin, switched_off=True)
                )
            else:
                kept.append(item)
        return kept

    def mark_sensitive(
        self,
        *,
        words: Iterable[str] = (),
        paths: Iterable[str] = (),
        answers: Iterable[str] = (),
        pages: Iterable[str] = (),
    ) -> None:
        """Add sensitive topic words, path globs, words sensitive only in a chat
        answer (matched whole), or only on a page, on top of the defaults."""
        known = self.sensitivity
        self.sensitivity = Sensitivity(
            (*known.words, *words),
            (*known.paths, *paths),
            (*known.answers, *answers),
            (*known.pages, *pages),
        )
        self._engine = None

    def tune(self, **settings: float | int) -> None:
        """Change inference or chat thresholds, e.g. ``site.tune(threshold=0.8)``."""
        self.tuning = replace(self.tuning, **settings)  # type: ignore[arg-type]
        self._engine = None

    # -- lookups ----------------------------------------------------------

    def slot(self, slot_id: str) -> Slot | None:
        return next((s for s in self.slots if s.id == slot_id), None)

    def visitor_type(self, type_id: str) -> VisitorType | None:
        return next((t for t in self.visitor_types if t.id == type_id), None)

    # -- using ------------------------------------------------------------

    def check(self) -> list[Problem]:
        """Every problem in this site, errors and warnings; empty when all is well."""
        from ._validate import check_site

        return check_site(self)

    def engine(self) -> Engine:
        """The compiled, immutable form of this site (built once, then cached).

        Raises `ConfigError` listing every error when the site is invalid.
        """
        if self._engine is None:
            from ._engine import Engine
            from ._validate import ConfigError

            errors = [problem for problem in self.check() if problem.severity == "error"]
            if errors:
                raise ConfigError(errors)
            self._engine = Engine(self)
        return self._engine

    def new_session(self, trust: Trust | None = None, session_id: str | None = None) -> Session:
        """Start a session for one visitor: feed it `hello`, then events, and carry out
        the outcomes it returns."""
        return self.engine().new_session(trust, session_id)
