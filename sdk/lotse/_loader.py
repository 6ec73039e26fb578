"""Reading a site and its catalogue from TOML files.

TOML is data, never code: conditions are plain keys, so a configuration can
never run anything (a remote-code-execution hole in another personalization
server came from evaluating submitted conditions). Every mistake becomes a
`Problem` naming the file, the key and the fix; all of them are collected
before `ConfigError` is raised, so one run of `lotse check` shows everything.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from ._model import Condition, Origin, Rule, Signal, Tuning, Variant
from ._site import Site
from ._validate import ConfigError, Problem

_T = TypeVar("_T")

#: The catalogue files read for every site unless it sets ``catalogue = false``.
CATALOGUE_FILES = ("intents.toml", "signals.toml", "personas.toml", "sensitive.toml")


def catalogue_dir() -> Path:
    """Where the default catalogue lives: inside the wheel, or `intents/` in a checkout."""
    packaged = Path(str(resources.files("lotse"))) / "catalogue"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "intents"


class _Reader:
    """Reads one file's tables into a site, noting problems instead of stopping."""

    def __init__(self, site: Site, file: str, problems: list[Problem]) -> None:
        self.site = site
        self.file = file
        self.problems = problems

    def origin(self, key: str) -> Origin:
        return Origin(self.file, key)

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
                self.problem(f"{key}.{name}", "is missing", fix or f"add {name} = ...")
                return None
            return default
        value = table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            value = None  # TOML true is an int in Python's eyes; reject it as a number
        if value is None or not isinstance(value, kinds):
            expected = " or ".join(k.__name__ for k in kinds)
            self.problem(
                f"{key}.{name}",
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
                f"{key}.{name}",
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
            self.problem(f"{key}.{name}", "must be a list of strings", f'write {name} = ["..."]')
            return ()
        return tuple(value)

    def tables(self, doc: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
        value = doc.get(name, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(name, "must be an array of tables", f"write [[{name}]] headers")
            return []
        return [(f"{name}[{index}]", table) for index, table in enumerate(value)]

    # -- sections ------------------------------------------------------------

    def read(self, doc: dict[str, Any]) -> None:
        known = {
            "site", "tuning", "visitor_type", "slot", "rule", "signal", "persona",
            "intent", "sensitive",
        }  # fmt: skip
        for name in doc:
            if name not in known:
                self.problem(name, f"unknown section {name!r}", f"use one of {sorted(known)}")
        self.visitor_types(doc)
        self.slots(doc)
        self.rules(doc)
        self.signals(doc)
        self.intents(doc)
        self.sensitive(doc)
        self.tuning(doc)

    def visitor_types(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "visitor_type"):
            type_id = self.get(table, key, "id", str)
            if type_id:
                label = self.text(table, key, "label")
                self.site.add_visitor_type(type_id, label, origin=self.origin(key))

    def slots(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "slot"):
            slot_id = self.get(table, key, "id", str)
            variants = []
            for vkey, vtable in self.tables(table, "variant"):
                vkey = f"{key}.{vkey}"
                variant_id = self.get(vtable, vkey, "id", str)
                if "html" not in vtable:
                    self.problem(f"{vkey}.html", "is missing", 'add html = """<p>…</p>"""')
                    continue
                # html is one string, or a table per language: html.de = "…", html.en = "…"
                raw = vtable["html"]
                translations = {} if isinstance(raw, str) else self.text(vtable, vkey, "html")
                # Without a table entry for the visitor's language, the first one written
                # (the site's main language) is shown.
                html = raw if isinstance(raw, str) else next(iter(translations.values()), "")
                if variant_id and (html or translations):
                    variants.append(
                        Variant(
                            variant_id,
                            html,
                            self.strings(vtable, vkey, "audience"),
                            bool(self.get(vtable, vkey, "rx", bool, False)),
                            translations,
                        )
                    )
            max_changes = self.get(table, key, "max_changes", int, 2)
            if slot_id:
                self.site.add_slot(
                    slot_id, variants, max_changes=max_changes, origin=self.origin(key)
                )

    def rules(self, doc: dict[str, Any]) -> None:
        fields = set(Condition.__slots__)
        for key, table in self.tables(doc, "rule"):
            slot = self.get(table, key, "slot", str)
            variant = self.get(table, key, "variant", str)
            when = self.get(table, key, "when", dict, {})
            for name in set(when) - fields:
                self.problem(
                    f"{key}.when.{name}",
                    f"unknown condition {name!r}",
                    f"use one of {sorted(fields)}",
                )
            conditions = {name: value for name, value in when.items() if name in fields}
            for name in ("min_visits",):
                if name in conditions and not isinstance(conditions[name], int):
                    self.problem(f"{key}.when.{name}", "must be a whole number", "e.g. 3")
                    del conditions[name]
            holdout = self.get(table, key, "holdout", (float, int), 0.0)
            if slot and variant:
                rule = Rule(
                    self.get(table, key, "id", str, f"{slot}:{variant}:{len(self.site.rules) + 1}"),
                    slot,
                    variant,
                    Condition(**conditions),
                    self.text(table, key, "reason"),
                    float(holdout),
                )
                self.site.rules.append(rule)
                self.site.sources[id(rule)] = self.origin(key)

    def signals(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "signal"):
            kind = self.get(table, key, "kind", str, "path")
            match = self.get(table, key, "match", str)
            visitor_type = self.get(table, key, "visitor_type", str)
            weight = self.get(table, key, "weight", (float, int), 1.5)
            if match and visitor_type:
                signal = Signal(
                    kind, match, visitor_type, float(weight), self.text(table, key, "reason")
                )
                self.site.signals.append(signal)
                self.site.sources[id(signal)] = self.origin(key)
        for key, table in self.tables(doc, "persona"):
            match = self.get(table, key, "match", str)
            persona = self.get(table, key, "persona", str)
            weight = self.get(table, key, "weight", (float, int), 1.0)
            if match and persona:
                self.site.add_persona_signal(match, persona, float(weight), origin=self.origin(key))

    def intents(self, doc: dict[str, Any]) -> None:
        for key, table in self.tables(doc, "intent"):
            intent_id = self.get(table, key, "id", str)
            visitor_type = self.get(table, key, "visitor_type", str, None)
            phrases_table = self.get(table, key, "phrases", dict, {})
            phrases = {
                lang: self.strings(phrases_table, f"{key}.phrases", lang) for lang in phrases_table
            }
            if intent_id:
                self.site.add_intent(
                    intent_id,
                    visitor_type,
                    phrases,
                    self.text(table, key, "reply"),
                    persona=self.get(table, key, "persona", str, None),
                    origin=self.origin(key),
                )

    def sensitive(self, doc: dict[str, Any]) -> None:
        table = self.get(doc, "", "sensitive", dict, {})
        if table:
            self.site.mark_sensitive(
                words=self.strings(table, "sensitive", "words"),
                paths=self.strings(table, "sensitive", "paths"),
            )

    def tuning(self, doc: dict[str, Any]) -> None:
        table = self.get(doc, "", "tuning", dict, {})
        settings: dict[str, Any] = {}
        for name, value in table.items():
            default = getattr(Tuning(), name, None)
            if default is None:
                self.problem(f"tuning.{name}", "unknown setting", f"use one of {Tuning.__slots__}")
            elif not isinstance(value, int | float) or isinstance(value, bool):
                self.problem(f"tuning.{name}", "must be a number", f"e.g. {default}")
            else:
                settings[name] = type(default)(value)
        if settings:
            self.site.tune(**settings)


def _parse(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(
            Problem("error", Origin(str(path)), "file not found", "check the path and spelling")
        )
    except tomllib.TOMLDecodeError as exc:
        problems.append(
            Problem(
                "error",
                Origin(str(path)),
                f"not valid TOML: {exc}",
                "correct the syntax at that line (quotes, brackets, commas)",
            )
        )
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem("error", Origin(str(path)), f"cannot read: {exc}", "check it"))
    return None


def _read_file(site: Site, path: Path, problems: list[Problem]) -> None:
    doc = _parse(path, problems)
    if doc is not None:
        _Reader(site, str(path), problems).read(doc)


def read_site(path: str | Path | None = None) -> tuple[Site, list[Problem]]:
    """Read a site file (plus the default catalogue), collecting every problem.

    `path=None` gives a site with only the default catalogue: inference and
    chat work, there are no slots. The problems are those found while reading
    files; `Site.check()` adds what is wrong with the model itself.
    """
    problems: list[Problem] = []
    if path is None:
        site = Site("default")
        _load_catalogue(site, problems)
        return site, problems
    site_path = Path(path)
    doc = _parse(site_path, problems) or {}
    reader = _Reader(Site("?"), str(site_path), problems)
    head = reader.get(doc, "", "site", dict, {}) if doc else {}
    site_id = reader.get(head, "site", "id", str, "?") if doc else "?"
    if doc and "id" not in head:
        reader.problem("site.id", "is missing", 'add id = "my-site" under [site]')
    site = Site(site_id, name=str(head.get("name", "")))
    reader.site = site
    site.origins = list(reader.strings(head, "site", "origins"))
    if reader.get(head, "site", "catalogue", bool, True):
        _load_catalogue(site, problems)
    reader.read(doc)
    for include in reader.strings(head, "site", "include"):
        _read_file(site, site_path.parent / include, problems)
    return site, problems


def load_site(path: str | Path | None = None) -> Site:
    """Load a site for use; raise `ConfigError` listing every error if it has any."""
    site, problems = read_site(path)
    errors = [p for p in [*problems, *site.check()] if p.severity == "error"]
    if errors:
        raise ConfigError(errors)
    return site


def _load_catalogue(site: Site, problems: list[Problem]) -> None:
    directory = catalogue_dir()
    for name in CATALOGUE_FILES:
        path = directory / name
        if path.exists():
            _read_file(site, path, problems)
