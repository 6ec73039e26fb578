import lotse
from lotse._signing import sign, unsign

KEY = b"k" * 32


def test_session_token_round_trip_and_expiry() -> None:
    token = lotse.issue_session_token(KEY, "abc", now=1000.0, ttl=60)
    assert lotse.read_session_token(KEY, token, now=1030.0) == "abc"
    assert lotse.read_session_token(KEY, token, now=1061.0) is None


def test_altered_or_foreign_tokens_are_rejected() -> None:
    token = lotse.issue_session_token(KEY, "abc", now=0.0)
    body, mac = token.split(".")
    forged = sign(b"other key", {"sid": "abc", "exp": 10**10})
    assert lotse.read_session_token(KEY, forged, now=0.0) is None
    assert lotse.read_session_token(KEY, body + "x." + mac, now=0.0) is None
    for garbage in ("", ".", "a.b.c", "%%%.%%%", "x" * 600):
        assert unsign(KEY, garbage, 0.0) is None


def test_assertion_carries_only_role_and_expiry() -> None:
    assertion = lotse.issue_assertion(KEY, now=0.0, ttl=600)
    assert lotse.check_assertion(KEY, assertion, now=10.0) == 600.0
    assert lotse.check_assertion(KEY, assertion, now=601.0) is None
    assert lotse.check_assertion(b"x" * 32, assertion, now=10.0) is None
    session_token = lotse.issue_session_token(KEY, "abc", now=0.0)
    assert lotse.check_assertion(KEY, session_token, now=0.0) is None  # not an assertion
