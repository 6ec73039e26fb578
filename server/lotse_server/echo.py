"""A bare WebSocket echo server on Lotse's own stack: the floor `lotse bench` compares with.

It answers every text message with the same text, and does nothing else: no
JSON, no session, no store. It runs on exactly what `lotse serve` runs on —
uvicorn and Starlette with `serve.uvicorn_config`'s options (the edge's h11
and WebSocket protocols, frame limit, ping/pong, compression setting) — in a
process of its own, so that what Lotse costs above it is what Lotse adds::

    python -m lotse_server.echo --port 8001 [--reuse-port]

With ``--reuse-port`` several echo processes can share one port (the kernel
spreads connections over them), as `lotse bench --workers N` needs.
"""

from __future__ import annotations

import argparse
import socket
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .edge import raise_fd_limit
from .metrics import Metrics
from .serve import uvicorn_config
from .settings import Settings


async def echo_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


def create_echo_app() -> Starlette:
    """The echo at ``/ws`` (any path would do; this one matches Lotse's)."""
    app = Starlette(routes=[WebSocketRoute("/ws", echo_endpoint)])
    app.state.metrics = Metrics()  # the edge counts its sockets here, as in Lotse
    return app


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class _EchoServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.config.host, self.config.port
            print(f"echo serving on ws://{host}:{port}/ws", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lotse_server.echo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--reuse-port", action="store_true", help="share the port (SO_REUSEPORT)")
    args = parser.parse_args(argv)
    raise_fd_limit()
    settings = Settings.from_env(host=args.host, port=args.port)
    app = create_echo_app()
    sock = listen(args.host, args.port, reuse_port=args.reuse_port)
    server = _EchoServer(uvicorn_config(app, settings, lifespan="off"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
