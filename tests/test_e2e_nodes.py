"""Two Lotse nodes behind a real nginx, configured by the deployment guide's own file.

docs/deploy/nginx.conf is rendered with this test's ports and paths (plain string
replacements, each checked to still be in the file) and run by Debian's nginx; two
``lotse serve --store redis://…`` nodes share one real redis-server behind it.

- A visitor on /fachkreise/ through nginx (TLS, WebSocket upgrade) becomes a
  professional; their node is killed outright; they reconnect through nginx with
  their token and resume on the other node: the home page, which alone decides
  nothing, shows them the professionals' hero at once.
- A quiet connection outlives nginx's read timeout: Lotse's pings keep it open.
- Behind the proxy the browser's Origin is the proxy's public origin: listed in the
  site file it is let through, a foreign one is refused (403) through nginx too.
- Draining (SIGTERM) reaches the visitor through nginx as close 1001.
- HTTP through nginx: /healthz and the snippet pass, /metrics and /dashboard are
  closed to the public, plain HTTP redirects to HTTPS.
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from conftest import ROOT, ServerProcess, free_port, need_tool, nginx_dir
from lotse_server.demo import SITE_PATH
from test_redis_store import eventually
from test_server_redis import PHARMACY, Visitor, metric, receive_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals, Debian's nginx")

GUIDE_CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"
HCP = "hero-hcp"
#: Lotse's ping interval in this test, and nginx's read timeout rendered to outlast it.
PING_INTERVAL = 1.0
READ_TIMEOUT = 3


@dataclass
class Deployment:
    """Two nodes, nginx in front, and how a browser on the proxy's public origin reaches it."""

    nodes: list[ServerProcess]
    https_port: int
    http_port: int
    tls: ssl.SSLContext
    directory: Path

    @property
    def public_origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ws(self) -> str:
        return f"wss://127.0.0.1:{self.https_port}/ws"

    def connect(self, origin: str | None = None) -> Any:
        return connect(self.ws, origin=Origin(origin or self.public_origin), ssl=self.tls)

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.public_origin, verify=self.tls)

    async def connections(self) -> list[int]:
        """Each node's open WebSockets, asked of each node directly (not through nginx)."""
        counts = []
        async with httpx.AsyncClient() as http:
            for node in self.nodes:
                if node.process.poll() is not None:
                    counts.append(0)
                    continue
                counts.append((await http.get(f"{node.origin}/healthz")).json()["connections"])
        return counts

    def access_log(self) -> str:
        path = self.directory / "lotse-access.log"
        return path.read_text() if path.exists() else ""


