"""What the session itself says to visitors, per language.

Intents carry their own replies in the catalogue; these are the few sentences
the session needs around them: the chat prompt, the clarifying question, the
reasons shown under "Why am I seeing this?" when no rule gives its own.
"""

from __future__ import annotations

from ._model import Text

PROMPT: Text = {"de": "Was führt Sie zu uns?", "en": "What brings you here today?"}
CLARIFY: Text = {
    "de": "Damit ich Ihnen Passendes zeigen kann: Was trifft am ehesten auf Sie zu?",
    "en": "So I can show you what fits: which of these describes you best?",
}
THANKS: Text = {
    "de": "Danke! Ich zeige Ihnen Inhalte für: {label}.",
    "en": "Thank you! I'll show you content for: {label}.",
}
FALLBACK: Text = {
    "de": "Danke! Schauen Sie sich gern um – die Navigation bleibt, wie sie ist.",
    "en": "Thank you! Feel free to look around – the navigation stays as it is.",
}
YOU_SAID: Text = {"de": "Sie haben angegeben: {label}", "en": "You told us: {label}"}
#: Why a verified professional sees what they see, per verified role.
VERIFIED: dict[str, Text] = {
    "hcp": {
        "de": "Sie sind als Fachkreis-Angehörige/r angemeldet",
        "en": "You are signed in as a healthcare professional",
    },
    "pharmacist": {
        "de": "Sie sind als Apotheker/in angemeldet",
        "en": "You are signed in as a pharmacist",
    },
}
RETURNING: Text = {"de": "Weil Sie uns wieder besuchen", "en": "Because you are visiting us again"}
GENERIC: Text = {"de": "Passend zu den Seiten, die Sie besucht haben",
                 "en": "Based on the pages you visited"}  # fmt: skip
#: The banner of a preview link (for medical-legal review).
PREVIEW: Text = {
    "de": "Vorschau: So sieht diese Seite ein/e {who}.",
    "en": "Preview: this page as a {who} sees it.",
}
