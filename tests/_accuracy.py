"""Scoring journeys and chat answers: shared by the tuning and the held-out tests.

A journey is a list of protocol events (the entry page first) labelled with
the visitor type a careful person would conclude, or null where nobody could
tell. A chat answer is a text labelled with a visitor type, or null for an
answer that says nothing about who the visitor is (off-topic). Both are scored
the way the product is judged: missing a visitor is tolerable, a confident
wrong guess is not.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

import lotse

DATA = Path(__file__).parent / "data"
VISITOR_TYPES = ("patient", "hcp", "pharmacist", "applicant")
#: A held-out answer this similar to a catalogue phrase (rapidfuzz `fuzz.ratio`
#: of the normalised texts) is a copy, not a test of understanding.
NEAR_COPY = 85.0


def read_jsonl(name: str) -> list[dict[str, Any]]:
    rows = []
    with (DATA / name).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                row = json.loads(line)
                row["line"] = number
                rows.append(row)
    return rows


def on_the_wire(site: lotse.Site, session: str, events: list[dict[str, Any]]) -> list[dict]:
    """A journey as the snippet sends it: the entry page is the `hello`."""
    entry, *rest = events
    hello = {**entry, "type": "hello", "site": site.id}
    return [{**event, "session": session} for event in (hello, *rest)]


def read_all(names: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """The rows of several data files, in order."""
    return [row for name in names for row in read_jsonl(name)]


#: Tuning data written for issue 10's classes on further fictional sites after the
#: first held-out set, each set committed before it was first scored.
FURTHER_JOURNEYS = tuple(
    f"tuning{n}_journeys.jsonl" for n in (*range(2, 9), 16, 17, 18, 19, 20, 21)
)
FURTHER_CHAT = tuple(
    f"tuning{n}_chat.jsonl"
    for n in (2, 3, 4, 5, 6, 7, 9, 10, 11, 12, "12b", 13, "13b", 14, 15, 16, 17, 18, 19, 20, 21, 22)
)
FURTHER_CHAT_FR = tuple(f"tuning{n}_chat_fr.jsonl" for n in (2, 3, 4, 8, 16, 17, 18, 19, 20, 21))
#: The number of the fresh held-out sets (`heldout<N>_*`): scored once, never
#: tuned or trained on. Every lower number is retired.
HELDOUT = 23
#: Earlier held-out sets, each scored once as the held-out figure and then read
#: and tuned on once a fresh held-out set had been written: tuning data now.
RETIRED = ("", *range(2, HELDOUT))
RETIRED_JOURNEYS = tuple(f"heldout{n}_journeys.jsonl" for n in RETIRED)
RETIRED_CHAT = tuple(f"heldout{n}_chat.jsonl" for n in RETIRED)
RETIRED_CHAT_FR = tuple(f"heldout{n}_chat_fr.jsonl" for n in RETIRED)
#: Every labelled chat answer but the held-out ones: what the chat's tuning
#: figures score, and what its answer model (`scripts/train_answers.py`) learns from.
TUNING_CHAT_FILES = ("chat_answers.jsonl", "tuning_chat.jsonl", *FURTHER_CHAT, *RETIRED_CHAT)
TUNING_CHAT_FR_FILES = ("tuning_chat_fr.jsonl", *FURTHER_CHAT_FR, *RETIRED_CHAT_FR)
TRAINING_CHAT = (*TUNING_CHAT_FILES, *TUNING_CHAT_FR_FILES)
#: The fresh held-out chat sets: scored once, never tuned or trained on.
HELDOUT_JOURNEYS_FILE = f"heldout{HELDOUT}_journeys.jsonl"
HELDOUT_CHAT_FILES = (f"heldout{HELDOUT}_chat.jsonl", f"heldout{HELDOUT}_chat_fr.jsonl")


def training_answers() -> list[tuple[str, str | None]]:
    """(text, visitor type) of the answers the chat's answer model learns from:
    the tuning answers, less any a held-out set also has. Short answers recur
    across writers ("Hallo", "lol"); a model that had seen one would score it
    from memory."""
    held_out = {lotse.normalise(row["text"]) for row in read_all(HELDOUT_CHAT_FILES)}
    return [
        (row["text"], row["visitor_type"])
        for row in read_all(TRAINING_CHAT)
        if lotse.normalise(row["text"]) not in held_out
    ]


def journey_site() -> lotse.Site:
    """The bundled catalogue alone, plus the goals the journeys convert on."""
    return lotse.load_site(None)


def replay_journeys(
    journeys: list[dict[str, Any]], site: lotse.Site | None = None
) -> dict[str, dict[str, Any]]:
    """Lotse's final verdict per journey id."""
    site = site or journey_site()
    goals = {e["goal"] for j in journeys for e in j["events"] if e["type"] == "convert"}
    for goal in goals - {g.id for g in site.goals}:
        site.add_goal(goal)
    events = [
        event
        for journey in journeys
        for event in on_the_wire(site, journey["id"], journey["events"])
    ]
    return {report["session"]: report for report in lotse.replay(site, events)}


@dataclass
class JourneyScore:
    total: int = 0
    right: int = 0
    wrong: int = 0
    decided: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def right_rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def wrong_per_decided(self) -> float:
        return self.wrong / self.decided if self.decided else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.right}/{self.total} = {self.right_rate:.1%} right; "
            f"{self.wrong} wrong of {self.decided} decided ({self.wrong_per_decided:.1%})"
        )


