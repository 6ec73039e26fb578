"""Clients the server tests share: a visitor on /fachkreise/, a raw WebSocket, idle sockets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import os
import resource
import selectors
import socket
import struct
import time

import orjson
from websockets.asyncio.client import connect
from websockets.typing import Origin

HERO_HEADING = "<h2>Fachinformationen, Studiendaten und CME-Fortbildungen</h2>"


async def hero_on_fachkreise(ws_url: str, origin: str) -> str:
    """A visitor opens /fachkreise/: the `welcome`, then the hero's `swap`; returns its HTML."""
    async with connect(ws_url, origin=Origin(origin)) as ws:
        hello = {
            "type": "hello",
            "site": "demo",
            "url": "/fachkreise/",
            "slots": ["hero"],
            "lang": "de",
        }
        await ws.send(orjson.dumps(hello).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "welcome"
        swap = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        assert swap["type"] == "swap" and swap["slot"] == "hero"
        return str(swap["html"])


class RawWebSocket:
    """A WebSocket client written out by hand, to send frames no library would send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int, path: str = "/ws") -> RawWebSocket:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """One final frame, masked as a client must."""
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def close_code(self, timeout: float = 10.0) -> int:
        """Read frames until the server's close frame; its status code."""
        async with asyncio.timeout(timeout):
            while True:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                payload = await self.reader.readexactly(length)
                if first & 0x0F == 0x8:
                    return int(struct.unpack("!H", payload[:2])[0]) if payload else 1005
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


def ensure_fd_limit(needed: int) -> bool:
    """Raise this process's soft file-handle limit to `needed` if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return True
    if hard != resource.RLIM_INFINITY and hard < needed:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return True


def open_idle_sockets(
    port: int, count: int, wave: int = 50, pause: float = 0.02, timeout: float = 20.0
) -> list[socket.socket]:
    """`count` TCP connections to 127.0.0.1:`port` that never send a byte.

    Connected `wave` at a time, in parallel (non-blocking), `pause` seconds
    apart. Faster than the server accepts, the burst would overflow its accept
    queue; Linux then drops SYNs (retried a second later) or leaves
    connections half-open on the server's side until it retransmits its
    SYN-ACK, seconds later, while the client already thinks it is connected.
    """
    connected: list[socket.socket] = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        while len(connected) < count:
            pending: dict[int, socket.socket] = {}
            for _ in range(min(wave, count - len(connected))):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                code = sock.connect_ex(("127.0.0.1", port))
                assert code in (0, errno.EINPROGRESS), os.strerror(code)
                pending[sock.fileno()] = sock
                selector.register(sock, selectors.EVENT_WRITE)
            while pending:
                assert time.monotonic() < deadline, f"{len(pending)} idle sockets did not connect"
                for key, _ in selector.select(timeout=0.5):
                    sock = pending.pop(key.fd)
                    selector.unregister(sock)
                    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
                    connected.append(sock)
            time.sleep(pause)
    return connected


def wait_until_closed_by_server(socks: list[socket.socket], timeout: float) -> list[socket.socket]:
    """Wait (at most `timeout`) for the server to close each socket; those still open."""
    open_: dict[int, socket.socket] = {s.fileno(): s for s in socks}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while open_ and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                sock = open_[key.fd]
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert data == b"", f"an idle socket got data: {data[:80]!r}"
                selector.unregister(sock)
                del open_[key.fd]
    return list(open_.values())
