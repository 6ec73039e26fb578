"""What a session starts from: the first page, the referrer, language and consent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Context:
    """The facts known when a visitor arrives.

    `visits` counts visits of a returning visitor and is used only with
    `consent`; `verification_key` checks site-signed professional assertions
    (see `lotse.issue_assertion`) and is never stored with the session.
    `now` is the current time in seconds; the core never reads a clock.
    """

    url: str = "/"
    referrer: str | None = None
    lang: str = "en"
    consent: bool = False
    visits: int = 1
    now: float = 0.0
    verification_key: bytes | None = None
    optout: bool = False
