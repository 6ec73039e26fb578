"""Start-up checks: each problem that stops the server is one line with its fix and an exit code.

`lotse serve` runs them before it announces that it is serving: the listening
address (`bind`), the session store (`check_store`, a real round trip, so the
in-memory store and Redis are checked the same way), then the ledger: in the
data directory (`open_ledger`), or in Redis next to the sessions
(`Settings.store_url`). `Resources` holds what they open and is shared by
`LotseServer` (which runs it before uvicorn starts, so a failure is one line
and nothing else) and the app's lifespan (which runs it under any other ASGI
server; there a failure is a `StartupError` with the same line).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from .ledger import LEDGER_FILE, ExperimentLedger, Ledger
from .metrics import Metrics
from .settings import Settings
from .store import PROBE_SESSION, MemoryStore, SessionStore, StoreError

log = logging.getLogger("lotse.startup")

# Exit codes of `lotse serve`, one per class of problem (docs/operations.md).
EXIT_OK = 0
EXIT_SITE = 1  # the site configuration has errors
EXIT_SETTINGS = 2  # unsafe or malformed settings
EXIT_DATA = 3  # the data directory or the ledger cannot be used
EXIT_STORE = 4  # the session store does not answer
EXIT_ADDRESS = 5  # cannot listen on the host and port
EXIT_OTHER = 6  # the app failed to start otherwise: a bug, its traceback is in the log

#: How long the session store may take to answer the start-up probe.
STORE_TIMEOUT = 5.0
#: Written and removed in the data directory at start-up; a full disk fails here.
_PROBE_BYTES = 64 * 1024


class StartupError(Exception):
    """A problem that stops the server, with what to do about it."""

    exit_code = EXIT_OTHER

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}. Fix: {fix}")
        self.problem = problem
        self.fix = fix

    def line(self) -> str:
        """The one line `lotse serve` prints (an OS or SQLite message may bring a newline)."""
        return " ".join(f"lotse serve: {self}".splitlines())


class DataDirError(StartupError):
    exit_code = EXIT_DATA


class StoreUnreachable(StartupError):
    exit_code = EXIT_STORE


class AddressUnavailable(StartupError):
    exit_code = EXIT_ADDRESS


# -- the listening address --------------------------------------------------------


def bind(host: str, port: int) -> list[socket.socket]:
    """Bound (not yet listening) sockets for every address of `host`, as uvicorn would bind.

    Binding before anything else starts means a port in use is one line, and
    the lifespan never runs for a server that cannot listen.
    """
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise AddressUnavailable(
            f"cannot listen on {host}:{port}: the host name does not resolve ({exc.strerror})",
            "pass --host with an address of this machine, e.g. 127.0.0.1 or 0.0.0.0",
        ) from exc
    sockets: list[socket.socket] = []
    seen: set[tuple[int, str]] = set()
    try:
        for family, kind, proto, _name, address in infos:
            if (family, str(address[0])) in seen:
                continue
            seen.add((family, str(address[0])))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # As asyncio does: "::" is IPv6 only, "0.0.0.0" is IPv4 only.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise _address_error(host, port, exc) from exc
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _address_error(host: str, port: int, exc: OSError) -> AddressUnavailable:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return AddressUnavailable(
            f"cannot listen on {where}: the port is already in use",
            f"stop the other server on port {port} (`ss -ltnp 'sport = :{port}'` shows it) "
            "or choose another port with --port",
        )
    if exc.errno == errno.EACCES:
        return AddressUnavailable(
            f"cannot listen on {where}: permission denied",
            "use a port above 1023, or let a reverse proxy listen on the low port",
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return AddressUnavailable(
            f"cannot listen on {where}: this machine has no such address",
            "pass --host with an address of this machine, e.g. 127.0.0.1 or 0.0.0.0",
        )
    return AddressUnavailable(
        f"cannot listen on {where}: {exc.strerror or exc}", "check --host and --port"
    )


# -- the data directory and the ledger -------------------------------------------------


def open_ledger(
    data_dir: Path,
    *,
    on_drop: Callable[[int], None] | None = None,
    on_write_failure: Callable[[], None] | None = None,
) -> Ledger:
    """The ledger in `data_dir`, after checking that the directory is usable (blocking).

    Raises `DataDirError`: the directory is a file, cannot be created, is
    read-only or full, or the ledger file is not SQLite or is damaged.
    """
    where = "choose another with --data-dir (or LOTSE_DATA_DIR)"
    if data_dir.exists() and not data_dir.is_dir():
        raise DataDirError(
            f"the data directory {data_dir} is a file, not a directory",
            f"move the file away, or {where}",
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"cannot create the data directory {data_dir}: {_reason(exc)}",
            f"create it writable for this user, or {where}",
        ) from exc
    _probe_write(data_dir, where)
    path = data_dir / LEDGER_FILE
    try:
        return Ledger(path, on_drop=on_drop, on_write_failure=on_write_failure)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc) or "quick_check" in str(exc):
            raise DataDirError(
                f"the ledger {path} is not a usable SQLite database ({exc})",
                f"restore it from a backup, or move it aside (mv {path} {path}.broken) "
                "and Lotse starts a new, empty one",
            ) from exc
        raise DataDirError(
            f"cannot use the ledger {path}: {exc}",
            f"make it and {data_dir} writable for this user, or {where}",
        ) from exc
    except OSError as exc:
        raise DataDirError(
            f"cannot use the ledger {path}: {_reason(exc)}",
            f"make it and {data_dir} writable for this user, or {where}",
        ) from exc


def _probe_write(data_dir: Path, where: str) -> None:
    """Write, sync and remove a small file: finds read-only and full file systems now."""
    try:
        fd, name = tempfile.mkstemp(prefix=".lotse-probe-", dir=data_dir)
    except OSError as exc:
        raise _unwritable(data_dir, exc, where) from exc
    try:
        with os.fdopen(fd, "wb") as probe:
            probe.write(b"\0" * _PROBE_BYTES)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise _unwritable(data_dir, exc, where) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _unwritable(data_dir: Path, exc: OSError, where: str) -> DataDirError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DataDirError(
            f"cannot write to the data directory {data_dir}: {_reason(exc)}",
            f"free some space on its disk, or {where}",
        )
    return DataDirError(
        f"cannot write to the data directory {data_dir}: {_reason(exc)}",
        f"make it writable for this user, or {where}",
    )


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


# -- the session store ------------------------------------------------------------------


async def check_store(store: SessionStore, timeout: float = STORE_TIMEOUT) -> None:
    """One real round trip to the store (a `get` of an id nobody has); raises `StoreUnreachable`.

    Uses only the `SessionStore` protocol, so any store, in memory or over the
    network, is checked the same way; a store that knows what went wrong says
    so with a `StoreError` (the Redis store: refused, no such host, password).
    """
    name = type(store).__name__
    try:
        await asyncio.wait_for(store.get(PROBE_SESSION), timeout)
    except StoreError as exc:
        raise StoreUnreachable(f"the session store: {exc.problem}", exc.fix) from exc
    except TimeoutError as exc:
        raise StoreUnreachable(
            f"the session store ({name}) did not answer within {timeout:g} s",
            "check that it is running and reachable from this machine",
        ) from exc
    except Exception as exc:  # a network store's errors are its own classes
        raise StoreUnreachable(
            f"the session store ({name}) cannot be reached: {exc or type(exc).__name__}",
            "check that it is running and reachable from this machine (address, port, "
            "firewall, credentials)",
        ) from exc


def open_store(settings: Settings) -> SessionStore:
    """Redis at `settings.store_url`, else this process's memory (nothing is connected yet)."""
    if settings.store_url:
        from .redis_store import RedisStore

        return RedisStore(
            settings.store_url, ttl=settings.session_ttl, prefix=settings.store_prefix
        )
    return MemoryStore(ttl=settings.session_ttl, max_sessions=settings.max_sessions)


