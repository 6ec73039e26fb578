"""Reading a site and its catalogue from TOML files.

TOML is data, never code: conditions are plain keys, so a configuration can
never run anything (a remote-code-execution hole in another personalization
server came from evaluating submitted conditions). Every mistake becomes a
`Problem` naming the file, the line, the key and the fix; all of them are
collected before `ConfigError` is raised, so one run of `lotse check` shows
everything. A key the loader does not know is a mistake too (`_toml_keys`):
a misspelt ``holdout`` must not silently remove a control group.

The catalogue (`intents/`) is read into a site of its own and then put under
the site's definitions, so a site replaces a catalogue intent or signal by
defining one with the same id, and switches one off with
``[catalogue] off = [...]``.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ._language import catalogue_dir as catalogue_dir
from ._model import CONTROL, Dose, Experiments, Origin, Tuning, Variant, signal_id
from ._site import Site
from ._toml_keys import SITE_FILE_ONLY, TABLE_KEYS, TABLE_NAMES, unknown_keys
from ._toml_lines import KeyLines, element
from ._validate import ConfigError, Problem, did_you_mean

_T = TypeVar("_T")

#: The catalogue files read for every site unless it sets ``catalogue = false``.
CATALOGUE_FILES = ("intents.toml", "signals.toml", "personas.toml", "sensitive.toml")

#: Conditions that are not strings; the others (visitor_type, page, …) are.
_CONDITION_TYPES: dict[str, type] = {"min_visits": int, "verified": bool}


@dataclass
class _Head:
    """What only the site file itself says: ``[site]`` and ``[catalogue]``."""

    catalogue: bool = True
    includes: tuple[str, ...] = ()
    include_origin: Origin = field(default_factory=Origin)
    off: tuple[str, ...] = ()
    off_origin: Origin = field(default_factory=Origin)


def _key(table: str, name: str) -> str:
    return f"{table}.{name}" if table else name


class _Reader:
    """Reads one file's tables into a site, noting problems instead of stopping."""

    def __init__(self, site: Site, file: str, lines: KeyLines, problems: list[Problem]) -> None:
        self.site = site
        self.file = file
        self.lines = lines
        self.problems = problems

    def origin(self, key: str) -> Origin:
        return Origin(self.file, key, self.lines.line(key), self.lines)

    def problem(self, key: str, message: str, fix: str) -> None:
        self.problems.append(Problem("error", self.origin(key), message, fix))

    def get(
        self,
        table: dict[str, Any],
        key: str,
        name: str,
        kind: type[_T] | tuple[type, ...],
        default: Any = ...,
        fix: str = "",
    ) -> Any:
        if name not in table:
            if default is ...:
                self.problem(_key(key, name), "is missing", fix or f"add {name} = ...")
                return None
            return default
        value = table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            value = None  # TOML true is an int in Python's eyes; reject it as a number
        if value is None or not isinstance(value, kinds):
            expected = " or ".join(k.__name__ for k in kinds)
            self.problem(
                _key(key, name),
                f"must be {expected}, not {type(table[name]).__name__}",
                fix or f"write {name} as a TOML {expected}",
            )
            return None if default is ... else default
        return value

    def text(self, table: dict[str, Any], key: str, name: str) -> dict[str, str]:
        value = table.get(name, {})
        if isinstance(value, str):
            return {"en": value, "de": value}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.problem(
                _key(key, name),
                "must be a string or a table of strings per language",
                f'write {name}.de = "..." and {name}.en = "..."',
            )
            return {}
        return dict(value)

    def strings(self, table: dict[str, Any], key: str, name: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(_key(key, name), "must be a list of strings", f'write {name} = ["..."]')
            return ()
        return tuple(value)

    def known_keys(self, kind: str, key: str, table: dict[str, Any]) -> None:
        """An error for every key that `kind` of table does not have."""
        for name, message, fix in unknown_keys(kind, table):
            self.problem(_key(key, name), message, fix)

    def table(self, doc: dict[str, Any], key: str, name: str, kind: str) -> dict[str, Any]:
        """A single table such as ``[tuning]`` or ``when = {…}``, its keys checked."""
        value: dict[str, Any] = self.get(doc, key, name, dict, {})
        self.known_keys(kind, _key(key, name), value)
        return value

    def tables(
        self, doc: dict[str, Any], name: str, kind: str = "", prefix: str = ""
    ) -> list[tuple[str, dict[str, Any]]]:
        """An array of tables such as ``[[rule]]``: (key path, table), keys checked."""
        value = doc.get(name, [])
        if isinstance(value, dict):
            value = [value]
        header = TABLE_NAMES[kind or name]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(
                _key(prefix, name), "must be an array of tables", f"write {header} headers"
            )
            return []
        found = []
        for number, table in enumerate(value, start=1):
            key = element(_key(prefix, name), number)
            self.known_keys(kind or name, key, table)
            found.append((key, table))
        return found

    # -- sections ------------------------------------------------------------

    def read(self, doc: dict[str, Any], *, site_file: bool) -> None:
        self.known_keys("", "", doc)
        for name in SITE_FILE_ONLY:
            if name in doc and not site_file:
                self.problem(
                    name,
                    f"{TABLE_NAMES[name]} is only read from the site file itself",
                    "move it to the site file",
                )
        self.visitor_types(doc)
        self.slots(doc)
        self.rules(doc)
        self.signals(doc)
        self.personas(doc)
        self.intents(doc)
        self.goals(doc)
        self.sensitive(doc)
        self.tuning(doc)
        if site_file:
            self.experiments(doc)
            self.chat(doc)

    def head(self, doc: dict[str, Any]) -> _Head:
        head = self.table(doc, "", "site", "site")
        site_id = self.get(head, "site", "id", str, None)
        if site_id is None and "id" not in head:
            self.problem("site.id", "is missing", 'add id = "my-site" under [site]')
        self.site.id = site_id or "?"
        self.site.name = self.get(head, "site", "name", str, "")
        self.site.origins = list(self.strings(head, "site", "origins"))
        catalogue = self.table(doc, "", "catalogue", "catalogue")
        return _Head(
            catalogue=self.get(head, "site", "catalogue", bool, True),
            includes=self.strings(head, "site", "include"),
            include_origin=self.origin("site.include"),
            off=self.strings(catalogue, "catalogue", "off"),
            off_origin=self.origin("catalogue.off"),
        )

    def visitor_types(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "visitor_type"):
            type_id = self.get(table, key, "id", str)
            if type_id:
                label = self.text(table, key, "label")
                self.site.add_visitor_type(type_id, label, origin=self.origin(key))

    def slots(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "slot"):
            slot_id = self.get(table, key, "id", str)
            variants = [
                variant
                for vkey, vtable in self.tables(table, "variant", "slot.variant", key)
                if (variant := self.variant(vkey, vtable)) is not None
            ]
            max_changes = self.get(table, key, "max_changes", int, 2)
            if slot_id:
                self.site.add_slot(
                    slot_id, variants, max_changes=max_changes, origin=self.origin(key)
                )

    def variant(self, key: str, table: dict[str, Any]) -> Variant | None:
        variant_id = self.get(table, key, "id", str)
        if "html" not in table:
            self.problem(f"{key}.html", "is missing", 'add html = """<p>…</p>"""')
            return None
        # html is one string, or a table per language: html.de = "…", html.en = "…"
        raw = table["html"]
        translations = {} if isinstance(raw, str) else self.text(table, key, "html")
        # Without a table entry for the visitor's language, the first one written
        # (the site's main language) is shown.
        html = raw if isinstance(raw, str) else next(iter(translations.values()), "")
        if not variant_id or not (html or translations):
            return None
        variant = Variant(
            variant_id,
            html,
            self.strings(table, key, "audience"),
            bool(self.get(table, key, "rx", bool, False)),
            translations,
            self.strings(table, key, "verified_roles"),
        )
        self.site.sources[id(variant)] = self.origin(key)
        return variant

    def rules(self, doc: dict[str, Any]) -> None:
        for number, (key, table) in enumerate(self.tables(doc, "rule"), start=1):
            slot = self.get(table, key, "slot", str)
            arms = self.arms(table, key)
            if arms is None:
                variant = self.get(
                    table, key, "variant", str, fix='add variant = "..." (or arms = {...})'
                )
            else:  # an A/B/n test: named by its first variant arm unless `variant` says
                first = next((arm for arm in arms if arm != CONTROL), "")
                variant = self.get(table, key, "variant", str, first)
            when_key = f"{key}.when"
            when = self.table(table, key, "when", "rule.when")
            conditions = {
                name: value
                for name in TABLE_KEYS["rule.when"]
                if (value := self.get(when, when_key, name, _CONDITION_TYPES.get(name, str), None))
                is not None
            }
            holdout = self.get(table, key, "holdout", (float, int), 0.0)
            # An empty or broken `arms` is reported already; `{ control = 1 }` is for check_site.
            if slot and (variant if arms is None else arms):
                # Numbered like its key path: the default id `hero:hero-hcp:3` is rule[3].
                self.site.add_rule(
                    slot,
                    variant,
                    rule_id=self.get(table, key, "id", str, f"{slot}:{variant}:{number}"),
                    reason=self.text(table, key, "reason"),
                    holdout=float(holdout),
                    arms=arms,
                    dose=self.dose(table, key, "rule.dose", None),
                    origin=self.origin(key),
                    **conditions,
                )

    def arms(self, table: dict[str, Any], key: str) -> dict[str, float] | None:
        """``arms = { control = 1, "hero-hcp" = 1 }``: the weight of each arm.

        None when not written; empty when it is empty or has a weight that is
        not a number (both reported here).
        """
        if "arms" not in table:
            return None
        written: dict[str, Any] | None = self.get(table, key, "arms", dict, None)
        if written is None:
            return {}
        if not written:
            self.problem(
                f"{key}.arms",
                "has no arms",
                'write a weight per arm: arms = { control = 1, "my-variant" = 1 }',
            )
        weights = self.numbers(written, f"{key}.arms", (float, int), 1)
        if None in weights.values():
            return {}
        return {arm: float(weight) for arm, weight in weights.items()}

    def dose(self, table: dict[str, Any], key: str, kind: str, default: Dose | None) -> Dose | None:
        """``dose = { per_session = 3, per_visitor = 6, audiences = { evidence = 2 } }``.

        Caps not written keep `default`'s (for a rule: none).
        """
        if "dose" not in table:
            return default
        dose_key = f"{key}.dose"
        written = self.table(table, key, "dose", kind)
        per: dict[str, Any] = {
            name: written[name] for name in ("per_session", "per_visitor") if name in written
        }
        caps: dict[str, Any] = {
            name: cap
            for name, cap in self.numbers(per, dose_key, int, 3).items()
            if cap is not None
        }
        if "audiences" in written:
            audiences: dict[str, Any] = self.get(written, dose_key, "audiences", dict, {})
            caps["audiences"] = tuple(
                (who, cap)
                for who, cap in self.numbers(audiences, f"{dose_key}.audiences", int, 2).items()
                if cap is not None
            )
        return replace(default or Dose(), **caps)

    def numbers(
        self, table: dict[str, Any], key: str, kind: type | tuple[type, ...], example: int
    ) -> dict[str, Any]:
        """Each entry of a table of numbers (arms, caps), None where it is not one (reported)."""
        return {
            name: self.get(table, key, name, kind, None, f"e.g. {name} = {example}")
            for name in table
        }

    def signals(self, doc: dict[str, Any]) -> None:
        tables = self.tables(doc, "signal")
        # One word may count for several visitor types (``fachkreis`` for doctors and
        # pharmacists); then each one's implicit id names its visitor type as well.
        words = Counter((t.get("kind", "path"), t.get("match")) for _, t in tables)
        for key, table in tables:
            kind = self.get(table, key, "kind", str, "path")
            match = self.get(table, key, "match", str)
            visitor_type = self.get(table, key, "visitor_type", str)
            weight = self.get(table, key, "weight", (float, int), 1.5)
            if match and visitor_type:
                shared = words[kind, match] > 1
                self.site.add_signal(
                    kind,
                    match,
                    visitor_type,
                    float(weight),
                    self.text(table, key, "reason"),
                    signal_id=self.get(
                        table,
                        key,
                        "id",
                        str,
                        signal_id(kind, match, visitor_type if shared else None),
                    ),
                    origin=self.origin(key),
                )

    def personas(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "persona"):
            match = self.get(table, key, "match", str)
            persona = self.get(table, key, "persona", str)
            weight = self.get(table, key, "weight", (float, int), 1.0)
            if match and persona:
                self.site.add_persona_signal(match, persona, float(weight), origin=self.origin(key))

    def intents(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "intent"):
            intent_id = self.get(table, key, "id", str)
            phrases_table = self.get(table, key, "phrases", dict, {})
            phrases = {
                lang: self.strings(phrases_table, f"{key}.phrases", lang) for lang in phrases_table
            }
            if intent_id:
                self.site.add_intent(
                    intent_id,
                    self.get(table, key, "visitor_type", str, None),
                    phrases,
                    self.text(table, key, "reply"),
                    persona=self.get(table, key, "persona", str, None),
                    in_person=self.get(table, key, "in_person", str, None),
                    search_tells=self.get(table, key, "search_tells", bool, False),
                    origin=self.origin(key),
                )

    def goals(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "goal"):
            goal_id = self.get(table, key, "id", str)
            if goal_id:
                name = self.text(table, key, "name")
                self.site.add_goal(goal_id, name or None, origin=self.origin(key))

    def sensitive(self, doc: dict[str, Any]) -> None:
        table = self.table(doc, "", "sensitive", "sensitive")
        if table:
            self.site.mark_sensitive(
                words=self.strings(table, "sensitive", "words"),
                paths=self.strings(table, "sensitive", "paths"),
                answers=self.strings(table, "sensitive", "answers"),
                pages=self.strings(table, "sensitive", "pages"),
            )

    def tuning(self, doc: dict[str, Any]) -> None:
        table = self.table(doc, "", "tuning", "tuning")
        settings: dict[str, Any] = {}
        for name in TABLE_KEYS["tuning"]:
            default = getattr(Tuning(), name)
            value = self.get(table, "tuning", name, (int, float), None, f"e.g. {name} = {default}")
            if value is not None:
                settings[name] = type(default)(value)
        if settings:
            self.site.tune(**settings)
            self.site.sources[id(self.site.tuning)] = self.origin("tuning")

    def experiments(self, doc: dict[str, Any]) -> None:
        table = self.table(doc, "", "experiments", "experiments")
        settings: dict[str, float] = {}
        for name in TABLE_KEYS["experiments"]:
            default = getattr(Experiments(), name)
            value = self.get(
                table, "experiments", name, (int, float), None, f"e.g. {name} = {default}"
            )
            if value is not None:
                settings[name] = float(value)
        if "experiments" in doc:
            self.site.experiments = Experiments(**settings)
            self.site.sources[id(self.site.experiments)] = self.origin("experiments")

    def chat(self, doc: dict[str, Any]) -> None:
        table = self.table(doc, "", "chat", "chat")
        dose = self.dose(table, "chat", "chat.dose", self.site.chat_dose)
        if "dose" in table and dose is not None:
            self.site.chat_dose = dose
            self.site.sources[id(dose)] = self.origin("chat.dose")


_TOML_LINE = re.compile(r"at line (\d+)")


def _parse(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], KeyLines] | None:
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), KeyLines.scan(text)
    except FileNotFoundError:
        problems.append(
            Problem("error", Origin(str(path)), "file not found", "check the path and spelling")
        )
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE.search(str(exc))
        problems.append(
            Problem(
                "error",
                Origin(str(path), line=int(line.group(1)) if line else None),
                f"not valid TOML: {exc}",
                "correct the syntax at that line (quotes, brackets, commas)",
            )
        )
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem("error", Origin(str(path)), f"cannot read: {exc}", "check it"))
    return None


