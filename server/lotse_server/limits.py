"""Per-connection limits: a token bucket for messages, and the verdict on each message.

Pure and clock-injected, so the tests check the arithmetic without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    """What to do with one incoming message."""

    ACCEPT = "accept"
    #: Drop it and tell the client (`error` rate_limited), at most once a second.
    DROP_AND_WARN = "drop_and_warn"
    #: Drop it silently: the client was already told.
    DROP = "drop"
    #: The client keeps flooding: close the connection with 1008.
    CLOSE = "close"


@dataclass(slots=True)
class TokenBucket:
    """`rate` messages per second on average, bursts of up to `burst`.

    A message over the limit is dropped, not queued: queueing would let one
    client's backlog grow in server memory. `overflow` counts messages dropped
    since the bucket was last full again; when it exceeds `burst` the client is
    not slowed down by an honest burst but is flooding, and is disconnected.
    """

    rate: float
    burst: int
    tokens: float = -1.0
    updated: float = 0.0
    overflow: int = 0
    warned_at: float = float("-inf")

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = float(self.burst)

    def take(self, now: float) -> Verdict:
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        if self.tokens >= self.burst:
            self.overflow = 0  # refilled: the client calmed down
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return Verdict.ACCEPT
        self.overflow += 1
        if self.overflow > self.burst:
            return Verdict.CLOSE
        if now - self.warned_at >= 1.0:
            self.warned_at = now
            return Verdict.DROP_AND_WARN
        return Verdict.DROP
