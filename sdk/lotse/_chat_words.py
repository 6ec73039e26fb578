"""The word-form knowledge of the chat matcher (`_chat.py`).

`Words` holds the language files' word lists (merged from every language, see
`_language.py`) and finds other forms of a word: its crude stem, a rewritten
stem, its spelling variants undone, whether it is a content word and which role
a role statement names. Beside it live the small helpers the matcher shares:
the role stand-in ids, the edit distance allowed for a typo and doubled letters
collapsed. Pure: no I/O, nothing of an answer is kept.
"""

from __future__ import annotations

import re

from ._language import Languages
from ._model import PROFESSIONAL_TYPES

__all__ = [
    "MIN_STEM",
    "ROLE_ANY",
    "ROLE_ANY_LAY",
    "Words",
    "collapse",
    "max_typo_distance",
    "role_stand_in",
]

#: Endings (from the language files) are stripped to find words of one stem
#: ("Stellen" / "Stelle", "started" / "starting"), longest first. The stem must
#: keep five letters ("care" is no "career"); a plain plural "s" only three
#: ("jobs" / "job"). Not "-er": it makes people of places ("Apotheke" / "Apotheker").
MIN_STEM = 5
_DOUBLED = re.compile(r"(.)\1+")
#: Pseudo vocabulary ids: "any role word", for another type's role inside a
#: phrase, one per side: a professional stands in only for a professional
#: ("Stelle als Arzt" covers "Stelle als Apothekerin"), anyone else only for
#: someone else ("für meine Patienten" does not cover "mein Apotheker").
#: Real vocabulary ids are >= 0.
ROLE_ANY = -1
ROLE_ANY_LAY = -2


# -- language knowledge ----------------------------------------------------------
# Every word list comes from `intents/lang/<id>.toml` (see `_language.py`), in
# normalised form; the code below names no word of any language.


