"""`lotse preview`: signed, expiring review links, and what a server does with them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Origin

import lotse
from lotse_server.cli import main
from lotse_server.settings import DEMO_TOKEN_KEY


def preview(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["preview", *argv]) == 0
    return capsys.readouterr().out.strip()


def token_of(url: str) -> str:
    (token,) = parse_qs(urlsplit(url).query)["lotse_preview"]
    return token


def test_the_link_keeps_the_page_and_carries_a_signed_preview(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = preview(capsys, "https://www.acme.example/produkte/?utm_source=x", "--as", "hcp",
                  "--persona", "evidence", "--verified", "hcp", "--hours", "2")  # fmt: skip
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("www.acme.example", "/produkte/")
    assert parse_qs(parts.query)["utm_source"] == ["x"]
    read = lotse.read_preview(DEMO_TOKEN_KEY, token_of(url), time.time())
    assert read is not None
    assert (read.visitor_type, read.persona, read.verified_role) == ("hcp", "evidence", "hcp")
    assert 2 * 3600 - 60 < read.expires - time.time() <= 2 * 3600


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["https://x.example/", "--as", "astronaut"], "use one of"),
        (["https://x.example/", "--as", "hcp", "--persona", "curious"], "--persona"),
        (["https://x.example/", "--as", "patient", "--verified", "hcp"], "pass --as hcp"),
        (["https://x.example/", "--as", "hcp", "--hours", "9999"], "--hours"),
        (["not a url", "--as", "hcp"], "not a page address"),
    ],
)
def test_mistakes_are_refused_with_the_fix(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert main(["preview", *argv]) == 2
    assert says in capsys.readouterr().err


async def test_the_server_shows_the_preview_and_counts_nothing(
    serve_app: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve_app()
    url = preview(capsys, f"{server.http}/", "--as", "pharmacist")
    altered = token_of(url)[:-2] + "xx"
    for token, expected in ((token_of(url), "hero-pharmacist"), (altered, None)):
        async with connect(server.ws, origin=Origin(server.origin)) as ws:
            hello = {"type": "hello", "site": "demo", "url": "/", "slots": ["hero"],
                     "lang": "en", "preview": token}  # fmt: skip
            await ws.send(orjson.dumps(hello).decode())
            welcome = orjson.loads(await ws.recv())
            await ws.send('{"type": "convert", "goal": "lead"}')
            await ws.send('{"type": "sync"}')
            replies = []
            while (message := orjson.loads(await ws.recv()))["type"] != "error":
                replies.append(message)
        swaps = {m["slot"]: m["variant"] for m in replies if m["type"] == "swap"}
        if expected:
            assert welcome["preview"] == "Preview: this page as a Pharmacist sees it."
            assert welcome["chat"] is None and swaps == {"hero": expected}
        else:  # an altered link is ignored: the page behaves normally
            assert "preview" not in welcome and swaps == {}
    metrics = server.app.state.metrics.render().decode()
    assert 'lotse_swaps_total{slot="hero"}' not in metrics
    assert 'lotse_events_total{type="convert"} 1.0' in metrics  # the normal visit only
    assert len(server.app.state.store) == 1  # the preview was never saved
