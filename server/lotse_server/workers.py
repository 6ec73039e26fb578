"""``lotse serve --workers N``: several worker processes on one port, sharing sessions in Redis.

The supervisor (the process you start) runs the start-up checks a worker
would fail — the site file, the address, the session store — once, binds the
listening sockets, and starts N workers: each is ``python -m lotse_server.serve``
with the same arguments, handed the bound sockets (their file descriptors, in
``LOTSE_WORKER_FDS``) instead of binding its own. Every worker builds its own
app from the same arguments and environment and runs it exactly as a single
``lotse serve`` does: its own start-up checks, `LotseServer`'s 1001 drain,
SIGHUP reloads. The kernel hands each new connection to one of them; a
session resumes on whichever worker its next connection reaches, because all
of them keep sessions in the same Redis (a memory store is refused).

- The banner appears once every worker serves (each says so on a pipe,
  ``LOTSE_WORKER_READY_FD``).
- SIGTERM or SIGINT: every worker drains (its WebSockets close with 1001) and
  stops; then the supervisor ends by the same signal, as one process would.
- SIGHUP: one worker reloads and announces it over Redis; the others reload
  on hearing it (`reload.follow`).
- A worker that fails its start-up checks stops the others; the supervisor
  exits with that worker's code (its one line is already on standard error).
  A worker that dies later (a crash, ``kill -9``) is started again; its
  visitors reconnect and resume meanwhile on the others.
- Workers end when the supervisor does, even if it is killed outright
  (Linux's parent-death signal).
- ``/metrics``, ``/healthz`` and the dashboard report the node, whichever
  worker answers: each start of the supervisor makes a private directory
  (``LOTSE_WORKER_METRICS_DIR``) where the workers ask each other for their
  figures and sum them (`metrics.NodeMetrics`); it is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

log = logging.getLogger("lotse.workers")

#: Environment of a worker: the inherited listening sockets, the ready pipe, the supervisor.
ENV_FDS = "LOTSE_WORKER_FDS"
ENV_READY = "LOTSE_WORKER_READY_FD"
ENV_PARENT = "LOTSE_WORKER_PARENT"
#: The directory where the workers sum their metrics (`metrics.NodeMetrics`), new per start.
ENV_METRICS = "LOTSE_WORKER_METRICS_DIR"
#: Seconds a stopping worker gets before it is killed (its drain takes about 2 s).
_STOP_GRACE = 20.0
#: A slot whose worker died is refilled at most this often (seconds).
_RESPAWN_EVERY = 1.0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    ready: bool = False
    started: float = field(default_factory=time.monotonic)


class WorkerEnvironment:
    """What a worker process was handed by its supervisor (None of it in a single process)."""

    def __init__(self, fds: list[int], ready_fd: int | None) -> None:
        self.fds = fds
        self.ready_fd = ready_fd

    @classmethod
    def from_env(cls) -> WorkerEnvironment | None:
        raw = os.environ.get(ENV_FDS)
        if not raw:
            return None
        fds = [int(fd) for fd in raw.split(",") if fd]
        ready = os.environ.get(ENV_READY)
        return cls(fds, int(ready) if ready else None)

    def sockets(self) -> list[socket.socket]:
        return [socket.socket(fileno=fd) for fd in self.fds]

    def ready(self) -> None:
        """Tell the supervisor this worker serves."""
        if self.ready_fd is not None:
            with contextlib.suppress(OSError):
                os.write(self.ready_fd, f"{os.getpid()}\n".encode())
                os.close(self.ready_fd)
            self.ready_fd = None

    @staticmethod
    def end_with_parent() -> None:
        """Get SIGTERM (a clean drain) when the supervisor dies, however it dies (Linux)."""
        parent = int(os.environ.get(ENV_PARENT, "0") or 0)
        name = ctypes.util.find_library("c")
        if sys.platform.startswith("linux") and name:
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(name, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        if parent and os.getppid() != parent:  # it died before the line above
            os.kill(os.getpid(), signal.SIGTERM)


def worker_argv(args: argparse.Namespace) -> list[str]:
    """The command line of one worker: the same options, one process, no store URL.

    The store URL goes through the environment (``LOTSE_STORE``): a password in
    it would be visible to every user in the process list.
    """
    argv = [
        sys.executable, "-m", "lotse_server.serve",
        "--host", args.host, "--port", str(args.port),
        "--log-level", getattr(args, "log_level", "info"),
        "--workers", "1",
    ]  # fmt: skip
    if getattr(args, "site", None):
        argv += ["--site", args.site]
    if getattr(args, "reload_config", False):
        argv.append("--reload-config")
    if getattr(args, "data_dir", None):
        argv += ["--data-dir", args.data_dir]
    return argv


class Supervisor:
    """Starts the workers, keeps them running, forwards signals, and stops them."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        sockets: list[socket.socket],
        count: int,
        on_ready: Callable[[], None],
    ) -> None:
        self.argv = argv
        self.sockets = sockets
        self.count = count
        self.on_ready = on_ready
        self.workers: list[Worker | None] = [None] * count
        # Private to this user (0700) and to this start: no figures of an earlier run are summed.
        self.metrics_dir = tempfile.mkdtemp(prefix="lotse-metrics-")
        self._ready_read, self._ready_write = os.pipe()
        fds = [sock.fileno() for sock in sockets]
        for fd in fds:
            os.set_inheritable(fd, True)
        self.env = {
            **env,
            ENV_FDS: ",".join(map(str, fds)),
            ENV_READY: str(self._ready_write),
            ENV_PARENT: str(os.getpid()),
            ENV_METRICS: self.metrics_dir,
        }
        self._pass_fds = (*fds, self._ready_write)
        self._signals: list[int] = []
        self._announced = False
        self._buffer = b""
        self._last_spawn = [0.0] * count

    def _spawn(self, slot: int) -> None:
        process = subprocess.Popen(self.argv, env=self.env, pass_fds=self._pass_fds)
        self.workers[slot] = Worker(process)
        self._last_spawn[slot] = time.monotonic()
        log.info("worker_started", extra={"worker": slot, "pid": process.pid})

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals.append(signum)

    def run(self) -> int:
        """Run until a signal stops the workers, or one fails its start-up; the exit code."""
        previous = {
            sig: signal.signal(sig, self._on_signal)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        try:
            for slot in range(self.count):
                self._spawn(slot)
            stopped_by = self._loop()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for fd in (self._ready_read, self._ready_write):
                with contextlib.suppress(OSError):
                    os.close(fd)
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
        if stopped_by == signal.SIGTERM:
            log.info("workers_stopped", extra={"signal": "SIGTERM"})
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)  # end as one process does: by the signal
            return 128 + int(signal.SIGTERM)
        if isinstance(stopped_by, signal.Signals):  # Ctrl+C: a clean stop
            log.info("workers_stopped", extra={"signal": stopped_by.name})
            return 0
        return stopped_by

    def _loop(self) -> int | signal.Signals:
        while True:
            readable, _, _ = select.select([self._ready_read], [], [], 0.2)
            if readable:
                self._read_ready()
            while self._signals:
                signum = self._signals.pop(0)
                if signum == signal.SIGHUP:
                    self._reload()
                else:
                    return signal.Signals(signum)
            for slot, worker in enumerate(self.workers):
                if worker is None:
                    if time.monotonic() - self._last_spawn[slot] >= _RESPAWN_EVERY:
                        self._spawn(slot)
                    continue
                code = worker.process.poll()
                if code is None:
                    continue
                if not worker.ready:
                    # Its start-up check failed (its line is on stderr), or it crashed
                    # before serving: the others would fail alike.
                    log.error("worker_failed_to_start", extra={"worker": slot, "code": code})
                    return code if code > 0 else 6
                log.error("worker_died", extra={"worker": slot, "code": code, "restart": True})
                self.workers[slot] = None

    def _read_ready(self) -> None:
        try:
            self._buffer += os.read(self._ready_read, 4096)
        except OSError:
            return
        *lines, self._buffer = self._buffer.split(b"\n")
        pids = {int(line) for line in lines if line.strip().isdigit()}
        for worker in self.workers:
            if worker is not None and worker.process.pid in pids:
                worker.ready = True
        if not self._announced and all(w is not None and w.ready for w in self.workers):
            self._announced = True
            self.on_ready()

    def _reload(self) -> None:
        """SIGHUP: one worker reloads and tells the others over Redis."""
        for worker in self.workers:
            if worker is not None and worker.process.poll() is None:
                worker.process.send_signal(signal.SIGHUP)
                return

    def _stop_all(self) -> None:
        running = [w.process for w in self.workers if w is not None and w.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)  # each drains with 1001
        deadline = time.monotonic() + _STOP_GRACE
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def supervise(
    args: argparse.Namespace,
    count: int,
    sockets: list[socket.socket],
    store_url: str,
    announce: Callable[[], None],
    err: TextIO,
) -> int:
    """Run `count` workers on `sockets` until stopped; the exit code (`startup.EXIT_*`)."""
    if os.name != "posix":
        print("lotse serve: --workers needs a POSIX system. Fix: run one process", file=err)
        return 2
    env = {**os.environ, "LOTSE_STORE": store_url}
    supervisor = Supervisor(worker_argv(args), env, sockets, count, announce)
    return supervisor.run()
