"""`create_app`: the Starlette application behind `lotse serve`.

Routes, explicitly listed:

- ``/ws`` — wire protocol v1 (see docs/protocol.md and `ws.py`);
- ``/lotse.js`` and ``/lotse.js.sri`` — the browser snippet and its SRI hash;
  ``/lotse-chat.js`` and ``/lotse-chat.js.sri`` — its chat widget (`snippet.chat_routes`);
- ``/healthz`` — liveness and the site in use;
- ``/metrics`` — Prometheus text;
- ``/dashboard`` — the experiments dashboard for staff, behind the admin token
  (`dashboard.py`);
- the bundled demo site's pages when `Settings.demo_pages` is on.

Every HTTP response carries a strict Content-Security-Policy and a request id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import lotse

from . import metrics as metrics_module
from .auth import bearer_ok
from .dashboard import dashboard_routes
from .ledger import ExperimentLedger
from .logs import AccessLog
from .metrics import Metrics
from .reload import SiteHolder, follow
from .settings import Settings
from .snippet import Snippet, chat_routes
from .startup import Resources, open_store
from .store import LiveSessions, MemoryStore, SessionStore
from .ws import CLOSE_GOING_AWAY, Hub, websocket_endpoint

log = logging.getLogger("lotse.app")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware adding the CSP and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A WebSocket goes straight through: an `async` wrapper would keep one more
        # coroutine frame alive for the whole life of every connection.
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    site: lotse.Site | str | Path,
    *,
    store: SessionStore | None = None,
    settings: Settings | None = None,
    ledger: ExperimentLedger | None = None,
) -> Starlette:
    """The ASGI app serving `site` (a `lotse.Site`, or the path of a site TOML file).

    Raises `lotse.ConfigError` if the site file has errors. `store` defaults to
    Redis at `settings.store_url`, else an in-memory store; `ledger` to the
    same Redis, else a SQLite file in `settings.data_dir`. Both are opened when
    the app starts, the store checked with a round trip and the data directory
    probed (`startup.Resources`: a problem is a `StartupError`). The sessions
    of open connections are held in memory and written back to the store
    (`store.LiveSessions`, which `app.state.store` is).
    """
    settings = settings or Settings()
    metrics = Metrics()
    holder = SiteHolder.from_site(site, metrics)
    # `is None`, not `or`: an empty MemoryStore has len() 0 and is falsy.
    if store is None:
        store = open_store(settings)
    sessions = LiveSessions(
        store,
        ttl=settings.session_ttl,
        # A store other processes read gets changed sessions every interval; one
        # only this process reads, when their connections end.
        interval=settings.store_write_interval if getattr(store, "shared", True) else None,
        max_pending=settings.max_sessions,
        metrics=metrics,
    )
    if isinstance(store, MemoryStore):
        metrics.stored_sessions(lambda: float(sessions.held()))
    snippet = Snippet()

    resources = Resources(settings, store, metrics, ledger)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Already open under `lotse serve` (LotseServer opens them before uvicorn
        # starts, so a problem is one line); opened here under any other server.
        opened = await resources.open()
        await sessions.start()
        hub = Hub(holder, sessions, opened, metrics, settings)
        app.state.hub = hub
        tasks: set[asyncio.Task[object]] = set()
        sighup = _install_sighup(holder, tasks)
        peers = getattr(store, "peers", None)  # a shared store reloads every node
        if callable(peers):
            holder.peers = peers()
            tasks.add(asyncio.create_task(follow(holder, holder.peers)))
        if settings.reload_poll_interval > 0 and holder.path is not None:
            tasks.add(asyncio.create_task(holder.poll(settings.reload_poll_interval)))
        log.info(
            "server_started",
            extra={"site": holder.engine.site_id, "slots": len(holder.engine.slots)},
        )
        try:
            yield
        finally:
            await hub.close_all(CLOSE_GOING_AWAY, "server shutting down")
            if sighup:
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            holder.peers = None
            await sessions.close()  # writes the sessions held here, closes the store
            await resources.close()
            log.info("server_stopped")

    async def healthz(request: Request) -> Response:
        hub: Hub = request.app.state.hub
        connections = len(hub.connections)
        if metrics.node is not None:  # one of several workers: the node's connections
            families = await asyncio.to_thread(metrics.collect)
            connections = int(metrics_module.sample_value(families, "lotse_connections_open") or 0)
        # 503 while shutting down, so a load balancer stops sending new visitors here.
        return JSONResponse(
            {
                "status": "shutting_down" if hub.closing else "ok",
                "site": hub.holder.engine.site_id,
                "connections": connections,
                "version": lotse.__version__,
            },
            status_code=503 if hub.closing else 200,
            headers={"Cache-Control": "no-store"},
        )

    async def metrics_endpoint(request: Request) -> Response:
        if settings.metrics_require_token and not bearer_ok(request, settings.admin_token):
            return PlainTextResponse(
                "metrics need Authorization: Bearer <LOTSE_ADMIN_TOKEN>",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        # One of several workers asks the others (blocking, briefly): off the event loop.
        text = metrics.render() if metrics.node is None else await asyncio.to_thread(metrics.render)
        return Response(
            text,
            media_type=metrics_module.CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    routes: list[BaseRoute] = [
        WebSocketRoute("/ws", websocket_endpoint),
        Route("/lotse.js", snippet.serve, methods=["GET"]),
        Route("/lotse.js.sri", snippet.serve_integrity, methods=["GET"]),
        *chat_routes(),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *dashboard_routes(settings),
    ]
    if settings.demo_pages:
        from .demo import demo_routes

        routes += demo_routes(settings)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog), Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.holder = holder
    app.state.store = sessions
    app.state.resources = resources
    return app


def _install_sighup(holder: SiteHolder, tasks: set[asyncio.Task[object]]) -> bool:
    """Reload the configuration on SIGHUP (main thread on Unix only)."""
    if not hasattr(signal, "SIGHUP"):
        return False

    def on_sighup() -> None:
        task = asyncio.ensure_future(holder.reload("SIGHUP"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)
    except (ValueError, RuntimeError, NotImplementedError):
        return False  # not the main thread (tests run servers in threads)
    return True
