"""The Redis session store: sessions shared by every process and node of a deployment.

``lotse serve --store redis://HOST:6379/0`` keeps sessions here (and the
experiment ledger, `redis_ledger.py`), so a visitor resumes on whichever
process or node their next connection reaches. Redis is never on an event's
path: `store.LiveSessions` holds the live sessions in memory and writes the
changed ones back in batches (`write`, one pipelined round trip).

Keys (`prefix` is `Settings.store_prefix`, ``lotse:`` by default):

- ``{prefix}s:{session id}`` — a hash: ``t``, the time of the session's last
  event, and ``s``, its state as JSON (empty once the visitor opted out).
  It expires `ttl` (`Settings.session_ttl`) after its last write.
- ``{prefix}reload`` — the pub/sub channel that reloads the configuration on
  every node (`RedisPeers`).

A write is one small Lua script, so it is atomic: a state older than the one
stored (by event time) is not written, and an opt-out leaves ``s`` empty
until the key expires. A late write from a node whose connection went stale
can then never bring back an older profile, or one the visitor deleted.

Failures are `store.StoreError`s with the problem and its fix in words, for
the start-up line (`startup.check_store`) and the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, NoScriptError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeout

from .settings import redact_url
from .store import Forget, Save, State, StoreError

log = logging.getLogger("lotse.store")

#: KEYS[1] the session's key; ARGV: event time, state JSON ("" = deleted), TTL in ms.
_SAVE = """
local t = redis.call('HGET', KEYS[1], 't')
if t and tonumber(t) > tonumber(ARGV[1]) then return 0 end
if redis.call('HGET', KEYS[1], 's') == '' and ARGV[2] ~= '' then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[1], 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

#: Where --store comes from, for the fixes.
_WHERE = "--store (or LOTSE_STORE)"


def connect(url: str, *, timeout: float = 5.0, max_connections: int = 32) -> Redis:
    """An asyncio Redis client for `url` that fails fast: no retries of its own, bounded waits.

    Lotse retries itself (the write-back probes with back-off), so a command
    never hangs on an unreachable server for longer than `timeout`. The pool
    waits up to `timeout` for one of its `max_connections` connections rather
    than opening one per concurrent request.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    return Redis(connection_pool=pool)


def store_error(exc: BaseException, url: str, timeout: float = 5.0) -> StoreError:
    """What went wrong talking to Redis at `url`, in words, with the fix (never the password)."""
    where = redact_url(url)
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    address = parts.path if parts.scheme == "unix" else f"{host}:{port}"
    if isinstance(exc, AuthenticationError) or any(
        code in str(exc) for code in ("NOAUTH", "WRONGPASS", "invalid password")
    ):
        if parts.password or (parts.username and parts.scheme != "unix"):
            return StoreError(
                f"Redis at {where} refused the password in the URL ({exc})",
                f"put the right one in {_WHERE}: redis://:PASSWORD@{address}/0, or "
                f"redis://USER:PASSWORD@{address}/0 for an ACL user",
            )
        return StoreError(
            f"Redis at {where} wants a password",
            f"put it in {_WHERE}: redis://:PASSWORD@{address}/0, or "
            f"redis://USER:PASSWORD@{address}/0 for an ACL user",
        )
    cause = _os_error(exc)
    if isinstance(cause, socket.gaierror):
        return StoreError(
            f"the host name {host!r} in {where} does not resolve",
            f"correct the host name in {_WHERE}, or check this machine's DNS",
        )
    if cause is not None and cause.errno == errno.ECONNREFUSED:
        return StoreError(
            f"Redis at {where} refused the connection (connection refused: nothing "
            f"listens on {address})",
            f"start Redis there (e.g. `redis-server --port {port}`), or correct {_WHERE}",
        )
    if cause is not None and cause.errno == errno.ENOENT and parts.scheme == "unix":
        return StoreError(
            f"Redis at {where} cannot be reached: there is no socket at {address}",
            f"start Redis with `unixsocket {address}`, or correct {_WHERE}",
        )
    if isinstance(exc, TimeoutError | RedisTimeout):
        return StoreError(
            f"Redis at {where} did not answer within {timeout:g} s",
            f"check that Redis runs at {address} and that no firewall drops this "
            "machine's connections to it",
        )
    if isinstance(exc, ResponseError):
        return StoreError(
            f"Redis at {where} answered with an error: {exc}",
            f"check the database number in {_WHERE} and Redis's own log",
        )
    return StoreError(
        f"cannot use Redis at {where}: {exc or type(exc).__name__}",
        f"check that Redis runs at {address} and is reachable from here, and {_WHERE}",
    )


def _os_error(exc: BaseException) -> OSError | None:
    """The operating system's error behind a redis-py error, if there is one."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, OSError) and not isinstance(seen, TimeoutError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class RedisStore:
    """Session states in Redis, shared by every process and node (`store.BatchStore`)."""

    #: Other processes read it: `LiveSessions` writes changed sessions back every interval.
    shared = True

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 1800.0,
        prefix: str = "lotse:",
        timeout: float = 5.0,
        max_connections: int = 32,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.prefix = prefix
        self.timeout = timeout
        self.client = connect(url, timeout=timeout, max_connections=max_connections)
        self._save_sha = hashlib.sha1(_SAVE.encode()).hexdigest()

    def key(self, session_id: str) -> str:
        return f"{self.prefix}s:{session_id}"

    def error(self, exc: BaseException) -> StoreError:
        return store_error(exc, self.url, self.timeout)

    async def get(self, session_id: str) -> State | None:
        try:
            raw = await self.client.hget(self.key(session_id), "s")
        except (RedisError, OSError) as exc:
            raise self.error(exc) from exc
        if not raw:
            return None
        try:
            state = orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.warning("store_damaged_state", extra={"session": session_id})
            return None  # a damaged record never breaks a visit: it starts fresh
        return state if isinstance(state, dict) else None

    async def put(self, session_id: str, state: State) -> None:
        await self.write([(session_id, time.time(), state)], [])

    async def delete(self, session_id: str) -> None:
        await self.write([], [(session_id, time.time())])

    async def write(self, saves: Sequence[Save], deletes: Sequence[Forget]) -> None:
        """Deletions, then states, in one pipelined round trip; newer-wins per session."""
        try:
            try:
                await self._write(saves, deletes)
            except NoScriptError:  # a new or restarted Redis: load the script, write again
                await self.client.script_load(_SAVE)
                await self._write(saves, deletes)
        except (RedisError, OSError) as exc:
            raise self.error(exc) from exc

    async def _write(self, saves: Sequence[Save], deletes: Sequence[Forget]) -> None:
        ttl_ms = max(1, round(self.ttl * 1000))
        sha = self._save_sha
        async with self.client.pipeline(transaction=False) as pipe:
            for session_id, when in deletes:
                pipe.evalsha(sha, 1, self.key(session_id), repr(when), "", ttl_ms)
            for session_id, when, state in saves:
                pipe.evalsha(sha, 1, self.key(session_id), repr(when), orjson.dumps(state), ttl_ms)
            await pipe.execute()

    def peers(self) -> RedisPeers:
        """The configuration-reload channel on this Redis."""
        return RedisPeers(self.client, f"{self.prefix}reload")

    async def close(self) -> None:
        await self.client.aclose()
        await self.client.connection_pool.disconnect()