def score_journeys(
    journeys: list[dict[str, Any]], outcomes: dict[str, dict[str, Any]]
) -> JourneyScore:
    score = JourneyScore()
    for journey in journeys:
        outcome = outcomes[journey["id"]]
        got, expected = outcome["visitor_type"], journey["expect"]
        score.total += 1
        score.decided += got is not None
        if got == expected:
            score.right += 1
            continue
        verdict = "missed" if got is None else "WRONG"
        score.wrong += got is not None
        scores = {t: p for t, p in outcome["scores"].items() if p >= 0.05}
        score.misses.append(
            f"{verdict:6} {journey['id']}: expected {expected}, got {got}, "
            f"scores {scores}, evidence {outcome['evidence']}"
        )
    return score


@dataclass
class ChatScore:
    in_scope: int = 0
    right: int = 0
    wrong: int = 0
    off_topic: int = 0
    held_back: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def in_rate(self) -> float:
        return self.right / self.in_scope if self.in_scope else 1.0

    @property
    def off_rate(self) -> float:
        return self.held_back / self.off_topic if self.off_topic else 1.0

    def line(self, name: str) -> str:
        return (
            f"{name}: in scope {self.right}/{self.in_scope} = {self.in_rate:.1%} right "
            f"({self.wrong} wrong, {self.in_scope - self.right - self.wrong} no guess); "
            f"off-topic {self.held_back}/{self.off_topic} = {self.off_rate:.1%} held back"
        )


def chat_type(engine: lotse.Engine, text: str) -> str | None:
    """The visitor type a chat answer states, as the session takes it: none for an
    answer that names a sensitive topic (never used), else the matcher's."""
    if engine.names_sensitive_topic(text):
        return None
    return engine.chat.match(text).visitor_type


def score_chat(answers: list[dict[str, Any]], engine: lotse.Engine) -> ChatScore:
    score = ChatScore()
    for answer in answers:
        expected = answer["visitor_type"]
        got = chat_type(engine, answer["text"])
        score.confusion[(expected or "-", got or "-")] += 1
        if expected is None:
            score.off_topic += 1
            score.held_back += got is None
        else:
            score.in_scope += 1
            score.right += got == expected
            score.wrong += got is not None and got != expected
        if got != expected:
            score.misses.append(f"  {expected or '-':>10} -> {got or '-':<10} {answer['text']!r}")
    return score


def catalogue_phrases(site: lotse.Site | None = None) -> list[str]:
    """Every example phrase of the bundled catalogue, all languages, normalised."""
    site = site or lotse.load_site(None)
    return [
        lotse.normalise(phrase)
        for intent in site.intents
        for phrases in intent.phrases.values()
        for phrase in phrases
    ]


def near_copy(text: str, phrases: list[str]) -> tuple[str, float] | None:
    """The catalogue phrase `text` nearly copies (fuzz ratio >= NEAR_COPY), if any."""
    found = process.extractOne(
        lotse.normalise(text), phrases, scorer=fuzz.ratio, score_cutoff=NEAR_COPY
    )
    return None if found is None else (found[0], found[1])


# -- calibration --------------------------------------------------------------------------

#: Bins of reported confidence for the reliability table.
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.0001)


@dataclass
class Reliability:
    """Per bin of reported confidence: journeys, mean confidence, share right."""

    rows: list[tuple[float, float, int, float, float]] = field(default_factory=list)

    @property
    def error(self) -> float:
        """Expected calibration error: the gap between confidence and accuracy,
        weighted by the journeys in each bin."""
        total = sum(n for _, _, n, _, _ in self.rows)
        return sum(n * abs(c - a) for _, _, n, c, a in self.rows) / total if total else 0.0

    def table(self) -> str:
        lines = [
            "| reported confidence | journeys | mean confidence | right |",
            "|---|---|---|---|",
        ]
        for low, high, n, confidence, accuracy in self.rows:
            label = f"{low:.2f}–{min(high, 1.0):.2f}"
            lines.append(f"| {label} | {n} | {confidence:.2f} | {accuracy:.0%} |")
        return "\n".join(lines)


def reliability(journeys: list[dict[str, Any]], outcomes: dict[str, dict[str, Any]]) -> Reliability:
    """How often the type Lotse names (decided, or its best guess) is right, by the
    confidence it reports. A journey nobody could tell is right for no type."""
    binned: dict[int, list[tuple[float, bool]]] = {}
    for journey in journeys:
        outcome = outcomes[journey["id"]]
        scores = outcome["scores"]
        named = outcome["visitor_type"] or max(sorted(scores), key=lambda t: scores[t])
        confidence = float(outcome["confidence"])
        index = next(i for i in range(len(BINS) - 1) if confidence < BINS[i + 1])
        binned.setdefault(index, []).append((confidence, named == journey["expect"]))
    result = Reliability()
    for index in sorted(binned):
        items = binned[index]
        n = len(items)
        result.rows.append(
            (
                BINS[index],
                BINS[index + 1],
                n,
                sum(c for c, _ in items) / n,
                sum(r for _, r in items) / n,
            )
        )
    return result
