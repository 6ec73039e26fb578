"""`lotse serve`: run the server with uvicorn.

With no arguments it serves the bundled demo site on http://127.0.0.1:8000/
with in-memory sessions and the experiment ledger in ``./lotse-data/``::

    lotse serve                          # or: python -m lotse_server.serve
    lotse serve --site mysite.toml --host 0.0.0.0 --port 8080 --reload-config
    lotse serve --site mysite.toml --store redis://redis:6379/0 --workers 4

Secrets come from ``LOTSE_TOKEN_KEY``, ``LOTSE_VERIFICATION_KEY`` and (with
``LOTSE_METRICS_REQUIRE_TOKEN``) ``LOTSE_ADMIN_TOKEN``; without them the public
demo secrets are used, which is refused on anything but a loopback address.

Start-up runs in this order, and each problem is one line on standard error
with its fix and its own exit code (`startup.EXIT_*`, docs/operations.md):
settings, the site file, the file-handle budget, binding the address, the
session store, the ledger (in the data directory, or in Redis), the app's
lifespan; only then does the "Lotse is serving" banner appear.

``--store redis://…`` shares sessions and the ledger between processes and
nodes; ``--workers N`` then runs N worker processes on the port
(`workers.py`), each built from the same arguments and environment.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import uvicorn
from starlette.applications import Starlette

import lotse

from .app import create_app
from .coalesce import HeldFrames
from .demo import SITE_PATH as DEMO_SITE
from .edge import Edge, raise_fd_limit, socket_budget
from .logs import configure_logging, flush_repeats
from .settings import InsecureSettings, Settings, redact_url
from .startup import (
    EXIT_OK,
    EXIT_OTHER,
    EXIT_SETTINGS,
    EXIT_SITE,
    Resources,
    StartupError,
    bind,
    check_store,
    open_store,
)
from .workers import WorkerEnvironment, supervise
from .ws import CLOSE_GOING_AWAY, Hub

log = logging.getLogger("lotse.serve")


#: The collector's thresholds once serving (`gc.set_threshold`): allocations less
#: deallocations between young passes, young passes per middle one, middle per full.
GC_THRESHOLDS = (10_000, 2, 100)


def settle_heap() -> None:
    """Collect, then put what exists (the site, its matchers, modules: it lives as
    long as the process) out of the collector's sight, so that its full passes
    look only at what serving makes (sessions) instead of walking the site each
    time; then fewer young passes (every event makes short-lived containers: with
    the default 700 the collector ran some 20 times a second at saturation), each
    middle pass over at most two young ones' survivors (a few milliseconds at
    10,000 sessions; at 20 they averaged 34 ms), and full passes rarely."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class LotseServer(uvicorn.Server):
    """uvicorn's server: start-up checks first, a ready hook, and 1001 on shutdown.

    - Before uvicorn starts (and logs anything), the app's `Resources` are
      opened: the data directory and ledger, the session store. A failure is
      kept in `startup_error` and the server does not start.
    - `on_ready` runs once the lifespan has started and the sockets listen,
      i.e. when the server really serves.
    - uvicorn itself closes open WebSockets with 1012 and only then runs the
      app's lifespan shutdown. Lotse closes them first, with 1001, after the
      listening sockets stop accepting, so that the snippet reconnects (to this
      server once it is back, or to another node) and resumes by token.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        app: Starlette,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self.lotse_app = app
        self.on_ready = on_ready
        self.startup_error: StartupError | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        resources: Resources = self.lotse_app.state.resources
        try:
            await resources.open()
        except StartupError as exc:
            self.startup_error = exc
            await resources.close()
            return
        try:
            await super().serve(sockets)
        finally:
            await resources.close()  # a no-op when the lifespan has closed them
            flush_repeats()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            settle_heap()
        if self.started and self.on_ready is not None:
            self.on_ready()

    async def on_tick(self, counter: int) -> bool:
        if counter % 10 == 0:  # once a second: summaries of throttled repeated log lines
            flush_repeats()
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        hub: Hub | None = getattr(self.lotse_app.state, "hub", None)
        if hub is not None:
            await hub.close_all(CLOSE_GOING_AWAY, "server restarting; reconnect")
        await super().shutdown(sockets)


def uvicorn_config(app: Starlette, settings: Settings, **overrides: object) -> uvicorn.Config:
    """uvicorn settings that enforce the frame limit, ping/pong and the edge, and keep logs private.

    Raises ValueError when `Settings.max_sockets` does not fit under the file-handle limit.
    """
    budget = socket_budget(settings.max_sockets)
    edge = Edge(budget.max_sockets, settings.handshake_timeout, app.state.metrics)
    http, ws = edge.protocols()
    options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "http": http,  # h11 with the request-head deadline and the socket cap (edge.py)
        # websockets sans-I/O, invalid UTF-8 closed quietly with 1007, and one event's
        # replies in one write (coalesce.py)
        "ws": type("LotseHeldFramesProtocol", (HeldFrames, ws), {}),
        "backlog": budget.backlog,
        "ws_max_size": settings.max_frame_bytes,
        # Frames are a few hundred bytes: compressing them saves little bandwidth, costs
        # every connection about 44 KB and every frame CPU, and invites compression
        # bombs (docs/decisions.md, "The hot path").
        "ws_per_message_deflate": False,
        "ws_ping_interval": settings.ping_interval,
        "ws_ping_timeout": settings.ping_timeout,
        "log_config": None,  # ours: JSON lines, see logs.py
        "access_log": False,  # uvicorn's would log client addresses and query strings
        "server_header": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": max(1, int(settings.shutdown_grace) + 3),
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)  # type: ignore[arg-type]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site",
        metavar="PATH",
        help="site configuration (TOML); default: the bundled demo site, with its pages",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument(
        "--reload-config",
        action="store_true",
        help="reload the site when its files change (SIGHUP always reloads)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="where the experiment ledger is kept (default: ./lotse-data or $LOTSE_DATA_DIR)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        default=None,
        help="where sessions and the experiment ledger are kept: redis://HOST:6379/0 to "
        "share them between processes and nodes, or memory (default: $LOTSE_STORE, "
        "else memory)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes sharing the port (default: 1); more than 1 needs --store redis://…",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level (default: info)",
    )


def build_settings(args: argparse.Namespace) -> Settings:
    site = getattr(args, "site", None)
    is_demo = site is None or Path(site).resolve() == DEMO_SITE
    overrides: dict[str, object] = {
        "host": args.host,
        "port": args.port,
        "demo_pages": is_demo,
        "reload_poll_interval": 1.0 if getattr(args, "reload_config", False) else 0.0,
    }
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    store = getattr(args, "store", None)
    if store is not None:
        overrides["store_url"] = None if store.strip().lower() == "memory" else store
    return Settings.from_env(**overrides)


def check_workers(workers: int, settings: Settings) -> None:
    """Refuse a number of workers that cannot work (ValueError says why and what to do)."""
    if workers < 1:
        raise ValueError(f"--workers {workers}: there must be at least 1. Fix: --workers 1")
    if workers > 1 and not settings.store_url:
        raise ValueError(
            f"refusing --workers {workers} with the in-memory session store: each worker "
            "would keep its own sessions, so a visitor whose next connection reaches another "
            "worker would start over (and each would keep its own ledger). Fix: share them "
            "in Redis with --store redis://HOST:6379/0 (or LOTSE_STORE), or run one worker"
        )


def run(args: argparse.Namespace) -> int:
    """Run until interrupted; the exit code says why it stopped (`startup.EXIT_*`)."""
    configure_logging(getattr(args, "log_level", "info").upper())
    worker = WorkerEnvironment.from_env()  # handed its sockets by `lotse serve --workers`
    if worker is not None:
        worker.end_with_parent()
    raise_fd_limit()
    workers = getattr(args, "workers", 1)
    try:
        settings = build_settings(args)
        settings.check_secrets()
        socket_budget(settings.max_sockets)
        check_workers(workers, settings)
    except (InsecureSettings, ValueError) as exc:
        print(f"lotse serve: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    site_path = Path(args.site) if getattr(args, "site", None) else DEMO_SITE
    try:
        app = create_app(site_path, settings=settings)
    except lotse.ConfigError as exc:
        print(f"lotse serve: {site_path} has errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_SITE
    if workers > 1:
        return _supervise(args, app, settings, workers)
    if worker is not None:
        return serve_until_stopped(app, settings, sockets=worker.sockets(), ready=worker.ready)
    return serve_until_stopped(app, settings)


def _supervise(args: argparse.Namespace, app: Starlette, settings: Settings, workers: int) -> int:
    """Check the address and the store once, then run `workers` processes (`workers.py`)."""
    assert settings.store_url is not None
    err = sys.stderr
    try:
        sockets = bind(settings.host, settings.port)
    except StartupError as exc:
        print(exc.line(), file=err, flush=True)
        return exc.exit_code
    try:
        asyncio.run(_check_store(settings))
        return supervise(
            args,
            workers,
            sockets,
            settings.store_url,
            lambda: _announce(app, settings, sys.stdout, workers),
            err,
        )
    except StartupError as exc:
        print(exc.line(), file=err, flush=True)
        return exc.exit_code
    finally:
        for sock in sockets:
            sock.close()


async def _check_store(settings: Settings) -> None:
    store = open_store(settings)
    try:
        await check_store(store)
    finally:
        await store.close()


def serve_until_stopped(
    app: Starlette,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sockets: list[socket.socket] | None = None,
    ready: Callable[[], None] | None = None,
) -> int:
    """Bind, check, serve `app` until stopped; print the banner on `out` once it serves.

    Every start-up problem is one line on `err` (standard error) and its exit code.
    A worker of ``--workers`` passes the `sockets` it was handed, and `ready`,
    called instead of printing the banner.
    """
    out, err = out or sys.stdout, err or sys.stderr
    if sockets is None:
        try:
            sockets = bind(settings.host, settings.port)
        except StartupError as exc:
            print(exc.line(), file=err, flush=True)
            return exc.exit_code
    on_ready = ready or (lambda: _announce(app, settings, out))
    server = LotseServer(uvicorn_config(app, settings), app, on_ready=on_ready)
    try:
        server.run(sockets=sockets)
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    except SystemExit:  # uvicorn's way out when the app's lifespan fails: a bug, logged
        print(
            "lotse serve: the app failed to start (its traceback is in the log above). "
            "Fix: report it with that traceback",
            file=err,
            flush=True,
        )
        return EXIT_OTHER
    finally:
        for sock in sockets:
            sock.close()
    if server.startup_error is not None:
        print(server.startup_error.line(), file=err, flush=True)
        return server.startup_error.exit_code
    return EXIT_OK


def _announce(app: Starlette, settings: Settings, out: TextIO, workers: int = 1) -> None:
    """The banner, printed once the server listens and its lifespan has started."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"
    log.info("serving", extra={"host": settings.host, "port": settings.port, "workers": workers})
    if workers > 1:
        print(
            f"{workers} workers share sessions in {redact_url(settings.store_url or '')}",
            file=out,
            flush=True,
        )
    if settings.demo_pages:
        print(
            f"Lotse is serving the demo site at {base}/\n"
            f"Open {base}/fachkreise/ and watch the large box at the top change to the "
            "professionals' version; the i in its corner ('Warum sehe ich das?') says why.\n"
            "Press Ctrl+C to stop.",
            file=out,
            flush=True,
        )
    else:
        print(f"Lotse is serving site {app.state.holder.engine.site_id!r}: "
              f"snippet {base}/lotse.js, WebSocket {base.replace('http', 'ws', 1)}/ws",
              file=out, flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse serve", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
