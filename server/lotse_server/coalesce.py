"""One event's replies in one write: held WebSocket frames, sent together.

uvicorn's WebSocket protocol turns every ASGI ``websocket.send`` into a frame
and writes it to the socket at once: an event answered with a `welcome` and
three swaps costs four ``send`` system calls, each about as dear as the frame
itself. `HeldFrames` lets the app say that more messages follow: a
``websocket.send`` carrying ``"lotse.more": True`` is framed but held, and the
next send without it writes every held frame and its own in one go. Frames
keep their order, and a ping, a close or the next loop iteration also writes
what is held, so nothing waits for a message that never comes.

An ASGI server that does not know the key ignores it and sends each message
at once, as before.

Cheaper still, one ``websocket.send`` can carry a whole event's replies: its
``"lotse.frames"`` are texts sent as frames of their own before its ``text``,
all in one write, so the app crosses Starlette and uvicorn once per event
rather than once per message. The frames are built by the websockets library
as any other. A server advertises this in the scope's ``extensions``
(`FRAMES`); an app must not use the key with a server that does not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

#: The ASGI message key that holds a frame for the next send.
MORE = "lotse.more"
#: The ASGI message key (and scope extension) for texts framed before the message's own.
FRAMES = "lotse.frames"


class HeldFrames(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, holding frames marked `MORE` for one write."""

    _flush_soon: asyncio.Handle | None = None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None and scope.get("type") == "websocket":
            scope["extensions"][FRAMES] = {}

    async def send(self, message: Any) -> None:
        frames = message.get(FRAMES)
        if frames:
            await self._send_frames(message, frames)
            return
        if not (
            message.get(MORE)
            and message["type"] == "websocket.send"
            and self.handshake_complete
            and not self.close_sent
            and self.initial_response is None
        ):
            if self._flush_soon is not None:
                self._flush_soon.cancel()
                self._flush_soon = None
            await super().send(message)  # writes what is held first: data_to_send() has it
            return
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        try:
            text = message.get("text")
            if text is not None:
                self.conn.send_text(text.encode())
            else:
                self.conn.send_binary(message["bytes"])
        except InvalidState:
            raise ClientDisconnected() from None
        if self._flush_soon is None:
            # A safety net: should the app never send the last message, the next
            # iteration of the loop writes what is held.
            self._flush_soon = self.loop.call_soon(self._flush)

    async def _send_frames(self, message: Any, frames: list[str]) -> None:
        """Frame each of `frames`, then send `message` itself: one write for all."""
        if not (
            message["type"] == "websocket.send"
            and self.handshake_complete
            and not self.close_sent
            and self.initial_response is None
        ):
            # As separate messages, whatever uvicorn makes of them.
            for text in frames:
                await super().send({"type": "websocket.send", "text": text, "bytes": None})
            await super().send({k: v for k, v in message.items() if k != FRAMES})  # type: ignore[arg-type]
            return
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        try:
            for text in frames:
                self.conn.send_text(text.encode())
        except InvalidState:
            raise ClientDisconnected() from None
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        await super().send(message)  # writes the held frames first: data_to_send() has them

    def _flush(self) -> None:
        self._flush_soon = None
        if self.transport.is_closing():
            return
        output = self.conn.data_to_send()
        if output:
            self.transport.write(b"".join(output))
