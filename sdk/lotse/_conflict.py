"""`PageIndex`: how strongly each visitor type is supported page by page, and how much
of that comes from pages that say nothing for another type.

The conflict rule (`Profile._conflicted`) weighs, for the leading type, the other
types' evidence from pages that gave the leader none against the leader's own.
It counts pages, not pieces: one page says one thing however many of its words
agree ("/karriere/stellenangebote" is one careers page, not a careers page and a
vacancies page), so a type's strength on a page is its strongest piece there.
A doctors' page followed by a careers page is then two pages of comparable
strength, as a careful reader sees it, not one page outweighed by the other's
two words.

Scanning the whole evidence for that on every new piece made a long, mixed
session's page view cost a time growing with its evidence. The index keeps the
answer up to date piece by piece instead: per page, each type's strongest
positive weight; per type, the sum of those over pages (`strength`) and the
other types' strength on the pages it shares with them. Then

    others(leader) = sum of the other types' strength - shared[leader]

in time bounded by the number of visitor types.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._inference import Evidence


def page_of(key: str) -> str:
    """The page an evidence key ("path:fachkreise:hcp@/de/fachkreise") came from;
    evidence of no page ("chat:…", a referrer's "ref:…@") is its own."""
    return key.partition("@")[2] or key


class PageIndex:
    """The conflict rule's sums, kept as evidence is added (never removed: a
    profile that replaces or drops evidence builds a fresh index)."""

    __slots__ = ("_covered", "_pages", "_strength", "_total")

    def __init__(self, evidence: Iterable[Evidence] = ()) -> None:
        #: Per page: each type's strongest positive weight on it (0.0 for a type
        #: whose evidence there is negative: the page still counts as the type's).
        self._pages: dict[str, dict[str, float]] = {}
        #: Per type: its strongest weight on each page, summed over pages.
        self._strength: dict[str, float] = {}
        #: Every page's strongest weight (for any type), summed over pages.
        self._total = 0.0
        #: Per type: the pages' strongest weights summed over the pages that gave
        #: it evidence.
        self._covered: dict[str, float] = {}
        for piece in evidence:
            self.add(piece)

    def add(self, piece: Evidence) -> None:
        """Count a new piece of evidence (a key the profile did not hold)."""
        kind = piece.visitor_type
        weight = piece.weight if piece.weight > 0.0 else 0.0
        key = piece.key
        page = key.partition("@")[2] or key  # `page_of`, written out: every piece's
        on_page = self._pages.get(page)
        covered = self._covered
        if on_page is None:
            self._first_on_page(page, kind, weight)
            return
        strongest = max(on_page.values(), default=0.0)
        if kind not in on_page:
            covered[kind] = covered.get(kind, 0.0) + strongest
            on_page[kind] = 0.0
        gain = weight - on_page[kind]
        if gain <= 0.0:
            return  # not stronger than what the page already gave this type
        on_page[kind] = weight
        self._strength[kind] = self._strength.get(kind, 0.0) + gain
        rise = weight - strongest
        if rise > 0.0:
            self._total += rise
            for present in on_page:
                covered[present] += rise

    def _first_on_page(self, page: str, kind: str, weight: float) -> None:
        """`add` for the first piece of a page (most pieces: each page view is a new
        page): the page's strongest weight is its own, for its type alone."""
        self._pages[page] = {kind: weight}
        covered = self._covered
        covered[kind] = covered.get(kind, 0.0) + weight
        if weight > 0.0:
            self._strength[kind] = self._strength.get(kind, 0.0) + weight
            self._total += weight

    def strength(self, kind: str) -> float:
        """The type's strongest weight on each page, summed over pages."""
        return self._strength.get(kind, 0.0)

    def others(self, leader: str) -> float:
        """The strongest weight of each page that gave `leader` no evidence, summed."""
        return self._total - self._covered.get(leader, 0.0)
