"""The in-memory session store and the store interface."""

from __future__ import annotations

import time

import pytest

from lotse_server import MemoryStore, SessionStore


async def test_get_put_delete() -> None:
    store = MemoryStore()
    assert isinstance(store, SessionStore)
    assert await store.get("a") is None
    await store.put("a", {"v": 1, "id": "a"})
    assert await store.get("a") == {"v": 1, "id": "a"}
    await store.put("a", {"v": 1, "id": "a", "x": 2})
    assert (await store.get("a") or {})["x"] == 2
    await store.delete("a")
    await store.delete("a")  # deleting twice is fine
    assert await store.get("a") is None


async def test_sessions_expire_after_the_idle_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    store = MemoryStore(ttl=60)
    await store.put("a", {"id": "a"})
    now[0] += 59
    assert await store.get("a") is not None
    await store.put("a", {"id": "a"})  # activity restarts the idle time
    now[0] += 59
    assert await store.get("a") is not None
    now[0] += 2
    assert await store.get("a") is None


async def test_memory_is_bounded_by_max_sessions() -> None:
    store = MemoryStore(max_sessions=3)
    for name in "abcde":
        await store.put(name, {"id": name})
    assert len(store) == 3
    assert await store.get("a") is None
    assert await store.get("e") is not None
