"""A second opinion on chat answers, learned from labelled visitors' answers.

The phrase matcher (`_chat`) reads an answer against the catalogue's phrases
and decides only when a phrase or several agreeing words carry it past its
cutoff. Real answers often say who is writing without any catalogue phrase:
"Ich habe seit drei Wochen Ekzeme an den Händen und suche Infos zu eurer
Creme" leans towards a patient only through scattered words. This model has
read thousands of such answers, labelled by visitor type or as off-topic, and
says which label an answer's letters resemble most.

It is a multinomial naive Bayes classifier over each word and the word's
letter four-grams ("<ekz", "ekze", "kzem", ...): four-grams carry compounds,
inflections and typos without any language's rules, so the same model reads
German, English and French. Naive Bayes is overconfident, so its verdict is
never used on its own: the matcher asks it only about an answer it leans
towards a visitor type but cannot decide, and decides only when the model
names the same type (`ChatMatcher.match`), by a wide margin over off-topic
(`NONE_MARGIN`). An answer the model takes for off-topic stays undecided.

The model is data: per feature, how often each label's answers used it
(`intents/answers.json`), written by `scripts/train_answers.py` from the
tuning answers in `tests/data` (never from a held-out set) and checked by a
test to be exactly what that training gives. Pure and immutable: nothing of an
answer outlives the call.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ._language import catalogue_dir
from ._normalise import words

__all__ = ["AnswerModel", "answer_features", "bundled_answer_model", "train"]

#: The label of an answer that names no visitor type (off-topic, sensitive).
NONE = "none"
#: Letters per n-gram: long enough to tell "apoth" from "apropos", short enough
#: that a compound shares n-grams with its parts.
GRAM = 4
#: A feature seen fewer times in all training answers is dropped: a one-off
#: n-gram is a typo or a name and says nothing about a visitor type.
MIN_COUNT = 2
#: Additive smoothing of each label's feature counts.
ALPHA = 0.1
#: How much likelier (log-likelihood, in nats) an answer must read as its
#: visitor type than as one that names none before the model leans at all.
#: Naive Bayes' scores are far too sure of themselves, so the bar is high: in a
#: leave-one-set-out trial over the blind-written tuning sets it kept 55 of the
#: 58 right answers the model seconded without it, and 6 of the 18 off-topic ones.
NONE_MARGIN = 15.0


def answer_features(text: str) -> list[str]:
    """Each normalised word ("w:arzt") and its letter n-grams, word ends marked."""
    features: list[str] = []
    for word in words(text):
        features.append("w:" + word)
        marked = f"<{word}>"
        features.extend(marked[i : i + GRAM] for i in range(len(marked) - GRAM + 1))
    return features


def train(answers: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """The counts of a model trained on (text, visitor type or None) pairs, as
    the JSON document `AnswerModel.from_document` reads."""
    per_label: dict[str, Counter[str]] = {}
    answered: Counter[str] = Counter()
    for text, visitor_type in answers:
        label = visitor_type or NONE
        answered[label] += 1
        per_label.setdefault(label, Counter()).update(answer_features(text))
    overall: Counter[str] = Counter()
    for counts in per_label.values():
        overall.update(counts)
    kept = sorted(feature for feature, n in overall.items() if n >= MIN_COUNT)
    labels = sorted(per_label)
    return {
        "labels": labels,
        "answers": [answered[label] for label in labels],
        "features": {f: [per_label[label][f] for label in labels] for f in kept},
    }


class AnswerModel:
    """Which label (a visitor type, or none) an answer most resembles."""

    def __init__(
        self, labels: list[str], answers: list[int], features: Mapping[str, list[int]]
    ) -> None:
        self.labels = tuple(labels)
        totals = [0] * len(labels)
        for counts in features.values():
            totals = [t + n for t, n in zip(totals, counts, strict=True)]
        denominators = [t + ALPHA * len(features) for t in totals]
        #: Per feature, its log-likelihood under each label.
        self._weights: dict[str, tuple[float, ...]] = {
            feature: tuple(
                math.log((n + ALPHA) / d) for n, d in zip(counts, denominators, strict=True)
            )
            for feature, counts in features.items()
        }
        all_answers = sum(answers)
        self._prior = tuple(math.log(n / all_answers) for n in answers)
        self._none = self.labels.index(NONE) if NONE in self.labels else None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> AnswerModel:
        return cls(document["labels"], document["answers"], document["features"])

    def leaning(self, text: str) -> str | None:
        """The visitor type the answer reads most like, or None if it does not
        read much likelier (`NONE_MARGIN`) as that type than as an answer that
        names none. Features no training answer had are left out: they favour
        no label."""
        weights = self._weights
        found = [w for f in answer_features(text) if (w := weights.get(f)) is not None]
        scores = [sum(column) for column in zip(self._prior, *found, strict=True)]
        best = max(range(len(scores)), key=scores.__getitem__)
        none = self._none
        if none is not None and scores[best] - scores[none] < NONE_MARGIN:
            return None  # also when the best is none itself
        return self.labels[best]


def answer_model_path() -> Path:
    return catalogue_dir() / "answers.json"


@cache
def bundled_answer_model() -> AnswerModel | None:
    """The model shipped with Lotse, read once; None if its file is missing."""
    path = answer_model_path()
    if not path.is_file():
        return None
    return AnswerModel.from_document(json.loads(path.read_text(encoding="utf-8")))
