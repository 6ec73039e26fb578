"""`lotse serve`: run the server with uvicorn.

With no arguments it serves the bundled demo site on http://127.0.0.1:8000/
with in-memory sessions and the experiment ledger in ``./lotse-data/``::

    lotse serve                          # or: python -m lotse_server.serve
    lotse serve --site mysite.toml --host 0.0.0.0 --port 8080 --reload-config

Secrets come from ``LOTSE_TOKEN_KEY``, ``LOTSE_VERIFICATION_KEY`` and
``LOTSE_ADMIN_TOKEN``; without them the public demo secrets are used, which is
refused on anything but a loopback address. See docs/operations.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

import lotse

from .app import create_app
from .demo import SITE_PATH as DEMO_SITE
from .logs import configure_logging
from .settings import InsecureSettings, Settings
from .ws import CLOSE_GOING_AWAY, Hub

log = logging.getLogger("lotse.serve")


class LotseServer(uvicorn.Server):
    """uvicorn's server, closing WebSockets with 1001 (going away) on shutdown.

    uvicorn itself closes open WebSockets with 1012 and only then runs the
    app's lifespan shutdown. Lotse closes them first, with 1001, after the
    listening sockets stop accepting, so that the snippet reconnects (to this
    server once it is back, or to another node) and resumes by token.
    """

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self.lotse_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        hub: Hub | None = getattr(self.lotse_app.state, "hub", None)
        if hub is not None:
            await hub.close_all(CLOSE_GOING_AWAY, "server restarting; reconnect")
        await super().shutdown(sockets)


def uvicorn_config(app: Starlette, settings: Settings, **overrides: object) -> uvicorn.Config:
    """uvicorn settings that enforce the frame limit and ping/pong, and keep logs private."""
    options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "ws": "websockets-sansio",
        "ws_max_size": settings.max_frame_bytes,
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
    return Settings.from_env(**overrides)


def run(args: argparse.Namespace) -> int:
    """Run until interrupted; 0 on a clean exit, 1 for a bad site, 2 for unsafe settings."""
    configure_logging(getattr(args, "log_level", "info").upper())
    try:
        settings = build_settings(args)
        settings.check_secrets()
    except (InsecureSettings, ValueError) as exc:
        print(f"lotse serve: {exc}", file=sys.stderr)
        return 2
    site_path = Path(args.site) if getattr(args, "site", None) else DEMO_SITE
    try:
        app = create_app(site_path, settings=settings)
    except lotse.ConfigError as exc:
        print(f"lotse serve: {site_path} has errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    base = f"http://{'127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host}"
    base += f":{settings.port}"
    if settings.demo_pages:
        print(
            f"Lotse is serving the demo site at {base}/\n"
            f"Open {base}/fachkreise/ and watch the large box at the top change to the "
            "professionals' version; the i in its corner ('Warum sehe ich das?') says why.\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
    else:
        print(f"Lotse is serving site {app.state.holder.engine.site_id!r}: "
              f"snippet {base}/lotse.js, WebSocket {base.replace('http', 'ws', 1)}/ws",
              flush=True)  # fmt: skip
    server = LotseServer(uvicorn_config(app, settings), app)
    try:
        server.run()
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    except SystemExit as exc:  # uvicorn exits like this when it cannot bind the port
        return int(exc.code) if isinstance(exc.code, int) else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse serve", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
