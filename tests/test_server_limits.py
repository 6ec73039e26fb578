"""The per-connection token bucket, with an injected clock."""

from __future__ import annotations

from lotse_server.limits import TokenBucket, Verdict


def test_a_burst_is_accepted_then_messages_are_dropped_with_one_warning() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert [bucket.take(0.0) for _ in range(5)] == [Verdict.ACCEPT] * 5
    assert bucket.take(0.0) is Verdict.DROP_AND_WARN
    assert bucket.take(0.0) is Verdict.DROP  # told once a second, not for every message


def test_tokens_refill_at_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    for _ in range(5):
        bucket.take(0.0)
    assert bucket.take(0.05) is not Verdict.ACCEPT  # half a token
    assert bucket.take(0.1) is Verdict.ACCEPT  # one whole token since the last take


def test_a_steady_client_under_the_rate_is_never_limited() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert all(bucket.take(i * 0.11) is Verdict.ACCEPT for i in range(1000))


def test_flooding_past_the_burst_closes() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    verdicts = [bucket.take(0.0) for _ in range(20)]
    assert verdicts[:5] == [Verdict.ACCEPT] * 5
    assert Verdict.CLOSE in verdicts
    assert verdicts.index(Verdict.CLOSE) == 5 + 5  # a burst accepted, a burst dropped, closed


def test_a_client_that_calms_down_is_forgiven() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    for _ in range(9):
        bucket.take(0.0)  # 4 dropped
    assert bucket.overflow == 4
    assert bucket.take(10.0) is Verdict.ACCEPT  # refilled completely
    assert bucket.overflow == 0


def test_the_clock_going_backwards_never_adds_tokens() -> None:
    bucket = TokenBucket(rate=10, burst=1)
    assert bucket.take(100.0) is Verdict.ACCEPT
    assert bucket.take(50.0) is not Verdict.ACCEPT