def open_redis_ledger(
    settings: Settings,
    *,
    on_drop: Callable[[int], None] | None = None,
    on_write_failure: Callable[[], None] | None = None,
) -> ExperimentLedger:
    """The ledger in Redis at `settings.store_url` (checked with the store, just before)."""
    from .redis_ledger import RedisLedger

    assert settings.store_url is not None
    return RedisLedger(
        settings.store_url,
        prefix=settings.store_prefix,
        on_drop=on_drop,
        on_write_failure=on_write_failure,
    )


# -- what the app needs before it serves -------------------------------------------------


class Resources:
    """The store, checked once, and the ledger, opened once: by the server or the lifespan.

    `open` is idempotent, so `LotseServer` can run it before uvicorn starts and
    the lifespan again (a no-op) under uvicorn, or for the first time under
    any other ASGI server. `close` closes only a ledger it opened. With
    `Settings.store_url` the ledger is Redis's, else SQLite's in the data
    directory.
    """

    def __init__(
        self,
        settings: Settings,
        store: SessionStore,
        metrics: Metrics,
        ledger: ExperimentLedger | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.ledger = ledger
        self._own_ledger = ledger is None
        self._store_checked = False

    async def open(self) -> ExperimentLedger:
        """Check the store and open the ledger; raises `StartupError` (the same one each time)."""
        if not self._store_checked:
            await check_store(self.store)
            self._store_checked = True
        if self.ledger is None:
            metrics = self.metrics
            opener = open_redis_ledger if self.settings.store_url else _open_ledger_in
            self.ledger = await asyncio.to_thread(
                opener,
                self.settings,
                on_drop=lambda n: metrics.ledger_dropped.inc(n),
                on_write_failure=lambda: metrics.ledger_write_failures.inc(),
            )
        return self.ledger

    async def close(self) -> None:
        """Write what the ledger has queued and stop its thread (if it was opened here)."""
        if self._own_ledger and self.ledger is not None:
            ledger, self.ledger = self.ledger, None
            await asyncio.to_thread(ledger.close)


def _open_ledger_in(
    settings: Settings,
    *,
    on_drop: Callable[[int], None] | None = None,
    on_write_failure: Callable[[], None] | None = None,
) -> ExperimentLedger:
    return open_ledger(settings.data_dir, on_drop=on_drop, on_write_failure=on_write_failure)
