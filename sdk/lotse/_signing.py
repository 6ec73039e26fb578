"""HMAC-signed tokens: session resume tokens and verified-professional assertions.

A token is ``base64url(json payload) "." base64url(HMAC-SHA256)``, both parts
unpadded; the payload carries an expiry (`exp`, seconds). Decoding is strict:
a token is valid only in exactly the form it was issued, so padding, junk
characters or any other altered byte make it invalid, even where a lenient
base64 decoder would read the same bytes. Anything that does not verify is
treated as absent, never as an error the visitor sees: a forged or altered
token simply starts fresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from typing import Any, NamedTuple

from ._model import VERIFIED_ROLES

#: Unpadded base64url, the only alphabet a token part may use.
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url strictly: only the canonical encoding of some bytes."""
    if not _B64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical encoding")  # e.g. stray bits in the last char
    return data


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """Sign a JSON-serialisable payload (it should carry an ``exp``)."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(key: bytes, token: str, now: float) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token; None for anything else."""
    try:
        body, mac = token.split(".")
        if not _B64URL.fullmatch(body):
            return None
        expected = _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
        # Compare the signature's text, not what a decoder makes of it: exactly one
        # string is valid for each body.
        if not hmac.compare_digest(expected.encode("ascii"), mac.encode("ascii", "replace")):
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

    It carries no name or id, only the role (``hcp`` or ``pharmacist``) and a
    short expiry. Lotse counts a login for at most `Trust.assertion_max_age`
    (default one hour) whatever `ttl` says.
    """
    if role not in VERIFIED_ROLES:
        raise ValueError(f"role must be one of {VERIFIED_ROLES}, not {role!r}")
    return sign(key, {"role": role, "exp": int(now + ttl), "n": secrets.token_hex(4)})


class Preview(NamedTuple):
    """A checked preview link: the page as a visitor of `visitor_type` sees it."""

    visitor_type: str
    persona: str | None
    verified_role: str | None
    expires: float


def issue_preview(
    key: bytes,
    now: float,
    visitor_type: str,
    *,
    persona: str | None = None,
    verified_role: str | None = None,
    hours: float = 24.0,
) -> str:
    """A signed, expiring preview token for medical-legal review (the `lotse_preview`
    parameter of a page URL). Signed with the server's token key; `k` keeps it from
    ever being read as a resume token or an assertion."""
    if verified_role is not None and verified_role not in VERIFIED_ROLES:
        raise ValueError(f"verified role must be one of {VERIFIED_ROLES}, not {verified_role!r}")
    payload: dict[str, Any] = {"k": "preview", "as": visitor_type, "exp": int(now + hours * 3600)}
    if persona:
        payload["persona"] = persona
    if verified_role:
        payload["verified"] = verified_role
    return sign(key, payload)


def read_preview(key: bytes, token: str, now: float) -> Preview | None:
    """The preview a valid, unexpired token asks for; None for anything else."""
    payload = unsign(key, token, now)
    if payload is None or payload.get("k") != "preview" or not isinstance(payload.get("as"), str):
        return None
    persona, verified = payload.get("persona"), payload.get("verified")
    if not isinstance(persona, str | None) or verified not in (None, *VERIFIED_ROLES):
        return None
    return Preview(payload["as"], persona, verified, float(payload["exp"]))


class Login(NamedTuple):
    """A checked professional assertion: the role it proves and until when."""

    role: str
    expires: float


def check_assertion(key: bytes, assertion: str, now: float) -> Login | None:
    """The role and expiry of a valid professional assertion, or None."""
    payload = unsign(key, assertion, now)
    role = payload.get("role") if payload else None
    if payload is None or role not in VERIFIED_ROLES:
        return None
    return Login(str(role), float(payload["exp"]))
