"""HMAC-signed tokens: session resume tokens and verified-professional assertions.

A token is ``base64url(json payload) "." base64url(HMAC-SHA256)``; the payload
carries an expiry (`exp`, seconds). Anything that does not verify is treated as
absent, never as an error the visitor sees: a forged token simply starts fresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """Sign a JSON-serialisable payload (it should carry an ``exp``)."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(key: bytes, token: str, now: float) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token; None for anything else."""
    try:
        body, mac = token.split(".")
        expected = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(payload, dict):
        return None
    expiry = payload.get("exp")
    if not isinstance(expiry, int | float) or expiry < now:
        return None
    return payload


def new_session_id() -> str:
    """A random, unguessable session id (not derived from anything personal)."""
    return secrets.token_urlsafe(16)


def issue_session_token(key: bytes, session_id: str, now: float, ttl: float = 1800) -> str:
    return sign(key, {"sid": session_id, "exp": int(now + ttl)})


def read_session_token(key: bytes, token: str, now: float) -> str | None:
    payload = unsign(key, token, now)
    session_id = payload.get("sid") if payload else None
    return session_id if isinstance(session_id, str) else None


def issue_assertion(key: bytes, now: float, ttl: float = 600, role: str = "hcp") -> str:
    """What a site's login (e.g. DocCheck) hands the snippet for a verified professional.

    It carries no name or id, only the role and a short expiry.
    """
    return sign(key, {"role": role, "exp": int(now + ttl), "n": secrets.token_hex(4)})


def check_assertion(key: bytes, assertion: str, now: float) -> float | None:
    """The expiry of a valid professional assertion, or None."""
    payload = unsign(key, assertion, now)
    if payload is None or payload.get("role") not in ("hcp", "pharmacist"):
        return None
    return float(payload["exp"])
