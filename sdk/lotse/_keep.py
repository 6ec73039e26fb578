"""What a consenting visitor's browser keeps for the server across visits: one signed value.

Lotse keeps nothing across visits on the server and has no visitor id. With consent,
the server composes what the next visit needs — the visit count, how often each
capped rule or the chat was shown (the doses), and this visit's experiment arms —
as one opaque value (`keep`), signed with the server's token key. The snippet stores
it in `localStorage` and sends it back, as it came, in `hello.keep` (or
`consent.keep`); it neither reads nor counts anything in it.

Bad input is normal traffic: a value that is not one this server signed for this
site, that expired, or that does not hold what `write_keep` writes reads as None —
the visitor is then a first-time one — and never as an error.

A value names the session that wrote it (`s`, a digest of its id, never the id):
the session that gets its own value back knows the visit was counted already, so a
page of the same visit counts nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ._protocol import MAX_DOSE, MAX_DOSES, MAX_KEEP, MAX_SLOT_ID
from ._signing import sign, unsign

#: How long a kept value counts (seconds): about 13 months, the usual longest
#: lifetime of a consent; each value written starts it again.
KEEP_TTL = 400 * 24 * 3600
#: The highest visit count kept (a count beyond it says nothing more).
MAX_VISITS = MAX_DOSE
#: Longest arm name kept (as `hello.returning` accepted it).
MAX_ARM = 128


@dataclass(frozen=True, slots=True)
class Kept:
    """What a kept value says.

    - `session`: the digest of the id of the session that wrote it (`session_digest`);
    - `visits`: visits so far, that session's included;
    - `doses`: the doses as that session's visit began (earlier visits' shows);
    - `shown`: that session's own shows per dose key;
    - `arms`: that session's experiment arms, `experiment -> arm`.
    """

    session: str
    visits: int
    doses: tuple[tuple[str, int], ...] = ()
    shown: tuple[tuple[str, int], ...] = ()
    arms: tuple[tuple[str, str], ...] = ()

    def totals(self) -> dict[str, int]:
        """The doses as the next visit begins: earlier visits' and that session's."""
        totals = dict(self.doses)
        for key, count in self.shown:
            totals[key] = min(totals.get(key, 0) + count, MAX_DOSE)
        return totals


def session_digest(session_id: str) -> str:
    """A short digest of a session id: enough to know a session again, nothing to resume it."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:16]


def write_keep(key: bytes, site_id: str, kept: Kept, now: float) -> str:
    """The signed value for `kept`; entries beyond the bounds are left out (the first kept),
    and more are left out while it is longer than `MAX_KEEP`."""
    doses = dict(kept.doses[:MAX_DOSES])
    shown = dict(kept.shown[:MAX_DOSES])
    arms = dict(kept.arms[:MAX_DOSES])
    while True:
        value = sign(
            key,
            {
                "k": "keep",
                "site": site_id,
                "s": kept.session,
                "v": min(kept.visits, MAX_VISITS),
                "d": doses,
                "n": shown,
                "a": arms,
                "exp": int(now + KEEP_TTL),
            },
        )
        if len(value) <= MAX_KEEP or not (doses or shown or arms):
            return value
        # Too long for a hello (a site with very many capped rules or experiments):
        # the arms go first, then the oldest shows.
        for part in (arms, shown, doses):
            if part:
                del part[next(iter(part))]
                break


def read_keep(key: bytes, site_id: str, value: str | None, now: float) -> Kept | None:
    """What a kept value says, if this server signed it for this site and it holds
    only what `write_keep` writes; None for anything else."""
    if not value:
        return None
    payload = unsign(key, value, now)
    if payload is None or payload.get("k") != "keep" or payload.get("site") != site_id:
        return None
    session, visits = payload.get("s"), payload.get("v")
    if not isinstance(session, str) or not isinstance(visits, int) or not _count(visits):
        return None
    if visits < 1:
        return None
    doses, shown, arms = (_entries(payload.get(part)) for part in "dna")
    if doses is None or shown is None or arms is None:
        return None
    if not all(_count(c) for _, c in (*doses, *shown)):
        return None
    if not all(isinstance(a, str) and len(a) <= MAX_ARM for _, a in arms):
        return None
    return Kept(session, visits, doses, shown, arms)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DOSE


def _entries(value: Any) -> tuple[tuple[str, Any], ...] | None:
    """The entries of a bounded object with short keys, in order; None if it is not one."""
    if not isinstance(value, dict) or len(value) > MAX_DOSES:
        return None
    if not all(len(k) <= MAX_SLOT_ID for k in value):
        return None
    return tuple(value.items())
