"""The server's edge: what happens to a socket before (and beside) the app.

uvicorn's HTTP protocol waits for a request as long as a client likes: a TCP
connection that never sends one (or sends its head a byte at a time) holds a
file handle for ever. Some thousands of those exhaust the process's file
handles; then ``accept()`` fails, nothing new is served (``/healthz``
included), and asyncio logs a traceback for every failed accept. The
subclasses here close that gap:

- **A deadline for the request head** (`Settings.handshake_timeout`, 10 s):
  armed when a connection is made and again after each response on a
  kept-alive connection, cancelled when a request's head is complete (for a
  WebSocket, the upgrade request). A connection that has not got that far is
  closed when it expires.
- **A cap on open sockets** below the file-handle limit (`socket_budget`):
  at the cap, a new connection closes the oldest connection still waiting
  for its request head, so a flood of idle sockets cannot lock out a client
  that is about to send one; with none waiting it is closed at once.
- **Invalid UTF-8 in a text message closes with 1007**, quietly: uvicorn's own
  handling logs an error with a traceback for every such frame, which a client
  could send at will.

The HTTP implementation is pinned to h11 (uvicorn's pure-Python parser, always
installed; httptools is optional and would otherwise be picked up by "auto"),
the WebSocket one to websockets' sans-I/O protocol, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode
from websockets.protocol import State

from .metrics import Metrics

try:  # POSIX only; elsewhere the limit is unknown and only LOTSE_MAX_SOCKETS applies
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

log = logging.getLogger("lotse.edge")

#: File handles kept for what is not a client socket: the ledger (database,
#: WAL and shared-memory files, and a reader), the standard streams, the event
#: loop's epoll and self-pipe, files the thread pool reads (the snippet, the
#: demo pages), and room for a network store's connection pool.
FD_RESERVE = 64
#: The socket cap when the file-handle limit is unlimited.
UNLIMITED_SOCKETS = 65_536
#: `lotse serve` raises the soft file-handle limit towards the hard one, up to this.
FD_TARGET = 65_536


@dataclass(frozen=True, slots=True)
class SocketBudget:
    """How many sockets this process may hold open, and why."""

    fd_limit: int | None  # the soft RLIMIT_NOFILE; None when unlimited or unknown
    backlog: int  # listen() backlog, which is also how many asyncio accepts in one go
    max_sockets: int


def socket_budget(requested: int | None = None) -> SocketBudget:
    """The socket cap: `requested` (LOTSE_MAX_SOCKETS) or what the file-handle limit allows.

    Below the limit are kept `FD_RESERVE` handles and the listen backlog:
    asyncio accepts up to a backlog's worth of connections before the first of
    them reaches `connection_made`, where the cap is enforced. Raises
    ValueError (with the fix) when `requested` does not fit under the limit.
    """
    soft = _soft_fd_limit()
    if soft is None:
        return SocketBudget(None, 2048, requested or UNLIMITED_SOCKETS)
    # A deep accept queue absorbs bursts (a Python accept loop is slower than clients
    # can connect, and a full queue costs each dropped client a 1 s SYN retry), but
    # every queued connection may become a file handle in one accept batch.
    backlog = max(64, min(2048, soft // 4))
    budget = soft - FD_RESERVE - backlog
    if budget < 16:
        raise ValueError(
            f"the file-handle limit (ulimit -n) is {soft}, too low to serve: "
            f"{FD_RESERVE + backlog} are kept for the ledger, logs and new connections. "
            "Fix: raise it (ulimit -n 65536, or LimitNOFILE= in a systemd unit)"
        )
    if requested is not None and requested > budget:
        raise ValueError(
            f"LOTSE_MAX_SOCKETS={requested} is more than this process can keep open: its "
            f"file-handle limit (ulimit -n) is {soft}, of which {FD_RESERVE + backlog} are kept "
            "for the ledger, logs and new connections. Fix: raise the limit (ulimit -n, or "
            f"LimitNOFILE= in a systemd unit) or set LOTSE_MAX_SOCKETS to at most {budget}"
        )
    return SocketBudget(soft, backlog, requested or budget)


def _soft_fd_limit() -> int | None:
    if resource is None:  # pragma: no cover
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def raise_fd_limit(target: int = FD_TARGET) -> None:
    """Raise the soft file-handle limit to the hard one (at most `target`), as Go does.

    The usual soft default (1024) is a historical guard for select(); an event
    loop on epoll does not need it, and a server needs more.
    """
    if resource is None:  # pragma: no cover
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(hard, target)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        # If refused, keep the limit we have: socket_budget works within it.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@dataclass(eq=False)
class Edge:
    """What all connections of one server share: the limits, and who is still waiting."""

    max_sockets: int
    handshake_timeout: float
    metrics: Metrics
    #: Connections waiting for a request head, oldest first (dicts keep insertion order).
    waiting: dict[EdgeH11Protocol, None] = field(default_factory=dict)
    #: uvicorn's set of open connections (HTTP and WebSocket), known after the first one.
    connections: set[Any] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.metrics.sockets_open.set_function(lambda: float(len(self.connections)))

    def protocols(self) -> tuple[type[EdgeH11Protocol], type[EdgeWebSocketProtocol]]:
        """The classes to give uvicorn (``http=``, ``ws=``), bound to this edge."""
        http = type("LotseH11Protocol", (EdgeH11Protocol,), {"edge": self})
        ws = type("LotseWebSocketProtocol", (EdgeWebSocketProtocol,), {"edge": self})
        return http, ws

    def make_room(self) -> bool:
        """At the cap: close the oldest waiting connection. False if none is waiting."""
        log.warning("socket_limit_reached", extra={"max_sockets": self.max_sockets})
        for oldest in self.waiting:
            oldest.close_waiting("evicted")
            return True
        return False


class EdgeH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request head and a cap on sockets."""

    edge: ClassVar[Edge]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_after: object = None  # the request scope when the deadline was armed
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        edge = self.edge
        edge.connections = self.connections
        if len(self.connections) >= edge.max_sockets and not edge.make_room():
            # Never handed to uvicorn: the file handle goes back at once.
            self._refused = True
            edge.metrics.sockets_closed.labels("refused").inc()
            transport.close()
            return
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._disarm_once_a_request_started()

    def on_response_complete(self) -> None:
        # A kept-alive connection now waits for its next request: the same deadline
        # applies, so trickling the next request's head does not keep it open either.
        self._arm()
        super().on_response_complete()  # may close, or start a pipelined request
        if self.transport.is_closing():
            self._disarm()
        else:
            self._disarm_once_a_request_started()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if not self._refused:
            super().connection_lost(exc)

    def close_waiting(self, reason: str) -> None:
        """Close this connection, which has not sent a complete request head."""
        self._disarm()
        self.edge.metrics.sockets_closed.labels(reason).inc()
        self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._waiting_after = self.scope
        self._deadline = self.loop.call_later(
            self.edge.handshake_timeout, self.close_waiting, "handshake_timeout"
        )
        self.edge.waiting[self] = None

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self.edge.waiting.pop(self, None)

    def _disarm_once_a_request_started(self) -> None:
        # uvicorn sets a new scope when a request's head is complete (also for an upgrade).
        if self._deadline is not None and self.scope is not self._waiting_after:
            self._disarm()


class EdgeWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets sans-I/O protocol, closing invalid UTF-8 text with 1007 quietly."""

    edge: ClassVar[Edge]

    def send_receive_event_to_app(self) -> None:
        # uvicorn decodes the text itself and, on failure, logs an error with a traceback
        # before closing with 1007: a log line per frame that any client can send.
        if self.curr_msg_data_type == "text" and not self.close_sent and not _utf8(self.frames):
            self.frames = []
            self.edge.metrics.closes.labels(str(int(CloseCode.INVALID_DATA))).inc()
            if self.conn.state is not State.OPEN:
                # A frame before the app accepted: no close frame can be sent yet.
                self.transport.close()
                return
            self.conn.send_close(CloseCode.INVALID_DATA, "text message is not valid UTF-8")
            self.handle_parser_exception()  # tells the app, sends the close, drops the socket
            return
        super().send_receive_event_to_app()


def _utf8(frames: list[bytes]) -> bool:
    try:
        b"".join(frames).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