def _read_file(
    site: Site, path: Path, problems: list[Problem], *, site_file: bool = False
) -> _Head:
    """Read one file into `site`; for the site file itself, also its ``[site]`` head."""
    parsed = _parse(path, problems)
    if parsed is None:
        return _Head()
    doc, lines = parsed
    reader = _Reader(site, str(path), lines, problems)
    head = reader.head(doc) if site_file else _Head()
    reader.read(doc, site_file=site_file)
    return head


def read_site(path: str | Path | None = None) -> tuple[Site, list[Problem]]:
    """Read a site file (plus the default catalogue), collecting every problem.

    `path=None` gives a site with only the default catalogue: inference and
    chat work, there are no slots. The problems are those found while reading
    files; `Site.check()` adds what is wrong with the model itself.
    """
    problems: list[Problem] = []
    if path is None:
        site = Site("default")
        _read_catalogue(site, problems)
        return site, problems
    site_path = Path(path)
    site = Site("?")
    head = _read_file(site, site_path, problems, site_file=True)
    for include in head.includes:
        if (site_path.parent / include).is_file():
            _read_file(site, site_path.parent / include, problems)
        else:
            problems.append(
                Problem(
                    "error",
                    head.include_origin,
                    f"included file {include!r} not found next to {site_path.name}",
                    "check the name; includes are read relative to the site file",
                )
            )
    if head.catalogue:
        catalogue = Site(site.id)
        _read_catalogue(catalogue, problems)
        ids = [i.id for i in catalogue.intents] + [s.id for s in catalogue.signals]
        for item_id in site.add_catalogue(catalogue, head.off, off_origin=head.off_origin):
            problems.append(
                Problem(
                    "error",
                    head.off_origin,
                    f"the catalogue has no intent or signal {item_id!r} to switch off",
                    did_you_mean(
                        item_id,
                        ids,
                        "use an intent id (patient.side_effects) or a signal id (path:karriere) "
                        f"from {catalogue_dir()}",
                    ),
                )
            )
    elif head.off:
        problems.append(
            Problem(
                "error",
                head.off_origin,
                "switches off catalogue items, but the site does not use the catalogue",
                "remove [catalogue] off, or drop catalogue = false from [site]",
            )
        )
    return site, problems


def load_site(path: str | Path | None = None) -> Site:
    """Load a site for use; raise `ConfigError` listing every error if it has any."""
    site, problems = read_site(path)
    errors = [p for p in [*problems, *site.check()] if p.severity == "error"]
    if errors:
        raise ConfigError(errors)
    return site


def _read_catalogue(site: Site, problems: list[Problem]) -> None:
    directory = catalogue_dir()
    for name in CATALOGUE_FILES:
        path = directory / name
        if path.exists():
            _read_file(site, path, problems)
