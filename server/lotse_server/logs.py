"""Structured logs: one JSON object per line, and nothing personal in them.

What is never logged: chat text, IP addresses, user agents, query strings or
full URLs (a query string can carry an e-mail address or a search for a
diagnosis). What is: an event name, the request id of an HTTP request, the
session id (random, meaningless outside Lotse) of a WebSocket, codes, counts
and durations. Uvicorn's own lines that carry a client address and a full
path are dropped by `PrivacyFilter`; its access log is off and replaced by
`AccessLog`.

Repeated warnings and errors are throttled by `RepeatThrottle`: a client (or a
full disk) must not be able to make the server write the same line thousands
of times a second.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


#: Fields that differ between connections or requests but not between repeats of one problem.
_PER_CONNECTION = frozenset({"conn", "session", "request_id", "repeated"})


@dataclass
class _Run:
    """A run of identical lines: when one was last let through, and what was held back since."""

    passed_at: float
    held: int = 0
    last: logging.LogRecord | None = None


class RepeatThrottle(logging.Filter):
    """Lets the first of identical warnings and errors through, then a summary every `interval`.

    Identical means the same logger, level, first line of the message,
    exception type and fields, apart from per-connection ids. The summary is
    the held-back line itself with ``"repeated": N`` (how many were held back
    since the previous one); it is written with the next repeat once
    `interval` has passed, or by `flush` (called about once a second by the
    server) when the repeats have stopped. Info and debug lines (one per
    request or event, each different) are never held back. At most `max_runs`
    kinds of line are remembered, so the filter's memory is bounded too.
    """

    def __init__(
        self,
        interval: float = 5.0,
        max_runs: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.max_runs = max_runs
        self.clock = clock
        self._runs: dict[tuple[object, ...], _Run] = {}
        # Filters run outside the handler's lock, and the ledger logs from its own thread.
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or hasattr(record, "repeated"):
            return True
        key = _repeat_key(record)
        now = self.clock()
        with self._lock:
            run = self._runs.get(key)
            if run is None:
                self._forget_old(now)
                self._runs[key] = _Run(passed_at=now)
                return True
            if now - run.passed_at < self.interval:
                run.held += 1
                run.last = record
                return False
            if run.held:
                record.repeated = run.held
            run.passed_at, run.held, run.last = now, 0, None
            return True

    def flush(self, handle: Callable[[logging.LogRecord], object]) -> None:
        """Write a summary for each run held back for at least `interval` whose repeats stopped."""
        now = self.clock()
        due: list[logging.LogRecord] = []
        with self._lock:
            for run in self._runs.values():
                if run.last is not None and now - run.passed_at >= self.interval:
                    run.last.repeated = run.held
                    due.append(run.last)
                    run.passed_at, run.held, run.last = now, 0, None
        for record in due:
            handle(record)

    def _forget_old(self, now: float) -> None:
        if len(self._runs) < self.max_runs:
            return
        # Runs with nothing held back and quiet for an interval carry no information.
        for key in [k for k, r in self._runs.items() if r.last is None]:
            if now - self._runs[key].passed_at >= self.interval:
                del self._runs[key]
        while len(self._runs) >= self.max_runs:  # still full: forget the oldest
            del self._runs[next(iter(self._runs))]


def _repeat_key(record: logging.LogRecord) -> tuple[object, ...]:
    message = str(record.msg).split("\n", 1)[0][:200]
    exc_type = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
    fields = tuple(
        sorted(
            (key, str(value)[:200])
            for key, value in vars(record).items()
            if key not in _STANDARD and key not in _PER_CONNECTION and not key.startswith("_")
        )
    )
    return (record.name, record.levelno, message, exc_type, fields)


_installed: tuple[logging.Handler, RepeatThrottle] | None = None


def flush_repeats() -> None:
    """Write the summaries that are due (see `RepeatThrottle.flush`); safe to call often."""
    if _installed is not None:
        handler, throttle = _installed
        throttle.flush(handler.handle)


def configure_logging(level: int | str = logging.INFO, stream: Any = None) -> None:
    """Send every log line (Lotse's and uvicorn's) through the JSON formatter."""
    global _installed
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PrivacyFilter())
    throttle = RepeatThrottle()
    handler.addFilter(throttle)
    _installed = (handler, throttle)
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

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A WebSocket goes straight through (no coroutine frame kept per connection).
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
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
