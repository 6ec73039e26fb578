"""Matching a free-text chat answer ("Was führt Sie zu uns?") to an intent.

The answer is compared with every intent's example phrases, but not as whole
strings: visitors write long sentences with irrelevant detail, typos, compounds
and negations, and a whole-string score rewards the wrong things. Instead the
matcher *spots phrases* in the answer:

1. Words. The answer is normalised (`_normalise.words`) and cut into clauses at
   punctuation and conjunctions ("und", "but", "sondern"). Each word is looked
   up in the catalogue's vocabulary: exactly; in another form of the same stem
   ("Stellen" / "Stelle"); without umlaut ("fur" = "fuer"); as a compound
   ("Hausarztpraxis" = "hausarzt" + "praxis", "Notarzt" also counts as
   "arzt"); for typos, as the nearest word within a small edit distance
   (rapidfuzz `process.extractOne` over the words with the same first letter);
   and through a small thesaurus ("brauche" / "suche" / "need", "Papa" /
   "Vater" / "dad"). Synonyms and role stand-ins are indirect meanings: they
   help a phrase match but can never spot one on their own.
2. Negation. "kein Arzt", "nicht Apothekerin", "not a doctor": the role word
   right after a negator is taken out of the answer, and its visitor type goes
   into `ChatMatch.negated` and cannot be the match. Only role words count
   (learned from the catalogue's "Ich bin X" / "I am a X" phrases), so
   "keine Ahnung" negates nothing and "nicht lieferbar" keeps its meaning.
3. Phrase spotting. A phrase is spotted when most of its weighted words occur
   in one clause of the answer, close together and mostly in order. A role
   word inside another type's phrase ("Ich suche einen Arzt", "Stelle als
   Apotheker") stands for any role, so "ich suche einen Kardiologen" is a
   patient and "Stelle als PTA" an applicant.
4. Claiming. Spotted phrases claim answer words: a role the visitor states as
   their own ("Ich bin ...", "I'm a ...") first, then bigger matches, so "Ich
   suche einen Arzt" (patient) takes "Arzt" before the one-word phrase "Arzt"
   (doctor) can. Who the visitor says they are (a stated role, a role leading
   the answer, "X hier", "our clinic") outranks what they ask about, except
   a job: "Kinderärztin, Frage zur Dosierung" is a doctor, "Ich bin Ärztin
   und suche eine Stelle" an applicant. A role named as someone else's
   ("mein Arzt", "the pharmacist said", "Ärztin hat gesagt", "viele
   Patienten") is not the visitor; a professional named that way makes the
   visitor a patient, "für meine Patienten" a professional. A role stated
   before a contrast ("aber", "but") gives way to what follows.
   Known words no phrase claimed are weak hints; hints alone match only when
   two words of one type agree and nothing speaks for another.
5. Confidence. The winner's evidence against the evidence for every type
   (other types' stray hints count half), the words the catalogue does not
   know, and a small prior for "none of these". Below the cutoff there is no
   match and the bot asks a clarifying question: a wrong guess costs more
   trust than no guess.
6. Second opinion. An answer whose evidence leans towards a visitor type but
   stays below the cutoff is decided after all when the answer model
   (`_answer_model`), trained on labelled visitors' answers, reads it as the
   same type: "Ich habe seit drei Wochen Ekzeme an den Händen und suche Infos
   zu eurer Creme" has no patient's phrase, but its words lean that way and
   thousands of answers agree.

Word weights come from the catalogue: a word used by one visitor type's
phrases only is strong evidence, a word all types use is weak, generic request
words ("brauche", "Informationen", "mein") weigh little but give phrases their
context, and function words ("ich", "the") are ignored. Everything about the
catalogue is precomputed in the constructor; `match` does dictionary lookups,
a few rapidfuzz calls and some arithmetic over the phrases that share a word
with the answer, well under a millisecond for a catalogue of 1,000 phrases.

This module holds `ChatMatcher` (steps 1 to 5 and their constants); the word
forms of step 1 (stems, spelling variants, typo distance, role stand-ins) are
in `_chat_words.py`, and the data it works on (compiled phrases, answer tokens,
spotted phrases, evidence) in `_chat_tokens.py`.

The modules are pure: no I/O, and nothing of an answer outlives the call (the
chat's free text is never stored, so nothing here caches words across calls).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ._answer_model import AnswerModel
from ._chat_tokens import Evidence, Phrase, Slot, Spot, Token
from ._chat_words import ROLE_ANY, Words, collapse, max_typo_distance, role_stand_in
from ._language import Languages, bundled_languages
from ._model import JOBS_TYPE, PATIENT_TYPE, PROFESSIONAL_TYPES, Intent
from ._normalise import base_form, words

__all__ = ["ChatMatch", "ChatMatcher"]


@dataclass(frozen=True, slots=True)
class ChatMatch:
    """What a chat answer says about the visitor.

    `intent` and `visitor_type` are None when the answer matched nothing with
    enough confidence (the engine then asks one clarifying question).
    `negated` lists the visitor types the visitor explicitly denied ("kein
    Arzt"); `lang` is the answer's language, the id of a language file ("de", "en", "fr").
    """

    intent: str | None
    visitor_type: str | None
    confidence: float
    negated: tuple[str, ...]
    lang: str


#: Web and e-mail addresses: never a reason for a visit, and their parts are
#: arbitrary words ("max@mustermann.de" would be "Muster" + "Mann").
#: Anchored at a word start and possessive, so a long run without "@" costs
#: linear time, not quadratic backtracking.
_ADDRESSES = re.compile(r"(?<!\S)(?:[^\s@]++@\S+|https?://\S+|www\.\S+)", re.IGNORECASE)
#: Two words joined by a hyphen ("Pharma-Assistentin").
_HYPHENATED = re.compile(r"(\w+)-(\w+)")
#: Punctuation that ends a clause. Not ":", "(" or "/": they are part of gender
#: spellings ("Apotheker:in", "Arzt(in)") that the normaliser joins.
_CLAUSE_PUNCTUATION = re.compile(r"[.,;!?\n\r\t]+|:\s|\s[-–—]\s")

# -- scoring constants (why each value: see the module docstring) --------------

#: A phrase is spotted when this share of its word weight occurs in the answer.
#: High enough that a shared role word alone does not spot a phrase whose
#: other word gives it its meaning: "Arzt" alone does not spot "Ich suche
#: einen Arzt", "Patientin" alone does not spot "für meine Patienten".
_MIN_RECALL = 0.82
#: Bonus per additional matched word: bigger matches win over single words.
_EXTRA_WORD_BONUS = 0.5
#: Words of a spotted phrase far apart in the answer belong to different thoughts;
#: a few words apart they still count as one match (closeness factor _CLOSE).
_FAR_APART = 3
_CLOSE = 0.85
#: Similarity of a synonym ("brauche" for "suche").
_SIM_SYNONYM = 0.9
#: Weight of words that are generic requests ("brauche", "Informationen").
_GENERIC_WEIGHT = 0.25
#: What someone the visitor serves says of them ("ein Kunde fragt"), as a share of
#: a role they state themselves.
_SERVED = 1.0
#: What an act only a profession performs, done by the visitor ("darf ich das
#: verordnen"), says of them, as a share of a role they state themselves.
_ACT = 1.0
#: What a professional's trade words count for when they ask about their own
#: medicine (`_own_case`).
_OWN_CASE_TASK = 0.5
#: What one's own body or relative ("my knee", "my baby") counts for the patient,
#: as a share of a role word said of oneself.
_OWN_PERSON = 1.0
#: At most this many words back from a part of the body to a word of feeling it.
_FELT_REACH = 3
#: At most this many prepositions and articles between working and the place of
#: work ("arbeite in einer Apotheke").
_WORK_GAP = 2
#: At most this many words describing the place of work ("a small rural pharmacy").
_DESCRIBING = 3
#: How far before a diagnosis the one who received it may be named ("je viens
#: d'être diagnostiquée": four words).
_DIAGNOSED_REACH = 5
#: Known words that no spotted phrase explains still hint at the visitor types
#: whose phrases use them, at this share, split between those types.
_BACKOFF = 0.35
#: A role the visitor states as their own ("Hausärztin, ...", "I'm a GP")
#: counts this much more than the same word in passing.
_OWN_ROLE = 1.5
#: Shortest specialty before a specialist's ending ("neur|ologist"; not "bi|ologist").
_MIN_SPECIALTY = 4
#: A role word in passing is no role statement in an answer of this many words.
_PASSING_WORDS = 3
#: Job evidence this strong (one word only job seekers use, as written or in
#: another form: "vacancies") outranks the rest.
_JOB_TASK = 0.9
#: A first-person object this many words after a role makes the role someone
#: else's ("doctor told me", "Arzt hat mir").
_OBJECT_REACH = 2
#: A profession this many words into an answer's opening may lead it ("Newly
#: qualified pharmacist, …").
_LEADING_REACH = 3
#: A statement word this many words before one of those a profession serves makes
#: it the visitor's own ("bin eigentlich nur ganz normale Kundin").
_STATED_REACH = 6
#: Patients this many words after having or treating ("I have several of my
#: patients on it") are the visitor's.
_HAD_REACH = 4
#: A word of oneself this many words after a denial is denied ("not taking it myself").
_DENIAL_REACH = 3
#: A job word among this many words after a denial is denied ("pas pour une
#: candidature", "not applying for a job").
_NEGATED_JOB_REACH = 3
#: How far after a job not wanted the want may stand, verb last ("keinen Job bei euch gesucht").
_WANT_AFTER_REACH = 5
#: A word of time this many words after a denied role makes the denial one of
#: time ("kein Student mehr", "not a student anymore").
_PAST_REACH = 3
#: A role this many words after a denial in time is the one denied ("no longer
#: working as a pharmacist").
_PAST_ROLE_REACH = 4
#: How many words after a want ("need", "besoin") what is not wanted may come.
_WANTED_REACH = 2
#: A role this many words after another, its conjunction first, is joined to it.
_JOIN_REACH = 4
#: At most this many words between working and the company addressed ("bei
#: Ihnen zu arbeiten", "working for you").
_EMPLOYER_REACH = 3
#: Hints alone match when they add up to this (two words only one type's
#: phrases use) and other types' evidence is at most this share of them.
_AGREEING_HINTS = 0.6
_HINT_RIVALS = 0.35
#: ... and then need this much more confidence than a recognised phrase.
_HINT_MARGIN = 0.08
#: Share at which other types' hints count against the winner.
_RIVAL_HINTS = 0.5
#: Unknown words (probably irrelevant detail) count against a match, growing
#: with the square root of their number: a long story around a clear reason
#: stays clear, one domain word among unknown ones does not.
_UNKNOWN_PENALTY = 0.21
#: Evidence for "none of these": one clear word must beat it comfortably.
_PRIOR = 0.15
#: A stated role and another type's task are weighed against each other only
#: if the task is at least this large relative to the role; the role wins if
#: this share of the task is in its own type's words.
_MIN_TASK = 0.5
_SHARED = 0.3
#: Similarities for the ways a word can match a vocabulary word.
_SIM_VARIANT = 0.95  # umlaut spelt without "e", compound part
_SIM_INFLECTED = 0.9  # another ending: usually the same word, sometimes not
_SIM_HEAD = 0.85  # compound head only: "Frauenarzt" as "arzt"
_SIM_MODIFIER = 0.85  # compound modifier only: "Stellenanzeige" as "stellen"
_SIM_TYPO = (1.0, 0.88, 0.78)  # by edit distance
#: Longest alias read only in its own language's answers (or one that tells none).
_SHORT_ALIAS = 2
_SIM_OTHER_ROLE = 0.9  # a role word filling another role's place in a phrase
#: Answers longer than this many words (characters) are cut: nobody's reason
#: for a visit needs more, and it bounds the time one answer can cost.
_MAX_WORDS = 64
_MAX_CHARS = 1000
_MAX_WORD_LENGTH = 40
#: A clipped word ("Gebrauchsinfo") needs this many letters and must stand
#: for exactly one known word: "Packung" is a word of its own that starts
#: several compounds, not a clipping of "Packungsbeilage".
_MIN_CLIPPED = 8
_MAX_CLIPPED = 1
#: Short answers are also compared with whole phrases, which catches typos
#: that split or join words ("apo theker").
_WHOLE_MAX_WORDS = 4
_WHOLE_MIN_CHARS = 5
_WHOLE_MAX_CHARS = 60
_WHOLE_CUTOFF = 88.0


def _last_of(tokens: list[Token], words: frozenset[str]) -> int:
    """The position of the answer's last word among `words` (a contrast: what
    follows it counts), or -1."""
    return max((t.position for t in tokens if t.word in words), default=-1)


def _key(intent: Intent) -> str:
    """What an intent says about the visitor: its visitor type, or itself."""
    return intent.visitor_type or f"intent:{intent.id}"


class ChatMatcher:
    """Maps a chat answer to one of `intents`, or to nothing.

    `cutoff` is the confidence below which there is no match; answers whose
    normalised text is shorter than `min_length` characters never match.
    `second_opinion`, if given, is asked about answers that lean towards a
    visitor type without reaching the cutoff (`_seconded`).
    All the work on the catalogue happens here, once per site.
    """

    def __init__(
        self,
        intents: Sequence[Intent],
        *,
        cutoff: float = 0.55,
        min_length: int = 2,
        languages: Languages | None = None,
        second_opinion: AnswerModel | None = None,
    ) -> None:
        self.cutoff = cutoff
        self._second_opinion = second_opinion
        self.min_length = min_length
        self._lang = lang = Words(languages or bundled_languages())
        #: A message's words before "from" in any language ("kurze Frage from a nurse").
        self._messages = frozenset(message for message, _ in lang.sender)
        #: The first person singular per language ("ich", "mein"; "i", "my").
        #: Words after which an object pronoun stands as a possessive ("with me
        #: blood thinners", "and me knee"): `_possessive_place`.
        self._before_possessive = lang.about | lang.joined
        self._first_person = {
            each.id: each.first_person | each.mine for each in lang.languages.languages
        }
        self._alias_words: dict[str, tuple[str, ...]] = lang.languages.aliases
        #: "Dipl. Pflegefachfrau": the full stop of an abbreviation ends no clause.
        abbreviations = "|".join(sorted(map(re.escape, lang.languages.abbreviations)))
        self._abbreviation_stops = (
            re.compile(rf"\b({abbreviations})\.(?=\s)", re.IGNORECASE) if abbreviations else None
        )
        self._aliases_by_lang = lang.languages.aliases_by_lang
        #: Per language, its statement words: in an answer told in it, another
        #: language's statement word is read as this one reads it ("m'envoyer" is
        #: "me" in French, not English "I'm"; "im Spital" is German "in the", not
        #: English "I'm").
        self._statement_in: dict[str, frozenset[str]] = {
            language.id: lang.statement
            - ((language.objects | language.function) - language.statement)
            for language in lang.languages.languages
        }
        #: Per language, the words that tell it in a short answer.
        self._lang_words: tuple[tuple[str, frozenset[str]], ...] = tuple(
            (language.id, language.words) for language in lang.languages.languages
        )
        self._intents: tuple[Intent, ...] = tuple(intents)
        #: The keys that are visitor types (the others are type-less intents').
        self._type_keys = frozenset(i.visitor_type for i in self._intents if i.visitor_type)
        #: Intents only their visitor type asks for (`Intent.search_tells`).
        self._telling = frozenset(i.id for i in self._intents if i.search_tells)
        #: The keys of type-less intents and the type each names in person.
        self._in_person_keys: tuple[tuple[str, str], ...] = tuple(
            (_key(i), i.in_person) for i in self._intents if i.visitor_type is None and i.in_person
        )
        self._vocab: dict[str, int] = {}
        self._words: list[str] = []
        keys = [_key(intent) for intent in self._intents]
        keys_of_word: list[set[str]] = []
        intents_of_word: list[set[int]] = []
        langs_of_word: list[set[str]] = []
        roles_of_word: list[set[str]] = []
        audience_roles: set[int] = set()
        named: dict[str, set[str]] = {}
        compiled: list[tuple[int, str, list[str]]] = []

        for index, phrase_lang, phrase in self._sources(lang.languages):
            intent = self._intents[index]
            phrase_words = words(phrase)
            content = [w for w in phrase_words if lang.is_content(w)]
            if not content:
                continue  # only filler words: nothing to match on
            compiled.append((index, " ".join(phrase_words), phrase_words))
            for word in content:
                vid = self._vocab.get(word)
                if vid is None:
                    vid = self._vocab[word] = len(self._words)
                    self._words.append(word)
                    keys_of_word.append(set())
                    intents_of_word.append(set())
                    langs_of_word.append(set())
                    roles_of_word.append(set())
                keys_of_word[vid].add(keys[index])
                intents_of_word[vid].add(index)
                langs_of_word[vid].add(phrase_lang)
            role = lang.stated_role(phrase_words)
            if role is not None and not intent.visitor_type:
                audience_roles.add(self._vocab[role])  # "I'm an investor"
            if role is not None and intent.visitor_type:
                roles_of_word[self._vocab[role]].add(intent.visitor_type)
                if content == [role]:  # "Ich bin Mediziner", not "practice manager"
                    named.setdefault(role, set()).add(intent.visitor_type)

        # Word weights: used by one visitor type's phrases -> 1.0, by all -> 0.4.
        n_keys = max(2, len(set(keys)))
        self._weight: list[float] = [
            _GENERIC_WEIGHT
            if word in lang.generic
            else 0.4 + 0.6 * (1.0 - (len(keys_of_word[vid]) - 1) / (n_keys - 1))
            for vid, word in enumerate(self._words)
        ]
        self._keys_of_word: list[tuple[str, ...]] = [tuple(sorted(k)) for k in keys_of_word]
        self._intents_of_word: list[tuple[int, ...]] = [tuple(sorted(i)) for i in intents_of_word]
        self._roles: list[frozenset[str]] = [frozenset(r) for r in roles_of_word]
        #: Words the type-less intents' role statements name ("investor", "Journalist"):
        #: the visitor saying they are one writes as an audience no type covers.
        self._audience_roles = frozenset(audience_roles)
        audiences: dict[str, set[str]] = {}
        for audience_type, audience_words in lang.languages.roles.items():
            for word in audience_words:
                audiences.setdefault(word, set()).add(audience_type)
        #: Articles and possessives: what may stand between "for" and what it names.
        self._determiners = lang.articles | lang.mine | lang.ours | lang.others
        #: The languages' audience words ("professional") -> their visitor type.
        self._audience_words: dict[str, str] = {
            word: next(iter(types)) for word, types in audiences.items() if len(types) == 1
        }
        self._named_roles: dict[str, str] = {
            word: next(iter(types)) for word, types in named.items() if len(types) == 1
        }
        self._vocab_of_key: dict[str, frozenset[int]] = {
            key: frozenset(v for v, ks in enumerate(keys_of_word) if key in ks) for key in keys
        }
        self._lang_only: dict[str, str] = {
            self._words[v]: next(iter(ls)) for v, ls in enumerate(langs_of_word) if len(ls) == 1
        }
        # Compound heads of known words: "frauenarzt" also means "arzt".
        # A generic head says nothing the compound does not ("Fach|information" is
        # no request for "information for relatives"), and an audience no visitor
        # type covers is none of them ("Tier|arzt", a vet, is no doctor).
        others = tuple(lang.languages.other_audiences)
        self._heads: list[int | None] = [
            head
            if (head := self._head(word)) is not None
            and self._weight[head] > _GENERIC_WEIGHT
            and not word.startswith(others)
            else None
            for word in self._words
        ]
        # Other forms of the same word: stem -> vocabulary ids.
        stems: dict[str, list[int]] = {}
        for vid, word in enumerate(self._words):
            stems.setdefault(lang.stem(word), []).append(vid)
        self._stems: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in stems.items()}
        # Synonyms: stem of any group member -> the vocabulary words of its group.
        groups: dict[str, set[int]] = {}
        for group in lang.synonyms:
            members = {vid for stem in map(lang.stem, group) for vid in self._stems.get(stem, ())}
            for stem in {*map(lang.stem, group), *map(lang.short_stem, group)}:
                groups.setdefault(stem, set()).update(members)
        self._synonyms: dict[str, tuple[int, ...]] = {
            k: tuple(sorted(v)) for k, v in groups.items() if v
        }
        # Doubled letters typed once or twice too often: collapsed form -> word.
        self._collapsed: dict[str, int] = {}
        for vid, word in enumerate(self._words):
            self._collapsed.setdefault(collapse(word), vid)
        # Umlauts typed as plain vowels: "fur" for "fuer", "prufen" for "pruefen".
        self._aliases: dict[str, int] = {}
        for vid, word in enumerate(self._words):
            plain = lang.plain(word)
            if plain != word and plain not in self._vocab:
                self._aliases.setdefault(plain, vid)
        self._sorted_words: list[str] = sorted(self._words)
        #: Catalogue words for those in training (`Words.trainees`).
        self._trainees: frozenset[int] = frozenset(
            vid for word in lang.trainees if (vid := self._vocab.get(word)) is not None
        )
        #: Job words that are no clear request for a job: being in training, and
        #: job words that are everyday words too (`Words.everyday_jobs`).
        self._no_request: frozenset[int] = self._trainees | frozenset(
            vid for word in lang.everyday_jobs if (vid := self._vocab.get(word)) is not None
        )
        # Typo candidates by first letter: typos rarely hit the first letter,
        # and it cuts the candidates of each rapidfuzz call twentyfold.
        buckets: dict[str, list[str]] = {}
        for word in self._words:
            if len(word) >= 4:
                buckets.setdefault(word[0], []).append(word)
        self._buckets: dict[str, list[str]] = buckets

        # Phrases and the inverted index: vocabulary id -> (phrase, slot).
        self._phrases: list[Phrase] = []
        self._postings: dict[int, list[tuple[int, int]]] = {}
        for index, text, phrase_words in compiled:
            own_type = self._intents[index].visitor_type
            slots = [(i, w) for i, w in enumerate(phrase_words) if lang.is_content(w)]
            vocab_ids = tuple(self._vocab[w] for _, w in slots)
            weights = tuple(self._weight[v] for v in vocab_ids)
            number = len(self._phrases)
            self._phrases.append(
                Phrase(
                    intent=index,
                    key=keys[index],
                    text=text,
                    vocab=vocab_ids,
                    positions=tuple(i for i, _ in slots),
                    weights=weights,
                    total=sum(weights),
                )
            )
            for slot, vid in enumerate(vocab_ids):
                self._postings.setdefault(vid, []).append((number, slot))
                # Another type's role inside a longer phrase stands for any role.
                if len(vocab_ids) >= 2 and self._roles[vid] and own_type not in self._roles[vid]:
                    stand_in = role_stand_in(self._roles[vid])
                    self._postings.setdefault(stand_in, []).append((number, slot))
        # Phrase texts by length: a whole answer is compared only with phrases
        # whose length lets fuzz.ratio reach the cutoff at all.
        by_length = sorted(range(len(self._phrases)), key=lambda n: len(self._phrases[n].text))
        self._phrase_order: list[int] = by_length
        self._phrase_texts: list[str] = [self._phrases[n].text for n in by_length]
        self._phrase_lengths: list[int] = [len(text) for text in self._phrase_texts]
        # The patient intent whose phrases speak of "my doctor": where a visitor
        # who names someone else's professional belongs ("the pharmacist said").
        carer: dict[int, int] = {}
        for index, _, phrase_words in compiled:
            if self._intents[index].visitor_type != PATIENT_TYPE:
                continue
            for before, word in itertools.pairwise(phrase_words):
                vid = self._vocab.get(word)
                if (
                    before in lang.others
                    and vid is not None
                    and self._roles[vid] & PROFESSIONAL_TYPES
                ):
                    carer[index] = carer.get(index, 0) + 1
        self._carer_intent: int | None = max(carer, key=lambda i: carer[i]) if carer else None
        # The professional intent whose phrases speak of "my patients", and the
        # patients' role words they use so: where a visitor belongs who speaks of
        # such a one in the third person ("Patientin hatte einen Ausschlag").
        treated: dict[int, int] = {}
        self._patient_words: set[int] = set()
        for index, _, phrase_words in compiled:
            if self._intents[index].visitor_type not in PROFESSIONAL_TYPES:
                continue
            for before, word in itertools.pairwise(phrase_words):
                vid = self._vocab.get(word)
                if before in lang.others and vid is not None and self._roles[vid] == {PATIENT_TYPE}:
                    treated[index] = treated.get(index, 0) + 1
                    self._patient_words.add(vid)
        self._treating_intent: int | None = (
            max(treated, key=lambda i: treated[i]) if treated else None
        )
        # A patient word the catalogue's phrases use before another word ("patient
        # support programme", "patient guide"): a modifier there, no one treated.
        patient_forms = {self._words[vid] for vid in self._patient_words}
        self._patient_modifiers: frozenset[tuple[str, str]] = frozenset(
            pair
            for _, _, phrase_words in compiled
            for pair in itertools.pairwise(phrase_words)
            if pair[0] in patient_forms and lang.is_content(pair[1])
        )
        # Per professional type, the intent whose phrases state its roles most often:
        # where a visitor who speaks for a place of work belongs ("Apo hier").
        stated: dict[str, dict[int, int]] = {}
        for index, _, phrase_words in compiled:
            visitor_type = self._intents[index].visitor_type
            if visitor_type in PROFESSIONAL_TYPES and lang.stated_role(phrase_words):
                counts = stated.setdefault(visitor_type, {})
                counts[index] = counts.get(index, 0) + 1
        self._role_intent: dict[str, int] = {
            t: max(counts, key=lambda i: counts[i]) for t, counts in stated.items()
        }
        #: Type-less intents whose phrases state a role ("Ich bin Journalistin",
        #: "I'm an investor"): audiences of their own, not a topic any type may ask.
        self._other_audiences: frozenset[str] = frozenset(
            _key(self._intents[index])
            for index, _, phrase_words in compiled
            if self._intents[index].visitor_type is None and lang.stated_role(phrase_words)
        )
        #: The patients' intent with the most phrases: where a professional asking
        #: about their own medicine lands when no patient's phrase says more.
        self._patient_intent = self._largest_intent(PATIENT_TYPE) or 0
        #: Likewise the job seekers' intent: where "working for you" lands.
        self._jobs_intent = self._largest_intent(JOBS_TYPE)

    def _largest_intent(self, visitor_type: str) -> int | None:
        """The index of the type's intent with the most phrases, if it has one."""
        return max(
            (i for i, intent in enumerate(self._intents) if intent.visitor_type == visitor_type),
            key=lambda i: sum(len(p) for p in self._intents[i].phrases.values()),
            default=None,
        )

    def _sources(self, languages: Languages) -> list[tuple[int, str, str]]:
        """Every example phrase as (intent, language, phrase), and for each role word
        a language file lists (`[audiences]`) that no phrase uses, a role statement
        of the intent where that type's visitors most often state their role: the
        chat knows the same professions the pages do ("orthophoniste", "Heilberufler")."""
        sources: list[tuple[int, str, str]] = []
        statements: dict[str, dict[int, int]] = {}
        used: set[str] = set()
        for index, intent in enumerate(self._intents):
            for phrase_lang, phrases in intent.phrases.items():
                for phrase in phrases:
                    sources.append((index, phrase_lang, phrase))
                    phrase_words = words(phrase)
                    used.update(phrase_words)
                    if intent.visitor_type and self._lang.stated_role(phrase_words):
                        counts = statements.setdefault(intent.visitor_type, {})
                        counts[index] = counts.get(index, 0) + 1
        for language in languages.languages:
            if not language.role_prefixes:
                continue
            prefix = " ".join(language.role_prefixes[0])
            for visitor_type, role_words in language.roles.items():
                stated = statements.get(visitor_type, {})
                if not stated:
                    continue
                target = max(stated, key=lambda i: stated[i])
                for word in sorted(role_words - used):
                    sources.append((target, language.id, f"{prefix} {word}"))
        return sources

    # -- public ----------------------------------------------------------------

    def role_words(self) -> dict[str, str]:
        """The role words the catalogue's one-word role statements teach ("Ich bin
        Mediziner", "Je suis pharmacien"), each with its one visitor type."""
        return dict(self._named_roles)

    def answer_words(self, text: str) -> list[str]:
        """All the normalised words of an answer, addresses left out. Nothing of
        them is kept."""
        return words(_ADDRESSES.sub(" ", text[:_MAX_CHARS]))

    def topic_words(self, found: Sequence[str]) -> list[str]:
        """Of an answer's words (`answer_words`), those that may name a topic: not
        the function and request words of any language ("sucht" in "Apothekenteam
        sucht …" is looking for, not addiction). Nothing of them is kept."""
        lang = self._lang
        return [w for w in found if w not in lang.function and w not in lang.generic]

    def _read(self, text: str, lang: str | None) -> tuple[str, list[str], list[Token], str]:
        """The answer as matched (addresses out, hyphenated words joined), its
        words with aliases expanded, their tokens, and the language its words
        tell ("" if none leads)."""
        text = _ADDRESSES.sub(" ", text[:_MAX_CHARS])
        if self._abbreviation_stops is not None:
            text = self._abbreviation_stops.sub(r"\1", text)
        if "-" in text:
            text = _HYPHENATED.sub(self._joined, text)
        parts = [words(part) for part in _CLAUSE_PUNCTUATION.split(text)]
        told = lang or self._told_language(parts)
        # In an answer whose words tell its language, that language's aliases come
        # first and another's short ones are no aliases at all ("sci-fi" is no
        # German "FI", the Fachinformation); in one that tells none, all are read.
        own = self._aliases_by_lang.get(told, {}) if told else None
        clauses = [self._expand(part, own) for part in parts]
        flat = [word for clause in clauses for word in clause]
        return text, flat, self._tokens(clauses, told), told

    def search_tells(self, intent: str | None) -> bool:
        """Whether only the intent's visitor type asks for it (`Intent.search_tells`)."""
        return intent in self._telling

    def says_who(self, text: str, lang: str | None = None) -> bool:
        """Whether the text says who is asking: the visitor themselves or their
        family, a role, a place of care or work ("Nebenwirkungen bei meinem Kind",
        "PTA Fortbildung"). A site search that does not ("Nebenwirkungen",
        "Lagerung Kühlschrank") is a topic anyone may look up."""
        return self._names_someone(self._read(text, lang)[2])

    def in_first_person(self, text: str, lang: str | None = None) -> bool:
        """Whether the text speaks in the first person singular ("Ich habe …", "my
        husband", "I'm a nurse") in the language its words tell (English "im" is
        German "im", Swiss "min" an English minute): none if no language leads;
        not "we", which on a site is the company."""
        _, _, tokens, told = self._read(text, lang)
        first = self._first_person.get(told, frozenset())
        return any(token.word in first for token in tokens)

    def match(self, text: str, lang: str | None = None) -> ChatMatch:
        """The intent a chat answer expresses, with confidence and negations."""
        text, flat, tokens, _ = self._read(text, lang)
        detected = self._language(text, tokens, lang)
        if len(" ".join(flat)) < self.min_length:
            return ChatMatch(None, None, 0.0, (), detected)

        negated = tuple(sorted(self._negate(tokens)))
        self._turn_from_job(tokens)
        coursework = self._drop_coursework(tokens)
        spots = self._spot(tokens)
        if len(flat) <= _WHOLE_MAX_WORDS:
            spots.extend(self._spot_whole(" ".join(flat), tokens))
        if self._two_roles(tokens):
            return ChatMatch(None, None, 0.0, negated, detected)
        evidence = self._claim(tokens, spots)
        if coursework and not self._requests_job(evidence):
            return ChatMatch(None, None, 0.0, negated, detected)
        if self._in_person(tokens):
            # "I'm coeliac: is it gluten-free?": a question anyone may ask, asked
            # of oneself, is the type the intent names in person.
            for source, target in self._in_person_keys:
                evidence.merge(source, target)
        keys = {*evidence.role, *evidence.task, *evidence.hints}
        totals = {key: evidence.total(key) for key in keys}
        candidates = [key for key in totals if key not in negated and totals[key] > 0]
        if not candidates:
            return ChatMatch(None, None, 0.0, negated, detected)

        best = self._best(text, candidates, totals)
        stated = [k for k in candidates if k in evidence.role]
        if stated and best not in stated and best not in evidence.task:
            # Scattered words of one type do not outweigh a role the visitor states
            # ("bin Pharmazeutin …, wie lang ist das im Kühlschrank haltbar?": a
            # patient's words, a pharmacist's question).
            best = self._best(text, stated, totals)
        if best not in evidence.role and best not in evidence.task:
            # Known words but no recognised phrase: a hint, not a match, unless
            # several of one type's words agree and nothing speaks for another
            # ("wie lagere ich die Fertigspritzen": two patients' words).
            rest = sum(totals.values()) - totals[best]
            if (
                totals[best] < _AGREEING_HINTS
                or evidence.hint_words.get(best, 0) < 2
                or rest > _HINT_RIVALS * totals[best]
            ):
                if self._seconded(text, best):
                    return self._decided(best, evidence, self.cutoff, negated, detected)
                return ChatMatch(None, None, 0.0, negated, detected)
            hint_only = True
        else:
            hint_only = False
        # Scattered words of other types weigh less against a recognised phrase
        # than other phrases do.
        rival_hints = (
            0.0 if hint_only else sum(evidence.hints.get(k, 0.0) for k in totals if k != best)
        )
        against = (
            sum(totals.values())
            - (1.0 - _RIVAL_HINTS) * rival_hints
            + _UNKNOWN_PENALTY * evidence.unknown**0.5
            + _PRIOR
        )
        confidence = min(1.0, max(0.0, totals[best] / against))
        if confidence < self.cutoff + (_HINT_MARGIN if hint_only else 0.0):
            if self._seconded(text, best):
                return self._decided(best, evidence, self.cutoff, negated, detected)
            return ChatMatch(None, None, confidence, negated, detected)
        return self._decided(best, evidence, confidence, negated, detected)

    def _best(self, text: str, candidates: list[str], totals: Mapping[str, float]) -> str:
        """The key with the most evidence. Of keys tied for it ("the SmPC for the
        injection": a doctor's document, a patient's medicine), the one the answer
        model reads the answer as, else the first by name: the same answer always
        gets the same reading, in every process."""
        top = max(totals[key] for key in candidates)
        tied = sorted(key for key in candidates if totals[key] == top)
        if len(tied) > 1 and self._second_opinion is not None:
            leaning = self._second_opinion.leaning(text)
            if leaning in tied:
                return leaning
        return tied[0]

    def _decided(
        self,
        best: str,
        evidence: Evidence,
        confidence: float,
        negated: tuple[str, ...],
        detected: str,
    ) -> ChatMatch:
        """The match for key `best`: the intent with the biggest share of its evidence."""
        shares = evidence.by_intent[best]
        intent = self._intents[max(shares, key=lambda i: shares[i])]
        visitor_type = intent.visitor_type or (best if best == intent.in_person else None)
        return ChatMatch(intent.id, visitor_type, confidence, negated, detected)

    def _seconded(self, text: str, best: str) -> bool:
        """Whether an answer whose evidence leans towards the visitor type `best`,
        but not enough to decide, is decided after all: when the answer model,
        which learned from thousands of labelled visitors' answers, reads it as
        that type too (two different readings agreeing; either alone guesses
        wrong too often). A seconded match is reported at the cutoff: no surer
        than the weakest match the phrases alone decide."""
        model = self._second_opinion
        return model is not None and best in self._type_keys and model.leaning(text) == best

    # -- words -----------------------------------------------------------------

    def _joined(self, pair: re.Match[str]) -> str:
        """A hyphenated compound the vocabulary knows as one word, written as one
        ("Pharma-Assistentin" is a Swiss pharmacy assistant, not "Pharma" and an
        assistant), as is a family word ("grand-mère"); other hyphenated words stay
        apart."""
        joined = words(pair[1] + pair[2])
        if len(joined) == 1 and (
            joined[0] in self._vocab
            or joined[0] in self._alias_words
            or self._lang.is_kin(joined[0])
        ):
            return pair[1] + pair[2]
        return pair[0]

    def _in_person(self, tokens: list[Token]) -> bool:
        """Whether the visitor speaks of themselves ("ich", "my", "je": `[roles]
        first_person`) or of their family ("Oma kriegt die Tabletten nicht
        runter"): as a patient's family asks."""
        lang = self._lang
        first = lang.first_person
        return any(token.word in first or lang.is_kin(token.word) for token in tokens)

    def _told_language(self, parts: list[list[str]]) -> str:
        """The language the answer's own words tell (those only one language's
        file lists: "sous", "depuis", "und"), or "" if none leads: which
        language's aliases come first."""
        votes: dict[str, int] = {}
        for part in parts:
            for word in part:
                owners = self._owners(word)
                if len(owners) == 1:
                    votes[owners[0]] = votes.get(owners[0], 0) + 1
        if not votes:
            return ""
        best = max(votes.values())
        leaders = [lang_id for lang_id, vote in votes.items() if vote == best]
        return leaders[0] if len(leaders) == 1 else ""

    def _owners(self, word: str) -> list[str]:
        """The languages whose files list the word (`_lang_words`)."""
        return [lang_id for lang_id, known in self._lang_words if word in known]

    def _expand(self, clause: list[str], own: Mapping[str, tuple[str, ...]] | None) -> list[str]:
        """Aliases the catalogue does not know as words of their own, written out:
        "NP" -> "nurse practitioner", "Apo" -> "Apotheke", "RCP" -> the words of
        "résumé des caractéristiques du produit"; a detached ending joins its word:
        "PJ-ler" -> "pjler". A relative after a possessive
        or an article stays one: "Schwester auf Station" is a nurse, "meine
        Schwester" a sister."""
        aliases = self._alias_words
        lang = self._lang
        out: list[str] = []
        for word in self._aged(clause):
            if word in lang.detached and out:
                out[-1] += word  # "PJ-ler" -> "pjler"
            elif word in self._vocab:
                out.append(word)
            elif (
                word in aliases
                and not (out and out[-1] in lang.others and lang.is_kin(word))
                and not (out and out[-1].isdigit())  # "5 mg" is a unit, no "MG"
                and (own is None or word in own or len(word) > _SHORT_ALIAS)
            ):
                out.extend((own or {}).get(word) or aliases[word])
            else:
                out.append(self._specialist(word) or word)
        return out

    def _aged(self, clause: list[str]) -> list[str]:
        """A number and an age after "my" written as the relative they name: "my 2
        year old" -> "my child", "meine 3-Jährige" -> "meine kind" (`[roles] ages`)."""
        if not any(word.isdigit() for word in clause):
            return clause
        mine = self._lang.mine
        out: list[str] = []
        index = 0
        while index < len(clause):
            word = clause[index]
            index += 1
            if word.isdigit() and out and out[-1] in mine:
                for age, kin in self._lang.ages:
                    if tuple(clause[index : index + len(age)]) == age:
                        word = kin
                        index += len(age)
                        break
            out.append(word)
        return out

    def _specialist(self, word: str) -> str | None:
        """The role word a specialist's name the catalogue does not know stands for:
        "endocrinologist" -> "specialist", "Endokrinologe" -> "facharzt"."""
        for ending, role in self._lang.specialist_endings:
            if word.endswith(ending) and len(word) - len(ending) >= _MIN_SPECIALTY:
                return role
        return None

    def _language(self, text: str, tokens: list[Token], hint: str | None) -> str:
        """The answer's language: words only one language's file lists count
        double (they carry the sentence: "Ich bin nurse" is German), then the
        language of the catalogue word a word matched (typos included), then
        telling endings and letters. A tie goes to the hint, else the default."""
        languages = self._lang.languages
        votes = {
            lang.id: 2.0 * sum(char in lang.letters for char in text) if lang.letters else 0.0
            for lang in languages.languages
        }
        for token in tokens:
            word = token.word
            owners = self._owners(word)
            if len(owners) == 1:
                votes[owners[0]] += 2.0
                continue
            if owners:
                continue  # "in", "so", "hi": several languages
            direct = [(sim, vid) for vid, sim, is_direct in token.meanings if is_direct]
            if direct:
                # The closest catalogue word decides ("docter" -> "doctor"), and
                # only if the catalogue uses it in one language.
                only = self._lang_only.get(self._words[max(direct)[1]])
                if only in votes:
                    votes[only] += 1.0
            elif not token.meanings:
                for lang in languages.languages:
                    if lang.detection_endings:
                        votes[lang.id] += 0.5 * word.endswith(lang.detection_endings)
        if not votes:
            return hint or languages.default
        best = max(votes.values())
        leaders = [lang_id for lang_id, vote in votes.items() if vote == best]
        if len(leaders) == 1:
            return leaders[0]
        if hint in leaders:
            return hint
        return languages.default if languages.default in leaders else leaders[0]

    def _tokens(self, clauses: list[list[str]], told: str) -> list[Token]:
        """The answer's words with their meanings; `told` is the language the
        answer's own words tell ("" if none leads), which bounds typo readings."""
        lang = self._lang
        tokens: list[Token] = []
        clause_number = 0
        # Lookups of repeated words within this one answer; dropped with it.
        memo: dict[str, list[tuple[int, float, bool]]] = {}
        for clause in clauses:
            clause_number += 1
            for word in clause:
                if len(tokens) >= _MAX_WORDS:
                    return tokens
                if word in lang.clause:
                    clause_number += 1
                position = len(tokens)
                if not lang.is_content(word):
                    # Kept as a gap between words, and for negations.
                    tokens.append(Token(word, position, clause_number, [], 0.0, True))
                    continue
                if word not in memo:
                    memo[word] = self._lookup(word, told)
                meanings = list(memo[word])
                known = [self._weight[v] * sim for v, sim, _ in meanings if v >= 0]
                weight = _GENERIC_WEIGHT if word in lang.generic else max(known, default=1.0)
                tokens.append(Token(word, position, clause_number, meanings, weight, bool(known)))
        self._as_verbs(tokens)
        self._mark_statements(tokens, self._statement_in.get(told, self._lang.statement))
        return tokens

    def _as_verbs(self, tokens: list[Token]) -> None:
        """A job word that is an everyday word too, next to the visitor as subject, is
        the verb ("wie stelle ich … um", "stellen wir"), as is one right after the
        infinitive's particle ("eine Anfrage zu stellen"): no job, no word at all."""
        lang = self._lang
        for token in tokens:
            near = tokens[max(0, token.position - 1) : token.position + 2]
            if token.word in lang.everyday_jobs and (
                any(t.clause == token.clause and t.word in lang.subject for t in near)
                or (token.position > 0 and tokens[token.position - 1].word in lang.infinitive)
            ):
                token.meanings = []
                token.weight = 0.0

    def _mark_statements(self, tokens: list[Token], statement: frozenset[str]) -> None:
        """Whose role each word would be: the visitor's own (stated, leading) or
        someone else's (other); `statement` as the answer's language reads them."""
        lang = self._lang
        for before, token in itertools.pairwise(tokens):
            if token.word in lang.statement_after and before.clause == token.clause:
                before.stated = before.stated or before.weight > 0.0  # "MFA hier"
                before.here = before.stated
        for index, token in enumerate(tokens):
            if token.word not in statement:
                continue
            if token.word in lang.contracted and (
                index == 0 or tokens[index - 1].word not in lang.subject | lang.first_person
            ):
                continue  # "query re renal dosing": "re" is "we're" only after "we"
            token.states = True
            following = [
                t
                for t in tokens[index + 1 : index + 5]
                if t.clause == token.clause and t.word not in lang.fillers
            ]
            for other in following[:2]:  # "ich bin niedergelassene Ärztin"
                other.stated = True
        for before, token in itertools.pairwise(tokens):
            if before.clause != token.clause:
                continue
            if before.word in lang.others:
                # "our hospital pharmacy", "unsere KH-Apo": the place named last.
                token = self._place_head(tokens, token)
                token.other = True
                token.ours = before.word in lang.ours
                token.mine = before.word in lang.mine
            elif (
                before.word in lang.mine_before_own
                and (lang.is_kin(token.word) or lang.is_body(token.word))
                and self._possessive_place(tokens, before)
            ):
                token.other = token.mine = True  # "me nan", "me knee"
        # "a patient of mine", "eine Patientin von uns": the possessive after the word.
        for token, of, owner in zip(tokens, tokens[1:], tokens[2:], strict=False):
            if (of.word, owner.word) in lang.postposed and token.clause == owner.clause:
                token.other = True
                token.mine = owner.word in lang.first_person
                token.ours = not token.mine
        # "in der Apotheke meiner Eltern", "la pharmacie de mon père": a relative
        # after a place of care owns it; nothing of theirs is the visitor's case.
        for index, token in enumerate(tokens):
            if not (lang.is_kin(token.word) and index >= 2 and tokens[index - 1].word in lang.mine):
                continue
            place = tokens[index - 2]
            if place.word in lang.belonging and index >= 3:
                place = tokens[index - 3]
            if place.clause == token.clause and self._names_place(place):
                token.mine = False
                token.other = True
        # "a patient in my practice", "un client de mon officine": someone of the
        # visitor's own place of care is spoken of, and the place is where they work
        # (not "my pharmacy" alone: a patient's regular one).
        mine_or_ours = lang.mine | lang.ours
        for token, prep, owner, place in zip(
            tokens, tokens[1:], tokens[2:], tokens[3:], strict=False
        ):
            if (
                prep.word in lang.belonging
                and owner.word in mine_or_ours
                and token.clause == place.clause
                and self._of_a_place(token)
            ):
                head = self._place_head(tokens, place)
                if self._names_place(head):
                    token.other = True
                    head.here = True
        # "arbeite in einer Apotheke", "titulaire d'une pharmacie", "we're a
        # pharmacy": a place of care the visitor works at or speaks as.
        for token in tokens:
            if self._works_at(tokens, token) or self._sent_from(tokens, token):
                token.here = True
            elif self._signed(tokens, token):
                token.stated = True  # "Frage von einer Apothekerin": who asks
        # "viele Patienten", "a lot of patients": a group, not the visitor.
        for index, token in enumerate(tokens):
            if any(
                t.word in lang.groups and t.clause == token.clause
                for t in tokens[max(0, index - _OBJECT_REACH) : index]
            ):
                token.other = True
                token.stated = False  # "we're seeing more patients"
        # "bei einer Patientin mit", "in a patient on": a patient after a
        # preposition and an article is spoken of in the third person.
        # ("for a patient support programme" is a programme the catalogue knows).
        for prep, det, token, then in zip(
            tokens, tokens[1:], tokens[2:], [*tokens[3:], None], strict=False
        ):
            if (
                prep.word in lang.about
                and det.word in lang.fillers
                and prep.clause == token.clause
                and not token.stated
                and (then is None or (token.word, then.word) not in self._patient_modifiers)
                and any(direct and vid in self._patient_words for vid, _, direct in token.meanings)
            ):
                token.other = True
                token.acts = True
        # "in patients over 75", "bei Patienten mit": patients as a population a
        # treatment is used in ("for patients" may be an audience: "a hotline for
        # patients"); "wie stelle ich einen Patienten um", "can I give a patient
        # with …": a patient after an article, the visitor the clause's subject.
        # Someone the visitor treats, either way ("a patient leaflet" is a leaflet).
        for before, token, then in zip(tokens, tokens[1:], [*tokens[2:], None], strict=False):
            if (
                before.clause == token.clause
                and not token.stated
                and (then is None or then.clause != token.clause or then.weight <= 0.0)
                and (
                    before.word in lang.among
                    or (
                        before.word in lang.articles
                        and any(
                            t.word in lang.subject and t.clause == token.clause
                            for t in tokens[: before.position]
                        )
                    )
                )
                and any(direct and vid in self._patient_words for vid, _, direct in token.meanings)
            ):
                token.other = True
                token.acts = True
        # "Doctor told me", "Hausärztin hat gewechselt", "Min Hausarzt het mir",
        # "le pharmacien m'a dit": a role acting on the visitor, or spoken of in
        # the third person, is someone else's.
        for index, token in enumerate(tokens):
            if token.weight <= 0.0 or token.stated:
                continue
            after = tokens[index + 1 : index + 1 + _OBJECT_REACH]
            if (
                any(t.word in lang.objects and t.clause == token.clause for t in after)
                or (after and after[0].word in lang.acting and after[0].clause == token.clause)
                or self._source(tokens, token)
            ):
                token.other = True
                token.acts = True
        # "Ich bin Arzt, aber frage als Patient", "I'm a nurse but asking for my
        # husband": a role stated before a contrast gives way to what follows.
        turn = self._turn(tokens)
        start = 0
        if turn >= 0 and self._someone_after(tokens, turn):
            in_time = tokens[turn].word in lang.now
            for token in tokens[:turn]:
                token.stated = False
                # A place worked at before a turn in time is past too ("used to work
                # in a pharmacy, now I'm a GP trainee"); "MFA hier, aber …" and "Wir
                # sind eine Apotheke, aber keine Bewerbung" stay said.
                token.here = token.here and not (in_time and self._works_at(tokens, token))
            start = turn + 1
        content = [t for t in tokens[start:] if t.weight > 0.0]
        # "Is there a patient leaflet": a role after an article leads no answer, nor
        # one in the noun phrase an article opens ("is there a support nurse").
        opened = bool(content) and any(
            t.word in lang.fillers and t.clause == content[0].clause
            for t in tokens[max(start, content[0].position - 1) : content[0].position]
        )
        article = opened and self._own_role(content[0])
        if content and not content[0].other and not article:
            content[0].leading = True
            # "Apotheke in Linz, wir bräuchten …", "Spitalapotheke Basel: …": a place
            # of care leading the answer with its name is who speaks.
            content[0].here = content[0].here or self._signed_as_place(tokens, content[0])
            # "hospital pharmacist, ...", "Spital Apothekerin": a role right
            # after the first word in the first clause leads the answer too.
            first, *rest = content
            if rest and first.weight > _GENERIC_WEIGHT and not rest[0].other:
                second = rest[0]
                if (
                    second.position == first.position + 1
                    and second.clause == first.clause
                    and not (opened and self._own_role(second))
                ):
                    second.leading = True
            # "Pre-reg pharmacist, …", "Junior Assistenzärztin: …": a profession
            # right after a run of words that name no role leads the answer too.
            for token in tokens[first.position : first.position + _LEADING_REACH]:
                if token.clause != first.clause or token.weight <= 0.0 or token.other or opened:
                    break
                if self._own_role(token):
                    token.leading = token.leading or (
                        self._professional(token) and not self._names_place(token)
                    )
                    break
        self._join_roles(tokens)
        # "in der Offizin fragen alle …": a place only its staff name so is where the
        # visitor works, unless they say who they are ("pharmacienne d'officine").
        if not self._states_own_role(tokens):
            for token in tokens:
                if token.word in lang.trade and self._names_place(token):
                    token.here = True

    def _join_roles(self, tokens: list[Token]) -> None:
        """A role joined to one the visitor states or leads with ("Ärztin und
        Apothekerin", "Physician and investor", "médecin et pharmacien"), a word
        or two of no weight between ("und zugleich Bewerber"), is theirs too. Not
        a patient: "I'm a pharmacist and a patient asked …" is someone else, "Bin
        Hebamme und selbst schwanger" the visitor's own case."""
        joined = self._lang.joined
        for token in tokens:
            if not ((token.stated or token.leading) and self._own_role(token)):
                continue
            rest = tokens[token.position + 1 : token.position + 1 + _JOIN_REACH]
            if not rest or rest[0].word not in joined:
                continue
            second = next((t for t in rest[1:] if t.weight > 0.0), None)
            if (
                second is not None
                and not second.other
                and self._own_role(second)
                and not self._role_kinds(second) <= {PATIENT_TYPE}
            ):
                second.stated = second.joined = True

    def _two_roles(self, tokens: list[Token]) -> bool:
        """Whether the visitor states roles of two visitor types, or a role and an
        audience no type covers, joined ("Arzt und Bewerber", "Apotheker und
        Journalist"): who they are is not one type."""
        if not any(t.joined for t in tokens):
            return False
        kinds = {
            kind
            for token in tokens
            if (token.stated or token.leading) and token.weight > 0.0
            for kind in self._role_kinds(token)
        }
        return len(kinds) >= 2

    def _role_kinds(self, token: Token) -> set[str]:
        """The visitor types a role word names, or "" for an audience no type covers."""
        kinds: set[str] = set()
        for vid, sim, direct in token.meanings:
            if direct and vid >= 0 and sim >= _SIM_INFLECTED:
                kinds |= self._roles[vid]
                if vid in self._audience_roles:
                    kinds.add("")
        return kinds

    def _possessive_place(self, tokens: list[Token], token: Token) -> bool:
        """Whether an object pronoun stands where a possessive would ("me knee's
        killing me", "with me blood thinners"): first in its clause or after a
        preposition ("with", "in", "for") or "and" — not after a verb ("call me back")."""
        if token.position == 0:
            return True
        before = tokens[token.position - 1]
        return before.clause != token.clause or before.word in self._before_possessive

    def _place_head(self, tokens: list[Token], token: Token) -> Token:
        """The place a place of care names, when another follows it in the clause
        ("hospital pharmacy", "KH-Apo"): the last is the head; so is a place after
        a role word naming whose place it is ("our GP surgery": a practice, not
        "our GP"), or after one word saying what kind ("our specialty pharmacy",
        "unsere kleine Apotheke"); else the word."""
        following = tokens[token.position + 1] if token.position + 1 < len(tokens) else None
        if (
            following is not None
            and following.clause == token.clause
            and not self._names_place(token)
            and not self._role_kinds(token)
            and self._names_place(following)
        ):
            token = following
        head = token
        for after in tokens[token.position + 1 :]:
            if after.clause != token.clause or not self._names_place(after):
                break
            head = after
        if self._names_place(token) or (head is not token and self._own_role(token)):
            return head
        return token

    def _signed_as_place(self, tokens: list[Token], token: Token) -> bool:
        """Whether a place of care is followed, in its clause, only by its name or
        town (words the vocabulary does not know, and function words): the sender,
        not a place sought ("Apotheke in der Nähe") or spoken of ("Apotheke hat …")."""
        if token.acts or not self._names_place(token):
            return False
        rest = [t for t in tokens[token.position + 1 :] if t.clause == token.clause]
        if rest and rest[-1].word in self._lang.statement_after:
            return True  # "Apotheke am Markt hier": whatever its name, it speaks
        names = [t for t in rest if t.weight > 0.0]
        return bool(names) and not any(self._as_written(t) for t in names)

    def _turn(self, tokens: list[Token]) -> int:
        """The position of the last contrast that turns from who the visitor said
        they are, or -1: not one that corrects a denial ("Apothekerin, suche keinen
        Job, sondern Infos zur Lagerung": what was not wanted, not who speaks)."""
        lang = self._lang
        for token in reversed(tokens):
            if token.word not in lang.contrast:
                continue
            previous = tokens[token.position - 1].clause if token.position else -1
            before = (t for t in tokens[: token.position] if t.clause == previous)
            if not any(t.word in lang.negators for t in before):
                return token.position
        return -1

    def _someone_after(self, tokens: list[Token], turn: int) -> bool:
        """Whether what follows a contrast says who is asking: a role, the visitor
        themselves or their family ("aber frage als Patient", "but asking for my
        husband"), or a time ("now I own a pharmacy"). A contrast about the
        product ("but the label says one", "mais en français svp") turns nothing."""
        if tokens[turn].word in self._lang.now:
            return True
        return self._names_someone(tokens[turn + 1 :])

    def _names_someone(self, tokens: list[Token]) -> bool:
        """Whether the words say who is asking (`_someone_after`, `says_who`)."""
        lang = self._lang
        who = lang.first_person | lang.subject | lang.self_words | lang.mine | lang.ours
        return any(
            t.word in who
            or t.word in lang.negators
            or lang.is_kin(t.word)
            or self._own_role(t)
            or self._names_place(t)
            or self._job_word(t)
            for t in tokens
        )

    def _asks_for_work(self, tokens: list[Token]) -> tuple[str, int, bool] | None:
        """The visitor type working at a place of care the visitor asks for ("frage
        für die Apotheke", "asking for my ward", "c'est pour ma pharmacie"): after
        an asking word in the clause, or called the visitor's own; or serving one
        they ask for ("frage für eine Kundin"); where, and whether for a client."""
        lang = self._lang
        skipped = self._determiners
        for token in tokens:
            if token.word not in lang.asking_for:
                continue
            place = next((t for t in tokens[token.position + 1 :] if t.word not in skipped), None)
            if place is None or place.clause != token.clause:
                continue
            # ("frage aber für …": "aber" opens a clause between them.)
            asked = any(
                t.word in lang.asking for t in tokens[max(0, token.position - 3) : token.position]
            )
            server = lang.served.get(place.word) or lang.served.get(base_form(place.word))
            if asked and server is not None and server in self._role_intent:
                return server, token.position, True  # "asking for a customer"
            if not self._names_place(place):
                continue
            place = self._place_head(tokens, place)  # "für unsere KH-Apo": a pharmacy
            if not (asked or place.mine or place.ours):
                continue
            worker = self._place_worker(place)
            if worker is not None:
                return worker[0], token.position, False
        return None

    def _place_worker(self, token: Token) -> tuple[str, float] | None:
        """The one profession working at the place of care the word names, the
        head of a compound first ("Spitalapotheke", "KH-Apo": a pharmacy), and
        how closely the word matched it."""
        heads_first = sorted(
            token.meanings,
            key=lambda m: not (m[0] >= 0 and token.word.endswith(self._words[m[0]])),
        )
        for vid, sim, direct in heads_first:
            if not direct or vid < 0 or sim < _SIM_HEAD:  # "Klinikapotheke" too
                continue
            if self._words[vid] not in self._lang.places:
                continue
            types = [k for k in self._keys_of_word[vid] if k in PROFESSIONAL_TYPES]
            if len(types) == 1 and types[0] in self._role_intent:
                return types[0], sim
        return None

    def _of_a_place(self, token: Token) -> bool:
        """Whether the word names someone a place of care serves: a patient or a
        customer ("patient", "Kundin", "client")."""
        return self._served_by(token) is not None or self._names_patient(token)

    def _served_by(self, token: Token) -> str | None:
        """The profession that serves the one the word names ("Kunde": a
        pharmacy's customer; `[roles] served`), if any."""
        served = self._lang.served
        return served.get(token.word) or served.get(base_form(token.word))

    def _names_patient(self, token: Token) -> bool:
        """Whether the word is a patient word as written or inflected ("Patientin")."""
        return any(
            direct and vid in self._patient_words and sim >= _SIM_INFLECTED
            for vid, sim, direct in token.meanings
        )

    def _names_place(self, token: Token) -> bool:
        """Whether the word is a place of care ("Apotheke", "practice", "officine")."""
        places = self._lang.places
        return any(
            direct and vid >= 0 and self._words[vid] in places for vid, _, direct in token.meanings
        )

    @staticmethod
    def _as_written(token: Token) -> bool:
        """Whether the word is a vocabulary word as written or inflected (not a
        typo's guess: a town's name often resembles some word)."""
        return any(
            direct and vid >= 0 and sim >= _SIM_INFLECTED for vid, sim, direct in token.meanings
        )

    def _lookup(self, word: str, told: str) -> list[tuple[int, float, bool]]:
        """The vocabulary words `word` may be, each with a similarity."""
        meanings = [(vid, sim, True) for vid, sim in self._find(word, told)]
        seen = {vid for vid, _, _ in meanings}
        # Synonym lists hold base forms; a genitive "Mannes" or plural "Kindern"
        # finds its group by a shorter stem too.
        lang = self._lang
        group = self._synonyms.get(lang.stem(word)) or self._synonyms.get(lang.short_stem(word), ())
        for vid in group:
            if vid not in seen:
                meanings.append((vid, _SIM_SYNONYM, False))
        for vid, sim, direct in list(meanings):
            head = self._heads[vid]
            if head is not None:
                meanings.append((head, sim * _SIM_HEAD, direct))
        # Only the word itself may stand in for another role, not its synonyms:
        # "Mannes" is a relative, not "any role".
        role_sims: dict[int, float] = {}
        for vid, sim, direct in meanings:
            if direct and vid >= 0 and sim >= _SIM_INFLECTED and self._roles[vid]:
                stand_in = role_stand_in(self._roles[vid])
                role_sims[stand_in] = max(role_sims.get(stand_in, 0.0), sim)
        for stand_in, sim in role_sims.items():
            meanings.append((stand_in, sim * _SIM_OTHER_ROLE, False))
        return meanings

    def _find(self, word: str, told: str) -> list[tuple[int, float]]:
        found: list[tuple[int, float]] = []
        vid = self._vocab.get(word)
        if vid is not None:
            found.append((vid, 1.0))
        else:
            vid = self._aliases.get(word)
            if vid is not None:
                found.append((vid, _SIM_VARIANT))
        # "vacancies" -> "vacancy", "Apothekn" -> "Apotheken": the rewritten word's stem.
        stem = self._lang.stem(self._lang.rewritten(word) or word)
        # A known word meets its other forms only within its own visitor types:
        # across types the ending is what tells them apart ("prescribed" is a
        # patient's word, "prescribing" a doctor's).
        if vid is not None:
            others: Sequence[int] = self._forms(vid)
        else:
            # A role word less its last letters is another word: "Chirurgie" is no
            # "chirurgien", "pharmacie" no "pharmacien".
            others = [
                other
                for other in self._stems.get(stem, ())
                if not (self._roles[other] and self._words[other].startswith(word))
            ]
        # Nor is a word another language's word in another form, in an answer whose
        # words tell its language: English "still" is no German "stille".
        found.extend(
            (other, _SIM_INFLECTED)
            for other in others
            if other != vid and not self._foreign(other, told)
        )
        if not found:
            # Plurals that change the stem ("Therapiepässe" / "Therapiepass").
            for form in self._lang.forms(word):
                form_id = self._vocab.get(form)
                if form_id is not None:
                    found.append((form_id, _SIM_INFLECTED))
                    break
        if found or len(word) > _MAX_WORD_LENGTH:
            return found  # no compound or typo search in a keyboard mash
        split = self._split(word)
        if split and all(sim == _SIM_MODIFIER for _, sim in split):
            # Only a known word's start ("pharma|sist"): a one-letter typo of a
            # whole known word ("pharmacist") is the likelier reading.
            typo = self._typo(word, told)
            if typo and typo[0][1] >= _SIM_TYPO[1]:
                return typo
        return split or self._clipped(word) or self._typo(word, told)

    def _clipped(self, word: str) -> list[tuple[int, float]]:
        """The known word that `word` is a clipped form of: "Gebrauchsinfo" for
        "Gebrauchsinformation"."""
        if len(word) < _MIN_CLIPPED:
            return []
        start = bisect.bisect_left(self._sorted_words, word)
        found: list[tuple[int, float]] = []
        for candidate in itertools.islice(self._sorted_words, start, start + _MAX_CLIPPED + 1):
            if not candidate.startswith(word):
                break
            if len(candidate) - len(word) >= 3:  # shorter: an inflection, not a clipping
                found.append((self._vocab[candidate], _SIM_HEAD))
        return found if len(found) <= _MAX_CLIPPED else []

    def _split(self, word: str) -> list[tuple[int, float]]:
        """A compound of two known words ("hausarzt|praxis", "patient|en|programm");
        failing that, an unknown word ending in a known one ("Notarzt": "arzt"),
        or starting with one ("Stellenanzeige": "stellen")."""
        head_only: list[tuple[int, float]] = []
        for cut in range(3, len(word) - 3):
            right = self._vocab.get(word[cut:])
            if right is None:
                continue
            left = word[:cut]
            for link in ("", *self._lang.links):
                stem = left[: len(left) - len(link)] if left.endswith(link) else ""
                left_id = self._vocab.get(stem) if len(stem) >= 3 else None
                if left_id is not None:
                    return [(left_id, _SIM_VARIANT), (right, _SIM_VARIANT)]
            # Heads make the compound's meaning; a short one is safe only if it
            # names a role ("arzt" in "Notarzt"), a longer one if it is no
            # generic word.
            if (
                not head_only
                and self._weight[right] > _GENERIC_WEIGHT
                and (self._roles[right] or len(word) - cut >= 6)
            ):
                head_only = [(right, _SIM_HEAD)]
        if head_only:
            return head_only
        for cut in range(len(word) - 4, 4, -1):
            left_id = self._vocab.get(word[:cut])
            if left_id is not None and self._weight[left_id] > _GENERIC_WEIGHT:
                if self._roles[left_id]:
                    break  # a role as a modifier names a thing: "Patienten|pass"
                forms = [(v, _SIM_MODIFIER) for v in self._forms(left_id)]
                return [(left_id, _SIM_MODIFIER), *forms]
        return []

    def _forms(self, vid: int) -> list[int]:
        """Other forms of a known word that its own visitor types use; a place of
        care's are no role words ("pharmacie" is a place, not a "pharmacien":
        "pour la pharmacie" names nobody's pharmacist)."""
        keys = set(self._keys_of_word[vid])
        place = self._words[vid] in self._lang.places
        return [
            other
            for other in self._stems.get(self._lang.stem(self._words[vid]), ())
            if other != vid
            and keys & set(self._keys_of_word[other])
            and not (place and self._roles[other])
        ]

    def _head(self, word: str) -> int | None:
        """The longest known word that `word` ends with, if it names a role
        ("Frauen|arzt") or has six letters or more ("Hausarzt|praxis"): a short
        ending is too often a word by chance ("Packungsgr|essen")."""
        for cut in range(3, len(word) - 3):
            head = self._vocab.get(word[cut:])
            if head is not None and (self._roles[head] or len(word) - cut >= 6):
                return head
        return None

    def _foreign(self, vid: int, told: str) -> bool:
        """Whether only another language's phrases use the word, in an answer whose
        own words tell its language ("told"; "" if none leads)."""
        only = self._lang_only.get(self._words[vid])
        return bool(told) and only is not None and only != told

    def _typo(self, word: str, told: str) -> list[tuple[int, float]]:
        """The nearest known word within a small edit distance, also trying the
        word without a feminine ending and with umlauts as plain vowels
        ("Aertzin" -> "artz" -> "arzt"). A word only another language's phrases
        use is no typo in an answer whose words tell its language: "Rostock" in
        a German answer is a city, not the English "restock"."""
        if word in self._lang.real:
            return []  # a word of its own: "apple" is no "apply"
        collapsed = collapse(word)
        vid = self._collapsed.get(collapsed)
        if vid is not None and len(collapsed) >= 3 and not self._foreign(vid, told):
            return [(vid, _SIM_TYPO[1])]  # "jobb", "Aplication", "Praktikkum"
        plain = self._lang.plain
        candidates = {word, plain(word)}
        for ending in self._lang.feminine:
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                stem = word[: -len(ending)]
                candidates |= {stem, plain(stem)}
        best: tuple[int, int] | None = None  # (distance, vocabulary id)
        for candidate in candidates:
            limit = max_typo_distance(len(candidate))
            bucket = self._buckets.get(candidate[0])
            if not limit or not bucket:
                continue
            found = process.extractOne(candidate, bucket, scorer=OSA.distance, score_cutoff=limit)
            if found is None:
                continue
            choice, distance = found[0], int(found[1])
            if distance > max_typo_distance(min(len(choice), len(candidate))):
                continue  # "internal" is no typo of "intern"
            if len(candidate) == 4 and sorted(choice) != sorted(candidate):
                continue  # four letters: only a swap ("artz") is a safe typo
            if self._foreign(self._vocab[choice], told):
                continue
            if best is None or distance < best[0]:
                best = (distance, self._vocab[choice])
        if best is None:
            return []
        return [(best[1], _SIM_TYPO[min(best[0], 2)])]

    # -- negation --------------------------------------------------------------

    def _negate(self, tokens: list[Token]) -> set[str]:
        """Take negated role words out of the answer; return their visitor types."""
        lang = self._lang
        negated: set[str] = set()
        closers: set[str] = set()  # "noch" after "weder", "nor" after "neither"
        for index, token in enumerate(tokens):
            word = token.word
            if word in lang.pairs:
                closers.add(lang.pairs[word])
            if word not in lang.negators and word not in closers:
                continue
            target = self._after(tokens, index)
            ahead = target is not None
            if target is None and word in lang.trailing:
                target = self._before(tokens, index)
            if target is None:
                continue
            # A denial in time ("nicht mehr", "no longer", "ne … plus", "former"):
            # who the visitor was, not what they may want now.
            past = (
                word in lang.negation_past
                or any(
                    t.word in lang.negation_past
                    for t in tokens[index + 1 : target.position + _PAST_REACH]
                    if t.clause == token.clause
                )
                # Ending the clause: "I don't practise as a pharmacist any more".
                or any(
                    t.word in lang.negation_past
                    for t in [t for t in tokens[index + 1 :] if t.clause == token.clause][-2:]
                )
            )
            roles = self._direct_roles(target)
            if not roles and ahead:  # "ni soignant": the languages' audience words too
                roles = self._audience_of(target.word)
            if not roles and ahead and target.position > index + 1:
                # A word before the role names its kind, after an article: "not a
                # healthcare professional" (but "non-EU candidates" are candidates).
                following = self._next_to(tokens, target)
                if following is not None:
                    roles = self._direct_roles(following) or self._audience_of(following.word)
                    if roles:
                        target.meanings = []
                        target.weight = 0.0
                        target = following
            if not roles and ahead and past:
                # "no longer working as a pharmacist", "n'exerce plus comme kiné": the
                # work they did was that role's; the role is denied, not a job.
                ahead_words = [
                    t for t in tokens[index + 1 :] if t.clause == token.clause and t.weight > 0.0
                ][:_PAST_ROLE_REACH]
                former = next((t for t in ahead_words if self._former_roles(t)), None)
                if former is None:
                    # "arbeite nicht mehr in der Apotheke": a place no longer worked at
                    # says nothing of the visitor (who may be of its profession still).
                    for place in ahead_words:
                        if self._former_workplace(tokens, index, place):
                            place.meanings = []
                            place.weight = 0.0
                            break
                else:
                    for done in ahead_words[: ahead_words.index(former)]:
                        if self._means_job(done):  # "working", "exerce"
                            done.meanings = []
                            done.weight = 0.0
                    target = former
                    roles = self._former_roles(former)
            if not roles and ahead and not past:
                # "keine Bewerbung, ich bin PKA", "pas pour une candidature, je suis
                # préparatrice", "not about a job": who they are, and no job seeker.
                # (Alone, "keine Antwort auf meine Bewerbung" is a job seeker waiting.)
                # The job may come after a verb ("not applying for a job", "ne
                # cherche pas d'emploi") and be a word of other meanings too
                # ("emploi", "apply"): the role stated beside it settles them.
                ahead_words = [
                    t for t in tokens[index + 1 :] if t.clause == token.clause and t.weight > 0.0
                ][:_NEGATED_JOB_REACH]
                jobs = [t for t in ahead_words if self._means_job(t)]
                # A job not wanted is denied: what is not wanted comes right after
                # the want and is only a job seeker's word ("not looking for a job",
                # "pas besoin de job"; not "don't need info, I want to apply"). A
                # job merely not answered for needs a role stated instead.
                # ("ne" before a want is also colloquial German's "eine".)
                wanted = (
                    target.word in lang.negation_wants
                    or (
                        index > 0
                        and tokens[index - 1].word in lang.negation_wants
                        and word not in lang.articles
                    )
                    # German puts the want last: "hab keinen Job bei euch gesucht".
                    or any(
                        t.word in lang.negation_wants and t.clause == token.clause
                        for t in tokens[target.position + 1 : target.position + _WANT_AFTER_REACH]
                    )
                )
                unwanted = (
                    [t for t in ahead_words[:_WANTED_REACH] if self._job_word(t)] if wanted else []
                )
                if not unwanted and not self._states_other_role(tokens):
                    jobs = []
                if unwanted or jobs:
                    roles = {JOBS_TYPE}
                    *denied, target = unwanted or jobs  # "applying" and "job" alike
                    for denial in denied:
                        denial.meanings = []
                        denial.weight = 0.0
            if roles:
                target.meanings = []
                target.weight = 0.0
                if past:
                    # "kein Student mehr": no student, but maybe a job seeker still.
                    roles = roles - {JOBS_TYPE}
                # The role stated instead may be of the denied one's type: "not a
                # doctor, a nurse" is a professional, "not the patient, his
                # daughter" a patient's relative.
                negated |= roles - self._state_instead(tokens, target)
                negated |= self._deny_listed(tokens, target)
        if PATIENT_TYPE in negated and any(self._kin(tokens, t) for t in tokens):
            # "nicht die Patientin, aber ich kümmere mich um meine Schwiegermutter":
            # not the one taking it, but a relative who cares for them.
            negated.discard(PATIENT_TYPE)
        return negated

    def _former_roles(self, token: Token) -> set[str]:
        """The visitor types other than a job seeker's the word names as a role or
        an audience ("pharmacist", "soignant"): who one no longer is."""
        return (self._direct_roles(token) | self._audience_of(token.word)) - {JOBS_TYPE}

    def _former_workplace(self, tokens: list[Token], negator: int, token: Token) -> bool:
        """Whether the word is a place of care the visitor no longer works at, said
        with a work word before the denial ("arbeite nicht mehr in der Apotheke",
        "I no longer work in a pharmacy"), where the answer names its profession
        nowhere else ("… sondern in der Klinikapotheke" still speaks as one)."""
        worker = self._place_worker(token)
        lang = self._lang
        if worker is None or not any(
            t.word in lang.work and t.clause == token.clause for t in tokens[:negator]
        ):
            return False
        kind = worker[0]
        for other in tokens:
            if other is token or other.weight <= 0.0:
                continue
            place = self._place_worker(other)
            if (place is not None and place[0] == kind) or (
                self._own_role(other) and kind in self._direct_roles(other)
            ):
                return False
        return True

    def _next_to(self, tokens: list[Token], token: Token) -> Token | None:
        """The word right after this one, in its clause."""
        after = token.position + 1
        if after < len(tokens) and tokens[after].clause == token.clause:
            return tokens[after]
        return None

    def _audience_of(self, word: str) -> set[str]:
        """The visitor type an audience word names ("professional", "Fachpersonal"),
        as written, if just one: a role that only phrases otherwise name."""
        found = self._audience_words.get(word)
        return {found} if found else set()

    def _direct_roles(self, token: Token) -> set[str]:
        """The visitor types the word itself (not a synonym) is a role of."""
        return {
            role
            for vid, _, direct in token.meanings
            if direct and vid >= 0
            for role in self._roles[vid]
        }

    def _deny_listed(self, tokens: list[Token], denied: Token) -> set[str]:
        """Roles listed after a denied one ("not a patient or a doctor", "ni
        médecin ni pharmacien") are denied with it."""
        negated: set[str] = set()
        lists = self._lang.negation_lists
        fillers = self._lang.fillers
        while True:
            # ("or" also ends a clause: the list goes on across it.)
            rest = (t for t in tokens[denied.position + 1 :] if t.word not in fillers)
            joiner, listed = next(rest, None), next(rest, None)
            if joiner is None or joiner.word not in lists or listed is None:
                return negated
            roles = self._direct_roles(listed)
            if not roles:
                return negated
            negated |= roles
            listed.meanings = []
            listed.weight = 0.0
            denied = listed

    def _state_instead(self, tokens: list[Token], denied: Token) -> set[str]:
        """A role word right after a denied one is the role stated instead ("kein
        Arzt, nur Apotheker", "pas médecin, juste pharmacien", "not a doctor, a
        nurse"): within a few words, past function words. Returns its visitor
        types (a relative stated instead is a patient's)."""
        start = denied.position + 1
        # A word may describe the role ("not a GP, a practice nurse"), and a
        # relative come a word or two later ("not the patient, I'm his daughter").
        lang = self._lang
        said = lang.first_person | lang.statement
        # ("not a doctor, I'm a physio": the statement's own words stand between.)
        content = [
            t
            for t in tokens[start : start + _LEADING_REACH + 4]
            if t.weight > 0.0 and t.word not in lang.others and t.word not in said
        ]
        turn = next(
            (t for t in tokens[start : start + 2] if t.word in lang.contrast and t.weight <= 0.0),
            None,
        )
        if turn is not None:
            # "keine PTA mehr, sondern seit letztem Jahr approbierte Apothekerin": the
            # contrast's clause corrects the denial, however it goes on to say so.
            for token in tokens[turn.position + 1 :]:
                if token.clause != turn.clause:
                    break
                if self._own_role(token) and not token.other:
                    token.stated = True
                    return self._direct_roles(token)
        for token in content[:2]:
            skipped = sum(t.word in said for t in tokens[start : token.position])
            if (
                token.position - skipped < start + _LEADING_REACH
                and self._own_role(token)
                and not token.other
            ):
                token.stated = True
                return self._direct_roles(token)
            if self._lang.is_kin(token.word):
                return {PATIENT_TYPE}
        return set()

    def _turn_from_job(self, tokens: list[Token]) -> None:
        """Job words before a contrast in time give way to a role stated after it,
        as a role does: "hatte mich früher beworben, inzwischen bin ich Hausarzt",
        "applied years ago, now I own a pharmacy" (but "suche eine Stelle, bin
        aber Apotheker" is still looking)."""
        turn = _last_of(tokens, self._lang.now)
        if turn < 0 or not self._states_other_role(tokens[turn + 1 :]):
            return
        for token in tokens[:turn]:
            if self._job_word(token):
                token.meanings = []
                token.weight = 0.0

    def _job_word(self, token: Token) -> bool:
        """Whether the word, written as it is, is only ever a job seeker's."""
        found = [vid for vid, _, direct in token.meanings if direct and vid >= 0]
        return bool(found) and all(self._keys_of_word[vid] == (JOBS_TYPE,) for vid in found)

    def _means_job(self, token: Token) -> bool:
        """Whether the word, written as it is, may be a job seeker's."""
        return any(
            direct and vid >= 0 and JOBS_TYPE in self._keys_of_word[vid]
            for vid, _, direct in token.meanings
        )

    def _states_other_role(self, tokens: list[Token]) -> bool:
        """Whether the visitor states a role of their own other than a job seeker's,
        or a place they work at ("now I own a pharmacy")."""
        return any(
            (t.stated or t.leading or t.here)
            and any(
                direct
                and vid >= 0
                and sim >= _SIM_INFLECTED
                and bool(
                    self._roles[vid] - {JOBS_TYPE}
                    or (t.here and self._words[vid] in self._lang.places)
                )
                for vid, sim, direct in t.meanings
            )
            for t in tokens
        )

    def _after(self, tokens: list[Token], index: int) -> Token | None:
        """The first word after a negator in its clause, skipping articles."""
        for token in tokens[index + 1 :]:
            if token.clause != tokens[index].clause:
                return None
            if token.word not in self._lang.fillers:
                return token
        return None

    def _before(self, tokens: list[Token], index: int) -> Token | None:
        """For a clause-final "nicht": the word it negates ("Apotheker bin ich nicht")."""
        for token in reversed(tokens[:index]):
            if token.clause != tokens[index].clause:
                return None
            if token.word not in self._lang.lookback_skip:
                return token
        return None

    # -- phrases ---------------------------------------------------------------

    def _spot(self, tokens: list[Token]) -> list[Spot]:
        """Every phrase whose words the answer (mostly) contains, close together."""
        rows: dict[int, dict[int, Slot]] = {}
        # Each row's evidence so far, kept as slots fill: most rows (a common
        # word's phrases) fall short and are dropped without summing them.
        running: dict[int, float] = {}
        for token in tokens:
            for vid, sim, direct in token.meanings:
                for number, slot in self._postings.get(vid, ()):
                    row = rows.get(number)
                    if row is None:
                        row = rows[number] = {}
                    current = row.get(slot)
                    # A direct match beats a synonym of the same similarity.
                    if current is None or (sim, direct) > (current[1], current[4]):
                        weight = self._phrases[number].weights[slot]
                        row[slot] = (token.position, sim, vid, weight, direct)
                        before = 0.0 if current is None else current[3] * current[1]
                        running[number] = running.get(number, 0.0) + weight * sim - before
        spots: list[Spot] = []
        for number, row in rows.items():
            phrase = self._phrases[number]
            if running[number] < _MIN_RECALL * phrase.total - 1e-9:
                continue
            got = sum(weight * sim for _, sim, _, weight, _ in row.values())
            if got < _MIN_RECALL * phrase.total:
                continue
            if not any(direct for *_, direct in row.values()):
                continue  # only synonyms and stand-ins: "tablet" is not "capsules"
            if all(weight <= _GENERIC_WEIGHT for _, _, _, weight, _ in row.values()) and not (
                len(row) == len(phrase.vocab) >= 2 and got >= phrase.total
            ):
                continue  # "looking" alone is not "just looking"; "bei Ihnen arbeiten" is
            if len(phrase.vocab) == 1 and self._in_passing(row, tokens, phrase):
                continue  # "... for teaching patients": a role mentioned, not claimed
            factor = self._closeness(phrase, row, tokens)
            if factor <= 0.0 or self._names_someone_else(phrase, row, tokens):
                continue
            if self._works_there(phrase, row, tokens):
                continue  # "our pharmacy needs ..." is no "find a pharmacy"
            if self._staff_spoken_of(phrase, row, tokens):
                continue  # "wann kommt der Pharmareferent": no job sought
            spots.append(self._make_spot(phrase, factor, got, row, tokens))
        return spots

    def _in_passing(self, row: dict[int, Slot], tokens: list[Token], phrase: Phrase) -> bool:
        """Whether a one-word role phrase ("Patient") would be spotted only from a
        role word's plural mentioned in passing inside a longer answer ("for
        teaching patients"): a group, not stated, not leading, not someone else's."""
        (position, _, vid, _, _) = next(iter(row.values()))
        token = tokens[position]
        own_type = self._intents[phrase.intent].visitor_type
        if vid < 0 or own_type not in self._roles[vid]:
            return False
        role = self._words[vid]
        stem = self._lang.stem
        if token.word == role or stem(token.word) != stem(role):
            return False  # the word itself ("at a chemist"), or a compound of it
        if token.stated or token.leading or token.other:
            return False
        return sum(t.weight > _GENERIC_WEIGHT for t in tokens) >= _PASSING_WORDS

    def _names_someone_else(
        self, phrase: Phrase, row: dict[int, Slot], tokens: list[Token]
    ) -> bool:
        """Whether the phrase would say who the visitor is only from a role they named
        as someone else's ("my GP", "la pharmacienne", "der Apotheker"), or from a
        role word standing in for another role of the phrase's own type ("meine
        Hausärztin" is no "für meine Patienten")."""
        own_type = self._intents[phrase.intent].visitor_type
        if own_type is None:
            return False
        content = [
            (tokens[position], vid)
            for position, _, vid, weight, _ in row.values()
            if weight > _GENERIC_WEIGHT
        ]
        for token, vid in content:
            if vid < 0 and any(
                direct and v >= 0 and own_type in self._roles[v] for v, _, direct in token.meanings
            ):
                return True
        roles = [token for token, vid in content if vid >= 0 and own_type in self._roles[vid]]
        # "Die Ärztin im Spital hat gesagt": the phrase's own role is someone else.
        return bool(roles) and all(t.other and not t.stated for t in roles)

    def _works_there(self, phrase: Phrase, row: dict[int, Slot], tokens: list[Token]) -> bool:
        """Whether a patient's phrase would use a place of care the visitor speaks for
        ("our pharmacy", "Apo hier", "wir als Apotheke"): where the visitor works is no
        place they look for."""
        if self._intents[phrase.intent].visitor_type != PATIENT_TYPE:
            return False
        return any(
            (tokens[position].ours or tokens[position].here or self._as(tokens, position))
            and vid >= 0
            and self._words[vid] in self._lang.places
            for position, _, vid, _, _ in row.values()
        )

    def _staff_spoken_of(self, phrase: Phrase, row: dict[int, Slot], tokens: list[Token]) -> bool:
        """Whether a job phrase would use the company's staff the visitor deals with
        ("der Pharmareferent", "your rep", "notre délégué": `[roles] staff`)."""
        if self._intents[phrase.intent].visitor_type != JOBS_TYPE:
            return False
        staff = self._lang.staff
        return any(
            tokens[position].other and tokens[position].word in staff
            for position, _, _, _, _ in row.values()
        )

    def _works_at(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is a place of care after working at, running or owning
        it, or training there ("arbeite in einer Apotheke", "owner of a pharmacy",
        "Azubi in der Apotheke": prepositions and articles between), or right
        after a statement, articles aside ("wir sind eine Apotheke", "we're a
        pharmacy"; not "I'm at the pharmacy")."""
        if not self._names_place(token):
            return False
        lang = self._lang
        gap = 0  # function words between
        described = 0  # words that describe the place, after an article
        for before in reversed(tokens[: token.position]):
            if before.clause != token.clause:
                return False
            if before.word in lang.work or before.word in lang.trainees:
                # "Azubi in der Apotheke": a trainee works there too.
                # "run a small long-term care pharmacy": words naming no role
                # may describe the place an article opens.
                return not described or any(
                    t.word in lang.articles for t in tokens[before.position + 1 : token.position]
                )
            if before.states:
                # "wir sind eine hausärztliche Praxis": articles and describing words.
                return all(
                    t.word in lang.articles or t.weight > 0.0
                    for t in tokens[before.position + 1 : token.position]
                )
            if before.weight > 0.0:
                # Describing words stand right before the place ("on le trouve
                # en pharmacie" describes nothing).
                described += 1
                if gap or described > _DESCRIBING or self._own_role(before):
                    return False
            else:
                gap += 1
                if gap > _WORK_GAP:
                    return False
        return False

    def _sent_from(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is a place of care a message comes from: after a message
        word or its senders and "from", articles between ("Frage aus der Apotheke",
        "wir aus der Klinikapotheke", "greetings from a pharmacy"; not "Tabletten aus
        der Apotheke", what a patient got there)."""
        if not self._names_place(token):
            return False
        lang = self._lang
        before = [t for t in tokens[: token.position] if t.clause == token.clause]
        while before and before[-1].word in lang.articles:
            before.pop()
        return len(before) >= 2 and (before[-2].word, before[-1].word) in lang.sender

    def _source(self, tokens: list[Token], token: Token) -> bool:
        """Whether the role is someone the visitor got something from: after a
        preposition of source, articles and possessives between ("hab das vom
        Arzt bekommen", "prescrit par mon médecin"); not after a message's words
        (`_signed`), nor a place ("Aufsteller von der Apotheke")."""
        before = self._before_source(tokens, token)
        return before is not None and before not in self._messages

    def _signed(self, tokens: list[Token], token: Token) -> bool:
        """Whether the role signs the message: after a message's words and a
        preposition of source, in any language ("Frage von einer Apothekerin",
        "kurze Frage from a nurse", "question from a GP")."""
        return self._before_source(tokens, token) in self._messages

    def _before_source(self, tokens: list[Token], token: Token) -> str | None:
        """The word before the preposition of source a person's word follows
        (articles and possessives between; "" at the clause's start), or None."""
        lang = self._lang
        if token.weight <= 0.0 or self._names_place(token):
            return None
        before = [t for t in tokens[: token.position] if t.clause == token.clause]
        while before and (before[-1].word in lang.articles or before[-1].word in lang.others):
            before.pop()
        if not before or before[-1].word not in lang.sources:
            return None
        return before[-2].word if len(before) >= 2 else ""

    def _as(self, tokens: list[Token], position: int) -> bool:
        """Whether the word follows a statement word, articles aside ("wir als
        Apotheke", "as a pharmacy"; not "bin in der Apotheke")."""
        lang = self._lang
        for before in reversed(tokens[:position]):
            if before.clause != tokens[position].clause:
                return False
            if before.states:
                return True
            if before.word not in lang.fillers:
                return False
        return False

    @staticmethod
    def _closeness(phrase: Phrase, row: dict[int, Slot], tokens: list[Token]) -> float:
        """1.0 when the matched words stand as close and in the same order as in
        the phrase; less when reordered (German moves verbs) or a few words
        apart; 0 when in different clauses or far apart."""
        slots = sorted(row)
        if len({tokens[row[slot][0]].clause for slot in slots}) > 1:
            return 0.0
        factor = 1.0
        for first, second in itertools.pairwise(slots):
            expected = phrase.positions[second] - phrase.positions[first]
            actual = row[second][0] - row[first][0]
            if actual == 0 or 0 < actual <= expected + 1:
                continue  # same compound word, or in order and adjacent
            if 0 < actual <= expected + _FAR_APART:
                factor = min(factor, _CLOSE)  # a few words apart
            elif actual < 0 and -actual <= expected + 1:
                factor = min(factor, 0.7)  # swapped: German allows it, English rarely
            else:
                return 0.0
        return factor

    def _spot_whole(self, text: str, tokens: list[Token]) -> list[Spot]:
        """A short answer that as a whole is nearly a phrase ("apo theker")."""
        if not _WHOLE_MIN_CHARS <= len(text) <= _WHOLE_MAX_CHARS:
            return []
        # fuzz.ratio is at most 2·shorter / (both lengths): outside this band of
        # lengths no phrase can reach the cutoff.
        share = _WHOLE_CUTOFF / (200.0 - _WHOLE_CUTOFF)
        low = bisect.bisect_left(self._phrase_lengths, math.ceil(len(text) * share - 1e-9))
        high = bisect.bisect_right(self._phrase_lengths, math.floor(len(text) / share + 1e-9))
        found = process.extract(
            text,
            self._phrase_texts[low:high],
            scorer=fuzz.ratio,
            score_cutoff=_WHOLE_CUTOFF,
            limit=None,
        )
        if not found:
            return []
        # The best score; of equals, the phrase the catalogue lists first.
        score = max(f[1] for f in found)
        phrase = self._phrases[min(self._phrase_order[low + f[2]] for f in found if f[1] == score)]
        factor = score / 100.0
        content = [t for t in tokens if t.weight > 0]
        # The phrase explains every content word of the answer; its first
        # vocabulary word stands for them (they may be fragments of it).
        row: dict[int, Slot] = {
            slot: (t.position, 1.0, phrase.vocab[0], t.weight, True)
            for slot, t in enumerate(content)
        }
        return [self._make_spot(phrase, factor, phrase.total, row, tokens)]

    def _make_spot(
        self,
        phrase: Phrase,
        factor: float,
        got: float,
        row: dict[int, Slot],
        tokens: list[Token],
    ) -> Spot:
        """A spotted phrase and its place in the claiming order.

        An explicitly stated role ("I am a doctor ...") claims first: the
        visitor said who they are. Then bigger matches, if their words stand
        together: "ich suche einen Kardiologen" is the patient phrase "Ich suche
        einen Arzt" before it is the doctor's "Kardiologe". A loose match
        competes by weight only.
        """
        specific = sum(weight > _GENERIC_WEIGHT for _, _, _, weight, _ in row.values())
        strength = factor * (got + _EXTRA_WORD_BONUS * max(0, specific - 1))
        size = len(row) if factor >= _CLOSE else 1
        own_type = self._intents[phrase.intent].visitor_type
        if any(
            tokens[position].stated and own_type in self._roles[vid]
            for position, _, vid, _, direct in row.values()
            if direct and vid >= 0
        ):
            size = _MAX_WORDS  # above any phrase size
        return Spot(phrase, factor, strength, (size, strength), row)

    # -- evidence --------------------------------------------------------------

    def _claim(self, tokens: list[Token], spots: list[Spot]) -> Evidence:
        """Let spotted phrases claim answer words, biggest first; sum the evidence."""
        evidence = Evidence({}, {}, {}, {}, {}, {}, 0)
        claimed: dict[int, str] = {}  # answer position -> key
        senses: dict[int, str] = {}  # vocabulary id -> key that claimed it
        spots.sort(key=lambda spot: spot.priority, reverse=True)
        for spot in spots:
            phrase = spot.phrase
            key = phrase.key
            # A phrase that lost words to another type's bigger phrase must
            # still be recognisable from what is left ("meine" taken by "meine
            # Mutter" leaves "für meine Patienten" with only "Patienten").
            kept = {s: m for s, m in spot.slots.items() if claimed.get(m[0], key) == key}
            rest = sum(weight * sim for _, sim, _, weight, _ in kept.values())
            if len(kept) < len(spot.slots) and rest < _MIN_RECALL * phrase.total:
                continue
            free = {s: m for s, m in kept.items() if m[0] not in claimed}
            if not free:
                continue
            intent_type = self._intents[phrase.intent].visitor_type
            for position, sim, vid, weight, _ in free.values():
                claimed[position] = key
                senses.setdefault(vid, key)
                contribution = spot.factor * sim * weight
                own_role = vid >= 0 and (
                    intent_type in self._roles[vid]
                    or (intent_type is None and vid in self._audience_roles)
                    or (
                        (
                            tokens[position].stated
                            or tokens[position].ours
                            or tokens[position].here
                            or (tokens[position].leading and sim >= _SIM_INFLECTED)
                        )
                        and self._workplace(vid, intent_type)
                    )
                )
                # Where the visitor works ("arbeite in einer Apotheke") says who they are.
                speaks_as = tokens[position].stated or tokens[position].here
                if self._counterpart(tokens[position], intent_type):
                    # "mein Arzt", "mon pharmacien": the patient as good as says so;
                    # "für meine Patienten": the doctor does.
                    evidence.role[key] = evidence.role.get(key, 0.0) + contribution
                elif intent_type == JOBS_TYPE and (
                    (
                        (speaks_as or tokens[position].leading)
                        and self._in_training_as(tokens[position], vid)
                    )
                    or self._as_status(tokens, position)
                ):
                    # In training, said of oneself: a status, weighed by `_in_training`.
                    evidence.task.setdefault(key, []).append((vid, contribution))
                    evidence.training += contribution
                    if vid not in self._trainees:
                        evidence.status.add(vid)
                elif own_role and (speaks_as or tokens[position].leading or tokens[position].ours):
                    # Who the visitor says they are outweighs what else they mention.
                    contribution *= _OWN_ROLE
                    evidence.role[key] = evidence.role.get(key, 0.0) + contribution
                    if intent_type not in self._roles[vid] and not speaks_as:
                        evidence.led[key] = evidence.led.get(key, 0.0) + contribution
                else:
                    evidence.task.setdefault(key, []).append((vid, contribution))
                    if own_role:
                        evidence.unstated[key] = evidence.unstated.get(key, 0.0) + contribution
                    if vid in self._audience_roles and not tokens[position].other:
                        evidence.audiences.add(key)  # "Physician and investor"
                shares = evidence.by_intent.setdefault(key, {})
                shares[phrase.intent] = shares.get(phrase.intent, 0.0) + contribution
        self._counterparts(tokens, claimed, evidence)
        self._own_body(tokens, claimed, evidence)
        self._patients_spoken_of(tokens, claimed, evidence)
        self._workplaces(tokens, claimed, evidence)
        self._served(tokens, claimed, evidence)
        self._acts(tokens, claimed, evidence)
        self._seeks_work(tokens, evidence)
        self._back_off(tokens, claimed, senses, evidence)
        self._unlead(tokens, claimed, evidence)
        asked_for = self._asks_for_work(tokens)
        if asked_for is None:
            self._own_case(tokens, evidence)
        else:
            # "Bin selbst Diabetikerin, frage aber für die Apotheke": the visitor
            # asks as one working there; what of their own they said before a
            # contrast is an aside. Asked for someone they serve ("asking for a
            # customer whose doctor prescribed …"), the patient's words are the
            # customer's.
            worker, position, for_client = asked_for
            if for_client or position > _last_of(tokens, self._lang.contrast) >= 0:
                evidence.role.pop(PATIENT_TYPE, None)
                if PATIENT_TYPE in evidence.task:
                    evidence.task[PATIENT_TYPE] = [
                        (v, c * _OWN_CASE_TASK) for v, c in evidence.task[PATIENT_TYPE]
                    ]
            evidence.add_role(worker, _OWN_ROLE, self._role_intent[worker])
        self._weigh_roles(evidence)
        return evidence

    def _own_case(self, tokens: list[Token], evidence: Evidence) -> None:
        """A professional asking about their own medicine ("Ich bin Hausarzt und habe
        selbst Bluthochdruck", "I'm a pharmacist and on this myself") or their own
        family's ("Bin PTA, meine Schwiegermutter hat die Diagnose …"): a patient
        this time. Their role counts for the patient, their trade's words for
        half: they are asking what any patient would."""
        lang = self._lang
        # What follows a contrast counts ("I'm on it myself, but the question is
        # for my patients").
        turn = _last_of(tokens, lang.contrast)
        after = tokens[turn + 1 :]
        # Not when denied: "pas pour moi", "Ich nehme das nicht selbst, ich bin die
        # Ärztin, die es verordnet".
        if not any(
            (
                t.word in lang.self_words
                and not self._owns_place(tokens, t)
                and not self._denied(tokens, t)
                and not self._said_of_us(tokens, t)
                # "für sich selbst": someone else's own ("meine Kundin fragt … für sich selbst").
                and not (t.position and tokens[t.position - 1].word in lang.others_self)
            )
            or self._ones_own(tokens, t)
            or self._diagnosed(tokens, t)
            for t in after
        ) and not any(
            (a.word, b.word) in lang.for_oneself
            and a.clause == b.clause
            and not self._denied(tokens, a)
            for a, b in itertools.pairwise(after)
        ):
            return
        moved = sum(evidence.role.pop(key, 0.0) for key in PROFESSIONAL_TYPES)
        works_at = any(self._works_at(tokens, t) for t in tokens)
        for key in PROFESSIONAL_TYPES:
            # A role said before the turn ("I'm a physio, but asking for myself")
            # counts as a task: it is the role this answer sets aside.
            # So does the place they said they work at ("Ich arbeite in der
            # Apotheke, frage aber privat").
            if key in evidence.task:
                tasks = evidence.task[key]
                moved += sum(c for v, c in tasks if self._names_self(v, works_at))
                evidence.task[key] = [(v, c) for v, c in tasks if not self._names_self(v, works_at)]
        if moved <= 0.0:
            return
        for key in PROFESSIONAL_TYPES:
            if key in evidence.task:
                evidence.task[key] = [(v, c * _OWN_CASE_TASK) for v, c in evidence.task[key]]
        shares = evidence.by_intent.get(PATIENT_TYPE)
        index = max(shares, key=shares.__getitem__) if shares else self._patient_intent
        evidence.add_role(PATIENT_TYPE, moved, index)

    def _said_of_us(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word's clause speaks of "we", not "I" ("wir stellen die
        Medikamente auf Station selbst": the ward itself, no one's own case)."""
        lang = self._lang
        clause = [t.word for t in tokens if t.clause == token.clause]
        return any(w in lang.subject and w not in lang.first_person for w in clause) and not any(
            w in lang.first_person for w in clause
        )

    def _denied(self, tokens: list[Token], token: Token) -> bool:
        """Whether a negation comes shortly before the word, in its clause ("nicht
        selbst", "not me", "not taking it myself")."""
        before = tokens[max(0, token.position - _DENIAL_REACH) : token.position]
        return any(t.clause == token.clause and t.word in self._lang.negators for t in before)

    def _names_self(self, vid: int, works_at: bool) -> bool:
        """Whether a vocabulary word names a role, or (`works_at`: the visitor
        said they work at one) a place of care."""
        if vid < 0:
            return False
        return bool(self._roles[vid]) or (works_at and self._words[vid] in self._lang.places)

    def _body(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is the visitor's own body: after a first-person
        possessive ("my knee", "meine Augen") or, function words between, after
        a word of feeling it (`[roles] felt`: "j'ai mal au dos", "j'ai les yeux
        qui piquent")."""
        if not self._lang.is_body(token.word):
            return False
        if token.mine:
            return True
        for before in reversed(tokens[max(0, token.position - _FELT_REACH) : token.position]):
            if before.word in self._lang.felt:
                return True
            if before.weight > 0.0:
                return False
        return False

    def _own_body(self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence) -> None:
        """The visitor's own body or family ("my knee's killing me", "meine Augen sind
        schlecht", "result of my baby's screening") is a patient's case, as if they
        had said so, unless they state a role of their own (then `_own_case` weighs
        it)."""
        if self._states_own_role(tokens):
            return
        for token in tokens:
            if token.position not in claimed and self._ones_own(tokens, token):
                claimed[token.position] = PATIENT_TYPE
                evidence.add_role(PATIENT_TYPE, _OWN_PERSON, self._patient_intent)

    def _ones_own(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is the visitor's own body, relative or medicine."""
        return (
            self._body(tokens, token)
            or self._kin(tokens, token)
            or (self._mine(tokens, token) and self._lang.is_medicine(token.word))
        )

    def _diagnosed(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is a diagnosis the visitor received: a first-person word
        a few words before it in its clause, no role between ("I was just diagnosed",
        not "my patient was diagnosed")."""
        lang = self._lang
        if token.word not in lang.diagnosed:
            return False
        for before in reversed(tokens[max(0, token.position - _DIAGNOSED_REACH) : token.position]):
            # Across "and" the subject is the same: "I'm a nurse and was just diagnosed".
            joined = tokens[before.position + 1].word in lang.joined
            if before.clause != token.clause and not joined:
                return False
            if self._role_kinds(before):
                return before.stated
            if before.word in lang.first_person:
                return True
        return False

    def _mine(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word follows a first-person possessive, directly or past
        words describing it ("my rheumatoid arthritis injections"), no role between."""
        if token.mine:
            return True
        for before in reversed(tokens[max(0, token.position - _DESCRIBING) : token.position]):
            if before.clause != token.clause or before.weight <= 0.0 or self._own_role(before):
                return False
            if before.mine:
                return True
        return False

    def _kin(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is the visitor's own relative ("meine Mutter", "my dad",
        "mon mari": `Words.kin` after a first-person possessive); not when it
        describes a role after it ("meine kleinen Patienten")."""
        if not (token.mine and self._lang.is_kin(token.word)):
            return False
        after = tokens[token.position + 1] if token.position + 1 < len(tokens) else None
        return after is None or after.clause != token.clause or not self._own_role(after)

    def _owns_place(self, tokens: list[Token], token: Token) -> bool:
        """Whether a word that may mean oneself is about a place of care ("I own a
        pharmacy", "Ärztin mit eigener Praxis", "my own practice": the owner, not
        their own medicine), or describes one after it ("en clinique privée")."""
        after = tokens[token.position + 1 : token.position + 2 + _WORK_GAP]
        if token.word in self._lang.work and any(t.here for t in after):
            return True
        if token.position and self._names_place(tokens[token.position - 1]):
            return True
        return bool(after) and self._names_place(after[0])

    def _counterparts(
        self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence
    ) -> None:
        """A professional the visitor names as someone else's ("my GP", "the
        pharmacist said", "la pharmacienne m'a dit") is the visitor's carer: the
        visitor is a patient, as if they had said so, unless they state a role
        of their own (a job still outranks it, see `_weigh_roles`)."""
        self._named_as_others(tokens, claimed, evidence, self._carer_intent, self._carer)

    def _patients_spoken_of(
        self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence
    ) -> None:
        """A patient spoken of in the third person ("Patientin hatte einen
        Ausschlag", "patient had a rash") is someone the visitor treats: the
        visitor is the profession whose phrases speak of "my patients", unless
        they state a role of their own."""
        self._named_as_others(
            tokens,
            claimed,
            evidence,
            self._treating_intent,
            lambda token: self._treated(tokens, token),
        )

    def _treated(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is a patient acting in the third person ("Patientin
        hatte"), the visitor's own patient ("a patient of mine"), or patients the
        visitor has or treats ("ich habe mehrere Patienten unter der Therapie")."""
        return (
            ((token.acts or token.mine) and token.other) or self._had(tokens, token)
        ) and self._names_patient(token)

    def _had(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word follows, a few words on in its clause, having or
        treating with the visitor as its subject ("ich habe mehrere", "I see",
        "j'ai plusieurs")."""
        lang = self._lang
        for verb in tokens[max(0, token.position - _HAD_REACH) : token.position]:
            if verb.word not in lang.having or verb.clause != token.clause:
                continue
            subject = tokens[verb.position - 1] if verb.position > 0 else None
            if subject is not None and subject.word in lang.subject:
                return True
        return False

    def _named_as_others(
        self,
        tokens: list[Token],
        claimed: dict[int, str],
        evidence: Evidence,
        index: int | None,
        names: Callable[[Token], bool],
    ) -> None:
        """Someone the visitor `names` as another makes the visitor the type of
        intent `index`, as if they had said so, unless they state a role of
        their own."""
        key = None if index is None else self._intents[index].visitor_type
        if index is None or key is None or self._states_own_role(tokens):
            return
        for token in tokens:
            if token.position in claimed or not names(token):
                continue
            claimed[token.position] = key
            evidence.add_role(key, token.weight, index)

    def _workplaces(self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence) -> None:
        """A place of care the visitor speaks for ("Apo hier", "unsere Apotheke"):
        the visitor works there, as the one profession whose phrases use the word.
        Only when no role of their own is stated."""
        if self._states_own_role(tokens):
            return
        for token in tokens:
            if not (token.here or token.ours) or token.position in claimed:
                continue  # not "bin in der Apotheke": a patient may be standing in one
            found = self._place_worker(token)
            if found is not None:
                key, sim = found
                claimed[token.position] = key
                evidence.add_role(key, token.weight * sim * _OWN_ROLE, self._role_intent[key])

    def _served(self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence) -> None:
        """Someone the visitor serves ("ein Kunde fragt", "customers keep asking", "un
        client demande"): the profession that serves them (`[roles] served`), unless
        the visitor says they are one ("ich bin Kunde bei Ihnen")."""
        if not self._lang.served or self._states_own_role(tokens):
            return
        parts = self._lang.section_parts
        for token in tokens:
            key = self._served_by(token)
            if key is None or key not in self._role_intent:
                continue
            if self._denied(tokens, token):
                continue  # "nicht die Kundin": who they are not
            if token.stated or (self._stated_before(tokens, token) and not token.mine):
                # "ich bin ganz normaler Kunde": one of the public, a patient
                # (not "I'm asking for my customers").
                claimed.setdefault(token.position, PATIENT_TYPE)
                evidence.add_role(PATIENT_TYPE, _OWN_ROLE * _SERVED, self._patient_intent)
                return
            near = tokens[max(0, token.position - 1) : token.position + 2]
            if any(t.word in parts for t in near):
                continue  # "customer service", "service client": a department
            claimed.setdefault(token.position, key)
            evidence.add_role(key, _OWN_ROLE * _SERVED, self._role_intent[key])
            return

    @staticmethod
    def _stated_before(tokens: list[Token], token: Token) -> bool:
        """Whether a statement word comes a few words before the word, in its clause
        ("ich bin eigentlich nur ganz normaler Kunde")."""
        before = tokens[max(0, token.position - _STATED_REACH) : token.position]
        return any(t.states and t.clause == token.clause for t in before)

    def _acts(self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence) -> None:
        """An act only a profession performs, with the visitor as its subject
        ("darf ich das bei Kindern verordnen", "the max dose I can prescribe",
        "puis-je le prescrire"): that profession, unless the visitor says they
        are someone (then that role speaks) or the act is done to them ("me
        prescrire", "prescribed": forms the data does not list)."""
        lang = self._lang
        acts = lang.acts
        if not acts or self._states_own_role(tokens):
            return
        for token in tokens:
            key = acts.get(token.word)
            if key is None or key not in self._role_intent:
                continue
            clause = [t for t in tokens if t.clause == token.clause]
            before = tokens[max(0, token.position - _OBJECT_REACH) : token.position]
            if not any(t.word in lang.subject for t in clause) or any(
                t.word in lang.objects for t in before
            ):
                continue
            claimed.setdefault(token.position, key)
            evidence.add_role(key, _OWN_ROLE * _ACT, self._role_intent[key])
            return

    def _seeks_work(self, tokens: list[Token], evidence: Evidence) -> None:
        """Working for the company addressed ("interested in working for you",
        "würde gern bei Ihnen arbeiten", "travailler chez vous": `[roles] working`
        a few words from `[roles] employer`): a request for a job, whoever the
        visitor is. Not when denied ("not to work for you")."""
        lang = self._lang
        if self._jobs_intent is None or JOBS_TYPE in evidence.task:
            return
        for token in tokens:
            if token.word not in lang.working or (
                token.position and tokens[token.position - 1].word in lang.negators
            ):
                continue
            clause = [t for t in tokens if t.clause == token.clause]
            # Counted in words that say something: "zu Ihnen in den Kundenservice
            # wechseln" is the company and one word apart.
            said = [t for t in clause if t.word not in lang.function or t.word in lang.employer]
            at = said.index(token)
            near = said[max(0, at - _EMPLOYER_REACH) : at + 1 + _EMPLOYER_REACH]
            if any(t.word in lang.employer or self._your_company(tokens, t) for t in near):
                evidence.task[JOBS_TYPE] = [(ROLE_ANY, _ACT)]
                evidence.asks_to_work = True
                shares = evidence.by_intent.setdefault(JOBS_TYPE, {})
                shares[self._jobs_intent] = shares.get(self._jobs_intent, 0.0) + _ACT
                return

    def _drop_coursework(self, tokens: list[Token]) -> bool:
        """Whether the visitor speaks of coursework ("Pharmaziestudentin, brauche für
        eine Hausarbeit Infos zum Wirkmechanismus", "help me with my homework"):
        a student's task, which asks as no visitor type. Its words mean nothing
        else ("Hausarbeit" is no work sought)."""
        coursework = self._lang.coursework
        found = False
        for token in tokens:
            if token.word in coursework or base_form(token.word) in coursework:
                token.meanings = []
                token.weight = 0.0
                found = True
        return found

    def _requests_job(self, evidence: Evidence) -> bool:
        """Whether the answer asks for a job or training in words only job seekers
        use, or asks to work for the company: coursework aside, still a job seeker."""
        job = evidence.task.get(JOBS_TYPE, ())
        return evidence.asks_to_work or any(
            vid >= 0 and vid not in self._no_request and self._keys_of_word[vid] == (JOBS_TYPE,)
            for vid, _ in job
        )

    def _your_company(self, tokens: list[Token], token: Token) -> bool:
        """Whether the word is the company addressed as one ("your company",
        "Ihrem Team", "votre entreprise"): `[roles] employer_nouns` after a
        second-person possessive."""
        return (
            token.word in self._lang.employer_nouns
            and token.position > 0
            and tokens[token.position - 1].word in self._lang.yours
        )

    def _workplace(self, vid: int, intent_type: str | None) -> bool:
        """Whether a word only one profession's phrases use names it when the visitor
        says it of themselves: "Apo hier", "bin in der Apotheke" (a pharmacist)."""
        if intent_type not in PROFESSIONAL_TYPES:
            return False
        keys = self._keys_of_word[vid]
        if self._words[vid] in self._lang.places:
            # Patients' phrases name places of care too ("meine Apotheke"): only
            # the professions using the word count.
            keys = tuple(k for k in keys if k in PROFESSIONAL_TYPES)
        return keys == (intent_type,)

    def _counterpart(self, token: Token, intent_type: str | None) -> bool:
        """Whether the word names someone else whose counterpart the phrase's type
        is: a professional in a patient's phrase ("mein Arzt"), a patient in a
        professional's ("für meine Patienten")."""
        if intent_type == PATIENT_TYPE:
            return self._carer(token)
        if intent_type not in PROFESSIONAL_TYPES or not token.other:
            return False
        return any(
            direct and vid >= 0 and sim >= _SIM_INFLECTED and self._roles[vid] == {PATIENT_TYPE}
            for vid, sim, direct in token.meanings
        )

    def _carer(self, token: Token) -> bool:
        """Whether the word is a professional named as someone else's ("my GP"),
        or a place of care acting on the visitor ("the pharmacy said", "d Apotheke
        het mir"; not "unsere Apotheke hat": the visitor's own), written as it is
        (a typo is no role: "der Neurologie")."""
        return token.other and any(
            direct
            and vid >= 0
            and sim >= _SIM_INFLECTED
            and (
                bool(self._roles[vid] & PROFESSIONAL_TYPES)
                or (token.acts and not token.ours and self._words[vid] in self._lang.places)
            )
            for vid, sim, direct in token.meanings
        )

    def _states_own_role(self, tokens: list[Token]) -> bool:
        """Whether the visitor states a role of their own ("Ich bin …", a role
        leading the answer): then what else they say names nobody's role for them."""
        return any((t.stated or t.leading) and self._own_role(t) for t in tokens)

    def _professional(self, token: Token) -> bool:
        """Whether the word names a profession (a role of a professional type)."""
        return any(
            direct and vid >= 0 and bool(self._roles[vid] & PROFESSIONAL_TYPES)
            for vid, _, direct in token.meanings
        )

    def _own_role(self, token: Token) -> bool:
        """Whether the word is a role word itself (not a typo of one)."""
        return any(
            direct and vid >= 0 and sim >= _SIM_INFLECTED and bool(self._roles[vid])
            for vid, sim, direct in token.meanings
        )

    def _back_off(
        self,
        tokens: list[Token],
        claimed: dict[int, str],
        senses: dict[int, str],
        evidence: Evidence,
    ) -> None:
        """Known words no phrase explains hint at the types that use them, or,
        said again, at the type that claimed them the first time; unknown
        words are counted against any match. A place of care in a job request
        ("stage pharmacie", "Ausbildung in der Apotheke") is where the job is."""
        job = JOBS_TYPE in evidence.task
        for token in tokens:
            if token.position in claimed or token.weight <= _GENERIC_WEIGHT:
                continue  # generic words say nothing about the type
            if job and self._names_place(token):
                continue
            if not token.known:
                evidence.unknown += 1
                continue
            best: dict[str, tuple[float, int]] = {}
            exact: set[str] = set()
            for vid, sim, direct in token.meanings:
                if vid < 0 or not direct:
                    continue
                keys = (senses[vid],) if vid in senses else self._keys_of_word[vid]
                share = _BACKOFF * self._weight[vid] * sim / len(keys)
                for key in keys:
                    if key not in best or best[key][0] < share:
                        best[key] = (share, vid)
                    if sim >= _SIM_INFLECTED:
                        exact.add(key)
            for key, (share, vid) in best.items():
                evidence.hints[key] = evidence.hints.get(key, 0.0) + share
                if key in exact:
                    evidence.hint_words[key] = evidence.hint_words.get(key, 0) + 1
                shares = evidence.by_intent.setdefault(key, {})
                users = [i for i in self._intents_of_word[vid] if _key(self._intents[i]) == key]
                for index in users:
                    shares[index] = shares.get(index, 0.0) + share / len(users)

    def _unlead(self, tokens: list[Token], claimed: dict[int, str], evidence: Evidence) -> None:
        """A trade word leading the answer ("Lieferengpass? meine Apotheke kriegt
        es nicht", "Engpass, ich bekomme mein Medikament nicht") is only a task
        when the visitor speaks of their own carer or of something of theirs a
        patient's phrase names: a patient may use the trade's words."""
        if not any(
            token.mine and (self._carer(token) or claimed.get(token.position) == PATIENT_TYPE)
            for token in tokens
        ):
            return
        for key, led in evidence.led.items():
            evidence.role[key] -= led
            evidence.task.setdefault(key, []).append((ROLE_ANY, led / _OWN_ROLE))

    def _weigh_roles(self, evidence: Evidence) -> None:
        """Settle a stated role against another type's task.

        Who the visitor says they are outranks what they ask about, except a
        job: a paediatrician asking about children's doses asks for patients,
        a patient reading the Fachinfo is still a patient, an Apothekerin asking
        for studies a pharmacist; but "Ich bin Ärztin und suche eine Stelle" is
        an applicant. The loser's evidence moves to the winner: it is part of
        the winner's story, not a competing one.
        """
        for role_key in list(evidence.role):
            role_weight = evidence.role.get(role_key, 0.0)
            if role_weight <= 0.0:
                continue
            for task_key in list(evidence.task):
                items = evidence.task[task_key]
                total = sum(c for _, c in items)
                if task_key == role_key or total < _MIN_TASK * role_weight:
                    continue  # a crumb of another type's vocabulary settles nothing
                if task_key == JOBS_TYPE and self._only_training(items, evidence):
                    continue  # "Pharmazeutin im Praktikum": a status, weighed by `_in_training`
                if task_key == JOBS_TYPE and role_key in self._other_audiences:
                    continue  # "Journalistin, Statement zum Stellenabbau": jobs are the topic
                if task_key in self._other_audiences:
                    if task_key not in evidence.audiences:
                        continue  # "pharmacist, supplier says out of stock": a topic
                    # "Physician and investor: when are the results out?": whoever
                    # else they are too, they write as the other audience, which
                    # no visitor type covers.
                    evidence.role.pop(role_key)
                    evidence.task[task_key].append((ROLE_ANY, role_weight))
                    break
                own_task = sum(c for _, c in evidence.task.get(role_key, ()))
                if total < _MIN_TASK * (role_weight + own_task):
                    continue  # "GP trainee, could you send me the prescribing info?"
                # Evidence moves; intents stay with their type, so the winner
                # names one of its own.
                if task_key != JOBS_TYPE or role_key == JOBS_TYPE:
                    evidence.task.setdefault(role_key, []).extend(evidence.task.pop(task_key))
                else:
                    evidence.role.pop(role_key)
                    evidence.task[task_key].append((ROLE_ANY, role_weight))
                    break
        self._weigh_unstated_roles(evidence)
        self._weigh_job(evidence)

    def _weigh_job(self, evidence: Evidence) -> None:
        """A clear request for a job or training outranks every other type's words:
        they say what the job is ("Stelle in der Zulassung", "job as a sales rep",
        "salary of a medical science liaison"), not who else the visitor is."""
        job = evidence.task.get(JOBS_TYPE)
        if not job or any(key in self._other_audiences for key in evidence.role):
            return  # "Journalist here, writing about the job cuts": jobs are the topic
        if not evidence.asks_to_work and (
            sum(
                c
                for vid, c in job
                if vid >= 0 and vid not in self._no_request and vid not in evidence.status
            )
            < _JOB_TASK
        ):
            self._in_training(job, evidence)
            return
        # (Not what no visitor type owns: "refuse the cookies" is no job's refusal.)
        for key in [k for k in evidence.task if k != JOBS_TYPE and k in self._type_keys]:
            job.extend(evidence.task.pop(key))
        for key in [k for k in evidence.role if k != JOBS_TYPE]:
            job.append((ROLE_ANY, evidence.role.pop(key)))

    def _in_training_as(self, token: Token, vid: int) -> bool:
        """Whether the answer's word names one in training: the trainee word itself,
        inflected or at the end of a compound ("Medizinstudentin"), not a word it
        begins ("Werkstudentenjobs" asks for a job)."""
        if vid not in self._trainees:
            return False
        base = self._words[vid]
        at = token.word.rfind(base)
        if at < 0:
            return False
        rest = token.word[at + len(base) :]
        return not rest or rest in self._lang.endings or rest in self._lang.feminine

    def _as_status(self, tokens: list[Token], position: int) -> bool:
        """Whether a training word follows a word that makes it a status ("im
        Praktikum", "en stage", "on placement"), not something asked for."""
        if position == 0:
            return False
        before, token = tokens[position - 1], tokens[position]
        return before.clause == token.clause and (before.word, token.word) in self._lang.status

    def _in_training(self, job: list[tuple[int, float]], evidence: Evidence) -> None:
        """Being in training is a status, not a request for a job: a trainee who
        asks another type's question is of that type ("PKA-Azubi, wie bestellen
        wir die Aufsteller?", "med student on rotation, attending wants the trial
        data"). Their job words move to the type whose task is the biggest."""
        if not self._only_training(job, evidence):
            return  # a word of a job seeker's own, however weak
        # What else they say, and who they say they are ("Pharmazeutin im Praktikum"),
        # the profession they train for too ("PKA in Ausbildung, Frage zur Bestellung").
        tasks = {key: evidence.role.get(key, 0.0) for key in evidence.role if key != JOBS_TYPE}
        for key, items in evidence.task.items():
            if key != JOBS_TYPE:
                tasks[key] = tasks.get(key, 0.0) + sum(c for _, c in items)
        trainee = 0.0
        for vid, c in job:
            trained_for = self._roles[vid] & PROFESSIONAL_TYPES if vid >= 0 else set()
            if len(trained_for) == 1:
                (key,) = trained_for
                tasks[key] = tasks.get(key, 0.0) + c
            else:
                trainee += c
        if not tasks:
            return
        best = max(tasks, key=lambda key: tasks[key])
        if tasks[best] >= _MIN_TASK * trainee:
            evidence.task.setdefault(best, []).extend(evidence.task.pop(JOBS_TYPE))

    def _only_training(self, job: list[tuple[int, float]], evidence: Evidence) -> bool:
        """Whether all of a job's evidence is being in training, said of oneself, and
        the profession trained for ("PTA in Ausbildung": a role word in a job's
        phrase, or a role anyone stands in for)."""
        return evidence.training > 0.0 and all(
            vid in self._trainees
            or vid in evidence.status
            or vid == ROLE_ANY
            or (vid >= 0 and bool(self._roles[vid] & PROFESSIONAL_TYPES))
            for vid, _ in job
        )

    def _weigh_unstated_roles(self, evidence: Evidence) -> None:
        """A role word that is all a type has, and that nobody stated as their
        own, is the object of another type's task: "Stellenangebot PTA" is an
        applicant, as long as the task is not the role's own business."""
        for key, weight in list(evidence.unstated.items()):
            if key not in evidence.task or key in evidence.role:
                continue  # moved to a stated role already, or backed by one
            if sum(c for _, c in evidence.task[key]) > weight + 1e-9:
                continue  # the type has more to say than the role word
            own = self._vocab_of_key.get(key, frozenset())
            for other, other_items in evidence.task.items():
                total = sum(c for _, c in other_items)
                if other == key or total < _MIN_TASK * weight:
                    continue
                if sum(c for vid, c in other_items if vid in own) < _SHARED * total:
                    other_items.extend(evidence.task.pop(key))
                    break  # the loop ends with the change to `evidence.task`
