"""Normalising free text and URL path words so that spelling variants compare equal.

Chat answers, catalogue phrases and URL path words all go through `normalise`,
so "Ärztin", "Aerztin", "ÄRZTE" and "Ärzt*innen" all become ``arzt`` and a
dictionary lookup finds them. The steps, in order:

1. Unicode NFKC, so a decomposed "a" + combining diaeresis counts as "ä" and
   look-alikes count as what they look like ("ﬁ" -> "fi", "Ａ" and "𝑨" -> "A").
2. Gender-inclusive spellings are joined into one word before casefolding
   loses the capital of the Binnen-I: "Mitarbeiter*innen", "Mitarbeiter:innen",
   "Mitarbeiter_innen", "Mitarbeiter/-innen", "Mitarbeiter(innen)" and
   "MitarbeiterInnen" all become "mitarbeiterinnen".
3. casefold (also ß → ss), then ä → ae, ö → oe, ü → ue, so the umlaut and the
   "ae" spelling a visitor types on a foreign keyboard agree.
4. Any other accent is stripped (é → e).
5. Everything that is not a letter or digit separates words.
6. Per word, feminine and plural forms of person nouns fold to one base form
   (Ärztin/Ärzte/Arzt → arzt, Apothekerin → apotheker, Patienten → patient),
   because for personalization a doctor is a doctor whatever the grammar. The
   endings are data: each language file's `[inflection] person` rules.

Only person-noun endings are folded, and only behind a stem long enough that
ordinary words are left alone ("Medizin", "Termin", "Login", "Listen" stay).
"""

from __future__ import annotations

import re
import unicodedata

from ._language import bundled_languages

__all__ = ["base_form", "normalise", "words"]

# Step 2. The separator forms need a letter before them so that a lone "/in"
# in a URL is not glued to anything. The Binnen-I must be matched before
# casefolding: a lower-case letter directly followed by "In"/"Innen" and a
# word end.
_GENDER_SEPARATED = re.compile(r"(?<=[^\W\d_])(?:[*:_·]|/-?|\()(in|innen)\)?(?![^\W\d_]|/)")
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])I(n|nnen)(?![^\W\d_])")

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: What comes right before "in"/"innen" in a separated gender spelling.
_GENDER_MARKS = ("*in", ":in", "_in", "·in", "/in", "/-in", "(in")

# Step 5: runs of characters that are neither letters nor digits. `\W` keeps
# the underscore as a word character, so it is named explicitly.
_SEPARATORS = re.compile(r"[\W_]+")

# Step 6: (ending, replacement, shortest stem before the ending), from the
# language files' `[inflection] person` (intents/lang/*.toml), longer endings
# first so that "-aerztinnen" wins over "-innen". The stem minimum keeps short
# everyday words out: "login" (stem ""), "listen" (stem "l"), "renten" (stem
# "r"), "platin" (stem "pl").
_PERSON_ENDINGS: tuple[tuple[str, str, int], ...] = bundled_languages().person
_ENDING_SUFFIXES = tuple(ending for ending, _, _ in _PERSON_ENDINGS)


def base_form(word: str) -> str:
    """Fold a feminine or plural person noun to its base form; other words unchanged.

    Not cached on purpose: chat answers pass through here, and their words must
    not linger in memory. The common case is one C-level `endswith` call.
    """
    if not word.endswith(_ENDING_SUFFIXES):
        return word
    for ending, replacement, min_stem in _PERSON_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: len(word) - len(ending)] + replacement
    return word


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    # Recompose what has no accent to lose (Hangul syllables, for one), so
    # that normalising twice changes nothing.
    return unicodedata.normalize("NFC", stripped)


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    # The gender spellings need "in" after a separator or a capital "I": most
    # texts have neither, and skip both expressions.
    lowered = text.lower()
    if "in" in lowered and any(mark in lowered for mark in _GENDER_MARKS):
        text = _GENDER_SEPARATED.sub(r"\1", text)
    if "In" in text:
        text = _BINNEN_I.sub(r"i\1", text)
    text = text.casefold()
    if not text.isascii():
        text = _strip_accents(text.translate(_UMLAUTS))
    suffixes = _ENDING_SUFFIXES
    return [
        base_form(word) if word.endswith(suffixes) else word
        for word in _SEPARATORS.split(text)
        if word
    ]


def normalise(text: str) -> str:
    """`text` casefolded, transliterated and folded, with words separated by one space.

    >>> normalise("Ärzt*innen & Apotheker:innen – schön!")
    'arzt apotheker schoen'
    """
    return " ".join(words(text))
