"""Replacing the site while serving: atomically, and never with a broken configuration."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect

from lotse_server import Settings
from lotse_server.demo import SITE_PATH
from lotse_server.metrics import Metrics
from lotse_server.reload import SiteHolder

OLD_HEADING = "<h2>Fachinformationen, Studiendaten und CME-Fortbildungen</h2>"
NEW_HEADING = "<h2>Neu: Fachinformationen auf einen Blick</h2>"


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    shutil.copy(SITE_PATH, path)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def hero_hcp_html(holder: SiteHolder) -> str:
    return holder.engine.variants[("hero", "hero-hcp")].html_for("de")


async def test_a_good_change_replaces_the_site(site_file: Path) -> None:
    holder = SiteHolder.from_site(site_file, Metrics())
    before = holder.engine
    edit(site_file, OLD_HEADING, NEW_HEADING)
    assert await holder.reload("test")
    assert holder.engine is not before
    assert NEW_HEADING in hero_hcp_html(holder)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('[[slot]]\nid = "hero"', '[[slot]\nid = "hero"', "not valid TOML"),
        (
            'when = { visitor_type = "hcp", verified = true }',
            'when = { visitor_type = "hcp" }',
            "rx",
        ),
        ('variant = "hero-patient"\n', 'variant = "hero-nobody"\n', "unknown variant"),
    ],
)
async def test_a_broken_change_is_rejected_and_the_old_site_keeps_serving(
    site_file: Path, caplog: pytest.LogCaptureFixture, old: str, new: str, problem: str
) -> None:
    metrics = Metrics()
    holder = SiteHolder.from_site(site_file, metrics)
    before = holder.engine
    edit(site_file, old, new)
    with caplog.at_level(logging.INFO, logger="lotse.reload"):
        assert not await holder.reload("test")
    assert holder.engine is before
    rejected = [r for r in caplog.records if r.getMessage() == "config_rejected"]
    assert rejected, caplog.text
    assert any(problem in str(getattr(r, "problem", "")) for r in rejected), caplog.text
    assert all(getattr(r, "fix", "") and getattr(r, "where", "") for r in rejected)
    assert b'lotse_config_reloads_total{result="rejected"} 1.0' in metrics.render()


async def test_polling_notices_a_changed_file(site_file: Path) -> None:
    holder = SiteHolder.from_site(site_file, Metrics())
    polling = asyncio.create_task(holder.poll(0.05))
    try:
        await asyncio.sleep(0.1)
        edit(site_file, OLD_HEADING, NEW_HEADING)
        for _ in range(100):
            if NEW_HEADING in hero_hcp_html(holder):
                break
            await asyncio.sleep(0.05)
    finally:
        polling.cancel()
    assert NEW_HEADING in hero_hcp_html(holder)


async def test_open_connections_move_to_the_new_site(
    serve_app: Callable[..., Any], site_file: Path
) -> None:
    server = serve_app(site_file, settings=Settings(reload_poll_interval=0.05))
    holder = server.app.state.holder
    async with connect(server.ws, origin=server.origin) as ws:
        hello = {
            "type": "hello",
            "site": "demo",
            "url": "/fachkreise/",
            "slots": ["hero"],
            "lang": "de",
        }
        await ws.send(orjson.dumps(hello).decode())
        await ws.recv()  # welcome
        assert orjson.loads(await ws.recv())["html"].find(OLD_HEADING) >= 0
        edit(site_file, OLD_HEADING, NEW_HEADING)
        for _ in range(100):
            if NEW_HEADING in hero_hcp_html(holder):
                break
            await asyncio.sleep(0.05)
        page = {"type": "page", "url": "/fachkreise/", "slots": ["hero"]}
        await ws.send(orjson.dumps(page).decode())
        swap = orjson.loads(await ws.recv())
    assert swap["variant"] == "hero-hcp"
    assert NEW_HEADING in swap["html"]
