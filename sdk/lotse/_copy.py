"""What the session itself says to visitors, per language — read from `copy.toml`.

Intents carry their own replies in the catalogue; these are the few sentences
the session needs around them: the chat prompt, the clarifying question, the
reasons shown under "Why am I seeing this?" when no rule gives its own, the
preview banner and the default visitor types' labels. They are data in the
catalogue (`intents/copy.toml`), so adding a language adds lines, not code.
"""

from __future__ import annotations

import tomllib
from typing import Any

from ._language import catalogue_dir
from ._model import Text


def _read() -> dict[str, Any]:
    with (catalogue_dir() / "copy.toml").open("rb") as file:
        return tomllib.load(file)


def _text(table: Any) -> Text:
    return {lang: str(text) for lang, text in table.items() if isinstance(text, str)}


_COPY = _read()

PROMPT: Text = _text(_COPY["prompt"])
CLARIFY: Text = _text(_COPY["clarify"])
THANKS: Text = _text(_COPY["thanks"])
FALLBACK: Text = _text(_COPY["fallback"])
#: The reply to an answer that names a sensitive topic.
SENSITIVE: Text = _text(_COPY["sensitive"])
YOU_SAID: Text = _text(_COPY["you_said"])
#: Why a verified professional sees what they see, per verified role.
VERIFIED: dict[str, Text] = {role: _text(text) for role, text in _COPY["verified"].items()}
RETURNING: Text = _text(_COPY["returning"])
GENERIC: Text = _text(_COPY["generic"])
#: The banner of a preview link (for medical-legal review).
PREVIEW: Text = _text(_COPY["preview"])
#: Labels of the visitor types every site has.
VISITOR_TYPES: dict[str, Text] = {
    type_id: _text(label) for type_id, label in _COPY["visitor_type"].items()
}
