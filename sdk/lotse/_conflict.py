"""`PageIndex`: how much evidence each visitor type has from pages that say nothing for another.

The conflict rule (`Profile._conflicted`) asks, for the leading type, how much
positive evidence the other types have from pages that gave the leader none.
Scanning the whole evidence for that on every new piece made a long, mixed
session's page view cost a time growing with its evidence. The index keeps the
answer up to date piece by piece instead: per page, the types it gave evidence
for and their positive weights; per type, its positive total and how much of the
others' positive weight shares a page with it. Then

    others(leader) = sum of the other types' positive totals - shared[leader]

in time bounded by the number of visitor types.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._inference import Evidence


def page_of(key: str) -> str:
    """The page an evidence key ("path:fachkreise:hcp@/de/fachkreise") came from;
    evidence of no page ("chat:…") is its own."""
    return key.partition("@")[2] or key


class PageIndex:
    """The conflict rule's sums, kept as evidence is added (never removed: a
    profile that replaces or drops evidence builds a fresh index)."""

    __slots__ = ("_pages", "_positive", "_shared")

    def __init__(self, evidence: Iterable[Evidence] = ()) -> None:
        #: Per page: each type's positive weight on it (0.0 for a type whose
        #: evidence there is negative: the page still counts as the type's).
        self._pages: dict[str, dict[str, float]] = {}
        #: Per type: its positive weight over all pages.
        self._positive: dict[str, float] = {}
        #: Per type: the other types' positive weight on pages that gave it evidence.
        self._shared: dict[str, float] = {}
        for piece in evidence:
            self.add(piece)

    def add(self, piece: Evidence) -> None:
        """Count a new piece of evidence (a key the profile did not hold)."""
        kind = piece.visitor_type
        weight = piece.weight if piece.weight > 0.0 else 0.0
        on_page = self._pages.setdefault(page_of(piece.key), {})
        shared = self._shared
        if weight:
            for other in on_page:
                if other != kind:
                    shared[other] = shared.get(other, 0.0) + weight
            self._positive[kind] = self._positive.get(kind, 0.0) + weight
        if kind not in on_page:
            # The type now shares this page with what the others gave on it.
            shared[kind] = shared.get(kind, 0.0) + sum(on_page.values())
            on_page[kind] = weight
        else:
            on_page[kind] += weight

    def others(self, leader: str) -> float:
        """The other types' positive weight from pages that gave `leader` no evidence."""
        rivals = sum(w for kind, w in self._positive.items() if kind != leader)
        return rivals - self._shared.get(leader, 0.0)
