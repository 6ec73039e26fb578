"""``/dashboard``: the experiments dashboard for staff, behind the admin token, without cookies.

How a request gets in (docs/decisions.md, "Dashboard"):

- a tool: ``GET /dashboard`` with ``Authorization: Bearer <LOTSE_ADMIN_TOKEN>``;
- a person: ``GET /dashboard`` answers 401 with a sign-in form; the form posts
  the token to ``/dashboard``, which answers with the dashboard itself (no
  redirect, no cookie). The page's refresh button posts a view key derived from
  the token (`auth.issue_view_key`), never the token itself.

Anything else is a 401 with the sign-in form. Tokens and keys are never logged
(the access log has the path only; refusals log only why). Responses are
``Cache-Control: no-store``: a shared or back/forward cache must not keep a page
meant for staff. ``/dashboard/dashboard.css`` is the page's stylesheet, public
like any stylesheet.
"""

from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .auth import bearer_token, check_view_key, issue_view_key, token_ok
from .dashboard_data import gather
from .dashboard_page import CSS_PATH, PATH, render_dashboard, render_login
from .settings import Settings
from .ws import Hub

log = logging.getLogger("lotse.dashboard")

CSS_FILE = Path(__file__).resolve().parent / "dashboard_assets" / "dashboard.css"
#: The sign-in and refresh forms post a few dozen bytes; anything much larger is not them.
MAX_FORM_BYTES = 4096
_NO_STORE = {"Cache-Control": "no-store"}


class FormTooLarge(Exception):
    """A posted body over `MAX_FORM_BYTES`, or with more fields than the forms have."""


def dashboard_routes(settings: Settings) -> list[BaseRoute]:
    """The dashboard page (GET and POST) and its stylesheet."""

    async def dashboard(request: Request) -> Response:
        now = time.time()
        try:
            refusal = await _refusal(request, settings.admin_token, now)
        except FormTooLarge:
            return PlainTextResponse("form too large", status_code=413, headers=_NO_STORE)
        if refusal is not None:
            reason, problem = refusal
            log.warning("dashboard_refused", extra={"reason": reason})
            return HTMLResponse(
                render_login(problem),
                status_code=401,
                headers={**_NO_STORE, "WWW-Authenticate": 'Bearer realm="Lotse dashboard"'},
            )
        hub: Hub = request.app.state.hub
        snapshot = await gather(hub, now)
        page = render_dashboard(snapshot, issue_view_key(settings.admin_token, now))
        return HTMLResponse(page, headers=_NO_STORE)

    def stylesheet(request: Request) -> Response:
        return Response(
            _stylesheet(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return [
        Route(PATH, dashboard, methods=["GET", "POST"]),
        Route(CSS_PATH, stylesheet, methods=["GET"]),
    ]


async def _refusal(request: Request, token: str, now: float) -> tuple[str, str | None] | None:
    """None if the request may see the dashboard, else (why, for the log; what to tell them).

    A bearer header decides on its own; without one a POST may carry the token
    (sign-in form) or a view key (refresh button).
    """
    given = bearer_token(request)
    if given is not None:
        return None if token_ok(given, token) else ("wrong_token", "That token is not right.")
    if request.method != "POST":
        return ("missing", None)
    form = await _read_form(request)
    if "token" in form:
        if token_ok(form["token"], token):
            return None
        return ("wrong_token", "That token is not right. It is the server's LOTSE_ADMIN_TOKEN.")
    if "key" in form:
        verdict = check_view_key(form["key"], token, now)
        if verdict == "ok":
            return None
        if verdict == "expired":
            return ("expired_key", "This view has expired. Sign in again to refresh it.")
        return ("wrong_key", "This view is no longer valid (the admin token may have changed).")
    return ("missing", "Enter the admin token.")


async def _read_form(request: Request) -> dict[str, str]:
    """The first value of each field of a URL-encoded form, read up to `MAX_FORM_BYTES`.

    Parsed here rather than with `Request.form()`, which needs python-multipart
    (a dependency for two hidden fields) and would read a body of any size.
    """
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
    except ValueError:  # more fields than that
        raise FormTooLarge from None
    return {name: values[0] for name, values in fields.items() if values}


@cache
def _stylesheet() -> bytes:
    return CSS_FILE.read_bytes()
