"""Words of a URL, title or campaign against the catalogue's vocabulary.

Sites name their sections in ways no catalogue lists: "Ärztebereich",
"Patientenservice", "apothekenportal", "pharmacy-zone", "Lieferengpässe",
"pharmaciens", "Spitalärzte". Each of those is a known concept plus a generic
part, or a known concept in another form. `Morphology.analyse` finds the
known concepts in one normalised word, each with a factor for how sure the
reading is:

- the word itself, or another form of it (plural and case endings,
  umlaut plurals, rewrites such as "-ies" -> "-y", person-noun folds): 1.0;
- a compound of a known concept and a generic website part ("-bereich",
  "-service", "-portal", "-hub", "-zone", "-begleiter", "-hilfen", "-newsletter"),
  joined directly or by a linking element ("Patient-en-service"): 1.0;
- a known concept followed by a rest the vocabulary does not know
  ("aerzte|mailing"): `UNKNOWN_REST`;
- an unknown modifier in front of a known head ("spital|arzt",
  "online|bewerbung"): `HEAD`.

The vocabulary is the catalogue's entry words plus what the language files
(`intents/lang/*.toml`) say: section parts, endings, links, person folds. A
rule never names a word: adding a language adds its endings and parts.

Pure and cheap: the result for a word is cached by the matchers that call
it, and one analysis is a few dozen dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from ._language import Languages, bundled_languages
from ._memo import remember_in
from ._normalise import base_form

__all__ = ["ALIAS", "HEAD", "UNKNOWN_REST", "Morphology"]

#: Factor of a concept followed by a part the vocabulary does not know.
UNKNOWN_REST = 0.9
#: Factor of a known head behind an unknown modifier ("Spitalärzte": "arzt").
HEAD = 0.8
#: Factor of a regional or colloquial word read as the word it stands for.
ALIAS = 0.95
#: Shortest specialty before a specialist's ending ("neur|ologen"; not "bi|ologen").
MIN_SPECIALTY = 4
#: Shortest alias read in an address.
MIN_ALIAS = 4
#: Shortest part of a compound that is looked up (shorter ones are links or noise).
MIN_PART = 3
#: Shortest known word that may be found behind an unknown modifier: "arzt"
#: yes, "pta" no ("hepta", "septa").
MIN_HEAD = 4

#: Longest host label split into words (a longer one is read whole).
MAX_LABEL = 40
#: Shortest word found inside a host label: shorter known words ("apo", "pta")
#: hide in too many names ("heptagon"); between two found words they are read
#: all the same ("apo|order": "apo").
MIN_LABEL_WORD = 4

#: A reading: the vocabulary word, its factor, and how it was found: "form"
#: (the word or another form of it), "part" (with a generic part or another
#: known word), "rest" (before an unknown rest) or "head" (behind an unknown
#: modifier).
Reading = tuple[str, float, str]


class Morphology:
    """Finds the vocabulary's words inside other words. See the module docstring."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        languages: Languages | None = None,
        *,
        known: Iterable[str] = (),
    ) -> None:
        langs = languages or bundled_languages()
        self.vocabulary: frozenset[str] = frozenset(vocabulary)
        self.parts: frozenset[str] = langs.section_parts
        #: Words that make a rest "known": the vocabulary, section parts, and
        #: whatever else the caller knows (role words, seek words).
        self.known: frozenset[str] = self.vocabulary | self.parts | frozenset(known)
        self.endings: tuple[str, ...] = tuple(
            dict.fromkeys((*langs.endings, *langs.links, *(e for e, _ in langs.rewrites)))
        )
        self.links: tuple[str, ...] = ("", *langs.links)
        #: Per last letter, the endings ending in it, in `endings` order: a word is
        #: checked against the few endings it may have, not all of them (a new
        #: word's compound analysis asks for hundreds of forms).
        by_last: dict[str, list[str]] = {}
        for ending in self.endings:
            if ending:
                by_last.setdefault(ending[-1], []).append(ending)
        self._endings_by_last = {last: tuple(found) for last, found in by_last.items()}
        self.rewrites = langs.rewrites
        self.variants = langs.variants
        #: Regional and colloquial words for catalogue words ("Spital", "Ordination"),
        #: from the language files' [aliases]: known words, and read as their target.
        #: Short ones ("pa", "dr", "apo") are too often something else in an address.
        self.aliases: dict[str, tuple[str, ...]] = {
            word: target for word, target in langs.aliases.items() if len(word) >= MIN_ALIAS
        }
        self.known = self.known | frozenset(self.aliases)
        self.specialist_endings = langs.specialist_endings
        self._shortest = min((len(w) for w in self.vocabulary), default=MIN_PART)
        self._lookups: dict[str, str | None] = {}

    # -- forms of one word ------------------------------------------------------

    def forms(self, word: str) -> list[str]:
        """The word and its other forms: endings stripped (once or twice),
        rewrites applied, umlaut variants undone, person nouns folded."""
        found = [word]
        by_last = self._endings_by_last
        for ending in by_last.get(word[-1:], ()):
            if word.endswith(ending) and len(word) - len(ending) >= MIN_PART:
                stem = word[: -len(ending)]
                found.append(stem)
                for second in by_last.get(stem[-1:], ()):
                    if stem.endswith(second) and len(stem) - len(second) >= MIN_PART:
                        found.append(stem[: -len(second)])
        for suffix, replacement in self.rewrites:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_PART:
                found.append(word[: -len(suffix)] + replacement)
        for form in list(found):
            for written, plain in self.variants:
                if written in form:
                    found.append(form.replace(written, plain))
            folded = base_form(form)
            if folded != form:
                found.append(folded)
        return list(dict.fromkeys(found))

    def lookup(self, word: str) -> str | None:
        """The vocabulary word that `word` is a form of, if any."""
        if word in self.vocabulary:
            return word
        for ending in self._endings_by_last.get(word[-1:], ()):  # short words too: "gps", "ptas"
            stem = word[: -len(ending)]
            if (
                word.endswith(ending)
                and stem in self.vocabulary
                # A plural of a short word; not any ending after one ("an|e").
                and (len(stem) >= MIN_PART or ending == "s")
            ):
                return stem
        for form in self.forms(word):
            if form in self.vocabulary:
                return form
        return None

    #: Words whose `lookup` is remembered by `lookup_remembered`.
    CACHE_SIZE = 16_384

    def lookup_remembered(self, word: str) -> str | None:
        """`lookup`, remembered per word: for the words of addresses, which recur,
        never for a visitor's search terms. A word's forms are dozens of `endswith`
        calls (a tenth of a new address's time went to them)."""
        lookups = self._lookups
        try:
            return lookups[word]
        except KeyError:
            pass
        return remember_in(lookups, word, self.lookup(word), self.CACHE_SIZE)

    def alias(self, word: str) -> tuple[str, ...] | None:
        """The words an alias stands for, if `word` (or a form of it) is one."""
        found = self.aliases.get(word)
        if found is None:
            for form in self.forms(word):
                found = self.aliases.get(form)
                if found is not None:
                    break
        if found is None:  # a specialist the catalogue does not list: "diabetologen"
            for form in (word, *self.forms(word)[1:]):  # "anesthesiologist|s" too
                for ending, role in self.specialist_endings:
                    if form.endswith(ending) and len(form) - len(ending) >= MIN_SPECIALTY:
                        return (role,)
        return found

    def is_known(self, word: str) -> bool:
        """Whether `word` (or a form of it, or it without a link) is a known word."""
        if len(word) <= 2 or word in self.endings:  # "fachperson|al", "apotheke|n"
            return True
        for link in self.links:
            if link and not word.startswith(link):
                continue
            rest = word[len(link) :]
            if rest in self.known or any(form in self.known for form in self.forms(rest)):
                return True
        return False

    def is_part(self, word: str) -> bool:
        """Whether `word` is a generic website part, in any form."""
        return word in self.parts or any(form in self.parts for form in self.forms(word))

    # -- compounds --------------------------------------------------------------

    def is_section_compound(self, word: str) -> bool:
        """Whether `word` is a known concept joined with a generic part:
        "apotheken|portal", "aerzte|bereich", "patienten|service"."""
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            if word[cut:] in self.parts and self._left(word[:cut]) is not None:
                return True
        return False

    def analyse(self, word: str) -> tuple[Reading, ...]:
        """The vocabulary words inside `word`, each with the factor of the reading."""
        exact = self.lookup(word)
        if exact is not None:
            return ((exact, 1.0, "form"),)
        if len(word) < self._shortest + MIN_PART:
            return ()
        best: dict[str, tuple[float, str]] = {}

        def keep(found: str, factor: float, kind: str) -> None:
            if factor > best.get(found, (0.0, ""))[0]:
                best[found] = (factor, kind)

        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            left, right = word[:cut], word[cut:]
            left_word = self._left(left)
            right_word = self.lookup(right)
            if left_word is not None:
                if self.is_known(right):
                    keep(left_word, 1.0, "part")  # "patienten|service", "apotheken|portal"
                elif self._left(left, aliases=False) is not None:
                    # "aerzte|mailing"; not a short alias before an unknown rest
                    # ("prepa|ring" is no préparateur).
                    keep(left_word, UNKNOWN_REST, "rest")
            if right_word is not None and len(right_word) >= MIN_HEAD:
                if left_word is not None or self._is_known_left(left):
                    keep(right_word, 1.0, "part")
                else:
                    keep(right_word, HEAD, "head")  # "spital|arzt"
        return tuple((found, factor, kind) for found, (factor, kind) in best.items())

    def label_words(self, label: str, also: Set[str] = frozenset()) -> tuple[str, ...]:
        """A host label's words: sites are named by run-together words in any
        order ("prescriberpulse", "medjobsireland", "thyroidtalkboard"). The
        known words (the vocabulary's, `known`, or `also`'s) that cover most of
        the label, longest first; the letters between them are words too. A
        label with no known word inside, or a letter or two or an ending left
        over beside one, stays whole."""
        size = len(label)
        if size > MAX_LABEL or size < 2 * MIN_LABEL_WORD:
            return (label,)
        # best[end]: (score, cuts) of label[:end]: a known word scores its length
        # squared (long words, few cuts), a word as written a point more than
        # another form ("arzt|notes", not "arztn|otes"); a letter in no known word
        # scores nothing.
        best: list[tuple[int, tuple[tuple[int, bool], ...]]] = [(0, ())]
        for end in range(1, size + 1):
            score, cuts = best[end - 1]
            choice = (score, (*cuts, (end, False)))
            for start in range(end - MIN_LABEL_WORD + 1):
                piece = label[start:end]
                if piece in also or piece in self.known:
                    worth = 2 * len(piece) ** 2 + 1
                else:
                    form = self.lookup_remembered(piece)
                    worth = 2 * len(form) ** 2 if form else 0
                if worth:
                    score = best[start][0] + worth
                    if score > choice[0]:
                        choice = (score, (*best[start][1], (end, True)))
            best.append(choice)
        cuts = best[size][1]
        if not any(known for _, known in cuts):
            return (label,)
        found: list[str] = []
        start = 0
        for index, (end, known) in enumerate(cuts):
            # Unknown letters run on into one word until a known word starts.
            if not known and index + 1 < len(cuts) and not cuts[index + 1][1]:
                continue
            # A letter or two left over is no reading ("r|oman|die"), nor an
            # ending after the last known word ("therapeut|ics", "derma|lis").
            if not known and end - start < (MIN_LABEL_WORD if end == size else MIN_PART):
                return (label,)
            found.append(label[start:end])
            start = end
        return tuple(found)

    def _left(self, left: str, *, aliases: bool = True) -> str | None:
        """The vocabulary word a compound's first part is, with or without a link
        (or the word a regional `aliases` word stands for)."""
        for link in self.links:
            if link and not left.endswith(link):
                continue
            stem = left[: len(left) - len(link)] if link else left
            if len(stem) < MIN_PART:
                continue
            found = self.lookup(stem)
            if found is not None:
                return found
            # A regional word or a specialist the catalogue does not list, before a
            # part: "Allergologen|bereich", "Spital|apotheke".
            target = self.alias(stem) if aliases and len(stem) >= MIN_ALIAS else None
            if target is not None and len(target) == 1 and target[0] in self.vocabulary:
                return target[0]
        return None

    def _is_known_left(self, left: str) -> bool:
        for link in self.links:
            if link and not left.endswith(link):
                continue
            stem = left[: len(left) - len(link)] if link else left
            if len(stem) >= MIN_PART and self.is_known(stem):
                return True
        return False
