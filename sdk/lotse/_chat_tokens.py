"""The chat matcher's working data (`_chat.py`): a compiled example phrase
(`Phrase`), one answer word and what it may mean (`Token`), a phrase spotted in
an answer (`Spot`, its filled `Slot`s) and the evidence per visitor type
(`Evidence`). Plain data classes; they live only for one catalogue or one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Evidence", "Phrase", "Slot", "Spot", "Token"]


@dataclass(frozen=True, slots=True)
class Phrase:
    """One example phrase, compiled: its content words and their weights."""

    intent: int
    key: str
    text: str
    vocab: tuple[int, ...]
    positions: tuple[int, ...]
    weights: tuple[float, ...]
    total: float


@dataclass(slots=True)
class Token:
    """One word of an answer and what it may mean."""

    word: str
    position: int
    clause: int
    #: (vocabulary id or ROLE_ANY, similarity, direct); empty for function
    #: words. Direct: a form of the word itself (also misspelt), not a synonym
    #: or a role standing in for another.
    meanings: list[tuple[int, float, bool]]
    #: How much the word counts; 0 for function words and negated roles.
    weight: float
    known: bool
    #: Whether a role here is the visitor's own: after "ich bin", "I'm a",
    #: "als" (stated), or as the answer's first word ("Kinderärztin, Frage
    #: zu ...", leading). A stated role also claims its word first.
    stated: bool = False
    leading: bool = False
    #: Whether the word states a role in the answer's language ("bin", "am",
    #: "suis"; English "im" for "I'm", but not German "im Spital").
    states: bool = False
    #: Whether a role here is someone else's: after a determiner or possessive
    #: ("der Apotheker", "my GP", "la pharmacienne"). Never the visitor's own.
    other: bool = False
    #: Whether the word follows "our" / "unsere", or comes before "hier" / "here":
    #: a place of work the visitor speaks for ("unsere Apotheke", "Apo hier").
    ours: bool = False
    here: bool = False
    #: Whether the word follows "my" / "meine": the visitor's own.
    mine: bool = False
    #: Whether the word acts on the visitor or is spoken of ("the pharmacy said",
    #: "Apotheke hat mir"): a place of care doing so is the visitor's carer too.
    acts: bool = False
    #: Whether the word is a role joined to one the visitor states ("Ärztin und
    #: Apothekerin"): a second role of theirs.
    joined: bool = False


#: How an answer word fills a phrase slot: (answer position, similarity,
#: vocabulary id that matched, the slot's weight, direct).
Slot = tuple[int, float, int, float, bool]


@dataclass(slots=True)
class Spot:
    """A phrase found in the answer: which answer word fills which slot."""

    phrase: Phrase
    factor: float
    strength: float
    priority: tuple[int, float]
    slots: dict[int, Slot]


@dataclass(slots=True)
class Evidence:
    """Evidence per key (visitor type, or "intent:<id>" for type-less intents)."""

    role: dict[str, float]
    task: dict[str, list[tuple[int, float]]]  # key -> (vocabulary id, contribution)
    hints: dict[str, float]  # key -> evidence from known words no phrase explained
    #: key -> how many of those words the answer wrote as they are (no typo).
    hint_words: dict[str, int]
    #: key -> part of its task evidence that is a role word nobody stated as
    #: their own: "PTA" in "Stellenangebot PTA".
    unstated: dict[str, float]
    by_intent: dict[str, dict[int, float]]
    unknown: int
    #: key -> role evidence from a trade word leading the answer ("Lieferengpass?"),
    #: not a role word: it names a profession only if the visitor does not then
    #: speak as a patient.
    led: dict[str, float] = field(default_factory=dict)
    #: Job evidence from being in training, said of oneself ("PKA-Azubi hier").
    training: float = 0.0
    #: Job words said as a status, not asked for ("im Praktikum", "en stage").
    status: set[int] = field(default_factory=set)
    #: Keys of type-less intents whose role the visitor names as theirs
    #: ("Physician and investor"): an audience no visitor type covers.
    audiences: set[str] = field(default_factory=set)
    #: The visitor asks to work for the company addressed ("würde gern bei Ihnen
    #: arbeiten"): a clear request for a job, whoever they are.
    asks_to_work: bool = False

    def total(self, key: str) -> float:
        task = sum(c for _, c in self.task.get(key, ()))
        return self.role.get(key, 0.0) + task + self.hints.get(key, 0.0)

    def merge(self, source: str, target: str) -> None:
        """Count what was found for `source` as `target`'s."""
        if source in self.role:
            self.role[target] = self.role.get(target, 0.0) + self.role.pop(source)
        if source in self.task:
            self.task.setdefault(target, []).extend(self.task.pop(source))
        if source in self.hints:
            self.hints[target] = self.hints.get(target, 0.0) + self.hints.pop(source)
        if source in self.hint_words:
            self.hint_words[target] = self.hint_words.get(target, 0) + self.hint_words.pop(source)
        for index, share in self.by_intent.pop(source, {}).items():
            shares = self.by_intent.setdefault(target, {})
            shares[index] = shares.get(index, 0.0) + share

    def add_role(self, key: str, contribution: float, intent: int) -> None:
        """Role evidence for `key`, credited to the intent at index `intent`."""
        self.role[key] = self.role.get(key, 0.0) + contribution
        shares = self.by_intent.setdefault(key, {})
        shares[intent] = shares.get(intent, 0.0) + contribution