class RedisPeers:
    """Every node's reloads, over a Redis pub/sub channel (`reload.Peers`).

    A node that reloaded because of SIGHUP or a changed file `announce`s it;
    every other node hears it in `messages` and reloads its own site file. A
    lost subscription is renewed with back-off, and once renewed says so (a
    reload announced meanwhile was missed: the node checks its files).
    """

    def __init__(self, client: Redis, channel: str) -> None:
        self.client = client
        self.channel = channel
        self.node = secrets.token_hex(6)

    async def announce(self, why: str) -> None:
        try:
            await self.client.publish(self.channel, orjson.dumps({"node": self.node, "why": why}))
        except (RedisError, OSError) as exc:
            log.warning("reload_not_announced", extra={"error": str(exc) or type(exc).__name__})

    async def messages(self) -> AsyncIterator[str]:
        """Why another node reloaded, for each of its announcements; runs until cancelled."""
        backoff, lost = 0.5, False
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                if lost:
                    log.info("reload_channel_back", extra={"channel": self.channel})
                    lost, backoff = False, 0.5
                    yield "the reload channel was lost for a while"
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    why = _announcement(message.get("data"), self.node)
                    if why is not None:
                        yield why
            except (RedisError, OSError) as exc:
                if not lost:
                    log.warning(
                        "reload_channel_lost",
                        extra={"error": str(exc) or type(exc).__name__, "retry": "with back-off"},
                    )
                lost = True
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


def _announcement(data: Any, own_node: str) -> str | None:
    """`why` from another node's announcement; None for this node's own or a malformed one."""
    try:
        decoded = orjson.loads(data)
    except (orjson.JSONDecodeError, TypeError):
        return None
    if not isinstance(decoded, dict) or decoded.get("node") == own_node:
        return None
    return f"node {str(decoded.get('node'))[:12]}: {str(decoded.get('why'))[:64]}"
