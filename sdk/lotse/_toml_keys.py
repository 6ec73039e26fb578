"""The keys each kind of table in a site file may have: one list per kind.

A misspelt key must never be ignored: ``holdot = 0.1`` silently removes a
control group, ``max_change = 1`` silently keeps the default. So every table
is compared with its list here, and a stray key is an error that suggests the
key that was probably meant. Tables whose keys are languages (``reason``,
``html``, ``phrases`` …) or names (a rule's ``arms``, a dose's ``audiences``)
are not listed: their keys are checked against what the site defines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ._model import Condition, Dose, Experiments, Tuning
from ._validate import did_you_mean

#: Allowed keys per kind of table; the kind is the table's path without numbers.
TABLE_KEYS: Mapping[str, tuple[str, ...]] = {
    "": (
        "site", "catalogue", "tuning", "visitor_type", "slot", "rule", "signal", "persona",
        "intent", "goal", "sensitive", "experiments", "chat",
    ),
    "site": ("id", "name", "origins", "include", "catalogue"),
    "catalogue": ("off",),
    "tuning": Tuning.__slots__,
    "experiments": Experiments.__slots__,
    "chat": ("dose",),
    "chat.dose": Dose.__slots__,
    "visitor_type": ("id", "label"),
    "slot": ("id", "max_changes", "variant"),
    "slot.variant": ("id", "html", "audience", "rx", "verified_roles"),
    "rule": ("id", "slot", "variant", "arms", "when", "holdout", "reason", "dose"),
    "rule.when": Condition.__slots__,
    "rule.dose": Dose.__slots__,
    "signal": ("id", "kind", "match", "visitor_type", "weight", "reason"),
    "persona": ("match", "persona", "weight"),
    "intent": ("id", "visitor_type", "persona", "in_person", "search_tells", "phrases", "reply"),
    "goal": ("id", "name"),
    "sensitive": ("words", "paths", "answers", "pages"),
}  # fmt: skip

#: Sections written once, as ``[name]``; the others are arrays of tables, ``[[name]]``.
_SINGLE = ("site", "catalogue", "tuning", "sensitive", "experiments", "chat")

#: How a table kind is written in a file, for messages.
TABLE_NAMES: Mapping[str, str] = {
    kind: f"[{kind}]" if kind in _SINGLE else f"[[{kind}]]" for kind in TABLE_KEYS
} | {
    "": "the file",
    "rule.when": "a rule's `when`",
    "rule.dose": "a rule's `dose`",
    "chat.dose": "the chat's `dose`",
}

#: Kinds whose keys are easily written one level too high or too low.
_NEIGHBOURS: Mapping[str, tuple[str, ...]] = {
    "rule": ("rule.when", "rule.dose"),
    "rule.when": ("rule",),
    "rule.dose": ("rule",),
    "slot": ("slot.variant",),
    "slot.variant": ("slot",),
    "": ("site", "experiments"),
    "site": ("catalogue", "experiments"),
    "catalogue": ("site",),
    "chat": ("chat.dose",),
}

#: Sections that only the site file itself may have (not includes or the catalogue):
#: what the whole site is, and how it is measured.
SITE_FILE_ONLY = ("site", "catalogue", "experiments", "chat")


def unknown_keys(kind: str, table: Mapping[str, object]) -> Iterator[tuple[str, str, str]]:
    """(key, message, fix) for every key of `table` that its kind does not allow."""
    allowed = TABLE_KEYS[kind]
    for name in table:
        if name in allowed:
            continue
        message = (
            f"unknown key {name!r} in {TABLE_NAMES[kind]}" if kind else f"unknown section {name!r}"
        )
        home = next((n for n in _NEIGHBOURS.get(kind, ()) if name in TABLE_KEYS[n]), None)
        if home is not None:
            yield name, message, f"{name} belongs in {TABLE_NAMES[home]}; move it there"
        else:
            yield name, message, did_you_mean(name, allowed)
