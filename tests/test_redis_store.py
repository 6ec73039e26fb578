"""The Redis session store and the write-back in front of it, against a real redis-server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis

import lotse
from conftest import free_port
from lotse_server.demo import SITE_PATH
from lotse_server.metrics import Metrics
from lotse_server.redis_store import RedisPeers, RedisStore, store_error
from lotse_server.store import PROBE_SESSION, LiveSessions, MemoryStore, StoreError

HELLO = lotse.Hello("demo", "https://demo.example/fachkreise/", lang="de", slots=("hero",))


@pytest.fixture(scope="module")
def engine() -> lotse.Engine:
    return lotse.load_site(SITE_PATH).engine()


def started(engine: lotse.Engine) -> lotse.Session:
    session = engine.new_session()
    session.feed(HELLO, time.time())
    return session


def metric(metrics: Metrics, name: str) -> float:
    value = metrics.registry.get_sample_value(name)
    return 0.0 if value is None else value


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.02)


async def test_get_put_delete_and_the_keys_expire_with_the_session_ttl(
    redis_url: str, redis_prefix: str
) -> None:
    store = RedisStore(redis_url, ttl=0.4, prefix=redis_prefix)
    raw = redis.Redis.from_url(redis_url)
    try:
        assert await store.get("a") is None
        await store.put("a", {"v": 1, "id": "a"})
        assert await store.get("a") == {"v": 1, "id": "a"}
        # One hash per session: the time of its last event and its state.
        assert set(raw.hgetall(f"{redis_prefix}s:a")) == {b"t", b"s"}
        assert 0 < raw.pttl(f"{redis_prefix}s:a") <= 400
        await store.delete("a")
        await store.delete("a")  # twice is fine
        assert await store.get("a") is None
        await store.put("b", {"id": "b"})
        await asyncio.sleep(0.6)
        assert await store.get("b") is None
        assert not raw.exists(f"{redis_prefix}s:b")
    finally:
        raw.close()
        await store.close()


async def test_an_older_write_never_replaces_a_newer_state_or_an_opt_out(
    redis_url: str, redis_prefix: str
) -> None:
    # A node whose connection went stale writes late; it must not undo what another
    # node wrote since, and never bring back a session the visitor deleted.
    store = RedisStore(redis_url, prefix=redis_prefix)
    try:
        await store.write([("s", 200.0, {"n": 2})], [])
        await store.write([("s", 100.0, {"n": 1})], [])
        assert await store.get("s") == {"n": 2}
        await store.write([], [("s", 300.0)])  # the visitor opted out at 300
        await store.write([("s", 250.0, {"n": 3})], [])
        assert await store.get("s") is None
        # An opt-out is final for its session id, even against a newer write from a
        # node that still held the old profile (a duplicated tab on another node).
        await store.write([("s", 400.0, {"n": 4})], [])
        assert await store.get("s") is None
    finally:
        await store.close()


async def test_a_damaged_state_starts_fresh(redis_url: str, redis_prefix: str) -> None:
    store = RedisStore(redis_url, prefix=redis_prefix)
    raw = redis.Redis.from_url(redis_url)
    try:
        raw.hset(f"{redis_prefix}s:x", mapping={"t": "1", "s": "{not json"})
        assert await store.get("x") is None
    finally:
        raw.close()
        await store.close()


async def test_the_state_is_built_when_written_back_not_per_event(
    redis_url: str, redis_prefix: str, engine: lotse.Engine
) -> None:
    store = RedisStore(redis_url, prefix=redis_prefix)
    sessions = LiveSessions(store, interval=1.0, metrics=Metrics())
    await sessions.start()
    try:
        session = started(engine)
        for n in range(200):
            href = "/fachkreise/studien" if n % 2 else "/apotheke/"
            session.feed(lotse.parse_event({"type": "click", "href": href}), time.time())
            sessions.changed(session)
        assert sessions.built == 0  # 200 events, no state built yet
        stored = await eventually(lambda: store.get(session.id), timeout=5)
        assert stored == session.state()
        assert 1 <= sessions.built <= 2  # one write-back for all of them
        # A connection's end writes its session at once, not at the next interval.
        session.feed(lotse.ChatAnswer(text="Ich bin Apothekerin"), time.time())
        sessions.changed(session)
        sessions.release(session)
        written = time.monotonic()
        assert await eventually(lambda: _stated(store, session.id, "pharmacist"), timeout=5)
        assert time.monotonic() - written < 0.5  # the interval is 1 s
    finally:
        await sessions.close()


async def _stated(store: RedisStore, session_id: str, visitor_type: str) -> bool:
    state = await store.get(session_id)
    return state is not None and state["profile"]["stated"] == visitor_type


async def test_a_resume_here_finds_the_live_or_waiting_session_without_the_store(
    engine: lotse.Engine,
) -> None:
    memory = MemoryStore()
    sessions = LiveSessions(memory, metrics=Metrics())  # the in-memory store: no interval
    await sessions.start()
    session = started(engine)
    sessions.changed(session)
    assert await memory.get(session.id) is None  # nothing written while connected
    assert await sessions.get(session.id) == session.state()
    assert sessions.held() == 1
    sessions.release(session)
    assert await sessions.get(session.id) == session.state()  # waiting, or written
    assert await eventually(lambda: memory.get(session.id)) == session.state()
    await sessions.delete(session.id)
    assert await sessions.get(session.id) is None
    assert await eventually(lambda: _gone(memory, session.id))
    await sessions.close()


async def _gone(store: MemoryStore, session_id: str) -> bool:
    return await store.get(session_id) is None


async def test_an_older_connection_ending_late_does_not_overwrite_the_newer_one(
    engine: lotse.Engine,
) -> None:
    memory = MemoryStore()
    sessions = LiveSessions(memory)
    await sessions.start()
    old = started(engine)
    sessions.changed(old)
    new = engine.new_session()  # the visitor reconnected before the old socket closed
    new.feed(HELLO, time.time(), resume=await sessions.get(old.id))
    new.feed(lotse.ChatAnswer(text="Ich bin Apothekerin"), time.time())
    sessions.changed(new)
    sessions.release(old)  # the old connection's end: not the newest, not written
    assert (await sessions.get(new.id) or {})["profile"]["stated"] == "pharmacist"
    sessions.release(new)
    assert await eventually(lambda: _stated_in(memory, new.id, "pharmacist"))
    await sessions.close()


async def _stated_in(store: MemoryStore, session_id: str, visitor_type: str) -> bool:
    state = await store.get(session_id)
    return state is not None and state["profile"]["stated"] == visitor_type


async def test_redis_lost_visitors_go_on_from_memory_and_writes_land_when_it_returns(
    own_redis: Callable[..., Any], engine: lotse.Engine
) -> None:
    server = own_redis()
    metrics = Metrics()
    store = RedisStore(server.url, timeout=1.0)
    sessions = LiveSessions(store, interval=0.1, metrics=metrics)
    await sessions.start()
    try:
        session = started(engine)
        sessions.changed(session)
        assert await eventually(lambda: store.get(session.id))
        server.kill()
        session.feed(lotse.ChatAnswer(text="Ich bin Apothekerin"), time.time())
        sessions.changed(session)
        assert await eventually(lambda: metric(metrics, "lotse_store_write_failures_total") > 0)
        assert metric(metrics, "lotse_store_up") == 0
        # Served from memory: the live session resumes here, an unknown one starts
        # fresh at once instead of waiting for Redis.
        assert (await sessions.get(session.id) or {})["profile"]["stated"] == "pharmacist"
        asked = time.monotonic()
        assert await sessions.get("somebody-else") is None
        assert time.monotonic() - asked < 0.05
        server.start()  # the same port, empty: the write-back probes with back-off
        assert await eventually(lambda: _stated(store, session.id, "pharmacist"), timeout=15)
        assert metric(metrics, "lotse_store_up") == 1
        assert metric(metrics, "lotse_store_pending") == 0
    finally:
        await sessions.close()


async def test_every_start_up_failure_says_what_to_fix(own_redis: Callable[..., Any]) -> None:
    async def problem(url: str) -> StoreError:
        store = RedisStore(url, timeout=2.0)
        try:
            with pytest.raises(StoreError) as failed:
                await store.get(PROBE_SESSION)
            return failed.value
        finally:
            await store.close()

    guarded = own_redis("--requirepass", "s3cret")
    closed = free_port()
    refused = await problem(f"redis://127.0.0.1:{closed}/0")
    assert "connection refused" in refused.problem
    assert f"redis-server --port {closed}" in refused.fix
    unknown = await problem("redis://lotse-no-such-host.invalid:6379/0")
    assert "does not resolve" in unknown.problem and "host name" in unknown.fix
    missing = await problem(guarded.url)
    assert "wants a password" in missing.problem
    assert "redis://:PASSWORD@127.0.0.1" in missing.fix
    wrong = await problem(f"redis://:nope@127.0.0.1:{guarded.port}/0")
    assert "refused the password" in wrong.problem and "nope" not in str(wrong.problem)
    no_such_db = await problem(f"redis://:s3cret@127.0.0.1:{guarded.port}/99")
    assert "answered with an error" in no_such_db.problem and "database" in no_such_db.fix
    right = RedisStore(f"redis://:s3cret@127.0.0.1:{guarded.port}/0")
    assert await right.get("x") is None
    await right.close()


def test_a_password_never_appears_in_an_error() -> None:
    error = store_error(ConnectionError("boom"), "redis://:hunter2@db.example:6379/0")
    assert "hunter2" not in error.problem + error.fix
    assert "redis://:***@db.example:6379/0" in error.problem


async def test_reloads_are_announced_to_every_other_node(redis_url: str, redis_prefix: str) -> None:
    first = RedisStore(redis_url, prefix=redis_prefix)
    second = RedisStore(redis_url, prefix=redis_prefix)
    heard: list[str] = []

    async def listen(peers: RedisPeers) -> None:
        async for why in peers.messages():
            heard.append(why)

    a, b = first.peers(), second.peers()
    listening = asyncio.create_task(listen(b))
    own = asyncio.create_task(listen(a))
    try:
        await asyncio.sleep(0.3)  # subscribed
        await a.announce("SIGHUP")
        assert await eventually(lambda: heard, timeout=5)
        assert heard == [f"node {a.node}: SIGHUP"]  # only the other node heard it
    finally:
        for task in (listening, own):
            task.cancel()
        await asyncio.gather(listening, own, return_exceptions=True)
        await first.close()
        await second.close()
