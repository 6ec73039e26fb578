"""Site files shared by the loader and CLI tests: a valid one and its misspellings.

`GOOD` has one table of every kind and every line is known, so the tests
can say exactly on which line a problem must be reported. Its global holdout
keeps `lotse check` quiet when a misspelling removes the first rule's
`holdout`: the test is about the misspelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GOOD = """\
[site]
id = "acme"
origins = ["https://www.acme.example"]
catalogue = false

[[visitor_type]]
id = "press"
label = { de = "Presse", en = "Press" }

[[slot]]
id = "hero"
max_changes = 2
[[slot.variant]]
id = "hero-press"
audience = ["press"]
html = "<h2>Pressebereich</h2>"

[[rule]]
slot = "hero"
variant = "hero-press"
when = { visitor_type = "press" }
holdout = 0.0
reason = { de = "Weil Sie den Pressebereich besucht haben", en = "Because you visited press" }

[[signal]]
kind = "path"
match = "presse"
visitor_type = "press"
weight = 3.0
reason.de = "Pressebereich"

[[persona]]
match = "pressemappe"
persona = "digital"
weight = 1.0

[[intent]]
id = "press.contact"
visitor_type = "press"
phrases.de = ["Ich bin Journalistin"]
phrases.en = ["I am a journalist"]
reply.de = "Unser Pressebereich"

[[goal]]
id = "lead"
name = { de = "Anfrage", en = "Inquiry" }

[sensitive]
paths = ["/intern/*"]

[tuning]
threshold = 0.8

[experiments]
global_holdout = 0.05
mde = 0.3

[chat]
dose = { per_session = 2, per_visitor = 3 }

[[rule]]
id = "press-ab"
slot = "hero"
arms = { control = 1, "hero-press" = 2 }
when = { visitor_type = "press", intent = "press.contact" }
dose = { per_session = 3, per_visitor = 6, audiences = { digital = 2 } }
"""

#: A session id that `GOOD`'s global holdout puts in its personalized arm.
PERSONALIZED = "s1"


def write(directory: Path, text: str, name: str = "site.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def with_line(number: int, text: str, site: str = GOOD) -> str:
    """`site` with line `number` (counted from 1) replaced by `text`."""
    lines = site.splitlines()
    lines[number - 1] = text
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Misspelling:
    """One key of `GOOD` written wrong, and the error `lotse check` must give for it."""

    line: int
    text: str
    key: str
    table: str
    meant: str

    def site(self) -> str:
        return with_line(self.line, self.text)

    def error(self, path: Path) -> str:
        name = self.key.rsplit(".", 1)[-1]
        what = f"section {name!r}" if self.table == "" else f"key {name!r} in {self.table}"
        return (
            f"error: {path}:{self.line}: {self.key}: unknown {what} "
            f"(fix: did you mean {self.meant!r}?)"
        )


#: A misspelt key in every kind of table.
MISSPELLINGS = [
    Misspelling(48, "[sensitiv]", "sensitiv", "", "sensitive"),
    Misspelling(3, 'orgins = ["https://www.acme.example"]', "site.orgins", "[site]", "origins"),
    Misspelling(8, 'lable = "Presse"', "visitor_type[1].lable", "[[visitor_type]]", "label"),
    Misspelling(12, "max_change = 2", "slot[1].max_change", "[[slot]]", "max_changes"),
    Misspelling(
        15, 'audiense = ["press"]', "slot[1].variant[1].audiense", "[[slot.variant]]", "audience"
    ),
    Misspelling(22, "holdot = 0.1", "rule[1].holdot", "[[rule]]", "holdout"),
    Misspelling(
        21, 'when = { visitortype = "press" }', "rule[1].when.visitortype", "a rule's `when`",
        "visitor_type",
    ),
    Misspelling(29, "wieght = 3.0", "signal[1].wieght", "[[signal]]", "weight"),
    Misspelling(35, "weigth = 1.0", "persona[1].weigth", "[[persona]]", "weight"),
    Misspelling(42, 'replay.de = "Hallo"', "intent[1].replay", "[[intent]]", "reply"),
    Misspelling(46, 'nmae = "Anfrage"', "goal[1].nmae", "[[goal]]", "name"),
    Misspelling(49, 'path = ["/intern/*"]', "sensitive.path", "[sensitive]", "paths"),
    Misspelling(52, "treshold = 0.8", "tuning.treshold", "[tuning]", "threshold"),
    Misspelling(
        55, "global_holdot = 0.05", "experiments.global_holdot", "[experiments]", "global_holdout"
    ),
    Misspelling(
        59, "dose = { per_sesion = 2 }", "chat.dose.per_sesion", "the chat's `dose`", "per_session"
    ),
    Misspelling(
        66, "dose = { per_visitr = 6 }", "rule[2].dose.per_visitr", "a rule's `dose`", "per_visitor"
    ),
]  # fmt: skip
