"""The keys each kind of table in a site file may have: one list per kind.

A misspelt key must never be ignored: ``holdot = 0.1`` silently removes a
control group, ``max_change = 1`` silently keeps the default. So every table
is compared with its list here, and a stray key is an error that suggests the
key that was probably meant. Tables whose keys are languages (``reason``,
``html``, ``phrases`` …) are not listed: any language code is welcome there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ._model import Condition, Tuning
from ._validate import did_you_mean

#: Allowed keys per kind of table; the kind is the table's path without numbers.
TABLE_KEYS: Mapping[str, tuple[str, ...]] = {
    "": (
        "site", "catalogue", "tuning", "visitor_type", "slot", "rule", "signal", "persona",
        "intent", "goal", "sensitive",
    ),
    "site": ("id", "name", "origins", "include", "catalogue"),
    "catalogue": ("off",),
    "tuning": Tuning.__slots__,
    "visitor_type": ("id", "label"),
    "slot": ("id", "max_changes", "variant"),
    "slot.variant": ("id", "html", "audience", "rx", "verified_roles"),
    "rule": ("id", "slot", "variant", "when", "holdout", "reason"),
    "rule.when": Condition.__slots__,
    "signal": ("id", "kind", "match", "visitor_type", "weight", "reason"),
    "persona": ("match", "persona", "weight"),
    "intent": ("id", "visitor_type", "persona", "phrases", "reply"),
    "goal": ("id", "name"),
    "sensitive": ("words", "paths"),
}  # fmt: skip

#: How a table kind is written in a file, for messages.
TABLE_NAMES: Mapping[str, str] = {
    kind: f"[{kind}]" if kind in ("site", "catalogue", "tuning", "sensitive") else f"[[{kind}]]"
    for kind in TABLE_KEYS
} | {"": "the file", "rule.when": "a rule's `when`"}

#: Kinds whose keys are easily written one level too high or too low.
_NEIGHBOURS: Mapping[str, str] = {
    "rule": "rule.when",
    "rule.when": "rule",
    "slot": "slot.variant",
    "slot.variant": "slot",
    "": "site",
    "site": "catalogue",
    "catalogue": "site",
}

#: Sections that only the site file itself may have (not includes or the catalogue).
SITE_FILE_ONLY = ("site", "catalogue")


def unknown_keys(kind: str, table: Mapping[str, object]) -> Iterator[tuple[str, str, str]]:
    """(key, message, fix) for every key of `table` that its kind does not allow."""
    allowed = TABLE_KEYS[kind]
    for name in table:
        if name in allowed:
            continue
        message = (
            f"unknown key {name!r} in {TABLE_NAMES[kind]}" if kind else f"unknown section {name!r}"
        )
        neighbour = _NEIGHBOURS.get(kind)
        if neighbour is not None and name in TABLE_KEYS[neighbour]:
            yield name, message, f"{name} belongs in {TABLE_NAMES[neighbour]}; move it there"
        else:
            yield name, message, did_you_mean(name, allowed)