class Words:
    """The language knowledge the matcher uses, merged from every language file."""

    def __init__(self, languages: Languages) -> None:
        self.languages = languages
        self.function = languages.function
        self.generic = languages.generic
        self.negators = languages.negators
        self.trailing = languages.trailing_negators
        self.pairs = languages.negation_pairs
        self.fillers = languages.negation_fillers
        self.negation_lists = languages.negation_lists
        self.negation_wants = languages.negation_wants
        self.negation_past = languages.negation_past
        self.lookback_skip = languages.lookback_skip
        self.statement = languages.statement
        self.contracted = languages.contracted
        self.others = languages.others
        self.statement_after = languages.statement_after
        self.objects = languages.objects
        self.acting = languages.acting
        self.sources = languages.sources
        self.ours = languages.ours
        self.mine = languages.mine
        self.mine_before_own = languages.mine_before_own
        self.postposed = languages.postposed
        self.belonging = languages.belonging
        self.diagnosed = languages.diagnosed
        self.ages = languages.ages
        self.about = languages.about
        self.among = languages.among
        self.groups = languages.groups
        self.work = languages.work
        self.self_words = languages.self_words
        self.real = languages.real
        self.others_self = languages.others_self
        self.trainees = languages.trainees
        self.coursework = languages.coursework
        self.everyday_jobs = languages.everyday_jobs
        self.infinitive = languages.infinitive
        self.kin = languages.kin
        self.body = languages.body
        self.medicines = languages.medicines
        self.felt = languages.felt
        self.first_person = languages.first_person
        self.served = languages.served
        self.acts = languages.acts
        self.subject = languages.subject
        self.status = languages.status
        self.sender = languages.sender
        self.joined = languages.joined
        self.staff = languages.staff
        self.not_kin = languages.not_kin
        self.for_oneself = languages.for_oneself
        self.working = languages.working
        self.asking = languages.asking
        self.having = languages.having
        self.asking_for = languages.asking_for
        self.employer = languages.employer
        self.employer_nouns = languages.employer_nouns
        self.yours = languages.yours
        self.trade = languages.trade
        self.section_parts = languages.section_parts
        self.articles = languages.articles
        self.specialist_endings = languages.specialist_endings
        self.places = languages.places
        self.clause = languages.clause
        self.contrast = languages.contrast
        self.now = languages.now
        self.role_prefixes = languages.role_prefixes
        self.endings = languages.endings
        #: A stem also drops a derivational ending: a verb meets its noun.
        self.stem_endings: tuple[str, ...] = tuple(
            sorted({*languages.endings, *languages.derivations}, key=len, reverse=True)
        )
        self.links = languages.links
        self.feminine = languages.feminine
        self.detached = languages.detached
        self.variants = languages.variants
        self.rewrites = languages.rewrites
        self.plural_s_except = languages.plural_s_except
        self.synonyms = languages.synonyms

    def is_content(self, word: str) -> bool:
        return len(word) >= 2 and (word not in self.function or word in self.generic)

    def stated_role(self, phrase_words: list[str]) -> str | None:
        """The role in a role statement, else None: "ich bin ein arzt" -> "arzt",
        "ich bin niedergelassener arzt" -> "arzt", but "ich bin filialleiter einer
        apotheke" names no single role."""
        for prefix in self.role_prefixes:
            if tuple(phrase_words[: len(prefix)]) != prefix:
                continue
            rest = phrase_words[len(prefix) :]
            while rest and rest[0] in self.fillers:
                rest = rest[1:]  # articles: "ein", "a"
            if 1 <= len(rest) <= 2 and all(self.is_content(w) for w in rest):
                return rest[-1]
        return None

    def is_kin(self, word: str) -> bool:
        """Whether the word names a relative (`kin`), in this or another form
        ("Söhne", "daughters")."""
        return word not in self.not_kin and self._in_some_form(word, self.kin)

    def is_body(self, word: str) -> bool:
        """Whether the word names a part of the body (`body`), in this or another
        form ("Augen", "knees")."""
        return self._in_some_form(word, self.body)

    def is_medicine(self, word: str) -> bool:
        """Whether the word names something a patient takes (`medicines`), in this
        or another form ("Tabletten", "inhalers")."""
        return self._in_some_form(word, self.medicines)

    def _in_some_form(self, word: str, found: frozenset[str]) -> bool:
        return word in found or self.short_stem(word) in found

    def stem(self, word: str) -> str:
        """A crude stem: enough to meet other forms of the same word, nothing more.
        Stripped twice so that "betroffene" and "betroffen" meet at "betroff".
        Generic words may keep only three letters: "viele" / "viel", "meine" / "mein"."""
        if not word.endswith(self.stem_endings):
            return word
        min_stem = 3 if word in self.generic else MIN_STEM
        stem = word
        stripped = ""
        for _ in range(2):
            for ending in self.stem_endings:
                if stem.endswith(ending) and len(stem) - len(ending) >= min_stem:
                    if ending == stripped and len(ending) == 1:
                        # A doubled letter is no two endings: "trainee" is no
                        # "training", "employee" no "employed".
                        return stem
                    stem = stem[: -len(ending)]
                    stripped = ending
                    break
            else:
                break
        plural = word.endswith("s") and not word.endswith(self.plural_s_except)
        if stem == word and plural and len(word) >= 4:
            return word[:-1]  # a short plural: "jobs", "pills"
        return stem

    def short_stem(self, word: str) -> str:
        """A stem that may keep only three letters, for words known to be short."""
        for ending in self.endings:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)]
        return word

    def rewritten(self, word: str) -> str | None:
        """The word's stem by a rewrite rule ("vacancies" -> "vacancy"), if one applies."""
        for suffix, replacement in self.rewrites:
            if len(word) >= 5 and word.endswith(suffix):
                return word[: -len(suffix)] + replacement
        return None

    def forms(self, word: str) -> list[str]:
        """Other forms of a word whose stem changes: an ending off the word with
        its spelling variant undone ("paesse" -> "pass"), or a rewrite."""
        found: list[str] = []
        for ending in self.endings:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                stem = word[: -len(ending)]
                plain = self.plain(stem)
                if plain != stem:
                    found.append(plain)
        rewritten = self.rewritten(word)
        if rewritten is not None:
            found.append(rewritten)
        return found

    def plain(self, word: str) -> str:
        """The word with its spelling variants undone: "fuer" -> "fur"."""
        for written, plain in self.variants:
            word = word.replace(written, plain)
        return word


def role_stand_in(types: frozenset[str] | set[str]) -> int:
    """The pseudo id a role word of these visitor types stands in as."""
    return ROLE_ANY if types & PROFESSIONAL_TYPES else ROLE_ANY_LAY


def max_typo_distance(length: int) -> int:
    """Edit distance allowed for a typo: none for short words, where one edit
    makes another word ("art" / "arzt"), two for long ones."""
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    return 2


def collapse(word: str) -> str:
    """The word with doubled letters written once: a common typo either way."""
    return _DOUBLED.sub(r"\1", word)
