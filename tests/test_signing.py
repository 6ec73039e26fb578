import pytest

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


def altered(token: str) -> list[str]:
    """Ways of writing a token that a lenient base64 decoder reads as the same bytes."""
    body, mac = token.split(".")
    variants = [
        token + "=",
        token + "==",
        f"{body}.{mac}==",
        f"{body}==.{mac}",
        f"{body}.{mac[:10]}!{mac[10:]}",
        f"{body}.{mac[:10]}\n{mac[10:]}",
        f"{body}.{mac[:10]} {mac[10:]}",
        f"{body}.{mac}\n",
        f" {token}",
        f"{body}.{mac.replace('_', '/').replace('-', '+')}",
        # The last character carries spare bits; another value decodes to the same bytes.
        f"{body}.{mac[:-1]}{chr(ord(mac[-1]) ^ 1)}",
    ]
    # Swapping the alphabet changes nothing in a signature without "-" or "_".
    return [variant for variant in variants if variant != token]


def test_a_token_is_valid_only_exactly_as_issued() -> None:
    token = lotse.issue_session_token(KEY, "abc", now=0.0)
    assert lotse.read_session_token(KEY, token, now=0.0) == "abc"
    for variant in altered(token):
        assert lotse.read_session_token(KEY, variant, now=0.0) is None, repr(variant)


def test_an_assertion_is_valid_only_exactly_as_issued() -> None:
    assertion = lotse.issue_assertion(KEY, now=0.0, role="pharmacist")
    assert lotse.check_assertion(KEY, assertion, now=0.0) == ("pharmacist", 600.0)
    for variant in altered(assertion):
        assert lotse.check_assertion(KEY, variant, now=0.0) is None, repr(variant)


def test_only_known_roles_are_issued_and_accepted() -> None:
    with pytest.raises(ValueError, match="role"):
        lotse.issue_assertion(KEY, now=0.0, role="admin")
    forged_role = sign(KEY, {"role": "admin", "exp": 600})
    assert lotse.check_assertion(KEY, forged_role, now=0.0) is None


def test_assertion_carries_only_role_and_expiry() -> None:
    assertion = lotse.issue_assertion(KEY, now=0.0, ttl=600)
    assert lotse.check_assertion(KEY, assertion, now=10.0) == lotse.Login("hcp", 600.0)
    assert lotse.check_assertion(KEY, assertion, now=601.0) is None
    assert lotse.check_assertion(b"x" * 32, assertion, now=10.0) is None
    session_token = lotse.issue_session_token(KEY, "abc", now=0.0)
    assert lotse.check_assertion(KEY, session_token, now=0.0) is None  # not an assertion
