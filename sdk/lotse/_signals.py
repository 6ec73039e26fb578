"""Turning URLs, referrers and campaign parameters into words, and words into signals.

Matching is by dictionary lookups on normalised words, so one page view costs
a few microseconds however large the catalogue is:

- a one-word entry matches a word equal to it or starting with it (German
  compounds: "fachinformationen" starts with "fachinformation"), or, when the
  entry has at least six letters, containing it ("onlinebewerbung");
- an entry of several words ("healthcare professionals") matches those words
  in a row;
- a referrer entry with a dot is a host suffix, without a dot one host label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

from ._normalise import words

_P = TypeVar("_P")

#: Shortest entry that may match inside a longer word; shorter ones ("hcp",
#: "arzt") would find themselves in too many unrelated words.
MIN_INFIX = 6
#: Shortest entry that may match as a prefix of a longer word ("job" finds
#: "jobsuche"). The sensitive-topic matcher uses 4, so "hiv" does not find
#: "hives" nor "sti" "stiftung".
MIN_PREFIX = 3

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


class WordMatcher(Generic[_P]):
    """Finds which configured entries occur in a list of normalised words."""

    #: Words whose hits are remembered; a site's path vocabulary is small and
    #: repeats across every session, so almost every lookup is a cache hit.
    CACHE_SIZE = 65_536

    def __init__(self, entries: Iterable[tuple[str, _P]], min_prefix: int = MIN_PREFIX) -> None:
        self._min_prefix = min_prefix
        self._words: dict[str, list[_P]] = {}
        # Infix entries indexed by their first three letters, so a word is
        # scanned once instead of once per entry length.
        self._infix: dict[str, list[tuple[str, _P]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], _P]]] = {}
        self._cache: dict[str, tuple[_P, ...]] = {}
        for text, payload in entries:
            parts = tuple(words(text))
            if not parts:
                continue
            if len(parts) > 1:
                self._phrases.setdefault(parts[0], []).append((parts, payload))
            else:
                self._words.setdefault(parts[0], []).append(payload)
                if len(parts[0]) >= MIN_INFIX:
                    self._infix.setdefault(parts[0][:3], []).append((parts[0], payload))

    def _word_hits(self, word: str) -> tuple[_P, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        hits: list[_P] = list(self._words.get(word, ()))
        for end in range(self._min_prefix, len(word)):
            hits.extend(self._words.get(word[:end], ()))
        # Start at 1: entries at the start of the word were found as prefixes.
        for start in range(1, len(word) - MIN_INFIX + 1):
            for entry, payload in self._infix.get(word[start : start + 3], ()):
                if word.startswith(entry, start):
                    hits.append(payload)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = result = tuple(hits)
        return result

    def find(self, text_words: Sequence[str]) -> list[_P]:
        """Every payload whose entry occurs, each once, in order of first occurrence."""
        found: dict[int, _P] = {}
        for index, word in enumerate(text_words):
            for payload in self._word_hits(word):
                found.setdefault(id(payload), payload)
            for parts, payload in self._phrases.get(word, ()):
                following = text_words[index : index + len(parts)]
                if len(following) == len(parts) and all(
                    actual == wanted or (last and actual.startswith(wanted))
                    for last, actual, wanted in (
                        (i == len(parts) - 1, following[i], parts[i]) for i in range(len(parts))
                    )
                ):
                    found.setdefault(id(payload), payload)
        return list(found.values())


class HostMatcher(Generic[_P]):
    """Matches referrer hosts by suffix ("doccheck.com") or label ("stepstone")."""

    def __init__(self, entries: Iterable[tuple[str, _P]]) -> None:
        self._suffixes: dict[str, list[_P]] = {}
        self._labels: dict[str, list[_P]] = {}
        for text, payload in entries:
            entry = text.strip().lower().lstrip(".")
            target = self._suffixes if "." in entry else self._labels
            target.setdefault(entry, []).append(payload)

    def find(self, host: str) -> list[_P]:
        labels = host.lower().rstrip(".").split(".")
        found: list[_P] = []
        for start in range(len(labels)):
            found.extend(self._suffixes.get(".".join(labels[start:]), ()))
        for label in labels:
            found.extend(self._labels.get(label, ()))
        return list({id(p): p for p in found}.values())


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What one URL tells, already normalised: path words, host and campaign words."""

    path: str
    host: str
    path_words: tuple[str, ...]
    utm_words: tuple[str, ...]


@lru_cache(maxsize=4096)
def page_facts(url: str) -> PageFacts:
    """Split a URL once; the same paths recur across thousands of sessions."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return PageFacts("/", "", (), ())
    path = parts.path or "/"
    host = (parts.hostname or "").lower()
    utm = [value for key, value in parse_qsl(parts.query) if key.lower() in UTM_KEYS]
    return PageFacts(
        path,
        host,
        (*subdomain_words(host), *words(path)),
        tuple(word for value in utm for word in words(value)),
    )


#: Second-level labels under which registrable names sit one level deeper
#: ("example.co.uk", "example.com.au").
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "nhs", "or", "ne"})


def subdomain_words(host: str) -> list[str]:
    """Words of the labels left of the registrable domain: jobs.example.com -> ["jobs"].

    Sites put whole audiences on their own host (karriere.…, fachkreise.…),
    which is as telling as a path. The registrable name itself is the
    company's and says nothing about the visitor.
    """
    labels = host.split(".")
    if len(labels) < 3 or labels[-1].isdigit():  # no subdomain, or an IPv4 address
        return []
    keep = 3 if labels[-2] in _GENERIC_SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return [w for label in labels[:-keep] if label != "www" for w in words(label)]


def referrer_host(referrer: str | None, page_host: str) -> str | None:
    """The referring host if it is another site; None for internal or missing ones."""
    if not referrer:
        return None
    try:
        host = (urlsplit(referrer.strip()).hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None

    def bare(name: str) -> str:
        return name.removeprefix("www.")

    return None if page_host and bare(host) == bare(page_host) else host
