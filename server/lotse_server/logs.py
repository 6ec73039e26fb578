"""Structured logs: one JSON object per line, and nothing personal in them.

What is never logged: chat text, IP addresses, user agents, query strings or
full URLs (a query string can carry an e-mail address or a search for a
diagnosis). What is: an event name, the request id of an HTTP request, the
session id (random, meaningless outside Lotse) of a WebSocket, codes, counts
and durations. Uvicorn's own lines that carry a client address and a full
path are dropped by `PrivacyFilter`; its access log is off and replaced by
`AccessLog`.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lotse_request_id", default=None
)

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "event", ...extra}` as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class PrivacyFilter(logging.Filter):
    """Drops server-library lines that could carry what a visitor sent or who they are.

    - uvicorn's access log and its WebSocket handshake lines (client address,
      full path with query string);
    - every debug line of uvicorn and websockets: at debug level websockets
      logs each frame's content, which includes chat answers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("uvicorn", "websockets")):
            return True
        if record.levelno < logging.INFO or record.name == "uvicorn.access":
            return False
        return '"WebSocket ' not in str(record.msg)


def configure_logging(level: int | str = logging.INFO, stream: Any = None) -> None:
    """Send every log line (Lotse's and uvicorn's) through the JSON formatter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def new_request_id() -> str:
    return secrets.token_hex(8)


class AccessLog:
    """ASGI middleware: a request id per HTTP request, and one privacy-safe access line.

    The id comes from a well-formed ``X-Request-ID`` header (set by a proxy) or
    is made up, is returned in the response's ``X-Request-ID``, and is attached
    to every log line written while the request runs. The line has the method,
    the path without its query string, the status and the duration; sensitive
    paths are logged, but their queries never are.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("lotse.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.log.info(
                "http_request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path", "")[:200],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
