"""The HTTP side of `lotse serve`: snippet, health, metrics, headers, and the demo site."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

import lotse
from lotse_server import Settings
from lotse_server.app import CONTENT_SECURITY_POLICY
from lotse_server.demo import PAGES

# -- the snippet -------------------------------------------------------------------------------


def test_snippet_is_served_unchanged_with_etag_and_cache_headers(
    serve_app: Callable[..., Any], built_snippet: Path
) -> None:
    server = serve_app()
    body = built_snippet.read_bytes()
    with httpx.Client(base_url=server.http) as http:
        first = http.get("/lotse.js")
        assert first.status_code == 200
        assert first.content == body
        assert first.headers["content-type"].startswith("text/javascript")
        assert "max-age" in first.headers["cache-control"]
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')

        again = http.get("/lotse.js", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag

        weak = http.get("/lotse.js", headers={"If-None-Match": f'"other", W/{etag}'})
        assert weak.status_code == 304
        stale = http.get("/lotse.js", headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200


def test_snippet_integrity_hash_is_published(
    serve_app: Callable[..., Any], built_snippet: Path
) -> None:
    server = serve_app()
    digest = hashlib.sha384(built_snippet.read_bytes()).digest()
    expected = "sha384-" + base64.b64encode(digest).decode()
    with httpx.Client(base_url=server.http) as http:
        script = http.get("/lotse.js")
        sri = http.get("/lotse.js.sri")
    assert script.headers["x-lotse-integrity"] == expected
    assert sri.text.strip() == expected
    # Cross-origin <script integrity=... crossorigin> needs CORS.
    assert script.headers["access-control-allow-origin"] == "*"


def test_the_chat_file_is_served_with_etag_integrity_and_a_long_life_when_versioned(
    serve_app: Callable[..., Any], built_snippet: Path
) -> None:
    chat = built_snippet.with_name("lotse-chat.min.js")
    if not chat.is_file():
        pytest.skip("js_snippet/dist/lotse-chat.min.js is not built yet")
    body = chat.read_bytes()
    version = hashlib.sha384(body).hexdigest()[:16]
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    server = serve_app()
    with httpx.Client(base_url=server.http) as http:
        plain = http.get("/lotse-chat.js")
        versioned = http.get(f"/lotse-chat.js?v={version}")
        other = http.get("/lotse-chat.js?v=0123456789abcdef")
        again = http.get(
            f"/lotse-chat.js?v={version}", headers={"If-None-Match": plain.headers["etag"]}
        )
        sri = http.get("/lotse-chat.js.sri")
        core = http.get("/lotse.js")
    assert plain.status_code == versioned.status_code == 200
    assert plain.content == versioned.content == body
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    # An old core asking for another version gets today's file, but not for long.
    assert other.headers["cache-control"] == "public, max-age=300"
    assert again.status_code == 304
    assert plain.headers["x-lotse-integrity"] == integrity == sri.text.strip()
    assert plain.headers["access-control-allow-origin"] == "*"
    # The core loads exactly this file: its version and hash are built into it.
    assert f"lotse-chat.js?v={version}".encode() in core.content
    assert integrity.encode() in core.content


def test_the_core_is_immutable_only_under_its_own_version(
    serve_app: Callable[..., Any], built_snippet: Path
) -> None:
    version = hashlib.sha384(built_snippet.read_bytes()).hexdigest()[:16]
    server = serve_app()
    with httpx.Client(base_url=server.http) as http:
        assert http.get(f"/lotse.js?v={version}").headers["cache-control"].endswith("immutable")
        assert http.get("/lotse.js?v=1").headers["cache-control"] == "public, max-age=300"


def test_a_missing_snippet_is_a_clear_404(tmp_path: Path) -> None:
    from starlette.requests import Request

    from lotse_server.snippet import Snippet

    snippet = Snippet(tmp_path / "missing.js")
    request = Request({"type": "http", "method": "GET", "headers": [], "path": "/lotse.js"})
    response = snippet.serve(request)
    assert response.status_code == 404
    assert b"js_snippet" in bytes(response.body)
    chat = Snippet(tmp_path / "missing-chat.js", name="lotse-chat.min.js").serve(request)
    assert chat.status_code == 404
    assert b"lotse-chat.min.js" in bytes(chat.body)


# -- health and metrics --------------------------------------------------------------------


def test_healthz(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    response = httpx.get(f"{server.http}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["site"] == "demo"


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, label_text = head.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', label_text))
        if metric == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    raise AssertionError(f"no sample {name} {labels} in:\n{text}")


async def test_metrics_count_connections_events_swaps_chat_and_errors(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    async with connect(server.ws, origin=server.origin) as ws:
        hello = {"type": "hello", "site": "demo", "url": "/fachkreise/", "slots": ["hero"]}
        await ws.send(orjson.dumps(hello).decode())
        await ws.send(orjson.dumps({"type": "chat", "text": "Ich bin Apothekerin"}).decode())
        await ws.send("{broken")
        # welcome, hero swap, say, hero swap, error
        for _ in range(5):
            await ws.recv()
        async with httpx.AsyncClient(base_url=server.http) as http:
            text = (await http.get("/metrics")).text
    assert _metric(text, "lotse_connections_open") == 1
    assert _metric(text, "lotse_connections_total", outcome="accepted") == 1
    assert _metric(text, "lotse_events_total", type="hello") == 1
    assert _metric(text, "lotse_events_total", type="chat") == 1
    assert _metric(text, "lotse_swaps_total", slot="hero") == 2
    assert _metric(text, "lotse_chat_answers_total", result="matched") == 1
    assert _metric(text, "lotse_errors_total", code="bad_json") == 1
    assert _metric(text, "lotse_decision_seconds_count") == 2
    assert _metric(text, "lotse_sessions_total", how="new") == 1
    assert _metric(text, "lotse_sessions_stored") == 1


def test_metrics_can_require_the_admin_token(serve_app: Callable[..., Any]) -> None:
    settings = Settings(metrics_require_token=True, admin_token="s3cret-admin")
    server = serve_app(settings=settings)
    with httpx.Client(base_url=server.http) as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = http.get("/metrics", headers={"Authorization": "Bearer s3cret-admin"})
    assert ok.status_code == 200
    assert "lotse_connections_open" in ok.text


# -- headers ---------------------------------------------------------------------------------


def test_every_response_has_the_strict_csp_and_a_request_id(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    with httpx.Client(base_url=server.http) as http:
        for path in ("/", "/healthz", "/metrics", "/assets/demo.css", "/nowhere"):
            response = http.get(path)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])
        echoed = http.get("/healthz", headers={"X-Request-ID": "proxy-abc-123"})
        assert echoed.headers["x-request-id"] == "proxy-abc-123"
        rejected = http.get("/healthz", headers={"X-Request-ID": "<script>"})
        assert rejected.headers["x-request-id"] != "<script>"


# -- the demo site -----------------------------------------------------------------------------


def test_every_demo_page_embeds_the_snippet_and_its_slots_without_inline_code(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    with httpx.Client(base_url=server.http) as http:
        for page in PAGES:
            response = http.get(page.path)
            assert response.status_code == 200, page.path
            html = response.text
            assert f'<html lang="{page.lang}">' in html
            assert '<script src="/lotse.js" data-site="demo" async></script>' in html
            assert '<script src="/assets/lotse-queue.js"></script>' in html
            assert html.count('data-lotse-slot="hero"') == 1, page.path
            assert 'data-lotse-slot="teaser"' in html
            nav = html[html.index("<nav") : html.index("</nav>")]
            assert 'data-lotse-slot="nav-cta"' in nav
            # CSP-friendly: no inline scripts, no inline styles, no event handler attributes.
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page.path
            assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), page.path
            assert html.index('data-lotse-slot="hero"') < html.index('data-lotse-slot="teaser"')
            switch = http.get(page.other)
            assert switch.status_code == 200, page.other


def test_demo_assets_are_served(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    with httpx.Client(base_url=server.http) as http:
        for name, kind in (
            ("demo.css", "text/css"),
            ("lotse-queue.js", "javascript"),
            ("demo.js", "javascript"),
            ("logo.svg", "image/svg+xml"),
        ):
            response = http.get(f"/assets/{name}")
            assert response.status_code == 200
            assert kind in response.headers["content-type"]


@pytest.mark.parametrize(
    ("path", "query", "expect"),
    [
        ("/patienten/beipackzettel", "paracetamol", "Lotsamol 500 mg Tabletten"),
        ("/patienten/beipackzettel", "Zäpfchen", "Lotsamol Junior"),
        ("/en/patients/leaflets", "OMEPRAZOL", "Kompassin 20 mg capsules"),
    ],
)
def test_the_leaflet_search_filters_the_list(
    serve_app: Callable[..., Any], path: str, query: str, expect: str
) -> None:
    server = serve_app()
    html = httpx.get(f"{server.http}{path}", params={"q": query}).text
    assert expect in html
    assert "Tidenstat" not in html


def test_the_leaflet_search_query_is_rendered_escaped(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    html = httpx.get(f"{server.http}/patienten/beipackzettel", params={"q": attack}).text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;' in html


def test_the_demo_login_returns_an_assertion_the_server_accepts(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    response = httpx.post(f"{server.http}/demo/login")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assertion = response.json()["assertion"]
    key = server.app.state.settings.verification_key
    assert lotse.check_assertion(key, assertion, time.time()) is not None
    assert httpx.get(f"{server.http}/demo/login").status_code == 405


def test_the_contact_form_thanks_without_keeping_anything(serve_app: Callable[..., Any]) -> None:
    server = serve_app()
    response = httpx.post(f"{server.http}/kontakt/danke", data={"nachricht": "Hallo"})
    assert response.status_code == 200
    assert "Vielen Dank" in response.text
    assert "Hallo" not in response.text


def test_a_site_of_ones_own_serves_no_demo_pages(serve_app: Callable[..., Any]) -> None:
    site = lotse.Site("mine", origins=["https://mine.example"])
    server = serve_app(site, settings=Settings(demo_pages=False))
    with httpx.Client(base_url=server.http) as http:
        assert http.get("/").status_code == 404
        assert http.post("/demo/login").status_code == 404
        assert http.get("/healthz").json()["site"] == "mine"


async def test_the_demo_login_signs_nothing_unless_the_server_is_local() -> None:
    from lotse_server import create_app
    from lotse_server.demo import SITE_PATH

    settings = Settings(
        host="0.0.0.0",
        demo_pages=True,
        token_key=b"t" * 32,
        verification_key=b"v" * 32,
        admin_token="a" * 32,
    )
    app = create_app(SITE_PATH, settings=settings)
    transport = httpx.ASGITransport(app=app)  # this route needs no lifespan
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
        response = await http.post("/demo/login")
    assert response.status_code == 403
    assert "assertion" not in response.json()
