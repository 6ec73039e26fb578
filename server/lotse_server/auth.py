"""The admin token: checking it without a timing leak, and short-lived view keys derived from it.

`LOTSE_ADMIN_TOKEN` guards `/dashboard` (always) and `/metrics` (with
`LOTSE_METRICS_REQUIRE_TOKEN=1`). Tools send it as ``Authorization: Bearer
…``; people type it into the dashboard's login form once.

Secrets are compared as SHA-256 digests with `hmac.compare_digest`: both sides
are then 32 bytes whatever was sent, so neither the time taken nor an early
exit on a length mismatch says anything about the token.

A *view key* is what the dashboard's refresh form carries instead of the token
itself: ``EXPIRES.MAC``, the MAC an HMAC-SHA256 of the expiry time keyed by the
admin token. The page a browser holds (or a copy saved to disk) then contains a
key that stops working after `VIEW_KEY_TTL` or as soon as the admin token is
changed, never the long-lived token. No cookie is set: the key travels only in
the form's body.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from starlette.requests import Request

#: How long the dashboard's refresh form keeps working without the token (seconds): a workday.
VIEW_KEY_TTL = 8 * 3600
_VIEW_KEY_CONTEXT = b"lotse-dashboard-view-key:"

KeyVerdict = Literal["ok", "expired", "wrong"]


def token_ok(given: str, token: str) -> bool:
    """True if `given` is the admin `token`; an empty configured token matches nothing."""
    if not token:
        return False
    return hmac.compare_digest(_digest(given), _digest(token))


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None without one."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def bearer_ok(request: Request, token: str) -> bool:
    """True if the request carries ``Authorization: Bearer <token>``."""
    given = bearer_token(request)
    return given is not None and token_ok(given, token)


def issue_view_key(token: str, now: float) -> str:
    """A view key valid for `VIEW_KEY_TTL` seconds from `now`."""
    expires = int(now) + VIEW_KEY_TTL
    return f"{expires}.{_view_mac(token, expires)}"


def check_view_key(key: str, token: str, now: float) -> KeyVerdict:
    """Whether `key` was issued with `token` and is still valid at `now`."""
    expires_text, _, mac = key.partition(".")
    digits = expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 12
    if not token or not digits:
        return "wrong"
    expires = int(expires_text)
    if not hmac.compare_digest(_digest(mac), _digest(_view_mac(token, expires))):
        return "wrong"
    # Checked after the MAC, so "expired" is said only about keys this server issued.
    return "ok" if now < expires else "expired"


def _view_mac(token: str, expires: int) -> str:
    message = _VIEW_KEY_CONTEXT + str(expires).encode()
    return hmac.new(_encoded(token), message, hashlib.sha256).hexdigest()


def _digest(secret: str) -> bytes:
    return hashlib.sha256(_encoded(secret)).digest()


def _encoded(secret: str) -> bytes:
    # An environment variable with bytes that are not UTF-8 arrives with lone surrogates
    # (Python's surrogateescape); they must still encode, not crash the check.
    return secret.encode("utf-8", "surrogatepass")