def render_guide_config(
    nodes: list[ServerProcess], https_port: int, http_port: int, directory: Path, cert: Path,
    key: Path,
) -> str:  # fmt: skip
    """docs/deploy/nginx.conf with this test's addresses, ports and paths put in."""
    text = GUIDE_CONFIG.read_text(encoding="utf-8")
    replacements = {
        "10.0.0.11:8000": f"127.0.0.1:{nodes[0].port}",
        "10.0.0.12:8000": f"127.0.0.1:{nodes[1].port}",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/ssl/lotse/fullchain.pem": str(cert),
        "/etc/ssl/lotse/privkey.pem": str(key),
        "/run/nginx.pid": str(directory / "nginx.pid"),
        "/var/log/nginx/": f"{directory}/",
        # Lotse pings every PING_INTERVAL here: the connection must outlive a read timeout.
        "proxy_read_timeout 75s;": f"proxy_read_timeout {READ_TIMEOUT}s;",
        # The packaged nginx keeps temporary files in /var/lib/nginx (root's): ours here.
        "http {": "http {\n" + "".join(
            f"    {kind}_temp_path {directory}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
    }  # fmt: skip
    for old, new in replacements.items():
        assert text.count(old) >= 1, f"{GUIDE_CONFIG} no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    return text


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with the openssl command."""
    openssl = need_tool("openssl", "openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def deployment(
    start_nodes: Callable[..., list[ServerProcess]],
    nginx: Callable[..., Any],
    tmp_path: Path,
) -> Deployment:
    """Two nodes on one Redis, the guide's nginx in front on free ports, TLS it trusts."""
    need_tool("nginx", "nginx")  # before starting anything
    https_port, http_port = free_port(), free_port()
    directory = nginx_dir(tmp_path)
    cert, key = self_signed_certificate(directory)
    # Behind the proxy the pages' origin is the proxy's public one (here the demo's pages
    # come through it): the site file must list it.
    site = tmp_path / "site.toml"
    demo = SITE_PATH.read_text(encoding="utf-8")
    listed = 'origins = ["http://127.0.0.1:8000", "http://localhost:8000"]'
    assert listed in demo
    site.write_text(demo.replace(listed, f'origins = ["https://127.0.0.1:{https_port}"]'))
    nodes = start_nodes(
        2, "--site", str(site), extra_env={"LOTSE_PING_INTERVAL": str(PING_INTERVAL)}
    )
    config = render_guide_config(nodes, https_port, http_port, directory, cert, key)
    nginx(config, [https_port, http_port])
    tls = ssl.create_default_context(cafile=str(cert))
    return Deployment(nodes, https_port, http_port, tls, directory)


async def test_a_visitor_whose_node_is_killed_resumes_through_nginx_on_the_other(
    deployment: Deployment,
) -> None:
    visitor = Visitor()
    async with deployment.connect() as ws:
        await visitor.hello(ws, "/fachkreise/")
        assert (await receive_until(ws, "swap"))["variant"] == HCP
        counts = await deployment.connections()
        assert sorted(counts) == [0, 1], counts
        served, other = (deployment.nodes[i] for i in (counts.index(1), counts.index(0)))
        # Quiet for longer than nginx's read timeout: Lotse's pings keep it open (and the
        # session is written back to Redis meanwhile, every 0.5 s).
        await asyncio.sleep(READ_TIMEOUT + 1)
        try:
            await ws.send(orjson.dumps({"type": "seen", "slot": "hero", "variant": HCP}).decode())
            await ws.ping()
        except ConnectionClosed:
            pytest.fail(f"nginx closed a connection quiet for more than {READ_TIMEOUT} s")
        assert await deployment.connections() == counts
        served.process.send_signal(signal.SIGKILL)  # no drain, no write at the end
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert served.process.wait(timeout=10) == -signal.SIGKILL
    # The snippet reconnects through nginx with its token: the dead node is skipped and
    # the other resumes the profile. The home page alone decides nothing ...
    async with deployment.connect() as ws:
        assert (await Visitor().hello(ws, "/"))["swaps"] == 0
    # ... yet the resumed visitor gets the professionals' hero there at once.
    async with deployment.connect() as ws:
        assert await visitor.resume(ws) == HCP
        assert await deployment.connections() == [
            1 if node is other else 0 for node in deployment.nodes
        ]
        # A rolling restart: the node drains, its 1001 reaches the visitor through nginx.
        other.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert " GET /ws 101 " in deployment.access_log()


async def test_behind_nginx_the_origin_checked_is_the_proxys_public_one(
    deployment: Deployment,
) -> None:
    async with deployment.connect() as ws:  # Origin: https://127.0.0.1:<nginx's port>
        await Visitor().hello(ws, "/fachkreise/")
        assert (await receive_until(ws, "swap"))["variant"] == HCP
    # Another site; a sandboxed frame; the proxy's host and port over plain http.
    plain = f"http://127.0.0.1:{deployment.https_port}"
    for foreign in ("https://evil.example", "null", plain):
        with pytest.raises(InvalidStatus) as refused:
            async with deployment.connect(origin=foreign):
                pass
        assert refused.value.response.status_code == 403, foreign


async def test_http_through_nginx(deployment: Deployment) -> None:
    async with deployment.http() as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["site"] == "demo"
        snippet = await http.get("/lotse.js")
        assert snippet.status_code == 200 and snippet.headers["etag"]
        sri = (await http.get("/lotse.js.sri")).text
        assert sri.startswith("sha384-")
        assert (await http.get("/lotse.js", headers={"If-None-Match": snippet.headers["etag"]})
                ).status_code == 304  # fmt: skip
        # Per process, and for staff: not through the public proxy.
        assert (await http.get("/metrics")).status_code == 403
        assert (await http.get("/dashboard")).status_code == 403
    async with httpx.AsyncClient() as http:
        plain = await http.get(f"http://127.0.0.1:{deployment.http_port}/healthz?x=1")
        assert plain.status_code == 301
        assert plain.headers["location"] == "https://127.0.0.1/healthz?x=1"
    # The guide's log format: time, method, path (no query), status, bytes, duration and
    # the node; no visitor address, user agent or query string.
    lines = deployment.access_log().splitlines()
    assert any(" GET /healthz 200 " in line for line in lines)
    assert all(len(line.split()) == 7 and line[:2] == "20" for line in lines), lines
    assert not any("x=1" in line or "python-httpx" in line for line in lines)


# -- bugs found while testing several nodes (reproducers; xfail until fixed) ---------------


async def test_an_opt_out_on_one_node_stays_when_another_node_holds_the_session(
    start_nodes: Callable[..., list[ServerProcess]], redis_url: str, redis_prefix: str
) -> None:
    first, second = start_nodes(2)
    visitor = Visitor()
    raw = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}s:"
    async with connect(first.ws, origin=Origin(first.origin)) as tab:
        await visitor.becomes_a_pharmacist(tab)
        key += visitor.session_id
        await asyncio.sleep(1.0)  # written back
        # A duplicated tab (sessionStorage is copied with it) reaches the other node.
        async with connect(second.ws, origin=Origin(second.origin)) as duplicate:
            assert await visitor.resume(duplicate) == PHARMACY
            await duplicate.send(orjson.dumps({"type": "optout"}).decode())
            await receive_until(duplicate, "restore")
        # Deleted (an empty record for the TTL), written back after the reply is sent.
        assert await eventually(lambda: raw.hget(key, "s") == b"", timeout=5.0)
        # The first tab is still open on the first node and goes on browsing.
        await tab.send(orjson.dumps({"type": "click", "href": "/apotheker-service/"}).decode())
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # the first node wrote the session at the connection's end
    stored = raw.hget(key, "s")
    raw.close()
    assert stored == b"", f"the deleted profile is back: {stored[:200]!r}"


async def test_metrics_of_a_node_with_two_workers_count_both(
    start_process: Callable[..., ServerProcess], redis_url: str, redis_prefix: str
) -> None:
    server = start_process(
        "--store", redis_url, "--workers", "2", extra_env={"LOTSE_STORE_PREFIX": redis_prefix}
    )
    assert server.wait_for("Lotse is serving", timeout=30), server.text()
    seen: set[float] = set()
    async with connect(server.ws, origin=Origin(server.origin)) as ws:
        await Visitor().hello(ws, "/fachkreise/")
        for _ in range(100):  # each scrape on a new connection, as Prometheus's may be
            async with httpx.AsyncClient() as http:
                seen.add(metric((await http.get(f"{server.origin}/metrics")).text,
                                "lotse_connections_open"))  # fmt: skip
            if len(seen) > 1:
                break
    assert seen == {1.0}, f"lotse_connections_open read {sorted(seen)} with one visitor open"
